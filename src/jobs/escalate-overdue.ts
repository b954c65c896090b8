import { keysetBatches } from '../db/keyset';
import type { Db } from '../db/knex';
import { recordAudit } from '../audit/audit-store';
import type { DepartmentDirectory } from '../departments/department-directory';
import type { OrderStore } from '../orders/order-store';
import type { Clock } from '../time/clock';
import { chinaDate, endOfChinaDay } from '../time/dates';
import type { WorkingDayCalendar } from '../time/working-days';
import { enqueueEvents } from '../webhooks/outbox';
import type { JobCounts } from './job-runner';

const BATCH = 500;

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
export async function escalateOverdue(
  db: Db,
  orders: OrderStore,
  clock: Clock,
  departments: DepartmentDirectory,
  calendar: WorkingDayCalendar,
  opts: EscalationOptions,
): Promise<JobCounts> {
  const now = clock.now();
  const supervisors = departments.all.filter((d) => d.supervisor).map((d) => d.code);
  const counts = { overdue: 0, escalatedLevel1: 0, escalatedLevel2: 0 };
  counts.overdue = await orders.countOverdue(now);

  for (const level of [1, 2] as const) {
    for await (const candidates of keysetBatches(
      (after, limit) => orders.overdueToEscalate(now, level, after, limit),
      BATCH,
    )) {
      // Level 2 counts working days from the China day the order was due (due_at is the end of that day).
      const due =
        level === 1
          ? candidates
          : candidates.filter(
              (o) =>
                endOfChinaDay(
                  calendar.addWorkingDays(
                    chinaDate(new Date(new Date(o.due_at).getTime() - 1)),
                    opts.level2WorkingDays,
                  ),
                ) < now,
            );
      if (due.length === 0) continue;

      await db.transaction(async (trx) => {
        const rows = due.map((o) => ({
          order_id: o.id,
          level,
          department: o.department,
          supervisors,
          due_at: o.due_at,
          escalated_at: now,
        }));
        const done = await orders.insertEscalations(trx, rows);
        const escalated = due.filter((o) => done.has(o.id));
        await enqueueEvents(
          trx,
          now,
          escalated.flatMap((order) =>
            supervisors.map((department) => ({
              department,
              type: 'order.escalated' as const,
              order,
              extra: { escalation: { level, department: order.department, supervisors } },
            })),
          ),
        );
        await recordAudit(
          trx,
          { at: now },
          escalated.map((o) => ({
            actor: 'system',
            action: 'order.escalated',
            entityType: 'order',
            entityId: o.id,
            after: { level, supervisors, dueAt: new Date(o.due_at).toISOString() },
          })),
        );
        if (level === 1) counts.escalatedLevel1 += escalated.length;
        else counts.escalatedLevel2 += escalated.length;
      });
    }
  }
  return counts;
}
