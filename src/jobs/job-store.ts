import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { ReadRouter } from '../db/read-router';
import { columnsOf, type JobRunRecord, type SeriousViolationProposalRecord } from '../db/tables';
import type { IsoDate } from '../time/dates';

type Outcome = JobRunRecord['outcome'];

/** A job's run as the jobs list shows it. */
export interface JobRun {
  name: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: Outcome;
  counts: Record<string, number>;
}

export type ProposalStage = SeriousViolationProposalRecord['stage'];

export interface NewProposal {
  entry_id: string;
  stage: ProposalStage;
  uscc: string | null;
  subject_name: string;
  listed_on: IsoDate;
  three_years_on: IsoDate;
  basis: { document: string; article: string }[];
  created_at: Date;
}

/** A 3-year reminder or proposal for the serious-violation list (abnormal-operations job). */
export interface Proposal {
  id: number;
  entryId: string;
  stage: ProposalStage;
  uscc: string | null;
  subjectName: string;
  listedOn: IsoDate;
  threeYearsOn: IsoDate;
  basis: { document: string; article: string }[];
  createdAt: Date;
}

/**
 * job_runs and serious_violation_proposals. A run is recorded on the primary (under the job's advisory lock, see
 * src/jobs/job-runner.ts); proposals are written in the job's transaction. The jobs list and the proposals list
 * tolerate a bounded lag: the read router.
 */
export class JobStore {
  constructor(private readonly h: { primary: Db; reads: ReadRouter }) {}

  /**
   * Starts a run under the job's advisory lock. Holding the lock, no other run of this job is alive: a "running" row
   * left behind was a process that died, and is marked abandoned. Returns the new run's id.
   */
  async startRun(name: string, startedAt: Date, instance: string): Promise<number> {
    const q = this.h.primary;
    await q('job_runs').where({ name, outcome: 'running' }).update({ outcome: 'abandoned', finished_at: startedAt });
    const [row] = await q('job_runs')
      .insert({ name, started_at: startedAt, outcome: 'running', instance })
      .returning('id');
    return Number(row?.id);
  }

  async finishRun(
    id: number,
    run: {
      finishedAt: Date;
      outcome: Outcome;
      counts: Record<string, number>;
      error: string | null;
      durationMs: number;
    },
  ): Promise<void> {
    await this.h
      .primary('job_runs')
      .where({ id })
      .update({
        finished_at: run.finishedAt,
        outcome: run.outcome,
        counts: JSON.stringify(run.counts),
        error: run.error,
        duration_ms: run.durationMs,
      });
  }

  /** The latest run of each named job. */
  async lastRuns(names: string[]): Promise<JobRun[]> {
    if (names.length === 0) return [];
    const rows = await this.h.reads.read((db) =>
      db('job_runs')
        .distinctOn('name')
        .whereIn('name', names)
        .orderBy([{ column: 'name' }, { column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .select(...columnsOf('job_runs', 'name', 'started_at', 'finished_at', 'outcome', 'counts')),
    );
    return rows.map((r) => ({
      name: r.name,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      outcome: r.outcome,
      counts: r.counts,
    }));
  }

  /** Records each (entry, stage) once, in the job's transaction; returns those recorded now (not before). */
  async insertProposals(
    trx: Knex.Transaction,
    rows: NewProposal[],
  ): Promise<{ id: number; entryId: string; stage: ProposalStage }[]> {
    if (rows.length === 0) return [];
    const inserted = await trx('serious_violation_proposals')
      .insert(rows.map((r) => ({ ...r, basis: JSON.stringify(r.basis) })))
      .onConflict(['entry_id', 'stage'])
      .ignore()
      .returning(['id', 'entry_id', 'stage']);
    return inserted.map((r) => ({ id: r.id, entryId: r.entry_id, stage: r.stage }));
  }

  /** The newest proposals first. */
  async listProposals(stage: ProposalStage | undefined, limit: number): Promise<Proposal[]> {
    const rows = await this.h.reads.read((db) => {
      const query = db('serious_violation_proposals').select('*');
      if (stage) query.where('stage', stage);
      return query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit);
    });
    return rows.map((r) => ({
      id: r.id,
      entryId: r.entry_id,
      stage: r.stage,
      uscc: r.uscc,
      subjectName: r.subject_name,
      listedOn: r.listed_on,
      threeYearsOn: r.three_years_on,
      basis: r.basis as Proposal['basis'],
      createdAt: r.created_at,
    }));
  }
}
