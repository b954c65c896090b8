import type { Handlers } from '../http/operation';
import type { ListEntryService } from '../lists/list-entry-service';
import type { RuleCatalogService } from './rule-catalog-service';

export function ruleHandlers(catalog: RuleCatalogService, entries: ListEntryService, rulesVersion: string) {
  return {
    listRules: async ({ query }) => ({ status: 200, body: catalog.list(query) }),
    listMemoranda: async () => ({ status: 200, body: { items: catalog.memoranda() } }),
    simulateRules: async ({ body }) => {
      const { plan } = await entries.plan(body);
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
