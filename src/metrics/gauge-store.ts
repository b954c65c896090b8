import type { Db } from '../db/knex';
import type { ReadRouter } from '../db/read-router';
import { departmentStateCounts, type DepartmentStateCounts } from '../reports/order-counts';

/** The webhook backlog of one department. */
export interface WebhookBacklog {
  department: string;
  pending: number;
  failing: number;
  oldest: Date;
}

/** What the database gauges show, read at one moment. */
export interface GaugeFigures {
  orders: DepartmentStateCounts[];
  webhooks: WebhookBacklog[];
  /** The last successful run of each job. */
  jobs: { name: string; at: Date }[];
  /** Objections and restoration applications past decideBy, undecided (issue 18), per authority. */
  procedures: { kind: 'objection' | 'restoration'; authority: string; n: number }[];
}

/**
 * The gauges' queries. They tolerate a bounded lag, so they read through the read router (the replica when it is
 * serving), in one read-only transaction: every figure of a refresh is of the same moment. The order figures come
 * from the kept counts (a summary, whatever the number of orders), not a scan of orders.
 */
export class GaugeStore {
  constructor(private readonly reads: Pick<ReadRouter, 'read'>) {}

  figures(now: Date, today: string): Promise<GaugeFigures> {
    const read = (source: Db) =>
      source.transaction(
        async (trx) => {
          await trx.raw('set local jit = off');
          const orders = await departmentStateCounts(trx, now);
          // Aggregates: raw SQL with the row type it selects (knex's table typing covers columns, not count(*)).
          const webhooks = await trx.raw<{ rows: WebhookBacklog[] }>(
            `select department, count(*)::int as pending, count(*) filter (where attempts > 0)::int as failing,
                    min(occurred_at) as oldest
               from webhook_outbox where status = 'pending' group by department`,
          );
          const jobs = await trx.raw<{ rows: { name: string; at: Date }[] }>(
            `select name, max(finished_at) as at from job_runs where outcome = 'succeeded' group by name`,
          );
          const procedures = await trx.raw<{ rows: GaugeFigures['procedures'] }>(
            `select 'objection' as kind, authority, count(*)::int as n from objections
              where status = 'received' and decide_by < ?::date group by authority
             union all
             select 'restoration', authority, count(*)::int from restoration_applications
              where status = 'received' and decide_by < ?::date group by authority`,
            [today, today],
          );
          return {
            orders,
            webhooks: webhooks.rows,
            jobs: jobs.rows,
            procedures: procedures.rows,
          };
        },
        { readOnly: true },
      );
    return this.reads.read(read);
  }
}
