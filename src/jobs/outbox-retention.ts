import type { Db } from '../db/knex';
import type { JobCounts } from './job-runner';

const CHUNK = 5_000;

/**
 * Delivered webhook events (and their delivery log) older than `days` are deleted, a chunk per statement so no
 * statement grows with the backlog; pending events are never touched. The outbox otherwise grows with every order
 * (about 1.2 events per order). Not partitioned: this job keeps it small, see docs/adr/0007-retention-not-partitions.md.
 */
export async function pruneDeliveredEvents(db: Db, now: Date, days: number): Promise<JobCounts> {
  const before = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (;;) {
    const n = await db.transaction(async (trx) => {
      const ids = trx('webhook_outbox')
        .select('id')
        .where('status', 'delivered')
        .where('delivered_at', '<', before)
        .limit(CHUNK);
      const { rows } = await trx.raw<{ rows: { id: string }[] }>(
        `with ids as (${ids.toQuery()}), a as (delete from webhook_delivery_attempts where event_id in (select id from ids))
         delete from webhook_outbox where id in (select id from ids) returning id`,
      );
      return rows.length;
    });
    deleted += n;
    if (n < CHUNK) break;
  }
  return { deleted };
}
