import type { Db } from '../db/knex';
import { columnsOf, type WebhookOutboxRecord } from '../db/tables';

/** A department leased to one worker: its webhook and the lease. */
export interface LeasedDepartment {
  department: string;
  url: string;
  secretSealed: string;
}

export interface PendingEvent {
  id: string;
  seq: number;
  type: WebhookOutboxRecord['type'];
  occurredAt: Date;
  data: unknown;
  attempts: number;
  nextAttemptAt: Date;
}

/** What one POST of an event came to, for the delivery log and the outbox. */
export interface AttemptRecord {
  event: PendingEvent;
  url: string;
  at: Date;
  status: number | null;
  error: string | null;
  ms: number;
  ok: boolean;
  /** When a failed event may be tried again. */
  retryAt?: Date;
}

/**
 * The departments due now: those with a webhook, not leased (or whose lease ran out), whose oldest pending event
 * is due. One index probe of webhook_outbox_pending_idx (department, seq) per department, however long the
 * queue; the webhooks rows are locked SKIP LOCKED so two workers never lease the same department.
 * Exported for the test that checks the plan.
 */
export const DUE_DEPARTMENTS_SQL = `
  select w.department
    from webhooks w
    cross join lateral (
      select o.next_attempt_at
        from webhook_outbox o
       where o.department = w.department and o.status = 'pending'
       order by o.seq
       limit 1
    ) head
   where (w.lease_until is null or w.lease_until <= :now)
     and head.next_attempt_at <= :now
     and w.department <> all(cast(:busy as text[]))
   order by head.next_attempt_at
   limit :limit
     for update of w skip locked`;

/**
 * webhook_outbox, webhook_delivery_attempts and the webhooks' leases: delivery writes what it reads (leases, attempts,
 * outcomes), so all of it is on the primary.
 */
export class DeliveryStore {
  constructor(private readonly primary: Db) {}

  /** Leases up to `limit` due departments to `owner` until `until`, in one short transaction. */
  lease(p: { owner: string; now: Date; until: Date; limit: number; busy: readonly string[] }) {
    return leaseDueDepartments(this.primary, p);
  }

  pending(department: string, limit: number, afterSeq: number | null = null) {
    return pendingEvents(this.primary, department, limit, afterSeq);
  }

  record(p: { department: string; owner: string; attempts: AttemptRecord[]; leaseUntil: Date | null }) {
    return recordAttempts(this.primary, p);
  }
}

async function leaseDueDepartments(
  db: Db,
  p: { owner: string; now: Date; until: Date; limit: number; busy: readonly string[] },
): Promise<LeasedDepartment[]> {
  const { rows } = await db.raw<{ rows: { department: string; url: string; secret_sealed: string }[] }>(
    `with due as (${DUE_DEPARTMENTS_SQL})
     update webhooks w set lease_owner = :owner, lease_until = :until
       from due where w.department = due.department
     returning w.department, w.url, w.secret_sealed`,
    { now: p.now, limit: p.limit, busy: [...p.busy], owner: p.owner, until: p.until },
  );
  return rows.map((r) => ({ department: r.department, url: r.url, secretSealed: r.secret_sealed }));
}

/**
 * The department's oldest pending events after `afterSeq` (from the head when null), in delivery order: a range
 * scan of the same partial index. A worker reads its next page by seq while the previous one is still being
 * recorded, so sending never waits for the database.
 */
async function pendingEvents(
  db: Db,
  department: string,
  limit: number,
  afterSeq: number | null = null,
): Promise<PendingEvent[]> {
  const q = db('webhook_outbox').where({ department, status: 'pending' });
  if (afterSeq !== null) q.where('seq', '>', afterSeq);
  const rows = await q
    .orderBy('seq')
    .limit(limit)
    .select(...columnsOf('webhook_outbox', 'id', 'seq', 'type', 'occurred_at', 'data', 'attempts', 'next_attempt_at'));
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    type: r.type,
    occurredAt: r.occurred_at,
    data: r.data,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
  }));
}

/**
 * Writes the outcome of the POSTs made since the last record, in one transaction: the delivery log, delivered
 * events, the failed one's retry time; and renews the lease (or releases it with `release`). Returns whether the
 * lease was still this worker's: if not, another worker has the department and this one must stop sending.
 */
async function recordAttempts(
  db: Db,
  p: { department: string; owner: string; attempts: AttemptRecord[]; leaseUntil: Date | null },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    if (p.attempts.length > 0) {
      await trx('webhook_delivery_attempts').insert(
        p.attempts.map((a) => ({
          event_id: a.event.id,
          attempt: a.event.attempts + 1,
          url: a.url,
          attempted_at: a.at,
          status_code: a.status,
          error: a.error,
          duration_ms: a.ms,
        })),
      );
      const delivered = p.attempts.filter((a) => a.ok);
      if (delivered.length > 0) {
        // The same instant for the whole group: the time they were recorded as delivered.
        await trx('webhook_outbox')
          .whereIn(
            'id',
            delivered.map((a) => a.event.id),
          )
          .where({ status: 'pending' })
          .update({
            status: 'delivered',
            attempts: trx.raw('attempts + 1'),
            delivered_at: delivered.at(-1)?.at,
            last_error: null,
          });
      }
      for (const a of p.attempts.filter((x) => !x.ok)) {
        await trx('webhook_outbox')
          .where({ id: a.event.id, status: 'pending' })
          .update({ attempts: trx.raw('attempts + 1'), next_attempt_at: a.retryAt ?? a.at, last_error: a.error });
      }
    }
    const lease = p.leaseUntil ? { lease_until: p.leaseUntil } : { lease_owner: null, lease_until: null };
    const held = await trx('webhooks').where({ department: p.department, lease_owner: p.owner }).update(lease);
    return held > 0;
  });
}
