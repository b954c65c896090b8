import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type AuditRecord } from '../audit/audit-store';
import { insertOrders, liftOrdersOfEntry, ordersOfEntries, type NewOrderRow, type OrderRow } from '../orders/order-store';
import { banRowsOf, insertBanRows, insertRestrictionRows, liftRestrictionsOfEntry, restrictionRowsOf, type NewBanRow, type NewRestrictionRow } from '../restrictions/restriction-store';
import type { Plan } from '../rules/outcome-planner';
import type { OrderDeadline } from '../time/feedback-deadline';
import { entryPersonsOf } from './entry-facts';
import { enqueueOrderEvents } from '../webhooks/outbox';
import type { components } from '../generated/openapi';
import type { ListEntryInput, NormalisedEntry } from './entry-input';
import { findEntriesBySourceRefs, insertEntriesIfNew, markEntryEnded, type EntryRow } from './list-entry-store';
import { toListEntry, type ListEntry } from './list-entry-view';

/** An entry checked and planned, ready to be stored. */
export interface PreparedEntry {
  input: ListEntryInput;
  normalised: NormalisedEntry;
  plan: Plan;
}

export interface WriteContext {
  authority: string;
  actor: string;
  at: Date;
  /** The due date of an order from its measures (per-rule working days), and whether it is provisional. */
  deadlineOf: (measures: OrderRow['measures']) => OrderDeadline;
  rulesVersion: string;
  requestId?: string;
}

export type WriteResult = { created: true; entry: ListEntry } | { created: false; entry: ListEntry };

/**
 * Stores entries with everything their rules produced (orders, restrictions, bans, audit) in the caller's
 * transaction, with multi-row inserts: one entry or ten thousand take the same number of statements.
 * An entry whose (authority, sourceRef) is already stored is returned as it is, and nothing new is issued.
 */
