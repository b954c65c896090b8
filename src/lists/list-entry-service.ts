import type { Db } from '../db/knex';
import { decodeCursor, pageOf } from '../db/pagination';
import { auditPersonLookup, type LookupLimit } from './person-lookups';
import { actingDepartment, actorOf, isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import type { Knex } from 'knex';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors';
import { fieldError } from '../i18n/messages';
import { entryOfObjection, pendingObjectionsOf } from './pending-objections';
import { correctEntry } from './entry-correction';
import type { components } from '../generated/openapi';
import { idNumberProblemCode } from '../identity/id-number';
import { countEntry } from '../metrics/metrics';
import type { PersonKeyer } from '../identity/person-key';
import { ordersOfEntries, type OrderRow } from '../orders/order-store';
import type { Clock } from '../time/clock';
import type { FeedbackDeadlines, OrderDeadline } from '../time/feedback-deadline';
import { type ListEntryInput, withSourceRefAsMeant } from './entry-input';
import {
  endEntry,
  relistProblem,
  removalGroundProblem,
  revocationOf,
  sourceRefState,
  type TransitionContext,
} from './entry-lifecycle';
import type { EntryPlanner } from './entry-planner';
import { removeEntry, writeEntries, type WriteContext, type WriteResult } from './entry-writer';
import { lockEntry, type EntryFilters, type EntryRow, type EntryStore } from './list-entry-store';
import { toListEntry, type ListEntry } from './list-entry-view';
import { resubmissionConflict } from './resubmission';

/** What an authority does to an entry, in a Chinese message. */
const VERBS_ZH: Record<string, string> = { correct: '更正', revoke: '撤销', remove: '移出' };

export interface EntryServiceDeps {
  db: Db;
  planner: EntryPlanner;
  /** Hashes an ID number asked for in a search (the same key the entries were stored with). */
  keyOf: PersonKeyer;
  /** The rule set's version, stored on every entry it planned. */
  rulesVersion: string;
  clock: Clock;
  /** Feedback deadlines: per rule, the configured default otherwise, on the one working-day calendar. */
  deadlines: FeedbackDeadlines;
  /** Look-ups by ID number per token and window (each is audited); default 60 an hour. */
  idLookupLimit?: LookupLimit;
  /** Browsing (get, history, search) reads where the store says (the read router); changes lock on the primary. */
  store: EntryStore;
  /** This process's subject index, told of every subject this service puts under restrictions or bans. */
  announceSubjects: (keys: string[]) => void;
}

const DEFAULT_LOOKUP_LIMIT: LookupLimit = { perWindow: 60, windowSeconds: 3600 };

/** A credit-restored entry is no longer published: hidden from departments other than its authority and supervisors. */
function hiddenFrom(p: Principal, row: EntryRow): boolean {
  if (row.status !== 'removed' || row.removal?.ground !== 'credit_restored') return false;
  return !(isSupervisorOrAdmin(p) || (p.kind === 'department' && p.department.code === row.authority));
}

/** An objectionId a correction or revocation names must be an objection to that entry. */
async function requireObjectionOf(trx: Knex.Transaction, entryId: string, objectionId: string): Promise<void> {
  if ((await entryOfObjection(trx, objectionId)) !== entryId)
    throw UnprocessableError.coded('objection_not_of_entry', { id: objectionId }, [
      fieldError('objectionId', 'objection_not_of_entry_field'),
    ]);
}

/**
 * The orders of an entry a caller may see: the list authority that made the entry, a supervisor and the
 * administrator see all; any other department only the orders addressed to it (as GET /v1/orders/{id} decides).
 */
function visibleOrders(p: Principal, authority: string): (o: OrderRow) => boolean {
  if (isSupervisorOrAdmin(p) || (p.kind === 'department' && p.department.code === authority)) return () => true;
  const own = p.kind === 'department' ? p.department.code : undefined;
  return (o) => o.department === own;
}

/**
 * A person entry shows a name and a masked ID number: with the mask, a department could find the full number by
 * trying the candidates of a birth year in person checks. So a department sees a person entry only where it listed
 * it or holds an order on it (it must act on that person anyway); supervisors and the administrator see all.
 * Enterprise entries are public to every department. To others a hidden entry does not exist (404).
 */
function personVisible(p: Principal, row: EntryRow, orders: OrderRow[]): boolean {
  if (row.subject_kind !== 'person' || isSupervisorOrAdmin(p) || p.kind !== 'department') return true;
  const me = p.department.code;
  return row.authority === me || orders.some((o) => o.entry_id === row.id && o.department === me);
}

/**
 * 发起: a list authority puts a subject on a list. The rules fire once, inside the transaction that stores the
 * entry, and the resulting orders, restrictions and bans are written with it: all or nothing.
 */
export class ListEntryService {
  constructor(private readonly d: EntryServiceDeps) {}

  async create(ctx: CallContext, sent: ListEntryInput): Promise<{ created: boolean; entry: ListEntry }> {
    const authority = actingDepartment(ctx.principal);
    const input = withSourceRefAsMeant(sent);
    const { normalised, plan } = await this.d.planner.plan(input).catch((e: unknown) => {
      if (e instanceof ValidationError || e instanceof UnprocessableError)
        countEntry('api', input.listType, 'rejected');
      throw e;
    });
    const [result] = await this.d.db.transaction((trx) =>
      writeEntries(trx, this.writeContext(ctx, authority), [{ input, normalised, plan }]),
    );
    const refused = result && !result.created ? relistProblem(sourceRefState(result.entry)) : undefined;
    if (refused) {
      countEntry('api', input.listType, 'rejected');
      throw ConflictError.coded(refused.code, refused.params);
    }
    if (result && !result.created && result.conflict) {
      countEntry('api', input.listType, 'rejected');
      throw resubmissionConflict(input.sourceRef, result.entry, result.conflict);
    }
    countEntry('api', input.listType, result?.created ? 'created' : 'unchanged');
    return result as WriteResult;
  }

  /**
   * Who writes, when, and the feedback deadlines of the orders: the same for one entry and for a batch, so per-rule
   * working days apply to both.
   */
  writeContext(ctx: CallContext, authority: string): WriteContext {
    const now = this.d.clock.now();
    // One issue time for the whole write, so one deadline per number of working days: a batch chunk's 20,000 orders
    // need a few walks over the working-day calendar, not 20,000 (they were a fifth of the import's CPU).
    const deadlines = new Map<number, OrderDeadline>();
    return {
      authority,
      actor: actorOf(ctx.principal),
      at: now,
      deadlineOf: (measures) => {
        const key = this.d.deadlines.workingDaysFor(measures);
        let d = deadlines.get(key);
        if (!d) deadlines.set(key, (d = this.d.deadlines.deadlineOf(now, measures)));
        return { ...d };
      },
      rulesVersion: this.d.rulesVersion,
      requestId: ctx.requestId,
      announceSubjects: this.d.announceSubjects,
    };
  }

  async get(ctx: CallContext, id: string): Promise<ListEntry> {
    const found = await this.d.store.read(id);
    const row = this.readable(ctx, id, found?.row);
    if (!found || !personVisible(ctx.principal, row, found.orders)) throw NotFoundError.coded('no_entry_id', { id });
    return this.view(ctx, row, found.orders, this.d.clock.now(), found.pending);
  }

  /**
   * An entry as a caller may read it. Entries are public to every department, except one restored (信用修复): its
   * publication stops (令第36号 Art. 3), so from then on only its authority, the supervisors and the administrator
   * see it; to others it does not exist.
   */
  private readable(ctx: CallContext, id: string, row: EntryRow | undefined): EntryRow {
    if (!row || hiddenFrom(ctx.principal, row)) throw NotFoundError.coded('no_entry_id', { id });
    return row;
  }

  private view(
    ctx: CallContext,
    row: EntryRow,
    orders: OrderRow[],
    now: Date,
    pending: Map<string, Date> = new Map(),
  ): ListEntry {
    const since = pending.get(row.id);
    return {
      ...toListEntry(row, orders.filter(visibleOrders(ctx.principal, row.authority)), now),
      ...(since ? { pendingObjection: { status: 'pending' as const, since: since.toISOString() } } : {}),
    };
  }

  /** 更正 by the listing authority: descriptive fields only (src/lists/entry-correction.ts). */
  async correct(ctx: CallContext, id: string, input: components['schemas']['CorrectionInput']): Promise<ListEntry> {
    return this.onLockedEntry(ctx, id, 'correct', async (trx, row, by) => {
      if (input.objectionId) await requireObjectionOf(trx, row.id, input.objectionId);
      const why = { reason: input.reason, decisionNo: input.decisionNo, objectionId: input.objectionId };
      return (await correctEntry(trx, row, input.changes, why, by, this.d.planner)).entry;
    });
  }

  /** 撤销 by the listing authority: the entry is void, its orders revoked (src/lists/entry-lifecycle.ts). */
  async revoke(ctx: CallContext, id: string, input: components['schemas']['RevocationInput']): Promise<ListEntry> {
    return this.onLockedEntry(ctx, id, 'revoke', async (trx, row, by) => {
      if (input.objectionId) await requireObjectionOf(trx, row.id, input.objectionId);
      const revocation = revocationOf(input, by);
      return (await endEntry(trx, row, 'revoke', by, { revocation })).entry;
    });
  }

  /** One transaction on the entry's row lock, by its listing authority only; answers the entry as it then is. */
  private async onLockedEntry(
    ctx: CallContext,
    id: string,
    verb: string,
    work: (trx: Knex.Transaction, row: EntryRow, by: TransitionContext) => Promise<EntryRow>,
  ): Promise<ListEntry> {
    const now = this.d.clock.now();
    return this.d.db.transaction(async (trx) => {
      const row = await lockEntry(trx, id);
      if (!row || hiddenFrom(ctx.principal, row)) throw NotFoundError.coded('no_entry_id', { id });
      const p = ctx.principal;
      if (p.kind !== 'department' || p.department.code !== row.authority)
        throw ForbiddenError.coded('not_entry_authority', {
          authority: row.authority,
          verb,
          verbZh: VERBS_ZH[verb] ?? verb,
        });
      const entry = await work(trx, row, { actor: actorOf(p), at: now, requestId: ctx.requestId });
      const pending = await pendingObjectionsOf(trx, [id]);
      return this.view(ctx, entry, await ordersOfEntries(trx, [id]), now, pending);
    });
  }

  /**
   * The entry's audit history. Entries are public to every department; the orders' rows follow the orders' own
   * rule: a supervisor, the administrator and the listing authority see all, any other department its own.
   */
  async history(ctx: CallContext, id: string): Promise<components['schemas']['AuditHistory']> {
    const p = ctx.principal;
    const rows = await this.d.store.history(id, (found, all) => {
      const row = this.readable(ctx, id, found);
      const seesAll =
        isSupervisorOrAdmin(p) || (p.kind === 'department' && p.department.authorityFor.includes(row.list_type));
      if (!personVisible(p, row, all)) throw NotFoundError.coded('no_entry_id', { id });
      const orders = all.filter((o) => seesAll || (p.kind === 'department' && o.department === p.department.code));
      return orders.map((o) => o.id);
    });
    return {
      items: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
    };
  }

  async search(
    ctx: CallContext,
    q: {
      uscc?: string;
      idNumber?: string;
      name?: string;
      sourceRef?: string;
      listType?: string;
      status?: string;
      limit?: number;
      cursor?: string;
    },
  ): Promise<{ items: ListEntry[]; nextCursor: string | null }> {
    const p = ctx.principal;
    const filters: EntryFilters = {
      uscc: q.uscc,
      listType: q.listType,
      status: q.status,
      ...(isSupervisorOrAdmin(p) ? {} : { restoredVisibleTo: p.kind === 'department' ? p.department.code : null }),
      name: q.name,
      sourceRef: q.sourceRef,
    };
    if (!isSupervisorOrAdmin(p) && p.kind === 'department') filters.personsVisibleTo = p.department.code;
    if (q.idNumber !== undefined) {
      const problem = idNumberProblemCode(q.idNumber);
      if (problem) throw ValidationError.coded('idNumber', problem);
      filters.personKey = this.d.keyOf(q.idNumber);
    }
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor);
    if (filters.personKey) {
      await auditPersonLookup(
        this.d.db,
        ctx,
        this.d.clock.now(),
        filters.personKey,
        'listListEntries',
        this.d.idLookupLimit ?? DEFAULT_LOOKUP_LIMIT,
      );
    }
    const { rows, orders, pending } = await this.d.store.search(filters, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: new Date(r.created_at).toISOString(), id: r.id }));
    const now = this.d.clock.now();
    return { items: page.items.map((r) => this.view(ctx, r, orders, now, pending)), nextCursor: page.nextCursor };
  }

  /** Removal by the list authority: the entry ends and its orders, restrictions and bans are lifted. Repeats are harmless. */
  async remove(ctx: CallContext, id: string, input: components['schemas']['RemovalInput']): Promise<ListEntry> {
    const groundProblem = removalGroundProblem(input.ground);
    if (groundProblem) throw UnprocessableError.coded('restoration_ground', { id }, [groundProblem]);
    const now = this.d.clock.now();
    return this.d.db.transaction(async (trx) => {
      const row = await lockEntry(trx, id);
      if (!row) throw NotFoundError.coded('no_entry_id', { id });
      const p = ctx.principal;
      const by = {
        authority: p.kind === 'department' ? p.department.code : null,
        actor: actorOf(p),
        at: now,
        requestId: ctx.requestId,
      };
      const { entry } = await removeEntry(trx, row, by, input);
      return toListEntry(entry, await ordersOfEntries(trx, [id]), now);
    });
  }
}
