import { readFileSync } from 'node:fs';
import express from 'express';
import yaml from 'js-yaml';
import type { Document } from 'openapi-backend';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import { Authenticator } from './auth/authenticator';
import { batchHandlers } from './batch/batch-handlers';
import { BATCH_BODY_LIMIT, BATCH_PATHS } from './batch/batch-paths';
import { BatchService } from './batch/batch-service';
import { RowValidator } from './batch/row-validator';
import { CheckService } from './checks/check-service';
import { citationLookup } from './rules/citations';
import { checkHandlers } from './checks/check-handlers';
import type { Config } from './config';
import type { Db } from './db/knex';
import { DepartmentDirectory } from './departments/department-directory';
import { departmentHandlers } from './departments/department-handlers';
import { TokenService } from './departments/token-service';
import { healthHandlers } from './health/health-handlers';
import { createApi } from './http/api';
import { errorMiddleware } from './http/problem';
import { requestLog } from './http/request-log';
import type { PersonKeyer } from './identity/person-key';
import { ListEntryService } from './lists/list-entry-service';
import { listEntryHandlers } from './lists/list-entry-handlers';
import { OrderService } from './orders/order-service';
import { orderHandlers } from './orders/order-handlers';
import { openapiFile } from './paths';
import { ReportService } from './reports/report-service';
import { reportHandlers } from './reports/report-handlers';
import { RuleCatalogService } from './rules/rule-catalog-service';
import { RuleEngine } from './rules/rule-engine';
import { ruleHandlers } from './rules/rule-handlers';
import type { LoadedRules } from './rules/rule-loader';
import type { Clock } from './time/clock';
import { FeedbackDeadlines } from './time/feedback-deadline';
import { loadCalendarOverrides, WorkingDayCalendar } from './time/working-days';
import { jobHandlers } from './jobs/job-handlers';
import { JobService } from './jobs/job-service';
import { JobScheduler } from './jobs/schedule';
import { DeliveryWorker } from './webhooks/delivery-worker';
import { webhookHandlers } from './webhooks/webhook-handlers';
import { secretBoxProvider, WebhookService } from './webhooks/webhook-service';

export interface AppDeps {
  config: Config;
  db: Db;
  rules: LoadedRules;
  keyOf: PersonKeyer;
  clock: Clock;
  log: Logger;
  /** Check every response against the OpenAPI document (tests turn this on). */
  validateResponses?: boolean;
}

export interface App {
  express: express.Express;
  services: { entries: ListEntryService; orders: OrderService; checks: CheckService; tokens: TokenService; reports: ReportService; batch: BatchService };
  engine: RuleEngine;
  /** Scheduled jobs: server.ts starts them when JOBS_ENABLED; tests run them by name. */
  jobs: JobScheduler;
  /** Webhook delivery: server.ts starts it when WEBHOOKS_ENABLED; tests drive runOnce/drain. */
  deliveries: DeliveryWorker;
}

let definitionCache: Document | undefined;
export function openapiDefinition(): Document {
  definitionCache ??= yaml.load(readFileSync(openapiFile, 'utf8')) as Document;
  return definitionCache;
}

/** The composition root: every store, service and handler is built here, once, from its dependencies. */
export function createApp(deps: AppDeps): App {
  const { config, db, clock, log } = deps;
  const departments = new DepartmentDirectory(deps.rules.departments);
  const engine = new RuleEngine(deps.rules);

  const calendar = new WorkingDayCalendar(loadCalendarOverrides(config.rulesDir));
  const deadlines = new FeedbackDeadlines(deps.rules.rules, config.feedbackDueWorkingDays, calendar);
  const entries = new ListEntryService({ db, engine, departments, keyOf: deps.keyOf, clock, feedbackDueWorkingDays: config.feedbackDueWorkingDays, deadlines });
  const orders = new OrderService(db, departments, clock);
  const checks = new CheckService(db, deps.keyOf, clock, deps.rules.catalog, citationLookup(deps.rules.rules));
  const tokens = new TokenService(db, departments, clock);
  const reports = new ReportService(db, departments, clock);
  const batch = createBatchService(deps, entries, engine, departments);
  const authenticator = new Authenticator(db, departments, config.adminToken);
  const jobs = new JobScheduler({ db, clock, log, engine, departments, calendar, deadlines, escalationLevel2WorkingDays: config.escalationLevel2WorkingDays });
  const secrets = secretBoxProvider(db, config.webhookSecretKey);
  const webhooks = new WebhookService(db, departments, clock, secrets);
  const deliveries = new DeliveryWorker({ db, clock, log, secrets });

  const definition = openapiDefinition();
  const api = createApi({
    definition,
    authenticator,
    validateResponses: deps.validateResponses ?? false,
    log,
    handlers: {
      ...healthHandlers(db, () => deps.rules.rules.length > 0),
      ...departmentHandlers(departments, tokens),
      ...listEntryHandlers(entries),
      ...batchHandlers(batch),
      ...orderHandlers(orders),
      ...checkHandlers(checks),
      ...ruleHandlers(new RuleCatalogService(engine), entries, engine.version),
      ...reportHandlers(reports),
      ...webhookHandlers(webhooks),
      ...jobHandlers(new JobService(db, departments, jobs.definitions)),
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Every answer carries its own checkedAt/timestamps, so an ETag would never match: skip hashing each body.
  app.set('etag', false);
  app.use(requestLog(log));
  // Batches may be large (10,000 rows, JSON or CSV): a larger limit on their paths only; the parser below then
  // skips the already-read body, and every other route keeps the 1 MB limit and its 413.
  app.use(BATCH_PATHS, express.json({ limit: BATCH_BODY_LIMIT, type: ['application/json', 'application/*+json'] }), express.text({ limit: BATCH_BODY_LIMIT, type: 'text/csv' }));
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.get('/openapi.json', (_req, res) => {
    res.json(definition);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(definition as object, { customSiteTitle: 'Joint-punishment API' }));
  app.use(api);
  app.use(errorMiddleware(log));

  return { express: app, services: { entries, orders, checks, tokens, reports, batch }, engine, jobs, deliveries };
}

/** The bulk path, shared by the batch endpoints and `npm run import` (which builds it without express). */
export function createBatchService(deps: Pick<AppDeps, 'config' | 'db' | 'clock'>, entries: ListEntryService, engine: RuleEngine, departments: DepartmentDirectory): BatchService {
  const definition = openapiDefinition();
  return new BatchService({
    db: deps.db,
    entries,
    engine,
    departments,
    clock: deps.clock,
    feedbackDueWorkingDays: deps.config.feedbackDueWorkingDays,
    entryValidator: new RowValidator(definition, 'ListEntryInput'),
    removalValidator: new RowValidator(definition, 'RemovalBatchItem'),
  });
}
