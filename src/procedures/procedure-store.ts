import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { CursorKey } from '../db/pagination';
import type { ReadRouter } from '../db/read-router';
import type { components } from '../generated/openapi';
import type { AppliedProcedure } from './procedure-deadlines';

type Q = Knex | Knex.Transaction;

/** Objections and restoration applications share their shape of storage: one table each, the same columns mostly. */
export type ProcedureTable = 'objections' | 'restoration_applications';

interface ProcedureRowBase {
  id: string;
  entry_id: string;
  authority: string;
  received_at: Date;
  channel: components['schemas']['Channel'];
  statement: string;
  evidence: NonNullable<components['schemas']['Evidence']>;
  status: string;
  decide_by: string | null;
  basis: AppliedProcedure;
  decided_at: Date | null;
  recorded_by: string;
  created_at: Date;
}

export interface ObjectionRow extends ProcedureRowBase {
  grounds: components['schemas']['ObjectionGround'][];
  status: components['schemas']['ObjectionStatus'];
  accept_by: string | null;
  decision: components['schemas']['Objection']['decision'];
}

export interface RestorationRow extends ProcedureRowBase {
  commitment: boolean;
  status: components['schemas']['RestorationStatus'];
  eligible_from: string;
  decision: components['schemas']['RestorationApplication']['decision'];
}

type RowOf<T extends ProcedureTable> = T extends 'objections' ? ObjectionRow : RestorationRow;
type NewRow<T extends ProcedureTable> = Omit<RowOf<T>, 'status' | 'decision' | 'decided_at'>;

/**
 * Either table, as this store's own row type: knex's table typing (src/db/tables.ts) cannot follow a table chosen
 * by a type parameter, so these two tables are read here through RowOf, not through their declared records.
 */
const from = (q: Q, table: ProcedureTable): Knex.QueryBuilder => q(table as string);

/**
 * Inserts the record unless the same one (entry, receivedAt, channel, statement) is stored: a retried request is one
 * record. The caller holds the entry's row lock, so two copies of one request cannot both miss the other (the unique
 * index on the same columns stays as the last guard). Returns the stored row and whether this call stored it.
 */
async function insertOnce<T extends ProcedureTable>(
  q: Q,
  table: T,
  row: NewRow<T>,
): Promise<{ created: boolean; row: RowOf<T> }> {
  const existing = await from(q, table)
    .where({ entry_id: row.entry_id, received_at: row.received_at, channel: row.channel, statement: row.statement })
    .first();
  if (existing) return { created: false, row: existing as RowOf<T> };
  const values = { ...row, evidence: JSON.stringify(row.evidence), basis: JSON.stringify(row.basis) };
  const [inserted] = await from(q, table).insert(values).returning('*');
  return { created: true, row: inserted as RowOf<T> };
}

