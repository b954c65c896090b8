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
  /** When the entry was revoked (the order with it); absent on rows read before the column existed. */
  revoked_at?: Date | null;
  /** The removal ground the order was lifted on, or 'revoked'; null when none was recorded. */
  end_ground?: string | null;
}

export type NewOrderRow = Omit<OrderRow, 'status' | 'feedback' | 'lifted_at' | 'revoked_at' | 'end_ground'>;

/** Rows per statement: at up to 9 bind parameters a row, under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 7000;

export async function insertOrders(q: Q, rows: NewOrderRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const slice = rows.slice(i, i + ROWS_PER_STATEMENT);
    await q(TABLE).insert(slice.map((r) => ({ ...r, measures: JSON.stringify(r.measures), updated_at: r.issued_at })));
  }
}

export async function ordersOfEntries(q: Q, entryIds: string[]): Promise<OrderRow[]> {
  if (entryIds.length === 0) return [];
  return q(TABLE)
    .whereIn('entry_id', entryIds)
    .orderBy([{ column: 'department' }, { column: 'id' }]);
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
  return query
    .orderBy([
      { column: 'issued_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
}

export async function recordFeedback(
  q: Q,
  id: string,
  feedback: NonNullable<components['schemas']['Feedback']>,
  at: Date,
): Promise<OrderRow> {
  const [row] = await q(TABLE)
    .where({ id })
    .update({ status: feedback.outcome, feedback: JSON.stringify(feedback), updated_at: at })
    .returning('*');
  return row as OrderRow;
}

/**
 * Lifts the orders still in effect (issued or implemented), with the removal ground when one was given; returns them
 * as they were before.
 */
export async function liftOrdersOfEntry(
  q: Q,
  entryId: string,
  at: Date,
  ground: string | null = null,
): Promise<OrderRow[]> {
  const before = await q(TABLE)
    .where({ entry_id: entryId })
    .whereIn('status', ['issued', 'implemented'])
    .forUpdate()
    .select('*');
  if (before.length) {
    await q(TABLE)
      .whereIn(
        'id',
        before.map((o: OrderRow) => o.id),
      )
      .update({ status: 'lifted', lifted_at: at, updated_at: at, end_ground: ground });
  }
  return before as OrderRow[];
}

/**
 * Revokes every order of an entry not revoked yet, whatever its state (issued, fed back, even lifted: a revoked entry
 * was void from the start, so each department reverses what it did). The rows are locked first, so a feedback
 * arriving at the same moment either committed before (and is revoked now) or waits and then finds `revoked`.
 * Returns the orders as they were before.
 */
export async function revokeOrdersOfEntry(q: Q, entryId: string, at: Date): Promise<OrderRow[]> {
  const before = await q(TABLE).where({ entry_id: entryId }).whereNot('status', 'revoked').forUpdate().select('*');
  if (before.length) {
    await q(TABLE)
      .whereIn(
        'id',
        before.map((o: OrderRow) => o.id),
      )
      .update({ status: 'revoked', revoked_at: at, updated_at: at, end_ground: 'revoked' });
  }
  return before as OrderRow[];
}

/** Orders still without feedback after their due date. */
export async function countOverdue(q: Q, now: Date): Promise<number> {
  const [row] = await q(TABLE).where('status', 'issued').where('due_at', '<', now).count({ n: '*' });
  return Number(row?.n ?? 0);
}

/**
 * Overdue orders not yet escalated at `level`, after an id, in id order; level 2 only for orders already escalated
 * at level 1.
 */
export async function overdueOrdersToEscalate(
  q: Q,
  now: Date,
  level: 1 | 2,
  after: string,
  limit: number,
): Promise<OrderRow[]> {
  const escalated = (lvl: number) => (x: Knex.QueryBuilder) =>
    x.select(q.raw('1')).from('escalations as e').whereRaw('e.order_id = o.id').where('e.level', lvl);
  const query = q(`${TABLE} as o`).select('o.*').where('o.status', 'issued').where('o.due_at', '<', now);
  query.where('o.id', '>', after).whereNotExists(escalated(level));
  if (level === 2) query.whereExists(escalated(1));
  return query.orderBy('o.id').limit(limit);
}

export interface NewEscalation {
  order_id: string;
  level: 1 | 2;
  department: string;
  supervisors: string[];
  due_at: Date;
  escalated_at: Date;
}

/** Records escalations once per (order, level); returns the order ids escalated now (not before). */
export async function insertEscalations(q: Q, rows: NewEscalation[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted: { order_id: string }[] = await q('escalations')
    .insert(rows)
    .onConflict(['order_id', 'level'])
    .ignore()
    .returning('order_id');
  return new Set(inserted.map((r) => r.order_id));
}
