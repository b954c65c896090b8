import type { Knex } from 'knex';
import type { OrderRecord } from '../db/tables';
import { withMeasures, type NewOrderRow, type OrderRow } from '../orders/order-store';
import { toOrder, type Order } from '../orders/order-view';
import { departmentsWithWebhooks } from './webhook-store';
import { newRowId } from '../db/row-id';

type OrderEventType = 'order.issued' | 'order.lifted' | 'order.escalated' | 'order.revoked' | 'order.amended';

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
  await insertOutboxRows(trx, await outboxRowsOf(trx, at, events));
}

async function insertOutboxRows(trx: Knex.Transaction, rows: ReturnType<ReturnType<typeof outboxRowOf>>[]) {
  for (let i = 0; i < rows.length; i += CHUNK) await trx('webhook_outbox').insert(rows.slice(i, i + CHUNK));
}

async function outboxRowsOf(trx: Knex.Transaction, at: Date, events: OutboxEvent[]) {
  if (events.length === 0) return [];
  // Only departments with a webhook get events, from its registration on: a department without one reads its
  // orders at GET /v1/orders, and a queue nobody drains would hold a copy of every order (at national scale,
  // more bytes than the orders themselves).
  const receivers = await departmentsWithWebhooks(trx);
  return events.filter((e) => receivers.has(e.department)).map(outboxRowOf(at));
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
 * order.issued / order.lifted / order.revoked for each order, to the department it is addressed to. Takes the orders
 * as written (issued) or as they were before lifting or revoking, and announces them in their new state; a lift names
 * its removal ground when there is one (e.g. credit_restored), so the department knows why.
 */
export async function enqueueOrderEvents(
  trx: Knex.Transaction,
  type: 'order.issued' | 'order.lifted' | 'order.revoked',
  orders: readonly (NewOrderRow | OrderRow)[],
  at: Date,
  groundOf: GroundOf = noGround,
): Promise<void> {
  await insertOutboxRows(trx, (await receivedOrderEvents(trx, type, orders, at, groundOf)).map(outboxRowOf(at)));
}

/**
 * enqueueOrderEvents for orders as stored, lifted or revoked by endEntries (src/lists/entry-lifecycle.ts): the
 * measures, which an event's order carries, are rebuilt for the announced orders alone. A chunk of batch removals
 * lifts ~7,000 orders; rebuilding all of them to announce a few was most of a removal's memory and a tenth of its CPU.
 */
export async function enqueueEndedOrderEvents(
  trx: Knex.Transaction,
  type: 'order.lifted' | 'order.revoked',
  stored: readonly OrderRecord[],
  at: Date,
  groundOf: GroundOf,
): Promise<void> {
  if (stored.length === 0) return;
  const receivers = await departmentsWithWebhooks(trx);
  const announced = await withMeasures<OrderRow>(
    trx,
    stored.filter((o) => receivers.has(o.department)),
  );
  await insertOutboxRows(trx, orderEventsOf(type, announced, at, groundOf).map(outboxRowOf(at)));
}

/**
 * The events of these orders that go out: those to departments with a webhook (outboxRowsOf says why), picked
 * before the events are built (a chunk of batch removals lifts ~7,000 orders, and building events for all of them to
 * drop most was 6% of the CLI's CPU). enqueueOrderEvents INSERTs them; the COPY writer COPYs them.
 */
export async function receivedOrderEvents(
  trx: Knex.Transaction,
  type: 'order.issued' | 'order.lifted' | 'order.revoked',
  orders: readonly (NewOrderRow | OrderRow)[],
  at: Date,
  groundOf: GroundOf = noGround,
): Promise<OutboxEvent[]> {
  if (orders.length === 0) return [];
  const receivers = await departmentsWithWebhooks(trx);
  return orderEventsOf(
    type,
    orders.filter((o) => receivers.has(o.department)),
    at,
    groundOf,
  );
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
 * decision.basis_revoked: a check answer given to `department` relied on an entry revoked since. The event names the
 * decision record, not an order (order_id stays null), and carries the case reference the desk gave in its feedback.
 */
export async function enqueueDecisionEvents(
  trx: Knex.Transaction,
  at: Date,
  events: { department: string; data: Record<string, unknown> }[],
): Promise<void> {
  const receivers = await departmentsWithWebhooks(trx);
  const rows = events
    .filter((e) => receivers.has(e.department))
    .map((e) => ({
      id: newRowId(),
      department: e.department,
      type: 'decision.basis_revoked' as const,
      order_id: null,
      occurred_at: at,
      data: JSON.stringify(e.data),
      next_attempt_at: at,
    }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('webhook_outbox').insert(rows.slice(i, i + CHUNK));
}
