import type { Handlers } from '../http/operation';
import type { ListEntryService } from './list-entry-service';

export function listEntryHandlers(entries: ListEntryService) {
  return {
    createListEntry: async ({ body }, call) => {
      const { created, entry } = await entries.create(call, body);
      return created
        ? { status: 201, body: entry, headers: { Location: `/v1/list-entries/${entry.id}` } }
        : { status: 200, body: entry };
    },
    getListEntry: async ({ params }, call) => ({ status: 200, body: await entries.get(call, params.id) }),
    getListEntryHistory: async ({ params }, call) => ({ status: 200, body: await entries.history(call, params.id) }),
    listListEntries: async ({ query }, call) => ({ status: 200, body: await entries.search(call, query) }),
    correctListEntry: async ({ params, body }, call) => ({
      status: 200,
      body: await entries.correct(call, params.id, body),
    }),
    revokeListEntry: async ({ params, body }, call) => ({
      status: 200,
      body: await entries.revoke(call, params.id, body),
    }),
    removeListEntry: async ({ params, body }, call) => ({
      status: 200,
      body: await entries.remove(call, params.id, body),
    }),
  } satisfies Partial<Handlers>;
}
