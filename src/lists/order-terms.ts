import type { Knex } from 'knex';
import { recordAudit } from '../audit/audit-store';
import { untilsOf, type Untils } from '../orders/measure-sets';
import { setOrderUntils, type OrderRow } from '../orders/order-store';
import { measureUntil } from '../rules/outcome-planner';
import type { Duration } from '../rules/rule-types';
import { enqueueEvents } from '../webhooks/outbox';
import type { TransitionContext } from './entry-lifecycle';
import type { EntryRow } from './list-entry-store';

/** A measure's term by its code, as the loaded rules give it (EntryPlanner.durationOf). */
export type MeasureDurations = (code: string) => Duration | undefined;

/** The audit action of an order whose measures' terms a correction moved. */
const ORDER_TERMS_AMENDED = 'order.amended';

/**
 * A corrected decision or expiry date (更正) moves the terms of the measures in force on the entry: a measure lasting
 * while listed ends on the entry's expiry date, a fixed one a number of years after its decision (src/rules/
 * outcome-planner.ts measureUntil). Checks answer by these terms (`until`), so an expiry corrected to a later date
 * and left on the orders would answer "clear" while the entry is still listed, from the old date on.
 *
 * Runs in the correction's transaction, on the entry and the orders in force it has locked (id order, as every writer
 * of orders): each order whose terms change is given its new terms, audited (before and after, per order, in the
 * entry's history) and announced to its department as `order.amended` with the order as it now stands. Orders already lifted
 * or revoked keep what they were issued. A measure whose rule the loaded rules no longer hold keeps its term, unless
 * it was the entry's expiry date (a measure lasting while listed), which it follows.
 */
export async function moveOrderTerms(
  trx: Knex.Transaction,
  /** the entry's orders in force, locked by the caller */
  inForce: readonly OrderRow[],
  was: Pick<EntryRow, 'decided_at' | 'expires_at'>,
  now: Pick<EntryRow, 'decided_at' | 'expires_at'>,
  durationOf: MeasureDurations,
  ctx: TransitionContext,
): Promise<OrderRow[]> {
  if (was.decided_at === now.decided_at && was.expires_at === now.expires_at) return [];
  const dates = { decidedAt: now.decided_at, expiresAt: now.expires_at };
  const moved: { before: OrderRow; after: OrderRow; untils: Untils }[] = [];
  for (const order of inForce) {
    const measures = order.measures.map((m) => {
      const duration = durationOf(m.code);
      const until = duration ? measureUntil(duration, dates) : m.until === was.expires_at ? now.expires_at : m.until;
      return until === m.until ? m : { ...m, until };
    });
    if (measures.every((m, i) => m === order.measures[i])) continue;
    moved.push({ before: order, after: { ...order, measures }, untils: untilsOf(measures) });
  }
  if (moved.length === 0) return [];
  await setOrderUntils(
    trx,
    moved.map((m) => ({ id: m.before.id, untils: m.untils })),
    ctx.at,
  );
  await recordAudit(
    trx,
    { at: ctx.at, requestId: ctx.requestId },
    moved.map(({ before, after }) => ({
      actor: ctx.actor,
      action: ORDER_TERMS_AMENDED,
      entityType: 'order',
      entityId: before.id,
      before: { until: termsOf(before) },
      after: { until: termsOf(after), decidedAt: now.decided_at, expiresAt: now.expires_at },
      // measure codes and dates: the dates were checked as dates, nothing else is a caller's text
      serviceValuesOnly: true,
    })),
  );
  await enqueueEvents(
    trx,
    ctx.at,
    moved.map(({ after }) => ({ department: after.department, type: 'order.amended' as const, order: after })),
  );
  return moved.map((m) => m.after);
}

/** Each measure's term by its code: what an amended order's audit row says before and after. */
const termsOf = (o: OrderRow): Record<string, string | null> =>
  Object.fromEntries(o.measures.map((m) => [m.code, m.until]));
