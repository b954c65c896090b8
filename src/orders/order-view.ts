import type { components } from '../generated/openapi';
import type { OrderRow } from './order-store';

export type Order = components['schemas']['Order'];

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
    dueAtProvisional: row.due_at_provisional,
    overdue: row.status === 'issued' && dueAt.getTime() < now.getTime(),
    measures: row.measures,
    feedback: row.feedback,
    liftedAt: row.lifted_at ? new Date(row.lifted_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    endGround: row.end_ground ?? null,
  };
}
