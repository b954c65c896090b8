import type { Logger } from 'pino';
import type { Db } from './knex';

/** Seconds a caller should wait before trying again while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs that mean "the database cannot serve now", not "this request is wrong". Not 57014 (query_canceled, our
 * statement_timeout): a statement that ran past its limit ran, on a database that answered; that is the service's own
 * slowness (isStatementTimeout), and calling it an outage would send operators to a database that is fine.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25P03']);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// knex puts the SQL text in front of the driver's message ("select … - Query read timeout"): match anywhere.
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/, // pg: the server went away mid-query, or the connect timeout
  /(^|- )timeout expired$/, // pg: connectionTimeoutMillis passed while connecting
  /timeout exceeded when trying to connect/,
  /Query read timeout/, // pg query_timeout: a frozen server never answers
  /Client has encountered a connection error and is not queryable/,
  /Knex: Timeout acquiring a connection/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/**
 * The database is unreachable, stopped, frozen or over its limits: the answer is 503 with Retry-After (the request
 * may be repeated as it is), and the outage is logged once, not once per request.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'KnexTimeoutError') return true;
  if (
    typeof e.code === 'string' &&
    (UNAVAILABLE_CODES.has(e.code) || UNAVAILABLE_SQLSTATES.has(e.code) || e.code.startsWith('08'))
  )
    return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string));
}

/** PostgreSQL cancelled a statement that passed its statement_timeout: slow, not unreachable. */
export function isStatementTimeout(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return !!e && typeof e === 'object' && e.code === '57014';
}

/**
 * One log line when an outage starts (with its cause), one when the database answers again (how long, how many
 * requests were refused); nothing per request in between.
 */
export class DatabaseOutage {
  private since: number | undefined;
  private refused = 0;

  constructor(
    db: Db,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
  ) {
    db.on('query-response', () => {
      if (this.since !== undefined) this.recovered();
    });
  }

  get down(): boolean {
    return this.since !== undefined;
  }

  failed(err: unknown): void {
    this.refused++;
    if (this.since !== undefined) return;
    this.since = Date.now();
    const e = err as { code?: string; message?: string };
    this.log.warn(
      { code: e.code, cause: e.message },
      'database unreachable: answering 503 with Retry-After until it is back',
    );
  }

  private recovered(): void {
    const seconds = Math.round((Date.now() - (this.since as number)) / 100) / 10;
    this.log.info({ seconds, refused: this.refused }, 'database reachable again');
    this.since = undefined;
    this.refused = 0;
  }
}
