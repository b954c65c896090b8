import type { components } from '../generated/openapi';
import type { JobDefinition } from './job-runner';
import type { JobStore } from './job-store';

type JobList = components['schemas']['JobList'];
type ProposalList = components['schemas']['SeriousViolationProposalList'];

/** Read side of the jobs: their last runs (supervisors, administrator) and the 3-year proposals (list authority). */
export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly definitions: readonly Pick<JobDefinition, 'name' | 'schedule'>[],
  ) {}

  async list(): Promise<JobList> {
    const names = this.definitions.map((j) => j.name);
    const last = await this.store.lastRuns(names);
    const byName = new Map(last.map((r) => [r.name, r]));
    return {
      items: this.definitions.map((j) => {
        const r = byName.get(j.name);
        return {
          name: j.name,
          schedule: j.schedule,
          lastRun: r
            ? {
                startedAt: r.startedAt.toISOString(),
                finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
                outcome: r.outcome,
                counts: r.counts,
              }
            : null,
        };
      }),
    };
  }

  async proposals(q: { stage?: 'reminder' | 'proposal'; limit?: number }): Promise<ProposalList> {
    const rows = await this.store.listProposals(q.stage, q.limit ?? 50);
    return {
      items: rows.map((r) => ({ ...r, id: String(r.id), createdAt: r.createdAt.toISOString() })),
    };
  }
}
