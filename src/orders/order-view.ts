import type { components } from '../generated/openapi';
import { chinaDate, endOfChinaDay } from '../time/dates';
import type { WorkingDayCalendar } from '../time/working-days';
import { isOverdue } from './order-states';
import type { ListedOrderRow, OrderRow } from './order-store';

export type Order = components['schemas']['Order'];

/** Working days in which the department that fed back may correct its feedback (issue 20). */
export const CORRECTION_WORKING_DAYS = 5;

export function toOrder(row: OrderRow, now: Date): Order {
  const dueAt = new Date(row.due_at);
  return {
    id: row.id,
    entryId: row.entry_id,
    listType: row.list_type,
    department: row.department,
    status: row.status,
    issuedAt: new Date(row.issued_at).toISOString(),
    dueAt: dueAt.toISOString(),
    dueDate: chinaDate(new Date(dueAt.getTime() - 1)),
    dueAtProvisional: row.due_at_provisional,
    overdue: isOverdue(row, now),
    measures: row.measures,
    feedback: row.feedback,
    liftedAt: row.lifted_at ? new Date(row.lifted_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    endGround: row.end_ground ?? null,
  };
}

/** What the order list and the order page add: the subject, the list and its authority, working days overdue. */
export interface OrderViewContext {
  calendar: WorkingDayCalendar;
  listTypeName(code: string): string;
  departmentName(code: string): string;
  basisStatus(code: string): 'verified' | 'provisional' | undefined;
}

export function toListedOrder(row: ListedOrderRow, now: Date, ctx: OrderViewContext): Order {
  const order = toOrder(row, now);
  const feedback = order.feedback
    ? { ...order.feedback, correctableUntil: correctableUntil(order.feedback, ctx.calendar).toISOString() }
    : null;
  return {
    ...order,
    measures: order.measures.map((m) => {
      const status = ctx.basisStatus(m.code);
      return status ? { ...m, basisStatus: status } : m;
    }),
    feedback,
    daysOverdue: order.overdue ? workingDaysAfter(ctx.calendar, order.dueDate as string, chinaDate(now)) : 0,
    subject: {
      kind: row.subject_kind,
      name: row.subject_name,
      ...(row.subject_uscc ? { uscc: row.subject_uscc } : {}),
      ...(row.subject_masked ? { idNumberMasked: row.subject_masked } : {}),
    },
    listTypeName: ctx.listTypeName(row.list_type),
    authority: row.authority,
    authorityName: ctx.departmentName(row.authority),
  };
}

/** The end of the 5th working day after the day the feedback was first given. */
export function correctableUntil(feedback: { at: string; firstAt?: string }, calendar: WorkingDayCalendar): Date {
  const given = chinaDate(new Date(feedback.firstAt ?? feedback.at));
  return endOfChinaDay(calendar.addWorkingDays(given, CORRECTION_WORKING_DAYS));
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
function workingDaysAfter(calendar: WorkingDayCalendar, from: string, to: string): number {
  let n = 0;
  for (let day = from; day < to; ) {
    day = calendar.addWorkingDays(day, 1);
    if (day <= to) n++;
  }
  return n;
}
