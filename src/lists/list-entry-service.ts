import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { decodeCursor, pageOf } from '../db/pagination';
import { recordAudit, type AuditRecord } from '../audit/audit-store';
import { actorOf, type CallContext } from '../auth/principal';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { idNumberProblem } from '../identity/id-number';
import type { PersonKeyer } from '../identity/person-key';
import { insertOrders, liftOrdersOfEntry, ordersOfEntries, type NewOrderRow } from '../orders/order-store';
import { insertBans, insertRestrictions, liftRestrictionsOfEntry } from '../restrictions/restriction-store';
import { factsOf, planOutcome, type Plan } from '../rules/outcome-planner';
import type { RuleEngine } from '../rules/rule-engine';
import type { Clock } from '../time/clock';
import { chinaDate, endOfChinaDay } from '../time/dates';
import { addWorkingDays } from '../time/working-days';
import { normaliseEntry, type ListEntryInput, type NormalisedEntry } from './entry-input';
import { findEntry, findEntryBySourceRef, insertEntryIfNew, markEntryRemoved, searchEntries, type EntryFilters, type EntryRow } from './list-entry-store';
import { toListEntry, type ListEntry } from './list-entry-view';

export interface EntryServiceDeps {
  db: Db;
  engine: RuleEngine;
  departments: DepartmentDirectory;
  keyOf: PersonKeyer;
  clock: Clock;
  feedbackDueWorkingDays: number;
}

/**
 * 发起: a list authority puts a subject on a list. The rules fire once, inside the transaction that stores the
 * entry, and the resulting orders, restrictions and bans are written with it: all or nothing.
 */
export class ListEntryService {
  constructor(private readonly d: EntryServiceDeps) {}

  /** Rules evaluated for an entry, without storing anything. */
  async plan(input: ListEntryInput): Promise<{ normalised: NormalisedEntry; plan: Plan }> {
    const normalised = normaliseEntry(input, this.d.keyOf, chinaDate(this.d.clock.now()));
    const fired = await this.d.engine.fire(factsOf(normalised.forRules));
    return { normalised, plan: planOutcome(normalised.forRules, fired) };
  }

  async create(ctx: CallContext, input: ListEntryInput): Promise<{ created: boolean; entry: ListEntry }> {
    const p = ctx.principal;
    if (p.kind !== 'department' || !this.d.departments.isAuthorityFor(p.department.code, input.listType)) {
      throw new ForbiddenError(`only the authority for the ${input.listType} list may add entries to it`);
    }
    const authority = p.department.code;
    const { normalised, plan } = await this.plan(input);
    const now = this.d.clock.now();
    const dueAt = endOfChinaDay(addWorkingDays(chinaDate(now), this.d.feedbackDueWorkingDays));

    return this.d.db.transaction(async (trx) => {
      const entryId = randomUUID();
      const inserted = await insertEntryIfNew(trx, {
        id: entryId,
        list_type: input.listType,
        authority,
        source_ref: input.sourceRef,
        subject_kind: input.subject.kind,
        uscc: normalised.uscc,
        subject_name: normalised.subjectName,
        person_keys: normalised.personKeys,
        subject: normalised.display.subject,
        related_persons: normalised.display.relatedPersons,
        reason: input.reason,
        decision_no: input.decisionNo,
        decided_at: input.decidedAt,
        expires_at: input.expiresAt ?? null,
        rules_version: this.d.engine.version,
        created_by: actorOf(p),
        created_at: now,
      });
      if (!inserted) {
        // The same sourceRef from the same authority: the stored entry, and nothing new.
        const existing = (await findEntryBySourceRef(trx, authority, input.sourceRef)) as EntryRow;
        return { created: false, entry: toListEntry(existing, await ordersOfEntries(trx, [existing.id]), now) };
      }

      const orderIds = new Map(plan.orders.map((o) => [o.department, randomUUID()]));
      const orderIdOf = (department: string) => orderIds.get(department) as string;
      const orders: NewOrderRow[] = plan.orders.map((o) => ({
        id: orderIdOf(o.department),
        entry_id: entryId,
        list_type: input.listType,
        department: o.department,
        measures: o.measures,
        issued_at: now,
        due_at: dueAt,
      }));
      await insertOrders(trx, orders);
      await insertRestrictions(trx, entryId, input.listType, orderIdOf, plan.restrictions);
      await insertBans(trx, entryId, input.listType, orderIdOf, plan.bans);

      const actor = actorOf(p);
      const entry = toListEntry(inserted, orders.map((o) => ({ ...o, status: 'issued', feedback: null, lifted_at: null })), now);
      const { orders: _orders, ...entryAudit } = entry;
      await recordAudit(trx, { at: now, requestId: ctx.requestId }, [
        { actor, action: 'entry.created', entityType: 'list_entry', entityId: entryId, after: entryAudit },
        ...entry.orders.map((o): AuditRecord => ({ actor, action: 'order.issued', entityType: 'order', entityId: o.id, after: o })),
      ]);
      return { created: true, entry };
    });
  }

