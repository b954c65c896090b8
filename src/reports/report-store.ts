import type { Knex } from 'knex';
import type { ReadRouter } from '../db/read-router';
import { procedureCounts, type ProcedureCounts } from '../procedures/procedure-store';
import { orderStateSql, PENDING_STATUS } from '../orders/order-states';
import { measureSet, readMeasureSets } from '../orders/measure-sets';
import { departmentStateCounts, weekCounts } from './order-counts';

export interface DepartmentCounts {
  department: string;
  issued: number;
  implemented: number;
  not_applicable: number;
  pending: number;
  overdue: number;
  escalated: number;
  lifted: number;
  revoked: number;
}

/** China days from..to (both included) as instants [since, until) and as the days themselves. */
export interface DayRange {
  from: string;
  to: string;
  since: Date;
  until: Date;
}

/**
 * Per department. Without a range, from the kept counts (src/reports/order-counts.ts), not a scan of orders; with a
 * range, the orders issued within it (through orders_issued_at_idx), in their state today.
 */
async function feedbackCounts(q: Knex, now: Date, range?: DayRange): Promise<DepartmentCounts[]> {
  if (range) return feedbackCountsIssuedWithin(q, now, range);
  const rows = await departmentStateCounts(q, now);
  return rows.map((r) => {
    const of = (status: string) => r.byStatus[status] ?? 0;
    return {
      department: r.department,
      issued: Object.values(r.byStatus).reduce((a, b) => a + b, 0),
      implemented: of('implemented'),
      not_applicable: of('not_applicable'),
      pending: of(PENDING_STATUS),
      overdue: r.pastDue,
      escalated: r.escalated,
      lifted: of('lifted'),
      revoked: of('revoked'),
    };
  });
}

async function feedbackCountsIssuedWithin(q: Knex, now: Date, range: DayRange): Promise<DepartmentCounts[]> {
  const state = orderStateSql('orders');
  const { rows } = await q.raw<{ rows: DepartmentCounts[] }>(
    `select department,
            count(*)::int                                                   as issued,
            count(*) filter (where status = 'implemented')::int             as implemented,
            count(*) filter (where status = 'not_applicable')::int          as not_applicable,
            count(*) filter (where ${state.pending})::int                   as pending,
            count(*) filter (where ${state.overdue(':now')})::int           as overdue,
            count(*) filter (where ${state.escalated})::int                 as escalated,
            count(*) filter (where status = 'lifted')::int                  as lifted,
            count(*) filter (where status = 'revoked')::int                 as revoked
       from orders
      where issued_at >= :since and issued_at < :until
      group by department`,
    { now, since: range.since, until: range.until },
  );
  return rows;
}

export interface WeekCounts {
  week_start: string;
  issued: number;
  fed_back: number;
}

/**
 * Orders issued and fed back per China week (Monday first) from `from` (a Monday, China date) on, from the kept
 * weekly counts. Weeks without orders are included, so a chart has no gaps.
 */

interface OverdueRow {
  id: string;
  entry_id: string;
  list_type: string;
  department: string;
  measures: { code: string; name: string; nameEn?: string }[];
  issued_at: Date;
  due_at: Date;
  subject: OverdueOrder['subject'];
  escalation_level: number;
  /** due_at at full precision (EXACT_DUE_AT), read with exactKey only */
  due_key?: string;
}

/** An overdue order with whom it is about (a person only by the masked number the entry keeps). */
export interface OverdueOrder {
  id: string;
  entryId: string;
  listType: string;
  department: string;
  measures: { code: string; name: string; nameEn?: string }[];
  issuedAt: Date;
  dueAt: Date;
  subject: { kind: 'enterprise' | 'person'; name: string; uscc?: string; idNumberMasked?: string };
  escalationLevel: number;
}

const toOverdueOrder = (r: OverdueRow): OverdueOrder => ({
  id: r.id,
  entryId: r.entry_id,
  listType: r.list_type,
  department: r.department,
  measures: r.measures,
  issuedAt: new Date(r.issued_at),
  dueAt: new Date(r.due_at),
  subject: r.subject,
  escalationLevel: r.escalation_level,
});

