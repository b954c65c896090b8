import type { Handlers } from '../http/operation';
import type { CheckService } from './check-service';
import type { DecisionService } from './decision-service';

export function checkHandlers(checks: CheckService, decisions: DecisionService) {
  return {
    checkEnterprise: async ({ params, query }, call) => ({
      status: 200,
      body: await checks.enterprise(call, params.uscc, query.scenario, query.record, query.asOf),
    }),
    checkEnterprises: async ({ body }, call) => ({ status: 200, body: await checks.enterprises(call, body) }),
    checkOfficer: async ({ body }, call) => ({
      status: 200,
      body: await checks.officer(call, body),
    }),
    checkPerson: async ({ body }, call) => ({
      status: 200,
      body: await checks.person(call, body),
    }),
    listCheckDecisions: async ({ query }, call) => ({ status: 200, body: await decisions.list(call, query) }),
    getCheckDecision: async ({ params }, call) => ({ status: 200, body: await decisions.get(call, params.id) }),
    postCheckDecisionFeedback: async ({ params, body }, call) => ({
      status: 200,
      body: await decisions.feedback(call, params.id, body),
    }),
  } satisfies Partial<Handlers>;
}
