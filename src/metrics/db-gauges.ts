import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { isStatementTimeout } from '../db/unavailable';
import { ORDER_STATUSES, PENDING_STATUS } from '../orders/order-states';
import type { GaugeStore } from './gauge-store';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import {
  calendarCoveredUntil,
  dbUp,
  jobLastSuccess,
  ordersGauge,
  proceduresOverdueGauge,
  refreshDuration,
  refreshTimestamp,
  statementTimeouts,
  webhookFailingGauge,
  webhookOldestPendingAge,
  webhookPendingGauge,
} from './metrics';

/** The gauge's states: the stored statuses, the pending ones split by due date and escalation (read()). */
const ORDER_STATES = [...ORDER_STATUSES, 'overdue', 'escalated'];

export interface DbGaugeOptions {
  /** The primary's pool, instrumented for the pool gauges. */
  db: Db;
  /** The gauges' queries (lag-tolerant: the replica when it is serving). */
  store: GaugeStore;
  clock: Clock;
  log: Logger;
  /** Every department code, so a department with nothing is a 0, not a missing series. */
  departments: readonly string[];
  /** The list authorities' codes, so an authority with no overdue objection is a 0, not a missing series. */
  authorities?: readonly string[];
  /** The last year the official working-day calendar covers. */
  calendarLastYear: () => number;
  intervalMs: number;
}

/** The end of 31 December of `year` in China Standard Time (UTC+8), in Unix seconds. */
export const endOfChinaYear = (year: number) => Date.UTC(year + 1, 0, 1) / 1000 - 8 * 3600;

/**
 * The figures that live in the database (orders by department and state, the webhook backlog, last successful job
 * runs) are read on a schedule, never per request or per scrape, in one read-only transaction. The order figures
 * come from the kept counts (src/reports/order-counts.ts: a summary, whatever the number of orders), which the
 * compact-order-counts job keeps compact on one instance at a time; each instance then reads that small summary, so
 * every instance answers a scrape with the same figures, and alerts take max() across instances.
 */
export class DbGauges {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Logged on change only: one line when the database goes away and one when it is back, not one a minute. */
  private up = true;

  constructor(private readonly o: DbGaugeOptions) {
    calendarCoveredUntil.set(endOfChinaYear(o.calendarLastYear()));
  }

  /** One refresh; a refresh already under way is awaited instead of started twice. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async read(): Promise<void> {
    const { clock, departments } = this.o;
    const t0 = performance.now();
    const now = clock.now();
    calendarCoveredUntil.set(endOfChinaYear(this.o.calendarLastYear()));
    try {
      const { orders, webhooks, jobs, procedures } = await this.o.store.figures(now, chinaDate(now));
      for (const department of departments) {
        for (const status of ORDER_STATES) ordersGauge.set({ department, status }, 0);
        webhookPendingGauge.set({ department }, 0);
        webhookFailingGauge.set({ department }, 0);
        webhookOldestPendingAge.set({ department }, 0);
      }
      for (const authority of this.o.authorities ?? [])
        for (const kind of ['objection', 'restoration']) proceduresOverdueGauge.set({ kind, authority }, 0);
      for (const r of procedures) proceduresOverdueGauge.set({ kind: r.kind, authority: r.authority }, r.n);
      for (const r of orders) {
        for (const [status, n] of Object.entries(r.byStatus)) {
          if (status !== PENDING_STATUS) ordersGauge.set({ department: r.department, status }, n);
        }
        // The pending orders split three ways: not yet due ('issued'), overdue and not escalated, escalated and overdue.
        const issued = r.byStatus[PENDING_STATUS] ?? 0;
        ordersGauge.set({ department: r.department, status: 'issued' }, issued - r.pastDue);
        ordersGauge.set({ department: r.department, status: 'overdue' }, r.pastDue - r.escalatedPastDue);
        ordersGauge.set({ department: r.department, status: 'escalated' }, r.escalatedPastDue);
      }
      for (const r of webhooks) {
        webhookPendingGauge.set({ department: r.department }, r.pending);
        webhookFailingGauge.set({ department: r.department }, r.failing);
        webhookOldestPendingAge.set(
          { department: r.department },
          Math.max(0, (now.getTime() - r.oldest.getTime()) / 1000),
        );
      }
      for (const r of jobs) jobLastSuccess.set({ job: r.name }, r.at.getTime() / 1000);
      dbUp.set(1);
      refreshTimestamp.set(Date.now() / 1000);
      if (!this.up) this.o.log.info('metrics: the database gauges are refreshed again');
      this.up = true;
    } catch (err) {
      if (isStatementTimeout(err)) {
        // The database answered; the refresh was slow. The figures stay as they were, jp_db_up is not touched.
        statementTimeouts.inc({ source: 'gauges' });
        this.o.log.warn('metrics: the gauge refresh passed its time limit (slow, not a database outage)');
        return;
      }
      dbUp.set(0);
      if (this.up) this.o.log.warn({ err }, 'metrics: the database gauges could not be refreshed (jp_db_up 0)');
      this.up = false;
    } finally {
      refreshDuration.set((performance.now() - t0) / 1000);
    }
  }
}
