import type { Db } from '../db/knex';
import { recordAudit } from '../audit/audit-store';
import type { DepartmentDirectory } from '../departments/department-directory';
import type { OrderRow } from '../orders/order-store';
import type { Clock } from '../time/clock';
import { chinaDate, endOfChinaDay } from '../time/dates';
import type { WorkingDayCalendar } from '../time/working-days';
import { enqueueEvents } from '../webhooks/outbox';
import type { JobCounts } from './job-runner';

const BATCH = 500;
const MAX_BATCHES = 10_000;

export interface EscalationOptions {
  /** Level 2: still without feedback this many working days after the due date. */
  level2WorkingDays: number;
}

/**
 * Orders past their feedback deadline without feedback are overdue (computed from due_at wherever orders are
 * shown). This job tells the supervising departments: level 1 once the order is overdue, level 2 when it is still
 * without feedback level2WorkingDays working days later. The unique (order_id, level) makes each escalation, its
 * audit record and its order.escalated event happen once, whichever instance and however many runs.
 */
export async function escalateOverdue(db: Db, clock: Clock, departments: DepartmentDirectory, calendar: WorkingDayCalendar, opts: EscalationOptions): Promise<JobCounts> {
  const now = clock.now();
  const supervisors = departments.all.filter((d) => d.supervisor).map((d) => d.code);
  const counts = { overdue: 0, escalatedLevel1: 0, escalatedLevel2: 0 };
  counts.overdue = Number((await db('orders').where('status', 'issued').where('due_at', '<', now).count({ n: '*' }))[0]?.n ?? 0);

  for (const level of [1, 2] as const) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const candidates: OrderRow[] = await db('orders as o')
        .select('o.*')
        .where('o.status', 'issued')
        .where('o.due_at', '<', now)
        .where('o.id', '>', after)
        .whereNotExists((q) => q.select(db.raw('1')).from('escalations as e').whereRaw('e.order_id = o.id').where('e.level', level))
        .modify((q) => {
          if (level === 2) q.whereExists((x) => x.select(db.raw('1')).from('escalations as e1').whereRaw('e1.order_id = o.id').where('e1.level', 1));
        })
        .orderBy('o.id')
        .limit(BATCH);
      if (candidates.length === 0) break;
      after = candidates[candidates.length - 1]?.id as string;
      // Level 2 counts working days from the China day the order was due (due_at is the end of that day).
      const due = level === 1 ? candidates : candidates.filter((o) => endOfChinaDay(calendar.addWorkingDays(chinaDate(new Date(new Date(o.due_at).getTime() - 1)), opts.level2WorkingDays)) < now);
      if (due.length === 0) continue;

      await db.transaction(async (trx) => {
        const inserted: { order_id: string }[] = await trx('escalations')
          .insert(due.map((o) => ({ order_id: o.id, level, department: o.department, supervisors, due_at: o.due_at, escalated_at: now })))
          .onConflict(['order_id', 'level'])
          .ignore()
          .returning('order_id');
        const done = new Set(inserted.map((r) => r.order_id));
        const escalated = due.filter((o) => done.has(o.id));
        await enqueueEvents(
          trx,
          now,
          escalated.flatMap((order) => supervisors.map((department) => ({ department, type: 'order.escalated' as const, order, extra: { escalation: { level, department: order.department, supervisors } } }))),
        );
        await recordAudit(
          trx,
          { at: now },
          escalated.map((o) => ({ actor: 'system', action: 'order.escalated', entityType: 'order', entityId: o.id, after: { level, supervisors, dueAt: new Date(o.due_at).toISOString() } })),
        );
        if (level === 1) counts.escalatedLevel1 += escalated.length;
        else counts.escalatedLevel2 += escalated.length;
      });
    }
  }
  return counts;
}
