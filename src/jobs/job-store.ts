import type { Knex } from 'knex';
import type { IsoDate } from '../time/dates';

type Q = Knex | Knex.Transaction;
type Outcome = 'running' | 'succeeded' | 'failed' | 'abandoned';

export interface JobRunRow {
  name: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: Outcome;
  counts: Record<string, number>;
}

/**
 * Starts a run under the job's advisory lock. Holding the lock, no other run of this job is alive: a "running" row
 * left behind was a process that died, and is marked abandoned. Returns the new run's id.
 */
export async function startJobRun(q: Q, name: string, startedAt: Date, instance: string): Promise<number> {
  await q('job_runs').where({ name, outcome: 'running' }).update({ outcome: 'abandoned', finished_at: startedAt });
  const [row] = await q('job_runs')
    .insert({ name, started_at: startedAt, outcome: 'running', instance })
    .returning('id');
  return Number(row?.id);
}

export async function finishJobRun(
  q: Q,
  id: number,
  run: { finishedAt: Date; outcome: Outcome; counts: Record<string, number>; error: string | null; durationMs: number },
): Promise<void> {
  await q('job_runs')
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
export async function lastJobRuns(q: Q, names: string[]): Promise<JobRunRow[]> {
  if (names.length === 0) return [];
  const order = [
    { column: 'name' },
    { column: 'started_at', order: 'desc' as const },
    { column: 'id', order: 'desc' as const },
  ];
  return q('job_runs').distinctOn('name').whereIn('name', names).orderBy(order);
}

export type ProposalStage = 'reminder' | 'proposal';

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

export interface ProposalRow extends NewProposal {
  id: number;
}

/** Records each (entry, stage) once; returns those recorded now (not before). */
export async function insertProposals(
  q: Q,
  rows: NewProposal[],
): Promise<Pick<ProposalRow, 'id' | 'entry_id' | 'stage'>[]> {
  if (rows.length === 0) return [];
  return q('serious_violation_proposals')
    .insert(rows.map((r) => ({ ...r, basis: JSON.stringify(r.basis) })))
    .onConflict(['entry_id', 'stage'])
    .ignore()
    .returning(['id', 'entry_id', 'stage']);
}

/** The newest proposals first. */
export async function listProposals(q: Q, stage: ProposalStage | undefined, limit: number): Promise<ProposalRow[]> {
  const query = q('serious_violation_proposals').select('*');
  if (stage) query.where('stage', stage);
  return query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}