  async get(_ctx: CallContext, id: string): Promise<ListEntry> {
    const row = await findEntry(this.d.db, id);
    if (!row) throw new NotFoundError(`no list entry with id ${id}`);
    return toListEntry(row, await ordersOfEntries(this.d.db, [row.id]), this.d.clock.now());
  }

  async search(
    _ctx: CallContext,
    q: { uscc?: string; idNumber?: string; listType?: string; status?: string; limit?: number; cursor?: string },
  ): Promise<{ items: ListEntry[]; nextCursor: string | null }> {
    const filters: EntryFilters = { uscc: q.uscc, listType: q.listType, status: q.status };
    if (q.idNumber !== undefined) {
      const problem = idNumberProblem(q.idNumber);
      if (problem) throw ValidationError.field('idNumber', problem);
      filters.personKey = this.d.keyOf(q.idNumber);
    }
    const limit = q.limit ?? 50;
    const rows = await searchEntries(this.d.db, filters, limit, decodeCursor(q.cursor));
    const page = pageOf(rows, limit, (r) => ({ at: new Date(r.created_at).toISOString(), id: r.id }));
    const orders = await ordersOfEntries(this.d.db, page.items.map((r) => r.id));
    const now = this.d.clock.now();
    return { items: page.items.map((r) => toListEntry(r, orders, now)), nextCursor: page.nextCursor };
  }

  /** Removal by the list authority: the entry ends and its orders, restrictions and bans are lifted. Repeats are harmless. */
  async remove(ctx: CallContext, id: string, input: components['schemas']['RemovalInput']): Promise<ListEntry> {
    const now = this.d.clock.now();
    return this.d.db.transaction(async (trx) => {
      const row = await findEntry(trx, id, { forUpdate: true });
      if (!row) throw new NotFoundError(`no list entry with id ${id}`);
      const p = ctx.principal;
      if (p.kind !== 'department' || p.department.code !== row.authority) throw new ForbiddenError('only the authority that listed the entry may remove it');
      if (row.status === 'removed') return toListEntry(row, await ordersOfEntries(trx, [id]), now);
      if (row.status === 'expired') throw new ConflictError('the entry has already expired; there is nothing to remove');

      const actor = actorOf(p);
      const removed = await liftEntry(trx, row, 'removed', { reason: input.reason, decisionNo: input.decisionNo, removedAt: now.toISOString(), removedBy: actor }, now, actor, ctx.requestId);
      return toListEntry(removed, await ordersOfEntries(trx, [id]), now);
    });
  }
}

/** Ends an entry and lifts what it put in force, auditing each change. Shared by removal and (later) expiry. */
export async function liftEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  status: 'removed',
  removal: components['schemas']['Removal'],
  at: Date,
  actor: string,
  requestId?: string,
): Promise<EntryRow> {
  const updated = await markEntryRemoved(trx, row.id, removal, at);
  const lifted = await liftOrdersOfEntry(trx, row.id, at);
  await liftRestrictionsOfEntry(trx, row.id, at);
  await recordAudit(trx, { at, requestId }, [
    { actor, action: `entry.${status}`, entityType: 'list_entry', entityId: row.id, before: { status: row.status }, after: { status, removal } },
    ...lifted.map((o): AuditRecord => ({ actor, action: 'order.lifted', entityType: 'order', entityId: o.id, before: { status: o.status }, after: { status: 'lifted', liftedAt: at.toISOString() } })),
  ]);
  return updated;
}
