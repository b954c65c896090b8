import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import type { DepartmentDirectory } from '../departments/department-directory';
import type { EntryPlanner } from '../lists/entry-planner';
import type { RuleEngine } from '../rules/rule-engine';
import type { Clock } from '../time/clock';
import type { FeedbackDeadlines } from '../time/feedback-deadline';
import type { WorkingDayCalendar } from '../time/working-days';
import { abnormalOperationsRuleOf, proposeAbnormalOperations } from './abnormal-operations';
import { recomputeProvisionalDeadlines } from './recompute-deadlines';
import { checkConsistency } from './consistency-check';
import { escalateOverdue } from './escalate-overdue';
import { expireEntries } from './expire-entries';
import { pruneDeliveredEvents } from './outbox-retention';
import { addMissingSubjects, pruneSubjectsInForce } from './prune-subjects';
import { JobRunner, type JobDefinition, type JobRunResult } from './job-runner';
import type { JobStore } from './job-store';
import type { OrderStore } from '../orders/order-store';
import type { EntryStore } from '../lists/list-entry-store';

export interface JobDeps {
  db: Db;
  /** Job runs and proposals (src/jobs/job-store.ts). */
  jobStore: JobStore;
  /** The orders (the escalation job's walk and writes). */
  orderStore: OrderStore;
  /** The entries (the expiry, consistency and proposals jobs' walks). */
  entryStore: EntryStore;
  clock: Clock;
  log: Logger;
  engine: RuleEngine;
  planner: EntryPlanner;
  departments: DepartmentDirectory;
  calendar: WorkingDayCalendar;
  deadlines: FeedbackDeadlines;
  escalationLevel2WorkingDays: number;
  /** This process's subject index (the consistency job's repairs issue orders). */
  announceSubjects: (keys: string[]) => void;
}

/** Delivered webhook events are kept this long for the delivery log, then deleted (docs/adr/0007). */
const DELIVERED_EVENTS_KEPT_DAYS = 90;

/** Schedules are China Standard Time (every deadline and term in the regulations is a China date). */
const JOB_TIMEZONE = 'Asia/Shanghai';

/**
 * Every scheduled job, in one place. Each is idempotent (it works from the state of the database, so a second run
 * finds nothing to do), never overlaps itself, and runs on one instance at a time (JobRunner's advisory lock).
 * The hourly ones catch up by themselves after downtime.
 */
function jobDefinitions(d: JobDeps): JobDefinition[] {
  return [
    {
      name: 'expire-entries',
      schedule: '5 * * * *',
      description:
        'entries whose term has ended are expired; their orders, restrictions and bans are lifted (order.lifted)',
      run: () => expireEntries(d.db, d.entryStore, d.clock),
    },
    {
      name: 'escalate-overdue',
      schedule: '15 * * * *',
      description:
        'orders past due without feedback are escalated to the supervising departments, once per order and level (order.escalated)',
      run: () =>
        escalateOverdue(d.db, d.orderStore, d.clock, d.departments, d.calendar, {
          level2WorkingDays: d.escalationLevel2WorkingDays,
        }),
    },
    {
      name: 'abnormal-operations-3y',
      schedule: '30 1 * * *',
      description:
        '经营异常名录 for 3 years without remedy: reminder 60 days before, then a proposal for the serious-violation list (legacy rule, 2014-10-01 … 2024-04-30)',
      run: () =>
        proposeAbnormalOperations(
          d.db,
          d.entryStore,
          d.jobStore,
          d.clock,
          abnormalOperationsRuleOf(d.engine.loaded.catalog),
        ),
    },
    {
      name: 'recompute-provisional-deadlines',
      schedule: '20 0 * * *',
      description:
        'deadlines counted past the official holiday calendar are counted again once the year is official (never earlier than given); also at start-up',
      run: () => recomputeProvisionalDeadlines(d.db, d.clock, d.deadlines),
    },
    {
      name: 'consistency-check',
      schedule: '45 2 * * *',
      description:
        'every active entry has the orders its rules produce today; missing ones are issued, extra ones reported',
      run: () => checkConsistency(d),
    },
    {
      name: 'prune-subjects-in-force',
      schedule: '50 3 * * *',
      description:
        'subjects with nothing in force for a day leave subjects_in_force (the subject index stops over-reporting them); subjects written past the triggers (restore, replication) are added',
      run: async () => ({ ...(await pruneSubjectsInForce(d.db)), ...(await addMissingSubjects(d.db)) }),
    },
    {
      name: 'outbox-retention',
      schedule: '10 4 * * *',
      description: `delivered webhook events older than ${DELIVERED_EVENTS_KEPT_DAYS} days are deleted with their delivery log`,
      run: () => pruneDeliveredEvents(d.db, d.clock.now(), DELIVERED_EVENTS_KEPT_DAYS),
    },
  ];
}

/** The jobs of one process: run one by name (tests, admin tools) or start them on their schedules. */
export class JobScheduler {
  readonly definitions: JobDefinition[];
  private readonly runner: JobRunner;
  private tasks: ScheduledTask[] = [];

  constructor(private readonly d: JobDeps) {
    this.definitions = jobDefinitions(d);
    this.runner = new JobRunner(d.db, d.jobStore, d.clock, d.log);
  }

  async run(name: string): Promise<JobRunResult> {
    const job = this.definitions.find((j) => j.name === name);
    if (!job) throw new Error(`no job named ${name}`);
    return this.runner.run(job);
  }

  start(): void {
    if (this.tasks.length) return;
    this.tasks = this.definitions.map((job) =>
      cron.schedule(
        job.schedule,
        async () => {
          try {
            await this.runner.run(job);
          } catch (err) {
            this.d.log.error({ err, job: job.name }, 'job could not run');
          }
        },
        { name: job.name, timezone: JOB_TIMEZONE, noOverlap: true },
      ),
    );
    this.d.log.info({ jobs: this.definitions.map((j) => `${j.name} (${j.schedule})`) }, 'scheduled jobs started');
  }

  /** No new runs start; a run in progress finishes (each job works in small transactions, one unit at a time). */
  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.destroy()));
    this.tasks = [];
    await this.runner.idle();
  }
}
