import type { Handlers } from '../http/operation';
import type { CheckService } from './check-service';

export function checkHandlers(checks: CheckService) {
  return {
    checkEnterprise: async ({ params, query }) => ({
      status: 200,
      body: await checks.enterprise(params.uscc, query.scenario),
    }),
    checkOfficer: async ({ body }) => ({ status: 200, body: await checks.officer(body.idNumber, body.role) }),
  } satisfies Partial<Handlers>;
}
