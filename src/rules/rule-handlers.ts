import { authed, bodyOf, queryOf, type HandlerMap } from '../http/operation';
import type { ListEntryService } from '../lists/list-entry-service';
import type { RuleCatalogService } from './rule-catalog-service';

export function ruleHandlers(catalog: RuleCatalogService, entries: ListEntryService, rulesVersion: string): HandlerMap {
  return {
    listRules: (c, call) => {
      authed(call);
      return { status: 200, body: catalog.list(queryOf(c, 'listRules')) };
    },
    listMemoranda: (_c, call) => {
      authed(call);
      return { status: 200, body: { items: catalog.memoranda() } };
    },
    simulateRules: async (c, call) => {
      authed(call);
      const { plan } = await entries.plan(bodyOf(c, 'simulateRules'));
      return {
        status: 200,
        body: {
          rulesVersion,
          orders: plan.orders,
          bans: plan.bans.map((b) => ({ code: b.code, name: b.reason, roles: b.roles, person: { name: b.personName, idNumberMasked: b.personMasked, reachedAs: b.reachedAs }, until: b.until })),
        },
      };
    },
  };
}
