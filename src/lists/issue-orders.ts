import type { Knex } from 'knex';
import { measureSetIds, untilsOf } from '../orders/measure-sets';
import type { NewOrderRow, OrderInsertRow, OrderRow } from '../orders/order-store';
import { subjectKeysOf } from '../restrictions/reach';
import type { Plan } from '../rules/outcome-planner';
import type { ListType } from '../rules/rule-types';
import type { OrderDeadline } from '../time/feedback-deadline';
import { INSERT_WRITER, type RowWriter } from './row-writer';
import { ORDERS_ISSUED, type AuditRecord, type IssuedOrderAudit } from '../audit/audit-store';
import { newRowId } from '../db/row-id';

/**
 * What one entry is issued: the plan's orders (one per department). The restrictions and bans they carry are not
 * rows of their own: checks read them from the order and its entry (src/restrictions/reach.ts, ADR 0012).
 */
export interface Issue {
  entryId: string;
  listType: ListType;
  plan: Plan;
}

export interface IssueContext {
  actor: string;
  at: Date;
  /** The due date of an order from its measures (per-rule working days), and whether it is provisional. */
  deadlineOf: (measures: OrderRow['measures']) => OrderDeadline;
  requestId?: string;
  /**
   * Why orders come after the entry was stored (the consistency job's repair); absent when the entry is created. A
   * fixed code, never a caller's text: the audit row that carries it is not scanned for ID numbers.
   */
  reason?: 'consistency-check';
  /** This process's subject index, told of the subjects before their rows exist (SubjectIndex.noteOwnWrites). */
  announceSubjects: (keys: string[]) => void;
  /** How the rows are written: multi-row INSERTs unless said (a batch chunk: COPY, src/lists/copy-writer.ts). */
  writer?: RowWriter;
}

/**
 * Issues orders with their audit rows and order.issued events, for any number of entries, in
 * the caller's transaction and with multi-row statements. The one path by which orders come into being: the write
 * path and the consistency job's repair. The order row is the record of what was issued and never changes its
 * measures (they are stored once in measure_sets, which never change, and the order row names its set and keeps the
 * `until`s); the audit row says who issued which measures to whom and when, without another copy of every basis.
 */
export async function issueOrders(trx: Knex.Transaction, ctx: IssueContext, issues: Issue[]): Promise<NewOrderRow[]> {
  const setIds = await measureSetIds(
    trx,
    issues.flatMap(({ plan }) => plan.orders.map((o) => o.measures)),
  );
  const orders: NewOrderRow[] = [];
  const rows: OrderInsertRow[] = [];
  let next = 0;
  for (const { entryId, listType, plan } of issues) {
    for (const { department, measures } of plan.orders) {
      const id = newRowId();
      const { dueAt, provisional } = ctx.deadlineOf(measures);
      // plain literals, not spreads of shared parts: 18 orders an entry, and copying properties was a tenth of the
      // importer's own time in this loop
      orders.push({
        id,
        entry_id: entryId,
        list_type: listType,
        department,
        measures,
        issued_at: ctx.at,
        due_at: dueAt,
        due_at_provisional: provisional,
      });
      rows.push({
        id,
        entry_id: entryId,
        list_type: listType,
        department,
        measure_set_id: setIds[next++] as number,
        measure_untils: untilsOf(measures),
        issued_at: ctx.at,
        due_at: dueAt,
        due_at_provisional: provisional,
        updated_at: ctx.at,
      });
    }
  }
  const writer = ctx.writer ?? INSERT_WRITER;
  // Before the orders exist, so no check of this process can answer clean from its index once they are committed.
  ctx.announceSubjects(issues.flatMap(({ plan }) => subjectKeysOf(plan)));
  await writer.orders(trx, rows);
  await writer.audit(trx, { at: ctx.at, requestId: ctx.requestId }, issuedAuditRecords(ctx, orders));
  await writer.issuedEvents(trx, orders, ctx.at);
  return orders;
}

/**
 * One `orders.issued` audit row per entry, naming each order it was issued (id, department, measure codes, due date):
 * an entry gets 6–18 orders at once, and a row per order was a third of the bytes an entry costs (ADR 0010). The due
 * date most of them share is said once, for the row; an order due another day says its own. An entry's history shows
 * each as the `order.issued` event it was before (src/audit/audit-store.ts historyOf).
 */
function issuedAuditRecords(ctx: IssueContext, orders: readonly NewOrderRow[]): AuditRecord[] {
  const byEntry = new Map<string, NewOrderRow[]>();
  for (const o of orders) {
    const own = byEntry.get(o.entry_id);
    if (own) own.push(o);
    else byEntry.set(o.entry_id, [o]);
  }
  return [...byEntry].map(([entryId, own]) => {
    const dueAt = mostCommonDueAt(own);
    const issued = own.map(
      (o): IssuedOrderAudit => ({
        id: o.id,
        department: o.department,
        measures: o.measures.map((m) => m.code),
        ...(o.due_at.getTime() === dueAt.getTime() ? {} : { dueAt: o.due_at }),
      }),
    );
    return {
      actor: ctx.actor,
      action: ORDERS_ISSUED,
      entityType: 'list_entry',
      entityId: entryId,
      after: { dueAt, orders: issued, ...(ctx.reason ? { reason: ctx.reason } : {}) },
      // ids, department and measure codes, dates and the service's own reason: nothing a caller wrote
      serviceValuesOnly: true,
    };
  });
}

function mostCommonDueAt(orders: readonly NewOrderRow[]): Date {
  const counts = new Map<number, number>();
  let best = orders[0] as NewOrderRow;
  let bestCount = 0;
  for (const o of orders) {
    const n = (counts.get(o.due_at.getTime()) ?? 0) + 1;
    counts.set(o.due_at.getTime(), n);
    if (n > bestCount) {
      best = o;
      bestCount = n;
    }
  }
  return best.due_at;
}
