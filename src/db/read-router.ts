import type { Logger } from 'pino';
import { requestTokenId } from '../audit/request-token';
import { observeReplica } from '../metrics/metrics';
import type { Db } from './knex';
import { isDatabaseUnavailable } from './unavailable';

/**
 * Where reads that tolerate a bounded lag go: the streaming replica (READ_DATABASE_URL) while it is reachable, its
 * lag is within the bound and the caller has no write it has not replayed yet; the primary otherwise. Everything that
 * writes, and every read inside a writing transaction, stays on the primary and never asks this.
 *
 * Lag is measured against the primary, not from pg_last_xact_replay_timestamp() (which grows on an idle primary and
 * says nothing when streaming has stopped): every pollMs the primary's WAL position is sampled with the time it was
 * taken, then the replica's replay position is read. The replica "covers" a sample once it has replayed past it; the
 * lag is the age of the oldest sample it does not cover (0 when it covers all). So lag is exact to one poll.
 *
 * Read-your-writes costs no query on the write path: a caller's write (any non-GET that succeeded, noted by the HTTP
 * layer by token) is covered once the replica covers a primary sample taken after the write's answer, i.e. after its
 * commit; until then that caller's reads go to the primary. A read that fails on the replica for a reason of the
 * replica (unreachable, stopped, a recovery conflict) is run again on the primary: a replica dying under load costs
 * callers nothing but time, and the next poll takes it out of service until it is back.
 */
export interface ReadRouterOptions {
  primary: Db;
  /** The replica's pool; absent (or the primary itself) when READ_DATABASE_URL is not set. */
  replica?: Db;
  log: Logger;
  /** Reads leave the replica when its lag exceeds this (READ_MAX_LAG_SECONDS, default 10 s). */
  maxLagMs?: number;
  pollMs?: number;
}

/** What /readyz and the metrics say about the replica. */
export interface ReplicaStatus {
  configured: boolean;
  /** Reads go to it now. */
  serving: boolean;
  lagSeconds: number | null;
  /** Why reads are on the primary, when the replica is configured but not serving. */
  reason?: string;
}

interface Sample {
  at: number;
  lsn: bigint;
}

/** A pg_lsn's text form 'X/Y' as a number that orders like the position. */
function lsnOf(text: string): bigint {
  const [hi = '0', lo = '0'] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** An error of the replica itself, after which the same read may be answered by the primary. */
function replicaFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 40001 on a standby: "canceling statement due to conflict with recovery"
  return isDatabaseUnavailable(err) || code === '40001';
}

const MAX_SAMPLES = 600;
const WRITE_MEMORY_MS = 10 * 60_000;

export class ReadRouter {
  private readonly replica: Db | undefined;
  private readonly maxLagMs: number;
  private readonly pollMs: number;
  private samples: Sample[] = [];
  /** When the newest primary sample the replica covers was taken (0: none yet). */
  private coveredAt = 0;
  private lagMs: number | null = null;
  private lastPollOk = 0;
  private reason = 'not measured yet';
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private wasServing = false;
  /** host:port of the replica, the metrics' label (never the password). */
  private readonly replicaName: string;
  /** Per caller (token id), when its last write was answered. */
  private readonly writes = new Map<string, number>();

  constructor(private readonly o: ReadRouterOptions) {
    this.replica = o.replica && o.replica !== o.primary ? o.replica : undefined;
    this.maxLagMs = o.maxLagMs ?? 10_000;
    this.pollMs = o.pollMs ?? 500;
    const settings = this.replica?.client.connectionSettings as { connectionString?: string } | undefined;
    const url = settings?.connectionString ? new URL(settings.connectionString) : undefined;
    this.replicaName = url ? `${url.hostname}:${url.port || '5432'}` : 'replica';
  }

