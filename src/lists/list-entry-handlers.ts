import { authed, bodyOf, pathOf, queryOf, type HandlerMap } from '../http/operation';
import type { ListEntryService } from './list-entry-service';

export function listEntryHandlers(entries: ListEntryService): HandlerMap {
  return {
    createListEntry: async (c, call) => {
      const { created, entry } = await entries.create(authed(call), bodyOf(c, 'createListEntry'));
      return { status: created ? 201 : 200, body: entry, ...(created ? { headers: { Location: `/v1/list-entries/${entry.id}` } } : {}) };
    },
    getListEntry: async (c, call) => ({ status: 200, body: await entries.get(authed(call), pathOf(c, 'getListEntry').id) }),
    listListEntries: async (c, call) => ({ status: 200, body: await entries.search(authed(call), queryOf(c, 'listListEntries')) }),
    removeListEntry: async (c, call) => ({
      status: 200,
      body: await entries.remove(authed(call), pathOf(c, 'removeListEntry').id, bodyOf(c, 'removeListEntry')),
    }),
  };
}
