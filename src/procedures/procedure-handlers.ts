import type { Handlers } from '../http/operation';
import type { ProcedureService } from './procedure-service';

export function procedureHandlers(procedures: ProcedureService) {
  return {
    createObjection: async ({ params, body }, call) => {
      const { created, objection } = await procedures.createObjection(call, params.id, body);
      return created
        ? { status: 201, body: objection, headers: { Location: `/v1/objections/${objection.id}` } }
        : { status: 200, body: objection };
    },
    decideObjection: async ({ params, body }, call) => ({
      status: 200,
      body: await procedures.decideObjection(call, params.id, body),
    }),
    getObjection: async ({ params }, call) => ({ status: 200, body: await procedures.getObjection(call, params.id) }),
    listObjections: async ({ query }, call) => ({ status: 200, body: await procedures.listObjections(call, query) }),
    createRestorationApplication: async ({ params, body }, call) => {
      const { created, application } = await procedures.createRestoration(call, params.id, body);
      return created
        ? {
            status: 201,
            body: application,
            headers: { Location: `/v1/restoration-applications/${application.id}` },
          }
        : { status: 200, body: application };
    },
    decideRestorationApplication: async ({ params, body }, call) => ({
      status: 200,
      body: await procedures.decideRestoration(call, params.id, body),
    }),
    getRestorationApplication: async ({ params }, call) => ({
      status: 200,
      body: await procedures.getRestoration(call, params.id),
    }),
    listRestorationApplications: async ({ query }, call) => ({
      status: 200,
      body: await procedures.listRestorations(call, query),
    }),
  } satisfies Partial<Handlers>;
}
