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
