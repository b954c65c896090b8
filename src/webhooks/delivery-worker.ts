import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import type { Clock } from '../time/clock';
import type { SecretBox } from './secret-box';
import { signBody } from './signature';

export interface DeliveryWorkerOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: () => Promise<SecretBox>;
  /** Departments served per round (one event each: events of one department go out in order, one at a time). */
  batchSize?: number;
  timeoutMs?: number;
  /** Retry after base·2^(attempts−1), capped. */
  backoff?: { baseMs: number; maxMs: number };
}

interface ClaimedRow {
  id: string;
  seq: number;
  department: string;
  type: string;
  occurred_at: Date;
  data: unknown;
  attempts: number;
  url: string;
  secret_sealed: string;
}

export interface RoundResult {
  claimed: number;
  delivered: number;
  failed: number;
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/**
 * Sends outbox events to department webhooks, at least once, in order per department.
 *
 * A round runs in one transaction: it locks the oldest pending event of each department that has a webhook
 * (FOR UPDATE SKIP LOCKED, so several workers in several processes share the work and never send the same event
 * at the same time), POSTs them, then records the attempts and marks the delivered ones. If the process dies or
 * the worker is stopped mid-delivery, the transaction rolls back and the events are still pending: they are sent
 * again (the receiver de-duplicates on the event id). A failed POST is retried with exponential backoff, without
 * limit, and later events of that department wait for it, so a department that is down gets everything, in
 * order, once it is back. Time (due retries) is the injected clock's.
 */
export class DeliveryWorker {
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopping = false;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.batchSize = o.batchSize ?? 20;
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.backoff = o.backoff ?? { baseMs: 5_000, maxMs: 3_600_000 };
  }

  /** One round: claim, send, record. Returns what it did. */
  async runOnce(): Promise<RoundResult> {
    const result: RoundResult = { claimed: 0, delivered: 0, failed: 0 };
    const box = await this.o.secrets();
    try {
      await this.o.db.transaction(async (trx) => {
        const now = this.o.clock.now();
        const claimed = await this.claim(trx, now);
        result.claimed = claimed.length;
        if (claimed.length === 0) return;
        const outcomes = await Promise.all(claimed.map((row) => this.send(row, box)));
        if (this.abort.signal.aborted) throw new StoppedError('stopped mid-delivery; the claimed events stay pending');
        const at = this.o.clock.now();
        await trx('webhook_delivery_attempts').insert(
          claimed.map((row, i) => ({ event_id: row.id, attempt: row.attempts + 1, url: row.url, attempted_at: at, status_code: outcomes[i]?.status ?? null, error: outcomes[i]?.error ?? null, duration_ms: outcomes[i]?.ms ?? 0 })),
        );
        for (const [i, row] of claimed.entries()) {
          const out = outcomes[i] as { ok: boolean; error: string | null };
          if (out.ok) {
            result.delivered++;
            await trx('webhook_outbox').where({ id: row.id }).update({ status: 'delivered', attempts: row.attempts + 1, delivered_at: at, last_error: null });
          } else {
            result.failed++;
            const delay = Math.min(this.backoff.baseMs * 2 ** row.attempts, this.backoff.maxMs);
            await trx('webhook_outbox')
              .where({ id: row.id })
              .update({ attempts: row.attempts + 1, next_attempt_at: new Date(at.getTime() + delay), last_error: out.error });
            this.o.log.warn({ eventId: row.id, department: row.department, attempt: row.attempts + 1, error: out.error }, 'webhook delivery failed; will retry');
          }
        }
      });
    } catch (e) {
      if (e instanceof StoppedError) return { claimed: result.claimed, delivered: 0, failed: 0 };
      throw e;
    }
    return result;
  }

  /** Rounds until nothing is due, at most maxRounds. */
  async drain(maxRounds = 100): Promise<RoundResult> {
    const total: RoundResult = { claimed: 0, delivered: 0, failed: 0 };
    for (let i = 0; i < maxRounds && !this.stopping; i++) {
      const r = await this.runOnce();
      total.claimed += r.claimed;
      total.delivered += r.delivered;
      total.failed += r.failed;
      if (r.claimed === 0 || r.delivered === 0) break;
    }
    return total;
  }

  /** Polls every intervalMs until stop(). */
  start(intervalMs = 1_000): void {
    this.stopping = false;
    this.abort = new AbortController();
    const tick = () => {
      this.current = this.drain()
        .catch((err: unknown) => this.o.log.error({ err }, 'webhook delivery round failed'))
        .finally(() => {
          this.current = undefined;
          if (!this.stopping) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and aborts POSTs in flight; their events stay pending for the next worker. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.current;
    this.abort = new AbortController();
    this.stopping = false;
  }

  private async claim(trx: Knex.Transaction, now: Date): Promise<ClaimedRow[]> {
    const { rows } = await trx.raw<{ rows: ClaimedRow[] }>(
      `select o.id, o.seq, o.department, o.type, o.occurred_at, o.data, o.attempts, w.url, w.secret_sealed
         from webhook_outbox o
         join webhooks w on w.department = o.department
        where o.status = 'pending'
          and o.next_attempt_at <= ?
          and not exists (select 1 from webhook_outbox p where p.department = o.department and p.status = 'pending' and p.seq < o.seq)
        order by o.seq
        limit ?
        for update of o skip locked`,
      [now, this.batchSize],
    );
    return rows;
  }

  private async send(row: ClaimedRow, box: SecretBox): Promise<{ ok: boolean; status: number | null; error: string | null; ms: number }> {
    const body = JSON.stringify({ id: row.id, type: row.type, occurredAt: new Date(row.occurred_at).toISOString(), data: row.data });
    const started = performance.now();
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'joint-punishment-webhooks/1',
          'X-Event-Id': row.id,
          'X-Event-Type': row.type,
          'X-Signature': signBody(body, box.open(row.secret_sealed)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      const ms = Math.round(performance.now() - started);
      const ok = res.status >= 200 && res.status < 300;
      return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}`, ms };
    } catch (e) {
      return { ok: false, status: null, error: String((e as Error).cause ?? (e as Error).message).slice(0, 500), ms: Math.round(performance.now() - started) };
    }
  }
}
