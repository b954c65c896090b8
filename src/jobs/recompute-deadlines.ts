import { recordAudit } from '../audit/audit-store';
import type { Db } from '../db/knex';
import { type OrderRow, withMeasures } from '../orders/order-store';
import type { Clock } from '../time/clock';
import type { FeedbackDeadlines } from '../time/feedback-deadline';
import type { JobCounts } from './job-runner';

const BATCH = 500;

/**
 * Orders whose deadline was counted past the official calendar (due_at_provisional) are counted again: once the
 * year's State Council notice is in rules/calendar/overrides.json (or in a newer chinese-days), the deadline becomes
 * official. A deadline never moves earlier than the one the department was given: if the notice makes the count
 * shorter (make-up working days on weekends), the date given stands. Each change is audited.
 * Runs at start-up and daily; an order still provisional and unchanged is left alone, so a second run changes nothing.
 */
export async function recomputeProvisionalDeadlines(
  db: Db,
  clock: Clock,
  deadlines: FeedbackDeadlines,
): Promise<JobCounts> {
  const now = clock.now();
  const counts = { checked: 0, confirmed: 0, moved: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const changed = await db.transaction(async (trx) => {
      const rows: Pick<OrderRow, 'id' | 'issued_at' | 'measures' | 'due_at'>[] = await withMeasures(
        trx,
        await trx('orders')
          .where('due_at_provisional', true)
          .where('id', '>', after)
          .orderBy('id')
          .limit(BATCH)
          .forUpdate()
          .skipLocked()
          .select('id', 'issued_at', 'measure_set_id', 'measure_untils', 'due_at'),
      );
      if (rows.length === 0) return null;
      after = rows[rows.length - 1]?.id as string;
      let n = 0;
      for (const row of rows) {
        counts.checked++;
        const given = new Date(row.due_at);
        const computed = deadlines.deadlineOf(new Date(row.issued_at), row.measures);
        const dueAt = computed.dueAt > given ? computed.dueAt : given;
        if (computed.provisional && dueAt.getTime() === given.getTime()) continue;
        await trx('orders')
          .where({ id: row.id })
          .update({ due_at: dueAt, due_at_provisional: computed.provisional, updated_at: now });
        await recordAudit(trx, { at: now }, [
          {
            actor: 'system',
            action: 'order.deadline_recomputed',
            entityType: 'order',
            entityId: row.id,
            before: { dueAt: given.toISOString(), dueAtProvisional: true },
            after: {
              dueAt: dueAt.toISOString(),
              dueAtProvisional: computed.provisional,
              counted: computed.dueAt.toISOString(),
            },
          },
        ]);
        if (!computed.provisional) counts.confirmed++;
        if (dueAt.getTime() !== given.getTime()) counts.moved++;
        n++;
      }
      return n;
    });
    if (changed === null) break;
  }
  return counts;
}
