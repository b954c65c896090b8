import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { projectRoot, rulesDir } from './paths';
import { WebhookTargetGuard } from './webhooks/target-guard';

/**
 * Configuration is read and validated once, at start-up, and injected from there.
 * Validate, never transform silently: a bad value stops start-up with its name.
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** A PostgreSQL URL. Without it the service starts an embedded PostgreSQL under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * The owner role's URL, for migrations only (with DATABASE_URL): the tables belong to it and the service's role
   * (DATABASE_URL) gets only the rights it needs; audit_log INSERT and SELECT. A secret, like DATABASE_URL.
   */
  MIGRATION_DATABASE_URL: z.string().url().optional(),
  /** Where the embedded PostgreSQL keeps its data (and nothing else). */
  /** A streaming replica of DATABASE_URL for reads that tolerate a bounded lag; without it every read is on the primary. */
  READ_DATABASE_URL: z.string().url().optional(),
  /** Reads leave the replica while its replay lag is over this many seconds. */
  READ_MAX_LAG_SECONDS: z.coerce.number().min(0.1).max(3600).default(10),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** The administrator's bearer token. Without it no administrator exists and no department token can be created. */
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Key for the keyed hash of personal ID numbers (or ID_HASH_KEY_FILE, a file holding it). Required with
   * DATABASE_URL; on the embedded default it is made once and kept in DATA_DIR/service-keys.json (0600).
   */
  ID_HASH_KEY: z.string().min(32, 'ID_HASH_KEY must be at least 32 characters').optional(),
  /** Working days a department has to feed back on an order, unless a rule says otherwise. */
  FEEDBACK_DUE_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(10),
  RULES_DIR: z.string().min(1).default(rulesDir),
  /** Run the scheduled jobs (src/jobs/schedule.ts) in this process. Safe on every instance: each run takes a database lock. */
  JOBS_ENABLED: z.enum(['true', 'false']).default('true'),
  /** Run the webhook delivery worker in this process. Safe on every instance: departments are leased (SKIP LOCKED). */
  WEBHOOKS_ENABLED: z.enum(['true', 'false']).default('true'),
  /** Key that seals webhook secrets at rest (or WEBHOOK_SECRET_KEY_FILE). Required with DATABASE_URL, like ID_HASH_KEY. */
  WEBHOOK_SECRET_KEY: z.string().min(32, 'WEBHOOK_SECRET_KEY must be at least 32 characters').optional(),
  /**
   * Webhook targets allowed although not public (host names, IP addresses, CIDR ranges; comma-separated), e.g. a
   * receiver on the internal network. Everything else must resolve to public addresses only.
   */
  WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  /** Second escalation of an overdue order: this many working days after its due date, still without feedback. */
  ESCALATION_LEVEL2_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(10),
  /** Bearer token for GET /metrics (Prometheus). Without it /metrics is not served on PORT. A secret. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** A second listener serving only GET /metrics, on METRICS_HOST (loopback by default). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How often the database gauges (orders, webhook backlog, job successes) are re-read. */
  METRICS_REFRESH_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  /** `npm run import` pushes its row counts here when it ends (a Prometheus Pushgateway). */
  METRICS_PUSHGATEWAY_URL: z.string().url().optional(),
  /** Look-ups by ID number (GET /v1/list-entries?idNumber=) one token may make per window; each is audited. */
  ID_LOOKUP_LIMIT: z.coerce.number().int().min(1).max(100_000).default(60),
  ID_LOOKUP_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400 * 7)
    .default(3600),
  /**
   * Checks by ID number (POST /v1/checks/persons, /v1/checks/officers) one token may make per hour, all instances
   * together; then 429. A registration desk's day fits; a sweep of candidate numbers does not.
   */
  PERSON_CHECK_LIMIT: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  /**
   * Rows per read of the overdue export (GET /v1/reports/overdue/export): each is one query and one chunk of the
   * file in memory. Larger pages make fewer round trips; the time per row stays flat either way.
   */
  OVERDUE_EXPORT_PAGE_ROWS: z.coerce.number().int().min(1).max(50_000).default(5000),
  /** Failed authentications one address may make per minute (per instance) before it gets 429 for the rest of it. */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /**
   * Which proxies in front of the service to believe about the client's address (X-Forwarded-For): off by default
   * (the address is the connection's); a number of hops (`1`: one load balancer), or the proxies' addresses and
   * CIDR ranges, comma-separated (`10.0.0.0/8, loopback`). The failed-authentication limit keys on that address.
   */
  TRUST_PROXY: z.string().optional(),
  /** The address the HTTP server listens on; all interfaces by default (as containers need). */
  HOST: z.string().min(1).optional(),
});

