import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { CursorKey } from '../db/pagination';
import type { ReadRouter } from '../db/read-router';
import type { OrderRecord } from '../db/tables';
import type { components } from '../generated/openapi';
import { orderStateSql } from './order-states';
import { orderMeasures, readMeasureSets, type Untils } from './measure-sets';

type Q = Knex | Knex.Transaction;
const TABLE = 'orders';

/**
 * An order as this service works with it: its row (src/db/tables.ts) with the measures rebuilt from its measure set
 * and the feedback jsonb given its shape (what the API took, stored as given).
 */
export interface OrderRow
  extends Omit<OrderRecord, 'feedback' | 'measure_set_id' | 'measure_untils' | 'updated_at' | 'escalation_level'> {
  measures: components['schemas']['OrderMeasure'][];
  feedback: components['schemas']['Feedback'] | null;
}

export type NewOrderRow = Omit<OrderRow, 'status' | 'feedback' | 'lifted_at' | 'revoked_at' | 'end_ground'>;

/**
 * How an order's measures are stored (migration 20261205600000): the id of its measure set (src/orders/measure-sets.ts)
 * and each measure's `until`, in the set's order. Readers here give OrderRow, with the measures rebuilt.
 */
interface StoredMeasures {
  measure_set_id: number;
  measure_untils: Untils;
}

/**
 * An order row exactly as the table stores it (built by issueOrders, written as it is by both RowWriters): built
 * once, not copied again per order to add `updated_at` (18 orders an entry; the copy was ~5% of the importer's
 * garbage).
 */
export type OrderInsertRow = Omit<NewOrderRow, 'measures'> & StoredMeasures & { updated_at: Date };

/** Rows per statement: at 10 bind parameters a row, under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 6000;

/*
 * Module functions, not OrderStore methods: insertOrders (the INSERT RowWriter, src/lists/row-writer.ts),
 * ordersOfEntries (the entry writer, the consistency job's repair and the entry store, each in its own transaction or
 * read), liftOrdersOfEntries and revokeOrdersOfEntries (endEntries, src/lists/entry-lifecycle.ts, which every writer that
 * ends an entry calls in its own transaction: service, batch removals, expiry job, procedures). Each takes the
 * caller's `trx`, so it already runs where its caller writes; making them methods would thread an OrderStore through
 * the lifecycle module and every writer for no change of server.
 */

export async function insertOrders(q: Q, rows: OrderInsertRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const slice = rows.slice(i, i + ROWS_PER_STATEMENT);
    await q(TABLE).insert(slice);
  }
}

/**
 * Rows as read, with their measures rebuilt from their sets (one more query for the sets of all the rows); `Row` is
 * what the caller selected, with `measures` in place of the stored columns.
 */
export async function withMeasures<Row extends { measures: readonly unknown[] }>(
  q: Q,
  rows: readonly StoredMeasures[],
): Promise<Row[]> {
  const sets = await readMeasureSets(
    q,
    rows.map((r) => r.measure_set_id),
  );
  return rows.map(({ measure_set_id, measure_untils, ...row }) => ({
    ...row,
    measures: orderMeasures(sets, measure_set_id, measure_untils),
  })) as unknown as Row[];
}

export async function ordersOfEntries(q: Q, entryIds: string[]): Promise<OrderRow[]> {
  if (entryIds.length === 0) return [];
  const rows = await q(TABLE)
    .whereIn('entry_id', entryIds)
    .orderBy([{ column: 'department' }, { column: 'id' }]);
  return withMeasures(q, rows);
}

