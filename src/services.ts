import type { Logger } from 'pino';
import { TokenService } from './auth/token-service';
import { TokenStore } from './auth/token-store';
import { BatchService } from './batch/batch-service';
import { RowValidator } from './batch/row-validator';
import { CheckService } from './checks/check-service';
import { CheckStore } from './checks/check-store';
import { MeasureSetCache } from './orders/measure-sets';
import { ClearCounter } from './checks/clear-counter';
import { PersonCheckAudit } from './checks/person-check-audit';
import { PersonCheckBudget } from './checks/person-check-budget';
import { DecisionService } from './checks/decision-service';
import { DecisionStore } from './checks/decision-store';
import { SubjectIndex } from './checks/subject-index';
import { OrderCountCompactor } from './reports/order-counts';
import { citationLookup } from './rules/citations';
import type { Config } from './config';
import type { Databases } from './db/knex';
import { ReadRouter } from './db/read-router';
import { DepartmentDirectory } from './departments/department-directory';
import { openapiDefinition } from './http/definition';
import type { PersonKeyer } from './identity/person-key';
import { JobService } from './jobs/job-service';
import { JobStore } from './jobs/job-store';
import { JobScheduler } from './jobs/schedule';
import { EntryPlanner } from './lists/entry-planner';
import { ListEntryService } from './lists/list-entry-service';
import { EntryStore } from './lists/list-entry-store';
import { OrderService } from './orders/order-service';
import { OrderStore } from './orders/order-store';
import { ProcedureService } from './procedures/procedure-service';
import { ProcedureStore } from './procedures/procedure-store';
import { ReportService } from './reports/report-service';
import { ReportStore } from './reports/report-store';
import { RuleCatalogService } from './rules/rule-catalog-service';
import { RuleEngine } from './rules/rule-engine';
import type { LoadedRules } from './rules/rule-loader';
import { systemClock, type Clock } from './time/clock';
import { FeedbackDeadlines } from './time/feedback-deadline';
import { loadCalendarOverrides, WorkingDayCalendar } from './time/working-days';
import { DeliveryStore } from './webhooks/delivery-store';
import { DeliveryWorker } from './webhooks/delivery-worker';
import { WebhookTargetGuard } from './webhooks/target-guard';
import { secretBoxProvider, WebhookService } from './webhooks/webhook-service';
import { WebhookStore } from './webhooks/webhook-store';

export interface ServiceDeps {
  /**
   * The primary (every write, and every read inside a writing transaction) and its streaming replica
   * (READ_DATABASE_URL, for reads that tolerate a bounded lag; the primary again when not set).
   */
  databases: Databases;
  rules: LoadedRules;
  keyOf: PersonKeyer;
  clock: Clock;
  log: Logger;
  /**
   * Real time, for what protects the service rather than what the domain dates: token expiry and last use, the
   * failed-authentication window. Tests that move the service clock across years keep their tokens. Default: system.
   */
  wallClock?: Clock;
}

export type Services = ReturnType<typeof createServices>;

/**
 * The composition root without HTTP: every store-backed service, the engine, the ONE working-day calendar (from
 * config.rulesDir) and the jobs, built once. The server, `npm run import`, the bench and the tests all start here,
 * so every path computes deadlines, plans and writes the same way; createApp puts HTTP on top.
 */
