import type { Handlers } from '../http/operation';
import type { JobService } from './job-service';

export function jobHandlers(jobs: JobService) {
  return {
    listJobs: async () => ({ status: 200, body: await jobs.list() }),
    listSeriousViolationProposals: async ({ query }) => ({ status: 200, body: await jobs.proposals(query) }),
  } satisfies Partial<Handlers>;
}