export async function writeEntries(trx: Knex.Transaction, w: WriteContext, prepared: PreparedEntry[]): Promise<WriteResult[]> {
  const rows = prepared.map((p) => ({
    id: randomUUID(),
    list_type: p.input.listType,
    authority: w.authority,
    source_ref: p.input.sourceRef,
    subject_kind: p.input.subject.kind,
    uscc: p.normalised.uscc,
    subject_name: p.normalised.subjectName,
    person_keys: p.normalised.personKeys,
    persons: entryPersonsOf(p.normalised.forRules),
    subject: p.normalised.display.subject,
    related_persons: p.normalised.display.relatedPersons,
    reason: p.input.reason,
    decision_no: p.input.decisionNo,
    decided_at: p.input.decidedAt,
    expires_at: p.normalised.forRules.expiresAt,
    rules_version: w.rulesVersion,
    created_by: w.actor,
    created_at: w.at,
  }));
  const inserted = new Map((await insertEntriesIfNew(trx, rows)).map((r) => [r.source_ref, r]));

  const orders: NewOrderRow[] = [];
  const audit: AuditRecord[] = [];
  const createdEntries = new Map<string, ListEntry>();
  const restrictions: NewRestrictionRow[] = [];
  const bans: NewBanRow[] = [];
  for (const [i, p] of prepared.entries()) {
    const row = inserted.get(p.input.sourceRef);
    // A sourceRef repeated inside one batch is stored once, for its first row.
    if (!row || row.id !== rows[i]?.id) continue;
    const orderIds = new Map(p.plan.orders.map((o) => [o.department, randomUUID()]));
    const orderIdOf = (department: string) => orderIds.get(department) as string;
    const entryOrders = p.plan.orders.map((o) => {
      const deadline = w.deadlineOf(o.measures);
      return {
        id: orderIdOf(o.department),
        entry_id: row.id,
        list_type: p.input.listType,
        department: o.department,
        measures: o.measures,
        issued_at: w.at,
        due_at: deadline.dueAt,
        due_at_provisional: deadline.provisional,
      };
    });
    orders.push(...entryOrders);
    // restrictions and bans reference their order: written, for the whole batch at once, after the orders
    restrictions.push(...restrictionRowsOf(row.id, p.input.listType, orderIdOf, p.plan.restrictions));
    bans.push(...banRowsOf(row.id, p.input.listType, orderIdOf, p.plan.bans));

    const entry = toListEntry(row, entryOrders.map((o): OrderRow => ({ ...o, status: 'issued', feedback: null, lifted_at: null })), w.at);
    createdEntries.set(row.id, entry);
    const { orders: issued, ...entryAudit } = entry;
    audit.push({ actor: w.actor, action: 'entry.created', entityType: 'list_entry', entityId: row.id, after: entryAudit });
    // The order row is the record of what was issued and never changes its measures; the audit row says who
    // issued which measures to whom and when, without a third copy of every legal basis.
    for (const o of issued) {
      audit.push({ actor: w.actor, action: 'order.issued', entityType: 'order', entityId: o.id, after: { entryId: row.id, department: o.department, measures: o.measures.map((m) => m.code), dueAt: o.dueAt } });
    }
  }
  // multi-row statements kept under PostgreSQL's 65,535 bind parameters (9 per order row, 8 per audit row)
  for (let i = 0; i < orders.length; i += 7000) await insertOrders(trx, orders.slice(i, i + 7000));
  await insertRestrictionRows(trx, restrictions);
  await insertBanRows(trx, bans);
  for (let i = 0; i < audit.length; i += 8000) await recordAudit(trx, { at: w.at, requestId: w.requestId }, audit.slice(i, i + 8000));
  await enqueueOrderEvents(trx, 'order.issued', orders, w.at);

  // Repeats: read what is stored (also when a concurrent request stored it a moment ago).
  const repeats = prepared.filter((p) => !createdEntries.has(inserted.get(p.input.sourceRef)?.id ?? '')).map((p) => p.input.sourceRef);
  const existing = new Map((await findEntriesBySourceRefs(trx, w.authority, repeats)).map((r) => [r.source_ref, r]));
  const existingOrders = await ordersOfEntries(trx, [...existing.values()].map((r) => r.id));

  const seen = new Set<string>();
  return prepared.map((p) => {
    const row = inserted.get(p.input.sourceRef);
    const created = row && createdEntries.get(row.id);
    if (created && !seen.has(row.id)) {
      seen.add(row.id);
      return { created: true, entry: created };
    }
    const stored = created ? undefined : existing.get(p.input.sourceRef);
    return { created: false, entry: created ?? toListEntry(stored as EntryRow, existingOrders, w.at) };
  });
}

export type EndStatus = 'removed' | 'expired';

/**
 * Ends an entry and lifts what it put in force (orders still in effect, restrictions, bans), auditing each change.
 * Shared by removal (the authority's decision) and expiry (the term ran out).
 */
export async function endEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  status: EndStatus,
  removal: components['schemas']['Removal'] | null,
  at: Date,
  actor: string,
  requestId?: string,
): Promise<{ entry: EntryRow; lifted: OrderRow[] }> {
  const updated = await markEntryEnded(trx, row.id, status, removal, at);
  const lifted = await liftOrdersOfEntry(trx, row.id, at);
  await liftRestrictionsOfEntry(trx, row.id, at);
  await recordAudit(trx, { at, requestId }, [
    { actor, action: `entry.${status}`, entityType: 'list_entry', entityId: row.id, before: { status: row.status }, after: { status, removal } },
    ...lifted.map((o): AuditRecord => ({ actor, action: 'order.lifted', entityType: 'order', entityId: o.id, before: { status: o.status }, after: { status: 'lifted', liftedAt: at.toISOString() } })),
  ]);
  await enqueueOrderEvents(trx, 'order.lifted', lifted, at);
  return { entry: updated, lifted };
}
