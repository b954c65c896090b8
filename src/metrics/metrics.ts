import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { components } from '../generated/openapi';

/**
 * The service's Prometheus metrics: one registry per process, as Prometheus scrapes processes. Code paths report
 * through the one-line hooks at the bottom of this file; each does nothing until enableMetrics() (called when
 * METRICS_TOKEN or METRICS_PORT is set), so an instance that nobody scrapes pays a branch and no more.
 *
 * Labels never carry personal data or subject identifiers: operation ids, departments, list types, scenario codes,
 * job names and fixed outcome words only. No USCC, ID number, person key, entry id or URL path is ever a label.
 */
export const registry = new Registry();

let enabled = false;
let defaultsCollected = false;

/** processMetrics: Node's default process metrics too (a server's; not a short-lived CLI's). */
export function enableMetrics(o: { processMetrics?: boolean } = {}): void {
  enabled = true;
  if (o.processMetrics !== false && !defaultsCollected) {
    defaultsCollected = true;
    collectDefaultMetrics({ register: registry });
  }
}

export function metricsEnabled(): boolean {
  return enabled;
}

// Latency buckets: a check answers in milliseconds; batches of 10,000 rows take seconds.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

export const httpDuration = new Histogram({
  name: 'jp_http_request_duration_seconds',
  help:
    'HTTP requests by OpenAPI operation id ("metrics" for scrapes, "unmatched" for unknown paths, /docs and ' +
    '/openapi.json) and status class, from arrival to the last byte sent',
  labelNames: ['operation', 'status_class'] as const,
  buckets: HTTP_BUCKETS,
  registers: [registry],
});

const checksTotal = new Counter({
  name: 'jp_checks_total',
  help:
    'Real-time checks answered, by kind (enterprise, officer, person), scenario (scenario code, "any", or the ' +
    'officer role) and answer (restricted or clear)',
  labelNames: ['kind', 'scenario', 'answer'] as const,
  registers: [registry],
});

const personChecksTotal = new Counter({
  name: 'jp_person_checks_total',
  help:
    'Checks by ID number (person and officer checks) answered, by calling department ("admin" for the ' +
    'administrator), kind (person, officer) and answer (restricted or clear): a sweep shows as many, nearly all clear',
  labelNames: ['department', 'kind', 'answer'] as const,
  registers: [registry],
});

const decisionRecordsTotal = new Counter({
  name: 'jp_decision_records_total',
  help: 'Decision records written for checks, by kind and answer (restricted, or clear when a record was asked for)',
  labelNames: ['kind', 'answer'] as const,
  registers: [registry],
});

export const listEntriesTotal = new Counter({
  name: 'jp_list_entries_total',
  help: 'List entries submitted, by list type, source (api, batch, cli) and result (created, unchanged, rejected)',
  labelNames: ['list', 'source', 'result'] as const,
  registers: [registry],
});

const entryTransitionsTotal = new Counter({
  name: 'jp_entry_transitions_total',
  help: 'List entries ended by a lifecycle transition (remove, restore, expire, revoke), by transition and list type',
  labelNames: ['transition', 'list'] as const,
  registers: [registry],
});

/** Objections and restoration applications undecided past their decideBy (read from the database on a schedule). */
export const proceduresOverdueGauge = new Gauge({
  name: 'jp_procedures_overdue',
  help:
    'Objections (kind=objection) and credit-restoration applications (kind=restoration) still undecided after ' +
    'their decideBy, by listing authority; those with no deadline in any text are never counted',
  labelNames: ['kind', 'authority'] as const,
  registers: [registry],
});

