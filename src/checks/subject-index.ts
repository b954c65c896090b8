import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import type { ReadRouter } from '../db/read-router';
import {
  reportSubjectIndexFreshness,
  subjectIndexReloadFailures,
  subjectIndexReloadTimestamp,
  subjectIndexSubjects,
} from '../metrics/metrics';

/**
 * The subjects that have anything in force, held in this process, so that the common answer of a check (a subject
 * that was never listed) needs no query. It may over-report (a lifted or expired subject stays until the next full
 * reload; two keys may share a 52-bit hash): an over-reported subject only costs the query the check would have
 * made anyway. It must never under-report, hence:
 *
 *  - Writes of this process are noted as they are written: the composition root (src/services.ts) hands
 *    noteOwnWrites to the writers (IssueContext.announceSubjects), called inside the writing transaction before the
 *    rows exist, so the writing instance knows before its response returns.
 *  - Writes of every other process (instances, the import CLI, psql) reach it through a trigger on orders (the
 *    subjects their measures reach, migration 20261206300000) that, in the writing transaction, upserts the subjects
 *    into subjects_in_force (what a reload reads) and sends NOTIFY subjects_in_force with the keys it added (several
 *    7,000-byte payloads for a batch), or '*' for a statement over 50,000 subjects, which makes the index reload (and
 *    answer from PostgreSQL until it is done).
 *  - Writes past the triggers (a restore without them, a logical-replication subscriber) reach subjects_in_force
 *    through the daily prune-subjects-in-force job, and the index at its next periodic reload.
 *  - A ping on the listening connection every pingMs proves that every notification committed before the ping was
 *    sent has arrived. If no ping sent within the last maxStaleMs has come back (connection lost, stuck), the index
 *    does not answer and every check queries PostgreSQL. So a clean answer from the index reflects every commit made
 *    at least maxStaleMs (default 1 s) earlier; in practice a NOTIFY arrives within milliseconds.
 *  - On (re)connect: LISTEN first, then a full reload; and a full reload every reloadMs to drop lifted subjects
 *    (once the daily job has pruned them). A failed reload is retried with backoff; meanwhile checks query PostgreSQL,
 *    and jp_subject_index_fresh, /readyz and the JpSubjectIndexStale alert say so.
 */
const NOTIFY_CHANNEL = 'subjects_in_force';
/** api_tokens rows changed (revoked, deleted): the token hash, or '*' (migration 20261122600000). */
const TOKENS_CHANNEL = 'tokens_changed';

export interface SubjectIndexOptions {
  /** The primary: LISTEN is there (NOTIFY is not replicated), and reloads unless the replica has caught up. */
  db: Db;
  /** With a replica: a reload reads it only when it has replayed past every change the index was notified of. */
  reads?: ReadRouter;
  log: Logger;
  pingMs?: number;
  maxStaleMs?: number;
  reloadMs?: number;
  /** Hashes per reload statement (default CHUNK; tests make it small to cross chunk edges). */
  chunk?: number;
}

/** 52 bits of MD5 as a double: PostgreSQL computes the same number in the reload query (see RELOAD). */
export function subjectHash(key: string): number {
  const d = createHash('md5').update(key).digest();
  return d.readUInt32BE(0) * 2 ** 20 + (d.readUInt32BE(4) >>> 12);
}

/**
 * One hash per subject in force, from subjects_in_force (kept by the writing statements' triggers, migration
 * 20261205500000), in keyset chunks of CHUNK hashes in hash order: each statement is short and its result small
 * (2 MB), whatever the number of subjects, and the chunks arrive sorted. Chunks are separate snapshots: a subject
 * made active meanwhile also sends a NOTIFY, which `sinceReload` collects (LISTEN is active before the first chunk).
 * A hash shared by two rows at a chunk's edge is loaded once; that is enough for a set. No ORDER BY inside the
 * aggregate (it sorted each chunk again, to temp files): the rows come in index order, and loadHashes checks it.
 */
