import { authed, queryOf, type HandlerMap } from '../http/operation';
import type { JobService } from './job-service';

export function jobHandlers(jobs: JobService): HandlerMap {
  return {
    listJobs: async (_c, call) => ({ status: 200, body: await jobs.list(authed(call)) }),
    listSeriousViolationProposals: async (c, call) => ({ status: 200, body: await jobs.proposals(authed(call), queryOf(c, 'listSeriousViolationProposals')) }),
  };
}