export type Config = Readonly<{
  port: number;
  databaseUrl: string | undefined;
  /** READ_DATABASE_URL and READ_MAX_LAG_SECONDS (src/db/read-router.ts). */
  readDatabaseUrl: string | undefined;
  readMaxLagSeconds: number;
  migrationDatabaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  idHashKey: string | undefined;
  feedbackDueWorkingDays: number;
  rulesDir: string;
  jobsEnabled: boolean;
  webhooksEnabled: boolean;
  webhookSecretKey: string | undefined;
  webhookAllowedHosts: readonly string[];
  escalationLevel2WorkingDays: number;
  /** Metrics are collected only when they can be scraped: METRICS_TOKEN or METRICS_PORT is set. */
  metrics: { token: string | undefined; port: number | undefined; host: string; refreshSeconds: number } | undefined;
  metricsPushgatewayUrl: string | undefined;
  idLookupLimit: { perWindow: number; windowSeconds: number };
  personCheckLimit: { perWindow: number; windowSeconds: number };
  authFailureLimit: number;
  overdueExportPageRows: number;
  /** Express's `trust proxy`: false, a hop count, or trusted proxy addresses and ranges. */
  trustProxy: false | number | readonly string[];
  /** undefined: every interface. */
  host: string | undefined;
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** FOO_FILE names a file holding FOO (Docker and Kubernetes secrets): read it, trailing newline dropped. */
const FROM_FILE = ['ID_HASH_KEY', 'WEBHOOK_SECRET_KEY'] as const;

function readFileVariables(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FROM_FILE) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new ConfigError(`invalid configuration:\n  ${name} and ${name}_FILE are both set; give one`);
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new ConfigError(`invalid configuration:\n  ${name}_FILE: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const emptyAsUnset = readFileVariables(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const parsed = schema.safeParse(emptyAsUnset);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  return Object.freeze({
    port: c.PORT,
    databaseUrl: c.DATABASE_URL,
    readDatabaseUrl: c.READ_DATABASE_URL,
    readMaxLagSeconds: c.READ_MAX_LAG_SECONDS,
    migrationDatabaseUrl: c.MIGRATION_DATABASE_URL,
    dataDir: path.resolve(projectRoot, c.DATA_DIR),
    adminToken: c.ADMIN_TOKEN,
    logLevel: c.LOG_LEVEL,
    idHashKey: c.ID_HASH_KEY,
    feedbackDueWorkingDays: c.FEEDBACK_DUE_WORKING_DAYS,
    rulesDir: path.resolve(projectRoot, c.RULES_DIR),
    jobsEnabled: c.JOBS_ENABLED === 'true',
    webhooksEnabled: c.WEBHOOKS_ENABLED === 'true',
    webhookSecretKey: c.WEBHOOK_SECRET_KEY,
    webhookAllowedHosts: Object.freeze(parseAllowedHosts(c.WEBHOOK_ALLOWED_HOSTS)),
    escalationLevel2WorkingDays: c.ESCALATION_LEVEL2_WORKING_DAYS,
    metrics:
      c.METRICS_TOKEN === undefined && c.METRICS_PORT === undefined
        ? undefined
        : {
            token: c.METRICS_TOKEN,
            port: c.METRICS_PORT,
            host: c.METRICS_HOST,
            refreshSeconds: c.METRICS_REFRESH_SECONDS,
          },
    metricsPushgatewayUrl: c.METRICS_PUSHGATEWAY_URL,
    idLookupLimit: { perWindow: c.ID_LOOKUP_LIMIT, windowSeconds: c.ID_LOOKUP_WINDOW_SECONDS },
    personCheckLimit: { perWindow: c.PERSON_CHECK_LIMIT, windowSeconds: 3600 },
    authFailureLimit: c.AUTH_FAILURE_LIMIT,
    overdueExportPageRows: c.OVERDUE_EXPORT_PAGE_ROWS,
    trustProxy: parseTrustProxy(c.TRUST_PROXY),
    host: parseHost(c.HOST),
  });
}

function parseAllowedHosts(value: string | undefined): string[] {
  try {
    return WebhookTargetGuard.parseAllowList(value);
  } catch (e) {
    throw new ConfigError(`invalid configuration:\n  ${(e as Error).message}`);
  }
}

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `true` (believe every hop) is refused: any client could then name any address in X-Forwarded-For and never reach
 * the failure limit. Say how many proxies there are, or which.
 */
function parseTrustProxy(value: string | undefined): false | number | readonly string[] {
  const v = value?.trim();
  if (!v || v === 'false' || v === '0') return false;
  const fail = (why: string) => new ConfigError(`invalid configuration:\n  TRUST_PROXY: ${why}`);
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) throw fail('at most 10 hops');
    return hops;
  }
  if (v === 'true')
    throw fail('"true" would believe any X-Forwarded-For; give the number of proxies or their addresses');
  const items = v.split(',').map((x) => x.trim());
  for (const item of items) {
    if (PROXY_PRESETS.has(item)) continue;
    const [addr, bits, extra] = item.split('/');
    const ok =
      extra === undefined &&
      addr !== undefined &&
      ipaddr.isValid(addr) &&
      (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (ipaddr.parse(addr).kind() === 'ipv4' ? 32 : 128)));
    if (!ok) throw fail(`"${item}" is not an address, a CIDR range, loopback, linklocal or uniquelocal`);
  }
  return Object.freeze(items);
}

function parseHost(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (ipaddr.isValid(v.replace(/^\[|\]$/g, '')) || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(v))
    return v.replace(/^\[|\]$/g, '');
  throw new ConfigError(`invalid configuration:\n  HOST: "${v}" is not an IP address or a host name`);
}