const CHUNK = 250_000;
const RELOAD_CHUNK = `
  select coalesce(string_agg(float8send(h), ''::bytea), ''::bytea) as hashes, count(*)::int as n,
         max(h) as last
    from (select h from subjects_in_force where h > ? order by h limit ?) s`;
/** Its own statement limit: one chunk takes well under a second, but a cold cache on a loaded server may not. */
const CHUNK_STATEMENT_TIMEOUT = '60s';
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/** A key of the index: 'u' + USCC, or 'p' + person key. */
export const enterpriseKey = (uscc: string) => `u${uscc}`;
export const personKey = (key: string) => `p${key}`;

const LOCAL_KEEP_MS = 10 * 60_000;

export class SubjectIndex {
  private sorted: Float64Array = new Float64Array(0);
  private added = new Set<number>();
  /** While a reload runs, what arrived since its snapshot began: it becomes `added` when the reload swaps in. */
  private sinceReload: Set<number> | undefined;
  /** Reloads started and completed; the index answers only once a reload started after the last "must reload"
   * (start, reconnect, bulk NOTIFY '*') has completed. A periodic reload does not stop answering: NOTIFY keeps the
   * index complete meanwhile; it only drops lifted subjects. */
  private reloadsStarted = 0;
  private reloadsDone = 0;
  private mustReach = 1;
  private reloadQueued = false;
  private reloading: Promise<void> | undefined;
  private lastPingSentOk = 0;
  private client: pg.Client | undefined;
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly tokenListeners = new Set<(tokenHash: string) => void>();
  private closed = false;
  private started = false;
  private pinging = false;
  /** Failed reloads in a row: the next try waits RETRY_FIRST_MS · 2^(n-1), at most RETRY_MAX_MS. */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastReload: { at: Date; subjects: number } | undefined;
  private unregister: (() => void) | undefined;
  private readonly pingMs: number;
  private readonly maxStaleMs: number;
  private readonly reloadMs: number;
  /** Hashes this process announced, kept across reloads for a while: the writing transaction may commit after a
   * reload's snapshot and its NOTIFY arrive after the swap; until then only this remembers the subject. */
  private readonly local = new Map<number, number>();

  constructor(private readonly o: SubjectIndexOptions) {
    this.pingMs = o.pingMs ?? 250;
    this.maxStaleMs = o.maxStaleMs ?? 1000;
    this.reloadMs = o.reloadMs ?? 5 * 60_000;
  }

  /**
   * This process is about to put these subjects under restrictions or bans (called inside the writing transaction,
   * before the rows exist): from now on no check of this process answers them clean from the index. An arrow
   * property, so the writers can be handed it alone.
   */
  readonly noteOwnWrites = (keys: string[]): void => {
    // An index that was never started answers nothing, and its first reload (after LISTEN) will see these rows or
    // their NOTIFY: remembering them would only grow without bound (the import CLI announces every subject it
    // writes, 15 keys an entry: about 1 GB per million entries, issue 23).
    if (!this.started || this.closed) return;
    const now = Date.now();
    for (const h of this.add(keys)) this.local.set(h, now);
  };

  /** True only when the index is fresh and holds neither key: the answer is clean without a query. */
  surelyClear(key: string): boolean {
    if (!this.fresh) return false;
    const h = subjectHash(key);
    return !this.added.has(h) && !contains(this.sorted, h);
  }

  /**
   * The same connection carries token changes, with the same freshness: the authenticator may trust a token it has
   * seen only while `fresh` (every change committed over a second ago has arrived), and forgets one when told.
   */
  onTokenChange(listener: (tokenHash: string) => void): void {
    this.tokenListeners.add(listener);
  }

  /**
   * Resolves once every notification committed before the call has arrived here: a round trip on the listening
   * connection, which delivers notifications in commit order before the answer. False when not listening.
   */
  async sync(): Promise<boolean> {
    const c = this.client;
    if (!c) return false;
    return c.query('select 1').then(
      () => true,
      () => false,
    );
  }

