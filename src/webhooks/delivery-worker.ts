import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { countWebhookDelivery } from '../metrics/metrics';
import type { Clock } from '../time/clock';
import type { DeliveryStore, AttemptRecord, LeasedDepartment, PendingEvent } from './delivery-store';
import { HttpSender, type SendResult } from './http-sender';
import type { SecretBox } from './secret-box';
import { signBody, signingKey, standardSignature } from './signature';
import { WebhookTargetGuard } from './target-guard';

export interface DeliveryWorkerOptions {
  /** The outbox, the delivery log and the leases, on the primary. */
  store: DeliveryStore;
  clock: Clock;
  log: Logger;
  secrets: () => Promise<SecretBox>;
  /** Which targets may be reached; the same guard the registration used. */
  guard?: WebhookTargetGuard;
  /** Departments this worker serves at the same time (each one event at a time, in order). */
  concurrency?: number;
  /** Events sent under one lease before the department is given back, so other workers get a turn. */
  eventsPerLease?: number;
  /** Results are recorded (and the lease renewed) after this many events or this long, whichever comes first. */
  recordEvery?: { events: number; ms: number };
  timeoutMs?: number;
  /** How long a lease lasts without renewal: a worker that died is replaced after this. */
  leaseMs?: number;
  /** Retry after base·2^(attempts−1), capped. */
  backoff?: { baseMs: number; maxMs: number };
  /** Wall-clock time for webhook-timestamp (receivers compare it with their own clock); the service clock otherwise. */
  wallClock?: () => Date;
}

export interface RoundResult {
  /** Department leases taken. */
  claimed: number;
  delivered: number;
  failed: number;
}

/**
 * Sends outbox events to department webhooks, at least once, in order per department, departments independently.
 *
 * A worker leases due departments (DeliveryStore.lease: one short transaction, FOR UPDATE SKIP LOCKED on their
 * webhooks rows, so workers in several processes never serve the same department at once), then serves each on
 * its own: it reads the department's oldest pending events, POSTs them one after another with no transaction
 * open, and records the results every `recordEvery` in a short transaction that also renews the lease. A slow
 * receiver only delays its own department; up to `concurrency` departments are served at the same time.
 *
 * If the process dies mid-delivery, the lease runs out (`leaseMs`) and another worker sends the unrecorded events
 * again with the same id (receivers de-duplicate on it). A failed POST is retried with exponential backoff,
 * without limit, and later events of that department wait for it. Time (due retries, leases) is the injected
 * clock's; the signature's timestamp is the wall clock's.
 */
