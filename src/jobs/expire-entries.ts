import { keysetBatches } from '../db/keyset';
import type { Db } from '../db/knex';
import { allows, endEntries } from '../lists/entry-lifecycle';
import { lockEntriesById, type EntryStore } from '../lists/list-entry-store';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { JobCounts } from './job-runner';

/** Entries a transaction: up to ~3,600 orders lifted at 18 an entry, as a batch removal's chunk of 1,000 at ~4. */
const BATCH = 200;

/**
 * Entries whose term has ended (expires_at, the last listed day, is before today's China date) become "expired";
 * their orders, restrictions and bans are lifted, and order.lifted goes out, by the same path a removal takes
 * (endEntries). One transaction per batch of entries, re-read under their row locks (taken in id order, as a batch
 * removal takes them), so a removal at the same moment wins or loses cleanly for each entry. One transaction per
 * entry, as before, cost ~15 statements an entry: a day's cohort of a national list (thousands) took minutes.
 */
export async function expireEntries(db: Db, entries: EntryStore, clock: Clock): Promise<JobCounts> {
  const now = clock.now();
  const today = chinaDate(now);
  const counts = { expired: 0, ordersLifted: 0 };
  for await (const batch of keysetBatches((after, limit) => entries.termEndedAfter(today, after, limit), BATCH)) {
    await db.transaction(async (trx) => {
      const rows = await lockEntriesById(
        trx,
        batch.map((e) => e.id),
      );
      const ended = rows.filter(
        (row) => allows('expire', row.status) && row.expires_at !== null && row.expires_at < today,
      );
      const results = await endEntries(
        trx,
        'expire',
        { actor: 'system', at: now },
        ended.map((row) => ({ row })),
      );
      for (const r of results) {
        if (!r.changed) continue;
        counts.expired++;
        counts.ordersLifted += r.orders.length;
      }
    });
  }
  return counts;
}
