import type { Knex } from 'knex';
import { columnsOf } from '../db/tables';
import { redactIdNumbers } from '../identity/id-number';
import { requestTokenId } from './request-token';

/** One change of state. Written in the same transaction as the change it records. */
export interface AuditRecord {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  /**
   * Every value in before/after was made by the service or read from the rule files (ids, department and measure
   * codes, dates), none given by a caller: the ID-number scan is skipped, as it has nothing to find. `orders.issued`
   * rows are a court debtor's longest audit text (18 orders), and scanning them was ~5% of the importer's CPU.
   */
  serviceValuesOnly?: true;
}

export interface AuditContext {
  at: Date;
  requestId?: string;
  /** The api_tokens row the actor used; defaults to the token of the current request. */
  tokenId?: string;
}

/** before/after as stored: JSON, with any ID number that slipped into a value masked (no audit row holds one). */
function auditJson(value: unknown, serviceValuesOnly: boolean | undefined): string | null {
  if (value === undefined) return null;
  const json = JSON.stringify(value);
  return serviceValuesOnly ? json : redactIdNumbers(json);
}

export async function recordAudit(
  q: Knex | Knex.Transaction,
  ctx: AuditContext,
  records: AuditRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const tokenId = auditTokenOf(ctx);
  // PostgreSQL takes at most 65,535 bind parameters per statement: 9 columns a row, so 7,000 rows a statement.
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT)
    await insertAudit(q, ctx, tokenId, records.slice(i, i + ROWS_PER_STATEMENT));
}

const ROWS_PER_STATEMENT = 7000;

async function insertAudit(
  q: Knex | Knex.Transaction,
  ctx: AuditContext,
  tokenId: string | null,
  records: AuditRecord[],
): Promise<void> {
  await q('audit_log').insert(records.map(auditRowOf(ctx, tokenId)));
}

/** The token of the current request, unless the context names one (see AuditContext.tokenId). */
export const auditTokenOf = (ctx: AuditContext): string | null => ctx.tokenId ?? requestTokenId() ?? null;

/** An audit row as the table stores it; the COPY writer (src/lists/copy-writer.ts) takes these too. */
export const auditRowOf = (ctx: AuditContext, tokenId: string | null) => (r: AuditRecord) => ({
  occurred_at: ctx.at,
  actor: r.actor,
  action: r.action,
  entity_type: r.entityType,
  entity_id: r.entityId,
  before: auditJson(r.before, r.serviceValuesOnly),
  after: auditJson(r.after, r.serviceValuesOnly),
  request_id: ctx.requestId ?? null,
  token_id: tokenId,
});

/** An audit row complete with its own time, request and token: for writers that buffer rows of many requests. */
export interface BufferedAuditRecord extends AuditRecord {
  at: Date;
  requestId: string | null;
  tokenId: string | null;
}

/** Rows of many requests in one statement per 7,000 (src/checks/person-check-audit.ts). */
export async function insertBufferedAudit(q: Knex, records: readonly BufferedAuditRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    await q('audit_log').insert(
      records
        .slice(i, i + ROWS_PER_STATEMENT)
        .map((r) =>
          auditRowOf({ at: r.at, ...(r.requestId !== null ? { requestId: r.requestId } : {}) }, r.tokenId)(r),
        ),
    );
  }
}

/** One recorded change as an entry's history shows it. */
export interface AuditEvent {
  at: Date;
  actor: string;
  action: string;
  entityType: 'list_entry' | 'order';
  entityId: string;
  /** What the writer recorded (an object, or null when nothing was): JSON as stored, ID numbers masked. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const asObject = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The audit action of the one row that records every order issued to an entry at once (src/lists/issue-orders.ts). */
export const ORDERS_ISSUED = 'orders.issued';

/**
 * One order as an `orders.issued` row names it. Its due date is the row's (`after.dueAt`, the one most of its orders
 * share) unless it says its own; rows written before the row had one give every order its own.
 */
export interface IssuedOrderAudit {
  id: string;
  department: string;
  measures: string[];
  dueAt?: Date | string;
}

/**
 * An `orders.issued` row as the `order.issued` event of each of its orders the caller may see, exactly as a row per
 * order said it before ADR 0010 (entries issued before then keep those rows; a history reads both alike).
 */
function issuedEvents(row: AuditEvent, visible: ReadonlySet<string>): AuditEvent[] {
  const after = row.after as { dueAt?: string; orders?: IssuedOrderAudit[]; reason?: string } | null;
  return (after?.orders ?? [])
    .filter((o) => visible.has(o.id))
    .map((o) => ({
      at: row.at,
      actor: row.actor,
      action: 'order.issued',
      entityType: 'order',
      entityId: o.id,
      before: null,
      after: {
        entryId: row.entityId,
        department: o.department,
        measures: o.measures,
        dueAt: o.dueAt ?? after?.dueAt,
        ...(after?.reason ? { reason: after.reason } : {}),
      },
    }));
}

/**
 * The rows about one entry and the given orders of it, oldest first (an entry's history is tens of rows). Takes the
 * handle of the caller's read (src/lists/list-entry-service.ts reads the entry, its orders and this in one place).
 */
export async function historyOf(q: Knex, entryId: string, orderIds: string[]): Promise<AuditEvent[]> {
  const visible = new Set(orderIds);
  const rows = await q('audit_log')
    .select(...columnsOf('audit_log', 'occurred_at', 'actor', 'action', 'entity_type', 'entity_id', 'before', 'after'))
    .where((w) => {
      w.where({ entity_type: 'list_entry', entity_id: entryId });
      if (orderIds.length) w.orWhere((o) => o.where('entity_type', 'order').whereIn('entity_id', orderIds));
    })
    .orderBy([{ column: 'occurred_at' }, { column: 'id' }]);
  return rows.flatMap((r) => {
    const event: AuditEvent = {
      at: new Date(r.occurred_at),
      actor: r.actor,
      action: r.action,
      entityType: r.entity_type === 'order' ? 'order' : 'list_entry',
      entityId: r.entity_id,
      before: asObject(r.before),
      after: asObject(r.after),
    };
    return r.action === ORDERS_ISSUED ? issuedEvents(event, visible) : [event];
  });
}
