import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import type { OrderRecord, WebhookOutboxRecord } from '../db/tables';
import { withMeasures, type NewOrderRow, type OrderRow } from '../orders/order-store';
import { toOrder, type Order } from '../orders/order-view';
import { departmentsWithWebhooks } from './webhook-store';
import { newRowId } from '../db/row-id';

type OrderEventType =
  | 'order.issued'
  | 'order.lifted'
  | 'order.escalated'
  | 'order.revoked'
  | 'order.amended'
  | 'order.entry_corrected';

/** The events that name a desk's decision record rather than an order. */
export type DecisionEventType = Extract<WebhookOutboxRecord['type'], `decision.${string}`>;

export interface OutboxEvent {
  department: string;
  type: OrderEventType;
  order: OrderRow;
  /** Extra fields of `data` besides the order, e.g. the escalation level. */
  extra?: Record<string, unknown>;
}

/** Rows per INSERT: 8 parameters a row stays far below PostgreSQL's 65,535 bind parameters. */
const CHUNK = 2000;

/**
 * The transactional outbox. Events are written by the caller's transaction, with the change they announce: if the
 * change commits, its events exist; if it rolls back, they never did. The delivery worker (delivery-worker.ts)
 * sends them afterwards.
 *
 * Why not pg-boss: its send() runs on its own connection, so the job would exist even when the change that raised
 * it rolls back (or be lost when the process dies between commit and send). Joining a knex transaction would mean
 * wrapping it in pg-boss's executeSql adapter and running pg-boss's own schema outside our knex migrations. An
 * outbox table written in the same transaction, claimed by the worker with FOR UPDATE SKIP LOCKED, gives the same
 * guarantees (at-least-once, several workers, nothing lost on restart) with nothing outside the migrations.
 */
export async function enqueueEvents(trx: Knex.Transaction, at: Date, events: OutboxEvent[]): Promise<void> {
  await insertOutboxRows(trx, (await toReceivers(trx, events)).map(outboxRowOf(at)));
}

/** Outbox rows in INSERTs of CHUNK rows (an order event's, or a decision event's, which names no order). */
async function insertOutboxRows(
  trx: Knex.Transaction,
  rows: Knex.ResolveTableType<Tables['webhook_outbox'], 'insert'>[],
) {
  for (let i = 0; i < rows.length; i += CHUNK) await trx('webhook_outbox').insert(rows.slice(i, i + CHUNK));
}

/**
 * Of these events (or orders), those addressed to a department with a webhook. Only such departments get events, from
 * its registration on: a department without one reads its orders at GET /v1/orders, and a queue nobody drains would
 * hold a copy of every order (at national scale, more bytes than the orders themselves). Every writer of the outbox
 * filters here; order events are filtered before they are built (a chunk issues or lifts thousands of orders).
 */
async function toReceivers<T extends { department: string }>(trx: Knex.Transaction, all: readonly T[]): Promise<T[]> {
  if (all.length === 0) return [];
  const receivers = await departmentsWithWebhooks(trx);
  return all.filter((e) => receivers.has(e.department));
}

/**
 * An event's outbox row as the table stores it; the COPY writer (src/lists/copy-writer.ts) takes these too, for
 * the events of the departments departmentsWithWebhooks names.
 */
export const outboxRowOf = (at: Date) => (e: OutboxEvent) => ({
  id: newRowId(),
  department: e.department,
  type: e.type,
  order_id: e.order.id,
  occurred_at: at,
  data: JSON.stringify({ order: toOrder(e.order, at), ...e.extra } satisfies { order: Order }),
  next_attempt_at: at,
});

/**
 * order.issued for orders just written (issueOrders, src/lists/issue-orders.ts), to the departments they are addressed
 * to that have a webhook: the INSERT writer enqueues them (enqueueIssuedOrderEvents), the COPY writer COPYs them.
 */
export async function issuedOrderEvents(
  trx: Knex.Transaction,
  orders: readonly NewOrderRow[],
  at: Date,
): Promise<OutboxEvent[]> {
  return orderEventsOf('order.issued', await toReceivers(trx, orders), at);
}

export async function enqueueIssuedOrderEvents(
  trx: Knex.Transaction,
  orders: readonly NewOrderRow[],
  at: Date,
): Promise<void> {
  await insertOutboxRows(trx, (await issuedOrderEvents(trx, orders, at)).map(outboxRowOf(at)));
}

/**
 * order.lifted / order.revoked for orders as stored, lifted or revoked by endEntries (src/lists/entry-lifecycle.ts),
 * announced in their new state; a lift names its entry's removal ground when there is one (e.g. credit_restored), so
 * the department knows why. The measures, which an event's order carries, are rebuilt for the announced orders alone:
 * a chunk of batch removals lifts ~7,000 orders, and rebuilding all of them was most of a removal's memory and a
 * tenth of its CPU.
 */
export async function enqueueEndedOrderEvents(
  trx: Knex.Transaction,
  type: 'order.lifted' | 'order.revoked',
  stored: readonly OrderRecord[],
  at: Date,
  groundOf: GroundOf,
): Promise<void> {
  const announced = await withMeasures<OrderRow>(trx, await toReceivers(trx, stored));
  await insertOutboxRows(trx, orderEventsOf(type, announced, at, groundOf).map(outboxRowOf(at)));
}

/** The removal ground an order.lifted event names for an order (its entry's removal's), or null. */
type GroundOf = (order: NewOrderRow | OrderRow) => string | null;
const noGround: GroundOf = () => null;

/** order.* events for each of these orders, announcing each in its new state. */
function orderEventsOf(
  type: 'order.issued' | 'order.lifted' | 'order.revoked',
  orders: readonly (NewOrderRow | OrderRow)[],
  at: Date,
  groundOf: GroundOf = noGround,
): OutboxEvent[] {
  const now = (o: NewOrderRow | OrderRow, ground: string | null): OrderRow => {
    const none = { feedback: null, lifted_at: null, revoked_at: null, end_ground: null };
    if (type === 'order.issued') return { ...none, ...o, status: 'issued', feedback: null, lifted_at: null };
    if (type === 'order.revoked') return { ...none, ...o, status: 'revoked', revoked_at: at, end_ground: 'revoked' };
    return { ...none, ...o, status: 'lifted', lifted_at: at, end_ground: ground };
  };
  return orders.map((o) => {
    const ground = type === 'order.lifted' ? groundOf(o) : null;
    return { department: o.department, type, order: now(o, ground), ...(ground ? { extra: { ground } } : {}) };
  });
}

/**
 * decision.basis_revoked: a check answer given to `department` relied on an entry revoked since;
 * decision.basis_corrected: on terms a correction has since ended before the check, or a decision date it moved after;
 * decision.ground_corrected: a correction changed what the answer quoted of its ground. The event names the decision
 * record, not an order (order_id stays null), and carries the case reference the desk gave in its feedback.
 */
export async function enqueueDecisionEvents(
  trx: Knex.Transaction,
  at: Date,
  events: { department: string; data: Record<string, unknown> }[],
  type: DecisionEventType,
): Promise<void> {
  const rows = (await toReceivers(trx, events)).map((e) => ({
    id: newRowId(),
    department: e.department,
    type,
    order_id: null,
    occurred_at: at,
    data: JSON.stringify(e.data),
    next_attempt_at: at,
  }));
  await insertOutboxRows(trx, rows);
}
