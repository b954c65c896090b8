import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { CursorKey } from '../db/pagination';

type Q = Knex | Knex.Transaction;
const TABLE = 'orders';

export interface OrderRow {
  id: string;
  entry_id: string;
  list_type: components['schemas']['ListType'];
  department: string;
  status: components['schemas']['OrderStatus'];
  measures: components['schemas']['OrderMeasure'][];
  issued_at: Date;
  due_at: Date;
  /** due_at counted past the official calendar, on the statutory holidays alone */
  due_at_provisional: boolean;
  feedback: components['schemas']['Feedback'] | null;
  lifted_at: Date | null;
}

export type NewOrderRow = Omit<OrderRow, 'status' | 'feedback' | 'lifted_at'>;

export async function insertOrders(q: Q, rows: NewOrderRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q(TABLE).insert(rows.map((r) => ({ ...r, measures: JSON.stringify(r.measures), updated_at: r.issued_at })));
}

export async function ordersOfEntries(q: Q, entryIds: string[]): Promise<OrderRow[]> {
  if (entryIds.length === 0) return [];
  return q(TABLE).whereIn('entry_id', entryIds).orderBy([{ column: 'department' }, { column: 'id' }]);
}

export async function findOrder(q: Q, id: string, opts: { forUpdate?: boolean } = {}): Promise<OrderRow | undefined> {
  const query = q(TABLE).where({ id }).first();
  return opts.forUpdate ? query.forUpdate() : query;
}

export interface OrderFilters {
  department?: string;
  status?: string;
  /** true: issued and past due; false: everything else */
  overdue?: boolean;
  now: Date;
}

export async function listOrders(q: Q, f: OrderFilters, limit: number, after?: CursorKey): Promise<OrderRow[]> {
  const query = q(TABLE).select('*');
  if (f.department) query.where('department', f.department);
  if (f.status) query.where('status', f.status);
  if (f.overdue === true) query.where('status', 'issued').where('due_at', '<', f.now);
  if (f.overdue === false) query.where((w) => w.whereNot('status', 'issued').orWhere('due_at', '>=', f.now));
  if (after) query.whereRaw('(issued_at, id) < (?::timestamptz, ?::uuid)', [after.at, after.id]);
  return query.orderBy([{ column: 'issued_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit + 1);
}

export async function recordFeedback(q: Q, id: string, feedback: NonNullable<components['schemas']['Feedback']>, at: Date): Promise<OrderRow> {
  const [row] = await q(TABLE).where({ id }).update({ status: feedback.outcome, feedback: JSON.stringify(feedback), updated_at: at }).returning('*');
  return row as OrderRow;
}

/** Lifts the orders still in effect (issued or implemented); returns them as they were before. */
export async function liftOrdersOfEntry(q: Q, entryId: string, at: Date): Promise<OrderRow[]> {
  const before = await q(TABLE).where({ entry_id: entryId }).whereIn('status', ['issued', 'implemented']).forUpdate().select('*');
  if (before.length) {
    await q(TABLE)
      .whereIn('id', before.map((o: OrderRow) => o.id))
      .update({ status: 'lifted', lifted_at: at, updated_at: at });
  }
  return before as OrderRow[];
}
