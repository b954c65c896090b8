import type { Logger } from 'pino';
import { insertBufferedAudit, type BufferedAuditRecord } from '../audit/audit-store';
import type { Db } from '../db/knex';

/** Rows held while the database cannot take them; past this the oldest are dropped, loudly. */
const MAX_PENDING = 200_000;

/**
 * Every person and officer check is written to audit_log (`person.checked`: department, token id, keyed hash,
 * request id, operation and answer), so a sweep leaves a trace per number tried. A check must stay cheap, so rows
 * are buffered and written in one statement every flushMs or every `batch` rows, and on close (server.ts closes the
 * app on SIGTERM/SIGINT before the pool): a graceful stop loses nothing; a crash (kill -9) at most flushMs of rows.
 * A failed write keeps its rows for the next flush.
 */
export class PersonCheckAudit {
  private pending: BufferedAuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly flushMs = 1_000,
    private readonly batch = 1_000,
  ) {}

  record(row: BufferedAuditRecord): void {
    this.pending.push(row);
    if (this.pending.length >= this.batch) void this.flush();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes what is buffered so far; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.length === 0) return;
      const rows = this.pending;
      this.pending = [];
      try {
        await insertBufferedAudit(this.db, rows);
      } catch (err) {
        this.pending = rows.concat(this.pending);
        const dropped = this.pending.length - MAX_PENDING;
        if (dropped > 0) {
          this.pending.splice(0, dropped);
          this.log.error({ err, dropped }, 'person-check audit rows dropped: the database refused them too long');
        } else
          this.log.warn({ err, rows: rows.length }, 'person-check audit rows not written; kept for the next flush');
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
