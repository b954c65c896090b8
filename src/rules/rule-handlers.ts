import type { Handlers, RequestOf } from '../http/operation';
import type { Plan } from './outcome-planner';
import type { RuleCatalogService } from './rule-catalog-service';

/** Plans an entry without storing it (the list service's own planning step, given by the wiring). */
export type Planner = (input: RequestOf<'simulateRules'>['body']) => Promise<{ plan: Plan }>;

export function ruleHandlers(catalog: RuleCatalogService, planEntry: Planner, rulesVersion: string) {
  return {
    listRules: async ({ query }) => ({ status: 200, body: catalog.list(query) }),
    listMemoranda: async () => ({ status: 200, body: { items: catalog.memoranda() } }),
    simulateRules: async ({ body }) => {
      const { plan } = await planEntry(body);
      const bans = plan.bans.map((b) => ({
        code: b.code,
        name: b.reason,
        roles: b.roles,
        person: { name: b.personName, idNumberMasked: b.personMasked, reachedAs: b.reachedAs },
        until: b.until,
      }));
      return { status: 200, body: { rulesVersion, orders: plan.orders, bans } };
    },
  } satisfies Partial<Handlers>;
}
