import type { components } from '../generated/openapi';

/**
 * The one definition of the order states the reports, the order pages, the gauges and the escalation job count.
 * Each state is written twice here and nowhere else: as a SQL fragment (for the queries that count or filter) and
 * as a predicate (for the rows already read). test/order-states.test.ts runs both over the same rows and requires
 * them to agree, so the two forms cannot drift apart.
 *
 * - pending: issued, no final feedback yet (whatever its due date);
 * - overdue: pending and its due instant (due_at, the end of the due China day) has passed: due_at < now, so an
 *   order due at 16:00:00Z is not overdue at 16:00:00Z and is at 16:00:00.001Z;
 * - escalated: pending and escalated at some level (orders.escalation_level, kept by a trigger on escalations).
 */
export type OrderStatus = components['schemas']['OrderStatus'];

/**
 * Every stored status, for what must name each one (the gauges' zero series): a status added to the spec and not
 * here fails type-checking, as the object must have a key for each.
 */
export const ORDER_STATUSES = Object.keys({
  issued: true,
  implemented: true,
  not_applicable: true,
  lifted: true,
  revoked: true,
} satisfies Record<OrderStatus, true>) as OrderStatus[];

/** The status of an order still waiting for its department's feedback. */
export const PENDING_STATUS = 'issued' satisfies OrderStatus;

/** What an order's state is computed from: the columns as the stores read them. */
export interface OrderStateFacts {
  status: string;
  due_at: Date | string;
  escalation_level?: number;
}

export const isPending = (o: Pick<OrderStateFacts, 'status'>): boolean => o.status === PENDING_STATUS;

export const isOverdue = (o: OrderStateFacts, now: Date): boolean =>
  isPending(o) && new Date(o.due_at).getTime() < now.getTime();

export const isEscalated = (o: OrderStateFacts): boolean => isPending(o) && (o.escalation_level ?? 0) > 0;

/**
 * The same states as SQL boolean expressions over the orders table (or its alias). `now` is a placeholder or an
 * expression as the calling query binds it ('?', ':now', 'now()'), so the fragment fits positional and named raw
 * queries alike: `query.whereRaw(orderStateSql('o').overdue('?'), [now])`.
 */
export function orderStateSql(alias = 'orders') {
  const status = `${alias}.status`;
  const pending = `(${status} = '${PENDING_STATUS}')`;
  return {
    pending,
    overdue: (now: string) => `(${status} = '${PENDING_STATUS}' and ${alias}.due_at < ${now})`,
    escalated: `(${status} = '${PENDING_STATUS}' and ${alias}.escalation_level > 0)`,
  };
}

/**
 * The kept counts (order_counts, migration 20261205500100) hold an issued order's due_day, the China day its due_at
 * falls on, i.e. the day it becomes overdue. Over them "overdue" splits in two: every group whose due_day is before
 * today's China day (pastDueDay), plus the orders becoming overdue today, read from orders with orderStateSql's
 * overdue and due_at >= the start of today (src/reports/order-counts.ts). Together: exactly orderStateSql's overdue.
 */
export function keptCountStateSql(alias = 'c') {
  const pending = `(${alias}.status = '${PENDING_STATUS}')`;
  return {
    pending,
    /** `today` a China date placeholder or expression */
    pastDueDay: (today: string) => `(${pending} and ${alias}.due_day < cast(${today} as date))`,
    escalated: `(${pending} and ${alias}.escalated)`,
  };
}