export class DeliveryWorker {
  private readonly concurrency: number;
  private readonly eventsPerLease: number;
  private readonly recordEvery: { events: number; ms: number };
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly wallClock: () => Date;
  private readonly sender: HttpSender;
  /** Names this worker's leases: host, pid and a nonce, so two workers in one process differ too. */
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private stopping = false;
  private pausing: Promise<void> | undefined;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.concurrency = o.concurrency ?? 16;
    this.eventsPerLease = o.eventsPerLease ?? 500;
    this.recordEvery = o.recordEvery ?? { events: 100, ms: 1_000 };
    this.timeoutMs = o.timeoutMs ?? 10_000;
    // Renewed at every record, which comes at most one POST (timeoutMs) after recordEvery.ms: twice that, and 10 s.
    this.leaseMs = o.leaseMs ?? 2 * (this.timeoutMs + this.recordEvery.ms) + 10_000;
    this.backoff = o.backoff ?? { baseMs: 5_000, maxMs: 3_600_000 };
    this.wallClock = o.wallClock ?? (() => new Date());
    this.sender = new HttpSender(o.guard ?? new WebhookTargetGuard());
  }

  /** Serves departments until none is due and none is being served. For tests and one-off runs. */
  async drain(): Promise<RoundResult> {
    const totals: RoundResult = { claimed: 0, delivered: 0, failed: 0 };
    await this.loop(totals, { untilIdle: true, pollMs: 0 });
    return totals;
  }

  /** Serves departments as they come due, looking for due ones every intervalMs, until stop(). */
  start(intervalMs = 1_000): void {
    this.stopping = false;
    this.abort = new AbortController();
    const totals: RoundResult = { claimed: 0, delivered: 0, failed: 0 };
    this.running = this.loop(totals, { untilIdle: false, pollMs: intervalMs }).catch((err: unknown) =>
      this.o.log.error({ err }, 'webhook delivery stopped'),
    );
  }

  /** Stops leasing, aborts POSTs in flight (their events stay pending) and gives the departments back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.running;
    this.running = undefined;
    this.sender.close();
    this.abort = new AbortController();
    this.stopping = false;
  }

  private async loop(totals: RoundResult, o: { untilIdle: boolean; pollMs: number }): Promise<void> {
    const active = new Map<string, Promise<void>>();
    let failing = false;
    // Departments given back so far: one given back while the lease query ran was excluded from it as busy.
    let givenBack = 0;
    try {
      while (!this.stopping) {
        const givenBackBefore = givenBack;
        let leased: LeasedDepartment[] = [];
        if (active.size < this.concurrency) {
          try {
            const now = this.o.clock.now();
            leased = await this.o.store.lease({
              owner: this.owner,
              now,
              until: new Date(now.getTime() + this.leaseMs),
              limit: this.concurrency - active.size,
              busy: [...active.keys()],
            });
            failing = false;
          } catch (err) {
            if (o.untilIdle) throw err;
            // One line per outage, not one per poll.
            if (!failing) this.o.log.error({ err }, 'webhook delivery cannot lease departments; retrying');
            failing = true;
          }
        }
        totals.claimed += leased.length;
        for (const d of leased) {
          const served = this.serve(d, totals)
            .catch((err: unknown) =>
              this.o.log.error({ err, department: d.department }, 'webhook delivery to a department failed'),
            )
            .finally(() => {
              active.delete(d.department);
              givenBack++;
            });
          active.set(d.department, served);
        }
        if (active.size === 0) {
          if (givenBack !== givenBackBefore) continue;
          if (o.untilIdle) break;
          await this.pause(o.pollMs);
          continue;
        }
        // A department given back frees a slot; meanwhile others may come due.
        await Promise.race(o.untilIdle ? [...active.values()] : [...active.values(), this.pause(o.pollMs)]);
      }
    } finally {
      await Promise.all(active.values());
    }
  }

  /**
   * Sends one leased department its due events in order; gives the lease back at the end. The database work runs
   * beside the POSTs: the next page is read while this one is sent, and results are recorded behind them (one
   * record at a time, in order), so a department's pace is its receiver's.
   */
  private async serve(d: LeasedDepartment, totals: RoundResult): Promise<void> {
    const secret = (await this.o.secrets()).open(d.secretSealed);
    const key = signingKey(secret);
    let unrecorded: AttemptRecord[] = [];
    let lastRecord = performance.now();
    let recorded: Promise<void> = Promise.resolve();
    let leaseLost = false;
    const record = (release: boolean): Promise<void> => {
      const attempts = unrecorded;
      unrecorded = [];
      lastRecord = performance.now();
      recorded = recorded.then(async () => {
        const leaseUntil = release ? null : new Date(this.o.clock.now().getTime() + this.leaseMs);
        const held = await this.o.store.record({
          department: d.department,
          owner: this.owner,
          attempts,
          leaseUntil,
        });
        if (!held) leaseLost = true; // another worker has the department now: stop sending
      });
      return recorded;
    };
    const pageSize = this.recordEvery.events;
    let next: Promise<PendingEvent[]> = this.o.store.pending(d.department, Math.min(pageSize, this.eventsPerLease));
    let sent = 0;
    try {
      serving: while (!this.stopping && !leaseLost) {
        const page = await next;
        if (page.length === 0) break;
        const room = this.eventsPerLease - sent - page.length;
        const last = (page.at(-1) as PendingEvent).seq;
        next = room > 0 ? this.o.store.pending(d.department, Math.min(pageSize, room), last) : Promise.resolve([]);
        for (const event of page) {
          const now = this.o.clock.now();
          if (this.stopping || leaseLost) break serving;
          if (event.nextAttemptAt.getTime() > now.getTime()) break serving; // backing off
          const result = await this.send(d.url, event, secret, key);
          if (result.aborted) break serving; // stopped: the attempt does not count
          sent++;
          countWebhookDelivery(d.department, result.ok);
          const at = this.o.clock.now();
          const delay = Math.min(this.backoff.baseMs * 2 ** event.attempts, this.backoff.maxMs);
          unrecorded.push({ event, url: d.url, at, ...result, retryAt: new Date(at.getTime() + delay) });
          if (!result.ok) {
            totals.failed++;
            this.o.log.warn(
              { eventId: event.id, department: d.department, attempt: event.attempts + 1, error: result.error },
              'webhook delivery failed; will retry',
            );
            break serving; // later events wait for this one
          }
          totals.delivered++;
          if (unrecorded.length >= this.recordEvery.events || performance.now() - lastRecord >= this.recordEvery.ms)
            void record(false);
        }
      }
    } finally {
      next.catch(() => undefined); // a page read ahead and not needed
      // Whatever was sent is recorded, even when the lease was lost: it is what happened.
      await record(true);
    }
  }

  private send(url: string, event: PendingEvent, secret: string, key: Buffer): Promise<SendResult> {
    const occurredAt = event.occurredAt.toISOString();
    const body = JSON.stringify({ id: event.id, type: event.type, occurredAt, data: event.data });
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'joint-punishment-webhooks/1',
      ...standardSignature(key, event.id, this.wallClock(), body),
      'X-Event-Id': event.id,
      'X-Event-Type': event.type,
      /** @deprecated kept for one release; verify webhook-signature instead. */
      'X-Signature': signBody(body, secret),
    };
    return this.sender.post(url, headers, body, this.abort.signal, this.timeoutMs);
  }

  /** Resolves after ms, or at once if the worker is stopped; callers waiting meanwhile share one timer. */
  private pause(ms: number): Promise<void> {
    if (this.pausing) return this.pausing;
    const signal = this.abort.signal;
    const paused = new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }).finally(() => (this.pausing = undefined));
    this.pausing = paused;
    return paused;
  }
}
