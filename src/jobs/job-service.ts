import type { Db } from '../db/knex';
import type { components } from '../generated/openapi';
import type { JobDefinition } from './job-runner';

type JobList = components['schemas']['JobList'];
type ProposalList = components['schemas']['SeriousViolationProposalList'];

/** Read side of the jobs: their last runs (supervisors, administrator) and the 3-year proposals (list authority). */
export class JobService {
  constructor(
    private readonly db: Db,
    private readonly definitions: readonly Pick<JobDefinition, 'name' | 'schedule'>[],
  ) {}

  async list(): Promise<JobList> {
    const names = this.definitions.map((j) => j.name);
    const last: { name: string; started_at: Date; finished_at: Date | null; outcome: string; counts: Record<string, number> }[] = names.length
      ? await this.db('job_runs').distinctOn('name').whereIn('name', names).orderBy([{ column: 'name' }, { column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      : [];
    const byName = new Map(last.map((r) => [r.name, r]));
    return {
      items: this.definitions.map((j) => {
        const r = byName.get(j.name);
        return {
          name: j.name,
          schedule: j.schedule,
          lastRun: r
            ? { startedAt: new Date(r.started_at).toISOString(), finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null, outcome: r.outcome as never, counts: r.counts }
            : null,
        };
      }),
    };
  }

  async proposals(q: { stage?: 'reminder' | 'proposal'; limit?: number }): Promise<ProposalList> {
    const query = this.db('serious_violation_proposals').select('*');
    if (q.stage) query.where('stage', q.stage);
    const rows: { id: number; entry_id: string; stage: 'reminder' | 'proposal'; uscc: string | null; subject_name: string; listed_on: string; three_years_on: string; basis: { document: string; article: string }[]; created_at: Date }[] =
      await query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(q.limit ?? 50);
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        entryId: r.entry_id,
        stage: r.stage,
        uscc: r.uscc,
        subjectName: r.subject_name,
        listedOn: r.listed_on,
        threeYearsOn: r.three_years_on,
        basis: r.basis,
        createdAt: new Date(r.created_at).toISOString(),
      })),
    };
  }
}
