import type { components } from '../generated/openapi';
import type { OrderRow } from '../orders/order-store';
import { toOrder } from '../orders/order-view';
import type { EntryRow } from './list-entry-store';

export type ListEntry = components['schemas']['ListEntry'];

export function toListEntry(row: EntryRow, orders: OrderRow[], now: Date): ListEntry {
  return {
    id: row.id,
    listType: row.list_type,
    status: row.status,
    authority: row.authority,
    subject: row.subject,
    relatedPersons: row.related_persons,
    reason: row.reason,
    decisionNo: row.decision_no,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
    sourceRef: row.source_ref,
    createdAt: new Date(row.created_at).toISOString(),
    rulesVersion: row.rules_version,
    removal: row.removal,
    listingGround: row.listing_ground ?? null,
    ...(row.revocation ? { revocation: row.revocation } : {}),
    orders: orders.filter((o) => o.entry_id === row.id).map((o) => toOrder(o, now)),
  };
}