/** An order with its entry's subject and authority; forUpdate locks the order row only. */
async function findListedOrder(
  q: Q,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ListedOrderRow | undefined> {
  const query = filtered(q, { now: new Date() }).where('o.id', id).first();
  const row = await (opts.forUpdate ? query.forUpdate('o') : query);
  return row ? (await withMeasures<ListedOrderRow>(q, [row]))[0] : undefined;
}

export interface OrderFilters {
  department?: string;
  status?: string;
  /** true: issued and past due; false: everything else */
  overdue?: boolean;
  uscc?: string;
  /** a substring of the subject's name */
  subject?: string;
  listType?: string;
  /** dueAt in [dueFrom, dueTo) */
  dueFrom?: Date;
  dueTo?: Date;
  now: Date;
}

export type OrderSort = 'urgency' | 'newest' | 'oldest' | 'due' | 'due_desc';

/** An order with the entry it was issued on: whom it is about and who listed it. */
export interface ListedOrderRow extends OrderRow {
  subject_kind: 'enterprise' | 'person';
  subject_name: string;
  subject_uscc: string | null;
  subject_masked: string | null;
  authority: string;
}

/** The keyset of each sort: the column, its direction, and which rows (for urgency's two phases). */
const KEYSETS: Record<Exclude<OrderSort, 'urgency'>, { column: 'issued_at' | 'due_at'; desc: boolean }> = {
  newest: { column: 'issued_at', desc: true },
  oldest: { column: 'issued_at', desc: false },
  due: { column: 'due_at', desc: false },
  due_desc: { column: 'due_at', desc: true },
};

function filtered(q: Q, f: OrderFilters): Knex.QueryBuilder {
  const query = q(`${TABLE} as o`)
    .join('list_entries as e', 'e.id', 'o.entry_id')
    .select(
      'o.*',
      'e.subject_kind',
      'e.subject_name',
      'e.uscc as subject_uscc',
      q.raw("e.subject->>'idNumberMasked' as subject_masked"),
      'e.authority',
    );
  if (f.department) query.where('o.department', f.department);
  if (f.status) query.where('o.status', f.status);
  if (f.overdue === true) query.whereRaw(orderStateSql('o').overdue('?'), [f.now]);
  if (f.overdue === false) query.whereRaw(`not ${orderStateSql('o').overdue('?')}`, [f.now]);
  if (f.uscc) query.where('e.uscc', f.uscc);
  if (f.subject) query.whereRaw("e.subject_name like ? escape '\\'", [`%${f.subject.replace(/[\\%_]/g, '\\$&')}%`]);
  if (f.listType) query.where('o.list_type', f.listType);
  if (f.dueFrom) query.where('o.due_at', '>=', f.dueFrom);
  if (f.dueTo) query.where('o.due_at', '<', f.dueTo);
  return query;
}

async function keysetPage(
  q: Q,
  f: OrderFilters,
  keyset: { column: 'issued_at' | 'due_at'; desc: boolean },
  limit: number,
  after: CursorKey | undefined,
  only?: (query: Knex.QueryBuilder) => void,
): Promise<ListedOrderRow[]> {
  const query = filtered(q, f);
  only?.(query);
  const op = keyset.desc ? '<' : '>';
  if (after) query.whereRaw(`(o.${keyset.column}, o.id) ${op} (?::timestamptz, ?::uuid)`, [after.at, after.id]);
  const order = keyset.desc ? 'desc' : 'asc';
  const rows = await query
    .orderBy([
      { column: `o.${keyset.column}`, order },
      { column: 'o.id', order },
    ])
    .limit(limit + 1);
  return withMeasures(q, rows);
}

/**
 * A page of orders (limit+1 rows, so the caller knows there is a next page). urgency: first the issued orders (the
 * ones still to work), due soonest first, so the most overdue lead; then every other order, newest first. Each phase
 * is a keyset of its own (phase 0 on due_at, phase 1 on issued_at), and the cursor says which one it is in.
 */
async function listOrders(
  q: Q,
  f: OrderFilters,
  sort: OrderSort,
  limit: number,
  after?: CursorKey,
): Promise<{ rows: ListedOrderRow[]; keyOf: (row: ListedOrderRow) => CursorKey }> {
  if (sort !== 'urgency') {
    const keyset = KEYSETS[sort];
    const rows = await keysetPage(q, f, keyset, limit, after);
    return { rows, keyOf: (r) => ({ at: new Date(r[keyset.column]).toISOString(), id: r.id }) };
  }
  const keyOf = (r: ListedOrderRow): CursorKey =>
    r.status === 'issued'
      ? { at: new Date(r.due_at).toISOString(), id: r.id, phase: 0 }
      : { at: new Date(r.issued_at).toISOString(), id: r.id, phase: 1 };
  const issuedOnly = f.status === undefined || f.status === 'issued';
  const othersToo = f.status !== 'issued' && f.overdue !== true;
  let rows: ListedOrderRow[] = [];
  if (issuedOnly && after?.phase !== 1) {
    rows = await keysetPage(q, f, KEYSETS.due, limit, after, (w) => w.where('o.status', 'issued'));
    if (rows.length > limit || !othersToo) return { rows, keyOf };
  }
  if (othersToo) {
    const rest = await keysetPage(
      q,
      f,
      KEYSETS.newest,
      limit - rows.length,
      after?.phase === 1 ? after : undefined,
      (w) => w.whereNot('o.status', 'issued'),
    );
    rows = rows.concat(rest);
  }
  return { rows, keyOf };
}

/**
 * Lifts the orders still in effect (issued or implemented) of these entries, each with its entry's removal ground
 * (null when none was given); returns them as they were before, as stored (measures not rebuilt: a chunk of batch
 * removals lifts ~7,000 orders, and only those announced by webhook need them: withMeasures). One statement locks
 * them all (in id order, so two batches ending overlapping entries cannot deadlock) and one lifts them, for one entry
 * or a chunk of thousands.
 */
export async function liftOrdersOfEntries(
  q: Q,
  entries: readonly { entryId: string; ground: string | null }[],
  at: Date,
): Promise<OrderRecord[]> {
  const before = await lockOrdersOfEntries(
    q,
    entries.map((e) => e.entryId),
    inForce,
  );
  if (before.length) {
    const groundOf = new Map(entries.map((e) => [e.entryId, e.ground]));
    await q.raw(
      `update orders o set status = 'lifted', lifted_at = ?, updated_at = ?, end_ground = x.ground
         from jsonb_to_recordset(?::jsonb) as x(id uuid, ground text)
        where o.id = x.id`,
      [at, at, JSON.stringify(before.map((o) => ({ id: o.id, ground: groundOf.get(o.entry_id) ?? null })))],
    );
  }
  return before;
}

/**
 * Revokes every order of these entries not revoked yet, whatever its state (issued, fed back, even lifted: a revoked
 * entry was void from the start, so each department reverses what it did). The rows are locked first, so a feedback
 * arriving at the same moment either committed before (and is revoked now) or waits and then finds `revoked`.
 * Returns the orders as they were before, as stored (see liftOrdersOfEntries).
 */
export async function revokeOrdersOfEntries(q: Q, entryIds: readonly string[], at: Date): Promise<OrderRecord[]> {
  const before = await lockOrdersOfEntries(q, entryIds, (w) => w.whereNot('status', 'revoked'));
  if (before.length) {
    await q(TABLE)
      .whereRaw('id = any(?::uuid[])', [before.map((o) => o.id)])
      .update({ status: 'revoked', revoked_at: at, updated_at: at, end_ground: 'revoked' });
  }
  return before;
}

/** An entry's orders in force (issued or implemented), locked in id order, with their measures. */
export async function lockOrdersInForce(q: Q, entryId: string): Promise<OrderRow[]> {
  return withMeasures(q, await lockOrdersOfEntries(q, [entryId], inForce));
}

/** New terms (`until` per measure, in the set's order) for orders the caller has locked. */
export async function setOrderUntils(
  q: Q,
  changes: readonly { id: string; untils: Untils }[],
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  await q.raw(
    `update orders o set measure_untils = x.untils, updated_at = ?
       from jsonb_to_recordset(?::jsonb) as x(id uuid, untils date[])
      where o.id = x.id`,
    [at, JSON.stringify(changes)],
  );
}

/** Orders still in effect, issued or fed back as implemented: what ending an entry lifts and a correction moves. */
const inForce = (w: Knex.QueryBuilder) => w.whereIn('status', ['issued', 'implemented']);

/** The entries' orders that `which` keeps, locked in id order. */
async function lockOrdersOfEntries(
  q: Q,
  entryIds: readonly string[],
  which: (w: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<OrderRecord[]> {
  if (entryIds.length === 0) return [];
  return which(q(TABLE).whereRaw('entry_id = any(?::uuid[])', [[...entryIds]]))
    .orderBy('id')
    .forUpdate()
    .select('*');
}

export interface NewEscalation {
  order_id: string;
  level: 1 | 2;
  department: string;
  supervisors: string[];
  due_at: Date;
  escalated_at: Date;
}

/**
 * The orders, each method on the server it needs: browsing (a page, one order to read) through the read router, as
 * it tolerates a bounded lag; what a writing transaction reads and writes on its `trx`; the escalation job's walk on
 * the primary, since it decides writes.
 */
export class OrderStore {
  constructor(private readonly h: { primary: Db; reads: ReadRouter }) {}

  /** A page of orders (see listOrders): lag-tolerant. */
  page(
    f: OrderFilters,
    sort: OrderSort,
    limit: number,
    after?: CursorKey,
  ): Promise<{ rows: ListedOrderRow[]; keyOf: (row: ListedOrderRow) => CursorKey }> {
    return this.h.reads.read((db) => listOrders(db, f, sort, limit, after));
  }

  /** One order to read (GET): lag-tolerant. */
  find(id: string): Promise<ListedOrderRow | undefined> {
    return this.h.reads.read((db) => findListedOrder(db, id));
  }

  /** One order locked (the order row only) in the caller's writing transaction. */
  lock(trx: Knex.Transaction, id: string): Promise<ListedOrderRow | undefined> {
    return findListedOrder(trx, id, { forUpdate: true });
  }

  async recordFeedback(
    trx: Knex.Transaction,
    id: string,
    feedback: NonNullable<components['schemas']['Feedback']>,
    at: Date,
  ): Promise<OrderRow> {
    const [row] = await trx(TABLE)
      .where({ id })
      .update({ status: feedback.outcome, feedback: JSON.stringify(feedback), updated_at: at })
      .returning('*');
    return (await withMeasures<OrderRow>(trx, row ? [row] : []))[0] as OrderRow;
  }

  /** Orders still without feedback after their due date; on the primary (the escalation job's figure). */
  async countOverdue(now: Date): Promise<number> {
    const [row] = await this.h.primary(TABLE).whereRaw(orderStateSql(TABLE).overdue('?'), [now]).count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /**
   * Overdue orders not yet escalated at `level`, after an id, in id order; level 2 only for orders already escalated
   * at level 1. On the primary: the escalation job writes from what it finds.
   */
  async overdueToEscalate(now: Date, level: 1 | 2, after: string, limit: number): Promise<OrderRow[]> {
    const q = this.h.primary;
    const escalated = (lvl: number) => (x: Knex.QueryBuilder) =>
      x.select(q.raw('1')).from('escalations as e').whereRaw('e.order_id = o.id').where('e.level', lvl);
    const query = q(`${TABLE} as o`).select('o.*').whereRaw(orderStateSql('o').overdue('?'), [now]);
    query.where('o.id', '>', after).whereNotExists(escalated(level));
    if (level === 2) query.whereExists(escalated(1));
    return withMeasures(q, await query.orderBy('o.id').limit(limit));
  }

  /** Records escalations once per (order, level) in the caller's transaction; returns the order ids escalated now. */
  async insertEscalations(trx: Knex.Transaction, rows: NewEscalation[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await trx('escalations')
      .insert(rows)
      .onConflict(['order_id', 'level'])
      .ignore()
      .returning('order_id');
    return new Set(inserted.map((r) => r.order_id));
  }
}
