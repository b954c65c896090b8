import { createHash } from 'node:crypto';
import os from 'node:os';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { observeJobRun } from '../metrics/metrics';
import type { Clock } from '../time/clock';
import type { JobStore } from './job-store';

export type JobCounts = Record<string, number>;

export interface JobDefinition {
  name: string;
  /** node-cron expression, in China Standard Time. */
  schedule: string;
  description: string;
  /** Does the work; must be idempotent (a second run finds nothing left to do). */
  run(): Promise<JobCounts>;
}

export type JobRunResult =
  | { outcome: 'succeeded'; counts: JobCounts }
  | { outcome: 'failed'; counts: JobCounts; error: string }
  | { outcome: 'skipped'; reason: 'running-here' | 'locked-elsewhere' };

/** Advisory-lock namespace of this service's jobs ("JP"); the second key is a hash of the job name. */
const LOCK_NAMESPACE = 0x4a50;
const lockKeyOf = (name: string) => createHash('sha256').update(name).digest().readInt32BE(0);
const INSTANCE = `${os.hostname()}:${process.pid}`;

/**
 * Runs a job at most once at a time across every process on the database: the run holds a session-level
 * PostgreSQL advisory lock (pg_try_advisory_lock) on a connection of its own for as long as it works. Another
 * instance that tries at the same moment does not get the lock and skips; if the holder dies, PostgreSQL drops the
 * connection and with it the lock. Each run that gets the lock is recorded in job_runs; skipped attempts are not.
 */
export class JobRunner {
  private readonly runningHere = new Set<string>();
  private readonly inFlight = new Set<Promise<JobRunResult>>();

  constructor(
    /** The primary: the advisory lock is held on one of its connections. */
    private readonly db: Db,
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  run(job: JobDefinition): Promise<JobRunResult> {
    const run = this.runOnce(job);
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Resolves when no run of this process is in progress (shutdown waits here before closing the pool). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async runOnce(job: JobDefinition): Promise<JobRunResult> {
    if (this.runningHere.has(job.name)) return { outcome: 'skipped', reason: 'running-here' };
    this.runningHere.add(job.name);
    const client = this.db.client as {
      acquireConnection(): Promise<PoolClient>;
      releaseConnection(c: PoolClient): Promise<void>;
    };
    const conn = await client.acquireConnection();
    try {
      const key = lockKeyOf(job.name);
      const { rows } = await conn.query<{ got: boolean }>('select pg_try_advisory_lock($1, $2) as got', [
        LOCK_NAMESPACE,
        key,
      ]);
      if (!rows[0]?.got) return { outcome: 'skipped', reason: 'locked-elsewhere' };
      try {
        return await this.runLocked(job);
      } finally {
        await conn.query('select pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, key]);
      }
    } finally {
      await client.releaseConnection(conn);
      this.runningHere.delete(job.name);
    }
  }

  private async runLocked(job: JobDefinition): Promise<JobRunResult> {
    const startedAt = this.clock.now();
    const t0 = performance.now();
    const id = await this.store.startRun(job.name, startedAt, INSTANCE);
    let result: JobRunResult;
    try {
      result = { outcome: 'succeeded', counts: await job.run() };
    } catch (e) {
      result = { outcome: 'failed', counts: {}, error: String((e as Error).stack ?? e).slice(0, 4000) };
      this.log.error({ err: e, job: job.name }, 'job failed');
    }
    const error = result.outcome === 'failed' ? result.error : null;
    const durationMs = Math.round(performance.now() - t0);
    const { outcome, counts } = result;
    await this.store.finishRun(id, { finishedAt: this.clock.now(), outcome, counts, error, durationMs });
    observeJobRun(job.name, outcome, (performance.now() - t0) / 1000);
    this.log.info({ job: job.name, outcome: result.outcome, counts: result.counts }, 'job run finished');
    return result;
  }
}