async function findRecord<T extends ProcedureTable>(
  q: Q,
  table: T,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<RowOf<T> | undefined> {
  const query = from(q, table).where({ id }).first();
  return opts.forUpdate ? query.forUpdate() : query;
}

async function setDecision<T extends ProcedureTable>(
  q: Q,
  table: T,
  id: string,
  status: string,
  decision: NonNullable<RowOf<T>['decision']>,
  at: Date,
): Promise<RowOf<T>> {
  const [row] = await from(q, table)
    .where({ id })
    .update({ status, decision: JSON.stringify(decision), decided_at: at })
    .returning('*');
  return row as RowOf<T>;
}

export interface RecordFilters {
  status?: string;
  authority?: string;
  entry?: string;
  /** true: undecided and past decideBy; false: the others */
  overdue?: boolean;
  today: string;
}

/**
 * The cursor key of a record in its list's order: newest first by creation, or, for the overdue list, oldest
 * deadline first (decide_by, a date, carried as the instant of its midnight UTC, the shape every cursor has).
 */
export const recordKeyOf =
  (f: Pick<RecordFilters, 'overdue'>) =>
  (r: { id: string; created_at: Date | string; decide_by: string | null }): CursorKey =>
    f.overdue === true
      ? { at: `${r.decide_by}T00:00:00.000Z`, id: r.id }
      : { at: new Date(r.created_at).toISOString(), id: r.id };

async function listRecords<T extends ProcedureTable>(
  q: Q,
  table: T,
  f: RecordFilters,
  limit: number,
  after?: CursorKey,
): Promise<RowOf<T>[]> {
  const query = from(q, table).select('*');
  if (f.status) query.where('status', f.status);
  if (f.authority) query.where('authority', f.authority);
  if (f.entry) query.where('entry_id', f.entry);
  if (f.overdue === false)
    query.where((w) => w.whereNot('status', 'received').orWhereNull('decide_by').orWhere('decide_by', '>=', f.today));
  if (f.overdue === true) {
    query.where('status', 'received').where('decide_by', '<', f.today);
    // the spec's order for the overdue list: the oldest deadline first, the one to chase first (recordKeyOf's key)
    if (after) query.whereRaw('(decide_by, id) > (left(?, 10)::date, ?::uuid)', [after.at, after.id]);
    return query
      .orderBy([
        { column: 'decide_by', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit + 1);
  }
  if (after) query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.at, after.id]);
  return query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
}

/**
 * objections and restoration_applications. Recording and deciding are writes, in the caller's transaction (which
 * holds the entry's lock); reading one record or a page of them is browsing and tolerates a bounded lag (the read
 * router: a department that just recorded one reads its own writes from the primary).
 */
export class ProcedureStore {
  constructor(private readonly h: { primary: Db; reads: Pick<ReadRouter, 'read'> }) {}

  /** A writing transaction on the primary; the methods taking `trx` run inside one. */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.h.primary.transaction(work);
  }

  insertOnce<T extends ProcedureTable>(trx: Knex.Transaction, table: T, row: NewRow<T>) {
    return insertOnce(trx, table, row);
  }

  /** A record as of the writing transaction; locked until it ends with forUpdate. */
  findInTransaction<T extends ProcedureTable>(
    trx: Knex.Transaction,
    table: T,
    id: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<RowOf<T> | undefined> {
    return findRecord(trx, table, id, opts);
  }

  setDecision<T extends ProcedureTable>(
    trx: Knex.Transaction,
    table: T,
    id: string,
    status: string,
    decision: NonNullable<RowOf<T>['decision']>,
    at: Date,
  ): Promise<RowOf<T>> {
    return setDecision(trx, table, id, status, decision, at);
  }

  find<T extends ProcedureTable>(table: T, id: string): Promise<RowOf<T> | undefined> {
    return this.h.reads.read((db) => findRecord(db, table, id));
  }

  /** A page (limit+1 rows, so the caller knows there is a next one), newest first. */
  list<T extends ProcedureTable>(table: T, f: RecordFilters, limit: number, after?: CursorKey): Promise<RowOf<T>[]> {
    return this.h.reads.read((db) => listRecords(db, table, f, limit, after));
  }
}

export interface ProcedureCounts {
  authority: string;
  objections: {
    received: number;
    decided: number;
    decidedInTime: number;
    upheld: number;
    pending: number;
    overdue: number;
  };
  restorations: {
    applied: number;
    approved: number;
    refused: number;
    pending: number;
    medianDaysToDecide: number | null;
  };
}

export const emptyProcedureCounts = (authority: string): ProcedureCounts => ({
  authority,
  objections: { received: 0, decided: 0, decidedInTime: 0, upheld: 0, pending: 0, overdue: 0 },
  restorations: { applied: 0, approved: 0, refused: 0, pending: 0, medianDaysToDecide: null },
});

/**
 * Per listing authority: objections received, decided, decided within decideBy (those with a deadline), upheld,
 * pending and overdue; restoration applications applied, approved, refused, pending and the median calendar days from
 * receipt to decision. Two GROUP BY statements over tables of thousands of rows, not millions.
 */
export async function procedureCounts(q: Q, today: string): Promise<Map<string, ProcedureCounts>> {
  const objections: {
    authority: string;
    received: number;
    decided: number;
    in_time: number;
    upheld: number;
    pending: number;
    overdue: number;
  }[] = (
    await q.raw(
      `select authority,
              count(*)::int                                                                     as received,
              count(*) filter (where status <> 'received')::int                                 as decided,
              count(*) filter (where status <> 'received' and (decision->>'inTime')::boolean)::int as in_time,
              count(*) filter (where status = 'upheld')::int                                    as upheld,
              count(*) filter (where status = 'received')::int                                  as pending,
              count(*) filter (where status = 'received' and decide_by < ?::date)::int           as overdue
         from objections group by authority`,
      [today],
    )
  ).rows;
  const restorations: {
    authority: string;
    applied: number;
    approved: number;
    refused: number;
    pending: number;
    median_days: number | null;
  }[] = (
    await q.raw(
      `select authority,
              count(*)::int                                       as applied,
              count(*) filter (where status = 'approved')::int    as approved,
              count(*) filter (where status = 'refused')::int     as refused,
              count(*) filter (where status = 'received')::int    as pending,
              percentile_cont(0.5) within group (order by extract(epoch from decided_at - received_at) / 86400)
                filter (where decided_at is not null)             as median_days
         from restoration_applications group by authority`,
    )
  ).rows;
  const out = new Map<string, ProcedureCounts>();
  const of = (authority: string): ProcedureCounts => {
    let c = out.get(authority);
    if (!c) out.set(authority, (c = emptyProcedureCounts(authority)));
    return c;
  };
  for (const o of objections) {
    of(o.authority).objections = {
      received: o.received,
      decided: o.decided,
      decidedInTime: o.in_time,
      upheld: o.upheld,
      pending: o.pending,
      overdue: o.overdue,
    };
  }
  for (const r of restorations) {
    of(r.authority).restorations = {
      applied: r.applied,
      approved: r.approved,
      refused: r.refused,
      pending: r.pending,
      medianDaysToDecide: r.median_days === null ? null : Math.round(Number(r.median_days) * 100) / 100,
    };
  }
  return out;
}
