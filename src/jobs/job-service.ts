import type { Db } from '../db/knex';
import type { components } from '../generated/openapi';
import type { JobDefinition } from './job-runner';
import { lastJobRuns, listProposals } from './job-store';

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
    const last = await lastJobRuns(this.db, names);
    const byName = new Map(last.map((r) => [r.name, r]));
    return {
      items: this.definitions.map((j) => {
        const r = byName.get(j.name);
        return {
          name: j.name,
          schedule: j.schedule,
          lastRun: r
            ? {
                startedAt: new Date(r.started_at).toISOString(),
                finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
                outcome: r.outcome,
                counts: r.counts,
              }
            : null,
        };
      }),
    };
  }

  async proposals(q: { stage?: 'reminder' | 'proposal'; limit?: number }): Promise<ProposalList> {
    const rows = await listProposals(this.db, q.stage, q.limit ?? 50);
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
