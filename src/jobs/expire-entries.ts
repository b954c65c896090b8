import { keysetBatches } from '../db/keyset';
import type { Db } from '../db/knex';
import { allows, endEntry } from '../lists/entry-lifecycle';
import { lockEntry, type EntryStore } from '../lists/list-entry-store';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { JobCounts } from './job-runner';

const BATCH = 200;

/**
 * Entries whose term has ended (expires_at, the last listed day, is before today's China date) become "expired";
 * their orders, restrictions and bans are lifted, and order.lifted goes out, by the same path a removal takes.
 * One transaction per entry, re-read under a row lock, so a removal at the same moment wins or loses cleanly.
 */
export async function expireEntries(db: Db, entries: EntryStore, clock: Clock): Promise<JobCounts> {
  const now = clock.now();
  const today = chinaDate(now);
  const counts = { expired: 0, ordersLifted: 0 };
  for await (const batch of keysetBatches((after, limit) => entries.termEndedAfter(today, after, limit), BATCH)) {
    for (const { id } of batch) {
      await db.transaction(async (trx) => {
        const row = await lockEntry(trx, id);
        if (!row || !allows('expire', row.status) || row.expires_at === null || row.expires_at >= today) return;
        const { changed, orders } = await endEntry(trx, row, 'expire', { actor: 'system', at: now });
        if (!changed) return;
        counts.expired++;
        counts.ordersLifted += orders.length;
      });
    }
  }
  return counts;
}