/**
 * due_at as PostgreSQL holds it (microseconds), in UTC whatever the session's TimeZone and DateStyle, so that
 * `?::timestamptz` reads back the very instant. A JavaScript Date keeps milliseconds only.
 */
const EXACT_DUE_AT = `to_char(o.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as due_key`;

/**
 * Issued orders past due, the longest overdue first; keyset-paged on (due_at, id) through orders_issued_due_idx, or
 * orders_issued_department_due_idx for one department (migration 20261205500200). `exactKey` adds `due_key`, the
 * sort key at full precision, for a caller that pages on it (the export).
 *
 * The measures are their set's as read (src/orders/measure-sets.ts), shared by the rows of one set: the overdue list
 * shows code and names and no measure's `until`, so no row needs its own copy. Rebuilding each row's measures with
 * its untils (withMeasures) took half the time of an export page of 5,000 rows.
 */
async function overduePage(
  q: Knex,
  f: { now: Date; department?: string },
  limit: number,
  after?: { at: string; id: string },
  exactKey = false,
): Promise<OverdueRow[]> {
  const query = q('orders as o')
    .join('list_entries as e', 'e.id', 'o.entry_id')
    .select('o.id', 'o.entry_id', 'o.list_type', 'o.department', 'o.issued_at', 'o.due_at', 'e.subject')
    .select('o.measure_set_id')
    .select('o.escalation_level')
    .whereRaw(orderStateSql('o').overdue('?'), [f.now]);
  if (exactKey) query.select(q.raw(EXACT_DUE_AT));
  if (f.department) query.where('o.department', f.department);
  if (after) query.whereRaw('(o.due_at, o.id) > (?::timestamptz, ?::uuid)', [after.at, after.id]);
  const rows: (Omit<OverdueRow, 'measures'> & { measure_set_id: number })[] = await query
    .orderBy([{ column: 'o.due_at' }, { column: 'o.id' }])
    .limit(limit + 1);
  const sets = await readMeasureSets(
    q,
    rows.map((r) => r.measure_set_id),
  );
  return rows.map(({ measure_set_id, ...row }) => ({ ...row, measures: measureSet(sets, measure_set_id) }));
}

/** Issued orders past due, from the kept counts: the same figure at any page and any size, without a count(*). */
async function overdueTotal(q: Knex, f: { now: Date; department?: string }): Promise<number> {
  const rows = await departmentStateCounts(q, f.now, f.department);
  return rows.reduce((sum, r) => sum + r.pastDue, 0);
}

/** Desk figures of one department or scenario (scenario: the scenario, the officer role, or '' for none). */
export interface DeskCounts {
  key: string;
  clear: number;
  hits: number;
  restricted: number;
  not_restricted: number;
}

export interface DeskReasonCount {
  key: string;
  reason: string;
  n: number;
}

/**
 * Hits and their feedback from the decision records; clean answers from the records asked with record=true plus
 * the counted ones (check_counts). `by` is the grouping column: department, or scenario (role for officer checks).
 */
async function deskCounts(
  q: Knex,
  by: 'department' | 'scenario',
  range?: DayRange,
): Promise<{ counts: DeskCounts[]; reasons: DeskReasonCount[] }> {
  const key = by === 'department' ? 'department' : "coalesce(scenario, role, '')";
  const bindings = {
    since: range?.since ?? null,
    until: range?.until ?? null,
    from: range?.from ?? null,
    to: range?.to ?? null,
  };
  const checkedIn = '(cast(:since as timestamptz) is null or (checked_at >= :since and checked_at < :until))';
  const { rows: counts } = await q.raw<{ rows: DeskCounts[] }>(
    `select key, sum(clear)::int as clear, sum(hits)::int as hits,
            sum(restricted)::int as restricted, sum(not_restricted)::int as not_restricted
       from (select ${key} as key,
                    count(*) filter (where outcome = 'clear') as clear,
                    count(*) filter (where outcome = 'hit') as hits,
                    count(*) filter (where feedback_action = 'restricted') as restricted,
                    count(*) filter (where feedback_action = 'not_restricted') as not_restricted
               from check_decisions where ${checkedIn} group by 1
             union all
             select ${by === 'department' ? 'department' : 'scenario'}, sum(clear), 0, 0, 0 from check_counts
              where cast(:from as date) is null or day between :from and :to group by 1) s
      group by key`,
    bindings,
  );
  const { rows: reasons } = await q.raw<{ rows: DeskReasonCount[] }>(
    `select ${key} as key, feedback->>'reason' as reason, count(*)::int as n
       from check_decisions where feedback_action = 'not_restricted' and ${checkedIn} group by 1, 2`,
    bindings,
  );
  return { counts, reasons };
}

