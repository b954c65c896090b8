import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { keptCountStateSql, orderStateSql, PENDING_STATUS } from '../orders/order-states';

/**
 * The kept counts of orders (migration 20261205500100): compacted totals plus the deltas the writing transactions
 * appended since, added up in one statement (one snapshot), so a compaction running meanwhile is never seen half-done.
 * Every read here is over the summary (departments × lists × open due days), never over orders, except the orders
 * due today that are already past due, a range of one day in orders_issued_due_idx.
 */
const STATE = `(select department, list_type, status, due_day, escalated, n from order_counts
                union all
                select department, list_type, status, due_day, escalated, n from order_count_deltas)`;
const KEPT = keptCountStateSql('c');
const ORDERS = orderStateSql('orders');
const WEEKS = `(select week_start, department, list_type, kind, n from order_week_counts
                union all
                select week_start, department, list_type, kind, n from order_week_deltas)`;

/** Per department: every status's count, and of the issued ones those past due and those escalated. */
export interface DepartmentStateCounts {
  department: string;
  byStatus: Record<string, number>;
  /** overdue (src/orders/order-states.ts) */
  pastDue: number;
  /** issued and escalated (any level) */
  escalated: number;
  /** issued, escalated and past due */
  escalatedPastDue: number;
}

/** China midnight of `now`'s China day, as an instant. */
function startOfChinaDay(now: Date): Date {
  const cst = new Date(now.getTime() + 8 * 3_600_000);
  return new Date(Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth(), cst.getUTCDate()) - 8 * 3_600_000);
}

export async function departmentStateCounts(q: Knex, now: Date, department?: string): Promise<DepartmentStateCounts[]> {
  const dayStart = startOfChinaDay(now);
  const today = new Date(dayStart.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const { rows } = await q.raw<{
    rows: {
      department: string;
      status: string;
      n: number;
      past_due: number;
      escalated: number;
      esc_past_due: number;
    }[];
  }>(
    `with s as (
       select department, status,
              sum(n)::float8 as n,
              (sum(n) filter (where ${KEPT.pastDueDay(':today')}))::float8 as past_due,
              (sum(n) filter (where ${KEPT.escalated}))::float8 as escalated,
              (sum(n) filter (where ${KEPT.escalated} and ${KEPT.pastDueDay(':today')}))::float8 as esc_past_due
         from ${STATE} c
        where cast(:department as text) is null or department = :department
        group by department, status
     ), today as (
       select department, '${PENDING_STATUS}'::text as status, count(*)::float8 as past_due,
              (count(*) filter (where ${ORDERS.escalated}))::float8 as esc_past_due
         from orders
        where ${ORDERS.overdue(':now')} and due_at >= :dayStart
          and (cast(:department as text) is null or department = :department)
        group by department
     )
     select s.department, s.status, s.n, coalesce(s.past_due, 0) + coalesce(t.past_due, 0) as past_due,
            coalesce(s.escalated, 0) as escalated, coalesce(s.esc_past_due, 0) + coalesce(t.esc_past_due, 0) as esc_past_due
       from s left join today t using (department, status)
      where s.n <> 0`,
    { today, dayStart, now, department: department ?? null },
  );
  const out = new Map<string, DepartmentStateCounts>();
  for (const r of rows) {
    const d = out.get(r.department) ?? {
      department: r.department,
      byStatus: {},
      pastDue: 0,
      escalated: 0,
      escalatedPastDue: 0,
    };
    d.byStatus[r.status] = Number(r.n);
    d.pastDue += Number(r.past_due);
    d.escalated += Number(r.escalated);
    d.escalatedPastDue += Number(r.esc_past_due);
    out.set(r.department, d);
  }
  return [...out.values()];
}

/** Orders issued and fed back per China week from `from` (a Monday), `weeks` weeks, gaps included as 0. */
export async function weekCounts(
  q: Knex,
  from: string,
  weeks: number,
  department?: string,
): Promise<{ week_start: string; issued: number; fed_back: number }[]> {
  const { rows } = await q.raw<{ rows: { week_start: string; issued: number; fed_back: number }[] }>(
    `with weeks as (
       select (cast(:from as date) + 7 * n) as week_start from generate_series(0, cast(:weeks as int) - 1) as n
     ), c as (
       select week_start, sum(n) filter (where kind = 'issued') as issued, sum(n) filter (where kind = 'fed_back') as fed_back
         from ${WEEKS} w
        where week_start >= cast(:from as date) and (cast(:department as text) is null or department = :department)
        group by week_start
     )
     select to_char(w.week_start, 'YYYY-MM-DD') as week_start,
            coalesce(c.issued, 0)::int as issued, coalesce(c.fed_back, 0)::int as fed_back
       from weeks w left join c using (week_start)
      order by w.week_start`,
    { from, weeks, department: department ?? null },
  );
  return rows;
}

/**
 * Moves the appended deltas into the totals: one statement per summary, in one transaction. Rows appended after its
 * snapshot stay for the next run. One instance at a time (a transaction-level advisory lock; another instance
 * skips its turn); it would be safe anyway, the second finding the rows gone.
 */
export async function compactOrderCounts(db: Knex): Promise<{ stateRows: number; weekRows: number } | undefined> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: { got: boolean }[] }>(
      "select pg_try_advisory_xact_lock(hashtextextended('order-counts.compact', 0)) as got",
    );
    if (!rows[0]?.got) return undefined; // another instance is at it
    const state = await trx.raw<{ rowCount: number }>(
      `with moved as (delete from order_count_deltas returning *)
       insert into order_counts (department, list_type, status, due_day, escalated, n)
         select department, list_type, status, due_day, escalated, sum(n) from moved
          group by department, list_type, status, due_day, escalated
       on conflict (department, list_type, status, due_day, escalated) do update set n = order_counts.n + excluded.n`,
    );
    const weeks = await trx.raw<{ rowCount: number }>(
      `with moved as (delete from order_week_deltas returning *)
       insert into order_week_counts (week_start, department, list_type, kind, n)
         select week_start, department, list_type, kind, sum(n) from moved group by week_start, department, list_type, kind
       on conflict (week_start, department, list_type, kind) do update set n = order_week_counts.n + excluded.n`,
    );
    // Groups that reached 0 (every issued order of a due day fed back) leave, so the summary stays small.
    await trx.raw('delete from order_counts where n = 0');
    return { stateRows: state.rowCount ?? 0, weekRows: weeks.rowCount ?? 0 };
  });
}

/** Compacts the kept counts every `everyMs` on every serving instance; the advisory lock lets one do the work. */
export class OrderCountCompactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly log: Logger,
    private readonly everyMs = 30_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.compact(), this.everyMs).unref();
  }

  /** One compaction (never two at once in this process); a failure is logged and the next turn tries again. */
  compact(): Promise<unknown> {
    this.running = this.running.then(() =>
      compactOrderCounts(this.db).catch((err: unknown) =>
        this.log.warn(
          { err },
          'order counts not compacted; the next turn tries again (reads add the deltas meanwhile)',
        ),
      ),
    );
    return this.running;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
