import type { Knex } from 'knex';
import type { OrderRow } from '../orders/order-store';
import { enqueueEvents } from '../webhooks/outbox';
import type { TransitionContext } from './entry-lifecycle';

/**
 * A correction (更正) is announced to the department of each order in force on the entry: `order.entry_corrected`,
 * with the order as it now stands and the corrected fields' names (`data.corrected`). A department's order page
 * shows the subject's name and the listing decision it acts on, so a corrected company name or decision number
 * changes what it has acted on; without this only a correction that moved the order's terms was announced
 * (`order.amended`, src/lists/order-terms.ts). The values are not in the event: a department reads them from its
 * order (GET /v1/orders/{id}), whose subject is what it may see. Orders lifted, revoked or found not applicable hear
 * nothing: their department no longer acts on the entry.
 *
 * Runs in the correction's transaction, after the terms moved, on the entry and the orders its caller has locked.
 */
export async function announceCorrection(
  trx: Knex.Transaction,
  /** the entry's orders in force, as they now stand */
  orders: readonly OrderRow[],
  corrected: readonly string[],
  ctx: Pick<TransitionContext, 'at'>,
): Promise<void> {
  if (corrected.length === 0) return;
  await enqueueEvents(
    trx,
    ctx.at,
    orders.map((order) => ({
      department: order.department,
      type: 'order.entry_corrected' as const,
      order,
      extra: { corrected: [...corrected] },
    })),
  );
}