  /**
   * Every change committed before this instant (epoch ms) has reached the index: the send time of the last ping that
   * came back. What a clean answer from the index reflects (asOfData, issue 20).
   */
  get seenUntil(): number {
    return this.lastPingSentOk;
  }

  /** Whether clean answers currently come from the index (for health and tests). */
  get fresh(): boolean {
    return (
      this.client !== undefined &&
      this.reloadsDone >= this.mustReach &&
      Date.now() - this.lastPingSentOk <= this.maxStaleMs
    );
  }

  /** For /readyz: when the last full reload completed, and how many subjects it held. */
  get lastReloaded(): { at: Date; subjects: number } | undefined {
    return this.lastReload;
  }

  start(): void {
    if (this.client || this.closed) return;
    this.started = true;
    this.unregister = reportSubjectIndexFreshness(() => this.fresh);
    void this.connect();
    this.timers.push(setInterval(() => void this.ping(), this.pingMs).unref());
    this.timers.push(setInterval(() => this.requestReload(false), this.reloadMs).unref());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryTimer);
    this.unregister?.();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
    await this.reloading?.catch(() => undefined);
  }

  private add(keys: string[]): number[] {
    const hashes = keys.map(subjectHash);
    for (const h of hashes) {
      this.added.add(h);
      this.sinceReload?.add(h);
    }
    return hashes;
  }

  /** One pending reconnect at a time, cleared by close(): a timer must not outlive the app that set it. */
  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), 1000).unref();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const settings = this.o.db.client.connectionSettings as pg.ClientConfig;
    const client = new pg.Client({ ...settings, application_name: 'joint-punishment-index' });
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.mustReach = this.reloadsStarted + 1;
      if (!this.closed) {
        this.o.log.warn({ err }, 'subject index: listening connection lost; checks query PostgreSQL until it is back');
        this.scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === TOKENS_CHANNEL && n.payload) {
        for (const l of this.tokenListeners) l(n.payload);
        return;
      }
      if (n.channel !== NOTIFY_CHANNEL || !n.payload) return;
      if (n.payload === '*') this.requestReload(true);
      else this.add(n.payload.split(','));
    });
    try {
      await client.connect();
      if (this.closed) {
        await client.end();
        return;
      }
      // The socket must not keep the process alive on its own: close() ends it for an orderly stop.
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await client.query(`listen ${NOTIFY_CHANNEL}; listen ${TOKENS_CHANNEL}`);
      this.client = client;
      this.lastPingSentOk = Date.now();
      this.requestReload(true);
    } catch (err) {
      await client.end().catch(() => undefined);
      lost(err);
      if (this.client === undefined && !this.closed) this.scheduleReconnect();
    }
  }

  private async ping(): Promise<void> {
    const c = this.client;
    if (!c || this.pinging) return;
    this.pinging = true;
    const sent = Date.now();
    try {
      await c.query('select 1');
      if (this.client === c) this.lastPingSentOk = Math.max(this.lastPingSentOk, sent);
    } catch {
      /* 'error' or 'end' handles the loss */
    } finally {
      this.pinging = false;
    }
  }

  private requestReload(must: boolean): void {
    if (must) this.mustReach = this.reloadsStarted + 1;
    if (this.reloading) {
      this.reloadQueued = true;
      return;
    }
    this.reloading = this.reload().finally(() => {
      this.reloading = undefined;
      if (this.reloadQueued && !this.closed) {
        this.reloadQueued = false;
        this.requestReload(false);
      }
    });
  }

  /**
   * Where a reload may read. The primary's WAL position is taken now, after `sinceReload` began collecting: every
   * change whose NOTIFY arrived earlier (and which the swap drops from `added`) committed before it. The replica
   * answers only when it has replayed past that position, checked in a statement before the reload's own, so the
   * reload's snapshot holds all those changes. Otherwise (no replica, lagging, paused, unreachable): the primary.
   */
  private async reloadSource(): Promise<Db> {
    const reads = this.o.reads;
    if (!reads) return this.o.db;
    try {
      const { rows } = await this.o.db.raw<{ rows: { lsn: string }[] }>('select pg_current_wal_lsn()::text as lsn');
      const lsn = rows[0]?.lsn;
      return (lsn && (await reads.replicaCovering(lsn))) || this.o.db;
    } catch {
      return this.o.db;
    }
  }

  private async reload(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const generation = ++this.reloadsStarted;
    const arrived = new Set<number>();
    this.sinceReload = arrived;
    try {
      const started = Date.now();
      // On pool connections, so pings go on meanwhile. LISTEN is already active and `arrived` already collects:
      // a commit before a chunk's snapshot is in it, a commit after it sends a NOTIFY that lands in `arrived` or `added`.
      const source = await this.reloadSource();
      const next = await this.loadHashes(source);
      if (this.client !== c) return;
      this.sorted = next;
      const now = Date.now();
      for (const [h, at] of this.local) {
        if (now - at > LOCAL_KEEP_MS) this.local.delete(h);
        else arrived.add(h);
      }
      this.added = arrived;
      this.reloadsDone = Math.max(this.reloadsDone, generation);
      this.failures = 0;
      this.lastReload = { at: new Date(now), subjects: next.length };
      subjectIndexReloadTimestamp.set(now / 1000);
      subjectIndexSubjects.set(next.length);
      const from = source === this.o.db ? 'primary' : 'replica';
      this.o.log.debug({ subjects: next.length, ms: now - started, from }, 'subject index reloaded');
    } catch (err) {
      if (this.closed) return;
      subjectIndexReloadFailures.inc();
      this.failures++;
      const retryMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
      this.o.log.warn(
        { err, failures: this.failures, retryMs },
        'subject index: reload failed; checks query PostgreSQL until a reload succeeds',
      );
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.requestReload(false), retryMs).unref();
    } finally {
      this.sinceReload = undefined;
    }
  }

  /**
   * Every hash of subjects_in_force, chunk by chunk, straight into a typed array sized from the planner's estimate
   * (grown by half when short): memory is 8 bytes per subject plus one chunk, never one giant string.
   */
  private async loadHashes(source: Db): Promise<Float64Array> {
    const { rows: est } = await source.raw<{ rows: { n: number }[] }>(
      "select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'subjects_in_force'::regclass",
    );
    let out: Float64Array = new Float64Array(Math.max(1024, Math.ceil((est[0]?.n ?? 0) * 1.05)));
    let n = 0;
    let after = -1;
    let sorted = true;
    const chunkSize = this.o.chunk ?? CHUNK;
    for (;;) {
      const chunk = await source.transaction(async (trx) => {
        await trx.raw(`set local statement_timeout = '${CHUNK_STATEMENT_TIMEOUT}'`);
        const { rows } = await trx.raw<{ rows: { hashes: Buffer; n: number; last: number | null }[] }>(RELOAD_CHUNK, [
          after,
          chunkSize,
        ]);
        return rows[0] as { hashes: Buffer; n: number; last: number | null };
      });
      if (n + chunk.n > out.length) {
        const grown = new Float64Array(Math.max(Math.ceil(out.length * 1.5), n + chunk.n));
        grown.set(out.subarray(0, n));
        out = grown;
      }
      for (let i = 0; i < chunk.n; i++) {
        const h = chunk.hashes.readDoubleBE(i * 8);
        if (n > 0 && h < (out[n - 1] as number)) sorted = false;
        out[n++] = h;
      }
      if (chunk.n < chunkSize || chunk.last === null) break;
      after = chunk.last;
    }
    // The collation of float8 and of a Float64Array agree for these non-negative integers; checked, not assumed.
    const result = n < out.length * 0.9 ? out.slice(0, n) : out.subarray(0, n);
    return sorted ? result : result.sort();
  }
}

function contains(sorted: Float64Array, h: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === h) return true;
    if (v < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