export function createServices(config: Config, deps: ServiceDeps) {
  const { clock, log, keyOf } = deps;
  const { primary: db, replica } = deps.databases;
  const definition = openapiDefinition();
  const departments = new DepartmentDirectory(deps.rules.departments);
  const engine = new RuleEngine(deps.rules);
  const calendar = new WorkingDayCalendar(loadCalendarOverrides(config.rulesDir));
  const deadlines = new FeedbackDeadlines(deps.rules.rules, config.feedbackDueWorkingDays, calendar);
  const planner = new EntryPlanner(engine, keyOf, clock);
  // Reads that tolerate a bounded lag (reports, browsing, history, gauges) go through this; started by createApp.
  const reads = new ReadRouter({
    primary: db,
    replica,
    log,
    maxLagMs: config.readMaxLagSeconds * 1000,
  });
  // Not started here: createApp starts it (until then checks read PostgreSQL). Built first: every writer that puts
  // subjects under restrictions is handed its noteOwnWrites, an explicit dependency instead of a module-level channel.
  const subjectIndex = new SubjectIndex({ db, log, reads });
  const announceSubjects = subjectIndex.noteOwnWrites;
  const entryStore = new EntryStore({ primary: db, reads });
  const entries = new ListEntryService({
    db,
    planner,
    clock,
    deadlines,
    keyOf,
    rulesVersion: engine.version,
    idLookupLimit: config.idLookupLimit,
    announceSubjects,
    store: entryStore,
  });
  const batch = new BatchService({
    db,
    entries,
    planner,
    departments,
    clock,
    entryValidator: new RowValidator(definition, 'ListEntryInput'),
    removalValidator: new RowValidator(definition, 'RemovalBatchItem'),
  });
  const jobStore = new JobStore({ primary: db, reads });
  const orderStore = new OrderStore({ primary: db, reads });
  const jobs = new JobScheduler({
    db,
    jobStore,
    orderStore,
    entryStore,
    clock,
    log,
    engine,
    planner,
    departments,
    calendar,
    deadlines,
    escalationLevel2WorkingDays: config.escalationLevel2WorkingDays,
    announceSubjects,
  });
  const secrets = secretBoxProvider(db, config.webhookSecretKey);
  // One guard for registration and delivery: the same allow-list judges a url when set and at every connection.
  const webhookTargets = new WebhookTargetGuard(config.webhookAllowedHosts);
  const decisionStore = new DecisionStore({ primary: db, reads });
  // Not started here: createApp starts it (until then counts stay in memory).
  const clearCounts = new ClearCounter(decisionStore, log);
  const wallClock = deps.wallClock ?? systemClock;
  const personCheckAudit = new PersonCheckAudit(db, log);
  const cite = citationLookup(deps.rules.rules);
  const orderCounts = new OrderCountCompactor(db, log);
  // The stores: each is given the handle(s) its methods need (primary, or the read router for lag-tolerant reads).
  const tokenStore = new TokenStore(db);
  const evidence = {
    index: subjectIndex,
    counter: clearCounts,
    rulesVersion: deps.rules.version,
    budget: new PersonCheckBudget(db, config.personCheckLimit, wallClock),
    audit: personCheckAudit,
  };
  return {
    departments,
    engine,
    /** normalise → facts → rules → plan, storing nothing: creation, batches, simulation, the jobs, the bench. */
    planner,
    calendar,
    entries,
    batch,
    orders: new OrderService(
      db,
      departments,
      clock,
      {
        calendar,
        listTypeName: (code) => deps.rules.catalog.lists.find((l) => l.code === code)?.name ?? code,
        departmentName: (code) => departments.find(code)?.name ?? code,
        basisStatus: (code) => cite.status(code),
      },
      orderStore,
    ),
    reads,
    /** 异议 and 信用修复, with the deadlines of rules/procedures/ on the one working-day calendar. */
    procedures: new ProcedureService({
      store: new ProcedureStore({ primary: db, reads }),
      clock,
      calendar,
      departments,
      procedures: deps.rules.procedures,
      correctionRules: planner,
    }),
    checks: new CheckService(
      { primary: db, checks: new CheckStore(db, new MeasureSetCache()), decisions: decisionStore },
      keyOf,
      clock,
      deps.rules.catalog,
      departments,
      evidence,
      cite,
    ),
    decisions: new DecisionService(decisionStore, departments, clock),
    subjectIndex,
    clearCounts,
    personCheckAudit,
    /** Keeps the order counts behind reports and gauges compact (started by createApp, one instance works). */
    orderCounts,
    /** api_tokens, on the primary (authentication never reads a replica): the service and the authenticator. */
    tokenStore,
    tokens: new TokenService(tokenStore, departments, clock, wallClock, () => subjectIndex.sync()),
    wallClock,
    reports: new ReportService(new ReportStore(reads), departments, clock, clearCounts, {
      lists: deps.rules.catalog.lists,
      pageRows: config.overdueExportPageRows,
    }),
    catalog: new RuleCatalogService(engine),
    webhooks: new WebhookService(new WebhookStore(db), departments, clock, secrets, webhookTargets),
    /** Scheduled jobs: server.ts starts them when JOBS_ENABLED; tests run them by name. */
    jobs,
    jobRuns: new JobService(jobStore, jobs.definitions),
    /** Webhook delivery: server.ts starts it when WEBHOOKS_ENABLED; tests drive drain(). */
    deliveries: new DeliveryWorker({ store: new DeliveryStore(db), clock, log, secrets, guard: webhookTargets }),
  };
}