  /** Starts measuring the replica (nothing to do without one). Never keeps the process alive on its own. */
  start(): void {
    if (!this.replica || this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs).unref();
    void this.poll();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** The HTTP layer notes a caller's successful write: that caller reads from the primary until it is replayed. */
  noteWrite(caller: string | undefined): void {
    if (!this.replica || !caller) return;
    this.writes.set(caller, Date.now());
  }

  /**
   * Runs a read that tolerates a bounded lag: on the replica when it may answer this caller, else on the primary;
   * again on the primary if the replica fails it.
   */
  async read<T>(query: (db: Db) => Promise<T>): Promise<T> {
    const replica = this.replicaFor(requestTokenId());
    if (!replica) return query(this.o.primary);
    try {
      return await query(replica);
    } catch (err) {
      if (!replicaFailure(err)) throw err;
      this.outOfService(`the replica failed a read: ${(err as Error).message}`);
      return query(this.o.primary);
    }
  }

  /**
   * The replica when it is serving and has replayed past `primaryLsn` (a position the caller took on the primary),
   * else undefined. For the subject index, whose reload must cover every change it was notified of.
   */
  async replicaCovering(primaryLsn: string): Promise<Db | undefined> {
    const replica = this.serving ? this.replica : undefined;
    if (!replica) return undefined;
    try {
      const { rows } = await replica.raw<{ rows: { covered: boolean }[] }>(
        'select coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false) as covered',
        [primaryLsn],
      );
      return rows[0]?.covered ? replica : undefined;
    } catch {
      return undefined;
    }
  }

  status(): ReplicaStatus {
    if (!this.replica) return { configured: false, serving: false, lagSeconds: null };
    const serving = this.serving;
    const lagSeconds = this.lagMs === null ? null : this.lagMs / 1000;
    return { configured: true, serving, lagSeconds, ...(serving ? {} : { reason: this.currentReason() }) };
  }

  private get serving(): boolean {
    if (!this.replica || this.lagMs === null) return false;
    // A poll that has not come back is itself a sign: a frozen replica must not keep serving on old figures.
    return this.lagMs <= this.maxLagMs && Date.now() - this.lastPollOk <= Math.max(3 * this.pollMs, 2_000);
  }

  private currentReason(): string {
    if (this.lagMs !== null && this.lagMs > this.maxLagMs) {
      return `replica lag ${(this.lagMs / 1000).toFixed(1)} s is over the bound of ${this.maxLagMs / 1000} s`;
    }
    if (this.lastPollOk && Date.now() - this.lastPollOk > Math.max(3 * this.pollMs, 2_000)) {
      return `replica not answering: ${this.reason}`;
    }
    return this.reason;
  }

  private replicaFor(caller: string | undefined): Db | undefined {
    if (!this.serving) return undefined;
    if (caller !== undefined) {
      const wroteAt = this.writes.get(caller);
      if (wroteAt !== undefined) {
        if (this.coveredAt <= wroteAt) return undefined;
        this.writes.delete(caller);
      }
    }
    return this.replica;
  }

  private outOfService(reason: string): void {
    this.reason = reason;
    this.lagMs = null;
    this.report();
  }

  private poll(): Promise<void> {
    this.polling ??= this.measure().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async measure(): Promise<void> {
    const replica = this.replica as Db;
    const at = Date.now();
    try {
      const p = await this.o.primary.raw<{ rows: { lsn: string }[] }>('select pg_current_wal_lsn()::text as lsn');
      this.samples.push({ at, lsn: lsnOf(p.rows[0]?.lsn ?? '0/0') });
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    } catch {
      return; // the primary is down: nothing to compare with, and /readyz says so on its own
    }
    try {
      const r = await replica.raw<{ rows: { replay: string | null; standby: boolean }[] }>(
        'select pg_last_wal_replay_lsn()::text as replay, pg_is_in_recovery() as standby',
      );
      const row = r.rows[0];
      if (!row?.standby || row.replay === null) {
        this.outOfService('READ_DATABASE_URL is not a standby in recovery');
        return;
      }
      const replay = lsnOf(row.replay);
      while (this.samples.length && (this.samples[0] as Sample).lsn <= replay) {
        this.coveredAt = Math.max(this.coveredAt, (this.samples.shift() as Sample).at);
      }
      const oldest = this.samples[0];
      const now = Date.now();
      this.lagMs = oldest ? now - oldest.at : 0;
      this.lastPollOk = now;
      for (const [caller, wroteAt] of this.writes) if (now - wroteAt > WRITE_MEMORY_MS) this.writes.delete(caller);
      this.report();
    } catch (err) {
      this.outOfService(`replica unreachable: ${(err as Error).message}`);
    }
  }

  /** One log line per change between serving and not, with the reason; the gauges after every poll. */
  private report(): void {
    const serving = this.serving;
    observeReplica(this.replicaName, serving, this.lagMs === null ? null : this.lagMs / 1000);
    if (serving === this.wasServing) return;
    this.wasServing = serving;
    if (serving) this.o.log.info({ lagSeconds: (this.lagMs ?? 0) / 1000 }, 'replica serving reads');
    else this.o.log.warn({ reason: this.currentReason() }, 'replica out of service: reads go to the primary');
  }
}
