import { readFileSync } from 'node:fs';
import express from 'express';
import yaml from 'js-yaml';
import type { Document } from 'openapi-backend';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { randomUUID } from 'node:crypto';
import { Authenticator } from './auth/authenticator';
import { CheckService } from './checks/check-service';
import { checkHandlers } from './checks/check-handlers';
import type { Config } from './config';
import type { Db } from './db/knex';
import { DepartmentDirectory } from './departments/department-directory';
import { departmentHandlers } from './departments/department-handlers';
import { TokenService } from './departments/token-service';
import { healthHandlers } from './health/health-handlers';
import { createApi } from './http/api';
import { errorMiddleware } from './http/problem';
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
  services: { entries: ListEntryService; orders: OrderService; checks: CheckService; tokens: TokenService; reports: ReportService };
  engine: RuleEngine;
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

  const entries = new ListEntryService({ db, engine, departments, keyOf: deps.keyOf, clock, feedbackDueWorkingDays: config.feedbackDueWorkingDays });
  const orders = new OrderService(db, departments, clock);
  const checks = new CheckService(db, deps.keyOf, clock, deps.rules.catalog);
  const tokens = new TokenService(db, departments, clock);
  const reports = new ReportService(db, departments, clock);
  const authenticator = new Authenticator(db, departments, config.adminToken);

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
      ...orderHandlers(orders),
      ...checkHandlers(checks),
      ...ruleHandlers(new RuleCatalogService(engine), entries, engine.version),
      ...reportHandlers(reports),
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Request bodies may hold ID numbers: log method, URL and status, never bodies or the Authorization header.
      serializers: { req: (r: { id: string; method: string; url: string }) => ({ id: r.id, method: r.method, url: r.url.replace(/idNumber=[^&]*/g, 'idNumber=***') }) },
    }),
  );
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.get('/openapi.json', (_req, res) => {
    res.json(definition);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(definition as object, { customSiteTitle: 'Joint-punishment API' }));
  app.use((req, res) =>
    api.handleRequest({ method: req.method, path: req.path, body: req.body, query: req.query as Record<string, string>, headers: req.headers as Record<string, string> }, req, res),
  );
  app.use(errorMiddleware(log));

  return { express: app, services: { entries, orders, checks, tokens, reports }, engine };
}