/** Everything the feedback report shows, read on one handle. */
export interface FeedbackFigures {
  counts: DepartmentCounts[];
  byDepartment: { counts: DeskCounts[]; reasons: DeskReasonCount[] };
  byScenario: { counts: DeskCounts[]; reasons: DeskReasonCount[] };
  procedures: Map<string, ProcedureCounts>;
}

/**
 * The supervisors' reports. Every figure here tolerates a bounded lag, so every method reads through the read router
 * (the replica while it is serving and has replayed the caller's own writes, the primary otherwise); each method's
 * queries run on one handle, so a report never mixes the replica's moment with the primary's.
 */
export class ReportStore {
  constructor(private readonly reads: Pick<ReadRouter, 'read'>) {}

  feedback(now: Date, today: string, range?: DayRange): Promise<FeedbackFigures> {
    return this.reads.read(async (db) => {
      const [counts, byDepartment, byScenario, procedures] = await Promise.all([
        feedbackCounts(db, now, range),
        deskCounts(db, 'department', range),
        deskCounts(db, 'scenario', range),
        procedureCounts(db, today),
      ]);
      return { counts, byDepartment, byScenario, procedures };
    });
  }

  /**
   * Orders issued and fed back per China week (Monday first) from `from` (a Monday, China date) on, from the kept
   * weekly counts. Weeks without orders are included, so a chart has no gaps.
   */
  weekly(from: string, weeks: number, department?: string): Promise<WeekCounts[]> {
    return this.reads.read((db) => weekCounts(db, from, weeks, department));
  }

  /** A page of overdue orders (limit+1, so the caller knows there is a next page) and how many there are in all. */
  overdue(
    f: { now: Date; department?: string },
    limit: number,
    after?: { at: string; id: string },
  ): Promise<{ rows: OverdueOrder[]; total: number }> {
    return this.reads.read(async (db) => {
      const [rows, total] = await Promise.all([overduePage(db, f, limit, after), overdueTotal(db, f)]);
      return { rows: rows.map(toOverdueOrder), total };
    });
  }

  /**
   * One page of the overdue export: up to `limit` rows after `after`, and the key to read the next page from (none
   * after the last). The same keyset as the paged list, but the key is carried at full precision (due_key): the
   * list's cursor keeps milliseconds only, so an order whose due_at has microseconds (written by SQL, not by the
   * service) would be read again on the next page, or one sharing its millisecond skipped. No total: the export
   * is as long as it is. Each page is a read of its own through the read router: an export holds no connection
   * between pages, however many there are.
   */
  overdueExportPage(
    f: { now: Date; department?: string },
    limit: number,
    after?: OverdueExportKey,
  ): Promise<{ rows: OverdueOrder[]; next: OverdueExportKey | undefined }> {
    return this.reads.read(async (db) => {
      const rows = await overduePage(db, f, limit, after, true);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { rows: page.map(toOverdueOrder), next: rows.length > limit && last ? exportKeyOf(last) : undefined };
    });
  }
}

/** Where the export's next page starts: due_at at full precision (EXACT_DUE_AT, microseconds), and the order id. */
export interface OverdueExportKey {
  at: string;
  id: string;
}

function exportKeyOf(r: OverdueRow): OverdueExportKey {
  if (r.due_key === undefined) throw new Error('an export page was read without its exact key');
  return { at: r.due_key, id: r.id };
}