const jobRunDuration = new Histogram({
  name: 'jp_job_run_duration_seconds',
  help: 'Runs of scheduled jobs in this process, by job and outcome (succeeded, failed); _count is the number of runs',
  labelNames: ['job', 'outcome'] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

const webhookDeliveriesTotal = new Counter({
  name: 'jp_webhook_deliveries_total',
  help: 'Webhook delivery attempts made by this process, by recipient department and outcome (delivered, failed)',
  labelNames: ['department', 'outcome'] as const,
  registers: [registry],
});

// Gauges refreshed on a schedule from the database (src/metrics/db-gauges.ts), the same figures on every instance.
export const ordersGauge = new Gauge({
  name: 'jp_orders',
  help:
    'Orders by department and state: issued (awaiting feedback, not yet due), overdue (past due, not escalated), ' +
    'escalated, implemented, not_applicable, lifted, revoked. The states do not overlap.',
  labelNames: ['department', 'status'] as const,
  registers: [registry],
});

export const webhookPendingGauge = new Gauge({
  name: 'jp_webhook_events_pending',
  help: 'Webhook events not yet delivered, by recipient department',
  labelNames: ['department'] as const,
  registers: [registry],
});

export const webhookFailingGauge = new Gauge({
  name: 'jp_webhook_events_failing',
  help: 'Webhook events not yet delivered whose last attempt failed (waiting for a retry), by recipient department',
  labelNames: ['department'] as const,
  registers: [registry],
});

export const webhookOldestPendingAge = new Gauge({
  name: 'jp_webhook_oldest_pending_age_seconds',
  help: 'Age of the oldest undelivered webhook event, by recipient department (0 when none is pending)',
  labelNames: ['department'] as const,
  registers: [registry],
});

export const jobLastSuccess = new Gauge({
  name: 'jp_job_last_success_timestamp_seconds',
  help: 'When each scheduled job last finished successfully on any instance (Unix time), from job_runs',
  labelNames: ['job'] as const,
  registers: [registry],
});

export const statementTimeouts = new Counter({
  name: 'jp_db_statement_timeouts_total',
  help:
    "Statements PostgreSQL cancelled at their time limit, by where they ran (request, gauges): the service's own " +
    'slowness on a reachable database, never counted as an outage',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const dbUp = new Gauge({
  name: 'jp_db_up',
  help: '1 when the last scheduled metrics refresh reached the database, 0 when it failed',
  registers: [registry],
});

const replicaLag = new Gauge({
  name: 'jp_replica_lag_seconds',
  help:
    'How far the read replica (READ_DATABASE_URL) is behind the primary: the age of the oldest primary WAL position ' +
    'it has not replayed, to one poll (0.5 s); +Inf while it cannot be reached. No series without a replica',
  labelNames: ['replica'] as const,
  registers: [registry],
});

const replicaServing = new Gauge({
  name: 'jp_replica_serving',
  help: '1 while reads that tolerate a bounded lag go to the replica; 0 while they go to the primary (lag over the bound, unreachable)',
  labelNames: ['replica'] as const,
  registers: [registry],
});

/**
 * The read router's view of the replica (host:port of READ_DATABASE_URL) after each poll (src/db/read-router.ts).
 * Labelled, so that a service without a replica exports no series at all and no alert fires for it.
 */
export function observeReplica(replica: string, serving: boolean, lagSeconds: number | null): void {
  replicaLag.set({ replica }, lagSeconds ?? Number.POSITIVE_INFINITY);
  replicaServing.set({ replica }, serving ? 1 : 0);
}

export const refreshDuration = new Gauge({
  name: 'jp_metrics_refresh_duration_seconds',
  help: 'How long the last scheduled refresh of the database gauges took',
  registers: [registry],
});

export const refreshTimestamp = new Gauge({
  name: 'jp_metrics_refresh_timestamp_seconds',
  help: 'When the database gauges were last refreshed successfully (Unix time)',
  registers: [registry],
});

/** The freshness of this process's subject indexes, read at scrape time (each registers itself while started). */
const subjectIndexes = new Set<() => boolean>();
/** Registers an index's freshness; the returned function unregisters it (on close). */
export function reportSubjectIndexFreshness(fresh: () => boolean): () => void {
  subjectIndexes.add(fresh);
  return () => subjectIndexes.delete(fresh);
}

new Gauge({
  name: 'jp_subject_index_fresh',
  help:
    '1 when clean checks are answered from the in-process subject index, 0 when every check goes to PostgreSQL ' +
    '(loading, reload failed, listening connection lost)',
  registers: [registry],
  collect() {
    this.set(subjectIndexes.size > 0 && [...subjectIndexes].every((fresh) => fresh()) ? 1 : 0);
  },
});

export const subjectIndexReloadTimestamp = new Gauge({
  name: 'jp_subject_index_last_reload_timestamp_seconds',
  help: 'When the subject index last completed a full reload (Unix time)',
  registers: [registry],
});

export const subjectIndexSubjects = new Gauge({
  name: 'jp_subject_index_subjects',
  help: 'Subjects (hashes) the subject index held after its last full reload',
  registers: [registry],
});

export const subjectIndexReloadFailures = new Counter({
  name: 'jp_subject_index_reload_failures_total',
  help: 'Full reloads of the subject index that failed (retried with backoff)',
  registers: [registry],
});

export const calendarCoveredUntil = new Gauge({
  name: 'jp_calendar_covered_until_timestamp_seconds',
  help:
    'End of the last day the official working-day calendar covers (chinese-days plus ' +
    'rules/calendar/overrides.json), Unix time',
  registers: [registry],
});

export const poolAcquireFailures = new Counter({
  name: 'jp_db_pool_acquire_failures_total',
  help: 'Requests for a database connection from the pool that failed, by reason (timeout: none free in time; error)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const poolConnectErrors = new Counter({
  name: 'jp_db_pool_connect_errors_total',
  help: 'New database connections that could not be opened (database down, refused, or bad credentials)',
  registers: [registry],
});

// ---- Hooks: one call at each code path. Hot paths use children bound once per label combination. ----

type Child = { inc(n?: number): void };
type Answer = 'restricted' | 'clear';

/** children[kind][scenario] = [clear, restricted]; scenarios reach here only after validation, so the set is closed. */
const checkChildren = new Map<string, Map<string, [Child, Child]>>();

function checkChildrenOf(kind: string, scenario: string): [Child, Child] {
  let byScenario = checkChildren.get(kind);
  if (!byScenario) checkChildren.set(kind, (byScenario = new Map()));
  let pair = byScenario.get(scenario);
  if (!pair) {
    pair = [checksTotal.labels(kind, scenario, 'clear'), checksTotal.labels(kind, scenario, 'restricted')];
    byScenario.set(scenario, pair);
  }
  return pair;
}

/** A check was answered. scenario: the scenario code ("any" when none was asked), or the role of an officer check. */
export function countCheck(
  kind: 'enterprise' | 'officer' | 'person',
  scenario: string | null | undefined,
  restricted: boolean,
): void {
  if (!enabled) return;
  checkChildrenOf(kind, scenario ?? 'any')[restricted ? 1 : 0].inc();
}

/** A check by ID number was answered to a department (departments are a closed set: rules/departments.json). */
export function countPersonCheck(
  department: string,
  kind: 'enterprise' | 'officer' | 'person',
  restricted: boolean,
): void {
  if (!enabled) return;
  personChecksTotal.labels(department, kind, restricted ? 'restricted' : 'clear').inc();
}

/** A decision record was stored for a check (issue 11: every hit, and clean answers asked for with record=true). */
export function countDecisionRecord(kind: 'enterprise' | 'officer' | 'person', restricted: boolean): void {
  if (!enabled) return;
  decisionRecordsTotal.labels(kind, restricted ? 'restricted' : ('clear' satisfies Answer)).inc();
}

export type EntrySource = 'api' | 'batch' | 'cli';
export type EntryResult = 'created' | 'unchanged' | 'rejected';

/** One entry through POST /v1/list-entries. */
export function countEntry(source: EntrySource, list: string, result: EntryResult): void {
  if (!enabled) return;
  listEntriesTotal.labels(list, source, result).inc();
}

/** The spec's list types (tsc fails here when the spec gains one), so a caller's typo never becomes a label. */
const LIST_TYPES: Record<components['schemas']['ListType'], true> = {
  abnormal_operations: true,
  serious_violation: true,
  dishonest_debtor: true,
  license_revoked: true,
};
const isListType = (v: unknown): v is string => typeof v === 'string' && Object.hasOwn(LIST_TYPES, v);

/**
 * The rows of a batch (HTTP or CLI) and their results, counted per list and result with one label look-up per
 * combination. A rejected row's listType may be anything the caller typed: it is "unknown" unless it is a list type.
 */
export function countEntryRows(
  source: EntrySource,
  rows: readonly { input?: unknown }[],
  results: readonly { status: string }[],
): void {
  if (!enabled) return;
  const tally = new Map<string, number>();
  results.forEach((r, i) => {
    const listType = (rows[i]?.input as { listType?: unknown } | undefined)?.listType;
    const list = isListType(listType) ? listType : 'unknown';
    const key = `${list} ${r.status}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  });
  for (const [key, n] of tally) {
    const [list, result] = key.split(' ') as [string, string];
    listEntriesTotal.labels(list, source, result).inc(n);
  }
}

/** An entry went through an ending transition (src/lists/entry-lifecycle.ts). */
export function countEntryTransition(transition: string, list: string): void {
  if (!enabled) return;
  entryTransitionsTotal.labels(transition, list).inc();
}

/** A scheduled job ran here (it held the lock): its outcome and wall-clock duration. */
export function observeJobRun(job: string, outcome: string, seconds: number): void {
  if (!enabled) return;
  jobRunDuration.labels(job, outcome).observe(seconds);
}

/** One webhook POST to a department's receiver. */
export function countWebhookDelivery(department: string, delivered: boolean): void {
  if (!enabled) return;
  webhookDeliveriesTotal.labels(department, delivered ? 'delivered' : 'failed').inc();
}
