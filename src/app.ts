import express from 'express';
import swaggerUi from 'swagger-ui-express';
import { AccessPolicy, declaredOperations } from './auth/access';
import { Authenticator } from './auth/authenticator';
import { batchHandlers } from './batch/batch-handlers';
import { batchGate } from './batch/batch-gate';
import { BATCH_BODY_LIMIT, BATCH_BYTE_TYPES, BATCH_PATHS, bytesAsString } from './batch/batch-paths';
import { checkHandlers } from './checks/check-handlers';
import type { Config } from './config';
import { departmentHandlers } from './departments/department-handlers';
import { healthHandlers } from './health/health-handlers';
import { dashboardRouter } from './dashboard/dashboard-router';
import { createApi } from './http/api';
import { openapiDefinition } from './http/definition';
import { assembleHandlers } from './http/operation';
import { DatabaseOutage } from './db/unavailable';
import { errorMiddleware } from './http/problem';
import { requestLog } from './http/request-log';
import { jobHandlers } from './jobs/job-handlers';
import { listEntryHandlers } from './lists/list-entry-handlers';
import { httpMetrics, metricsHandler, setUpMetrics, type DbGauges } from './metrics';
import { GaugeStore } from './metrics/gauge-store';
import { orderHandlers } from './orders/order-handlers';
import { procedureHandlers } from './procedures/procedure-handlers';
import { reportHandlers } from './reports/report-handlers';
import { ruleHandlers } from './rules/rule-handlers';
import { createServices, type ServiceDeps, type Services } from './services';
import { calendarStatus } from './time/calendar-status';
import { webhookHandlers } from './webhooks/webhook-handlers';

export interface AppDeps extends ServiceDeps {
  config: Config;
  /** Check every response against the OpenAPI document (tests turn this on). */
  validateResponses?: boolean;
}

export interface App {
  express: express.Express;
  services: Services;
  /** Scheduled jobs: server.ts starts them when JOBS_ENABLED; tests run them by name. */
  jobs: Services['jobs'];
  /** Webhook delivery: server.ts starts it when WEBHOOKS_ENABLED; tests drive drain(). */
  deliveries: Services['deliveries'];
  /** The in-process index of listed subjects (started here; it never keeps the process alive on its own). */
  subjectIndex: Services['subjectIndex'];
  /**
   * Stops the subject index and writes the pending clean-answer counts and person-check audit rows: call before
   * closing the database.
   */
  close(): Promise<void>;
  /** Database gauges for /metrics, when metrics are on: server.ts starts their schedule; tests call refresh(). */
  metrics: DbGauges | undefined;
  /** The one working-day calendar, built from RULES_DIR. */
  calendar: Services['calendar'];
}

/** The HTTP app on top of createServices: authentication, access, one handler per operation, express. */
export function createApp(deps: AppDeps): App {
  const { config, log } = deps;
  const db = deps.databases.primary;
  const s = createServices(config, deps);
  const calendarLastYear = () => s.calendar.lastYear;
  const departments = s.departments.all.map((d) => d.code);
  const authorities = s.departments.all.filter((d) => d.authorityFor.length > 0).map((d) => d.code);
  const metrics = setUpMetrics(config, {
    db,
    store: new GaugeStore(s.reads),
    clock: deps.clock,
    log,
    departments,
    authorities,
    calendarLastYear,
  });
  const definition = openapiDefinition();
  const authenticator = new Authenticator(
    s.tokenStore,
    s.departments,
    config.adminToken,
    s.wallClock,
    {
      failuresPerWindow: config.authFailureLimit,
      windowMs: 60_000,
    },
    s.subjectIndex,
  );
  const api = createApi({
    definition,
    authenticator,
    reads: s.reads,
    access: new AccessPolicy(declaredOperations(definition)),
    validateResponses: deps.validateResponses ?? false,
    log,
    handlers: assembleHandlers(
      healthHandlers(
        db,
        () => deps.rules.rules.length > 0,
        () => calendarStatus(s.calendar, deps.clock),
        s.subjectIndex,
        () => s.reads.status(),
      ),
      departmentHandlers(s.departments, s.tokens),
      listEntryHandlers(s.entries),
      batchHandlers(s.batch),
      orderHandlers(s.orders),
      procedureHandlers(s.procedures),
      checkHandlers(s.checks, s.decisions),
      ruleHandlers(s.catalog, (input) => s.planner.plan(input), s.engine.version),
      reportHandlers(s.reports),
      webhookHandlers(s.webhooks),
      jobHandlers(s.jobRuns),
    ),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // req.ip (the failed-authentication limit's key) is the client as the configured proxies report it (TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  // Every answer carries its own checkedAt/timestamps, so an ETag would never match: skip hashing each body.
  app.set('etag', false);
  app.use(httpMetrics());
  app.use(requestLog(log));
  app.use('/v1', noStore);
  // Batches may be large (10,000 rows, JSON or CSV): a larger limit on their paths only; the parser below then
  // skips the already-read body, and every other route keeps the 1 MB limit and its 413. The gate authenticates
  // (and bounds concurrent large uploads) before a byte of the body is read.
  app.use(BATCH_PATHS, batchGate(authenticator));
  const batchJson = express.json({ limit: BATCH_BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  // CSV and workbooks are read as bytes: the batch handler decodes them by declared charset or by their bytes.
  app.use(BATCH_PATHS, batchJson, express.raw({ limit: BATCH_BODY_LIMIT, type: BATCH_BYTE_TYPES }), bytesAsString);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  // Not in the OpenAPI document: the operator's endpoint, with its own token (docs/operations.md, Metrics).
  if (config.metrics?.token) app.get('/metrics', metricsHandler(config.metrics.token));
  app.get('/openapi.json', (_req, res) => {
    res.json(definition);
  });
  app.use(
    '/docs',
    docsPolicy,
    swaggerUi.serve,
    swaggerUi.setup(definition as object, { customSiteTitle: 'Joint-punishment API' }),
  );
  app.use('/dashboard', dashboardRouter(config.rulesDir));
  app.use(api);
  app.use(errorMiddleware(log, new DatabaseOutage(db, log)));

  // Only a serving app answers from the index and counts clean answers; the import CLI and scripts never start them.
  s.reads.start();
  s.subjectIndex.start();
  s.clearCounts.start();
  s.personCheckAudit.start();
  s.orderCounts.start();
  const close = async () => {
    await s.reads.close();
    await s.subjectIndex.close();
    await Promise.all([s.clearCounts.close(), s.personCheckAudit.close()]);
    await s.orderCounts.close();
  };
  return {
    express: app,
    services: s,
    jobs: s.jobs,
    deliveries: s.deliveries,
    subjectIndex: s.subjectIndex,
    close,
    metrics,
    calendar: s.calendar,
  };
}

/**
 * Answers under /v1 may carry personal data: no cache (browser, proxy) may keep them, and no browser may sniff
 * them into something executable. Set on every /v1 response, errors included, before any handler runs.
 */
const noStore: express.RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * Swagger UI loads its own scripts and styles from /docs (no inline script); 'unsafe-inline' styles are what
 * swagger-ui itself needs. Nothing else is allowed.
 */
const docsPolicy: express.RequestHandler = (_req, res, next) => {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};
