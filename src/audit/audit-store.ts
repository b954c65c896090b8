import type { Knex } from 'knex';

/** One change of state. Written in the same transaction as the change it records. */
export interface AuditRecord {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditContext {
  at: Date;
  requestId?: string;
}

export async function recordAudit(q: Knex | Knex.Transaction, ctx: AuditContext, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await q('audit_log').insert(
    records.map((r) => ({
      occurred_at: ctx.at,
      actor: r.actor,
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      before: r.before === undefined ? null : JSON.stringify(r.before),
      after: r.after === undefined ? null : JSON.stringify(r.after),
      request_id: ctx.requestId ?? null,
    })),
  );
}

export interface AuditRow {
  occurred_at: Date;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The rows about one entry and the given orders of it, oldest first (an entry's history is tens of rows). */
export async function historyOf(q: Knex, entryId: string, orderIds: string[]): Promise<AuditRow[]> {
  return q('audit_log')
    .select('occurred_at', 'actor', 'action', 'entity_type', 'entity_id', 'before', 'after')
    .where((w) => {
      w.where({ entity_type: 'list_entry', entity_id: entryId });
      if (orderIds.length) w.orWhere((o) => o.where('entity_type', 'order').whereIn('entity_id', orderIds));
    })
    .orderBy([{ column: 'occurred_at' }, { column: 'id' }]);
}
