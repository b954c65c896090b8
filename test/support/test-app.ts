import { randomBytes } from 'node:crypto';
import pino from 'pino';
import supertest from 'supertest';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/knex';
import { grantRuntimeRole } from '../../src/db/roles';
import { createPersonKeyer } from '../../src/identity/person-key';
import { loadRules, type LoadedRules } from '../../src/rules/rule-loader';
import { ManualClock } from '../../src/time/clock';
import {
  adminConnection,
  cloneTemplate,
  ENV_ADMIN_URL,
  ENV_RUN_ID,
  ENV_TEMPLATE,
  newDatabaseName,
  withDatabase,
} from './db-server';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };
export const TEST_WEBHOOK_KEY = 'test-webhook-secret-key-0123456789abcdef';

/** A database of this test file's own, cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const adminUrl = process.env[ENV_ADMIN_URL];
  const template = process.env[ENV_TEMPLATE];
  const runId = process.env[ENV_RUN_ID];
  if (!adminUrl || !template || !runId) throw new Error('test/support/global-setup.ts did not run');
  const name = newDatabaseName(runId);
  const admin = adminConnection(adminUrl);
  try {
    await cloneTemplate(admin, template, name);
  } finally {
    await admin.destroy();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      const a = adminConnection(adminUrl);
      try {
        await a.raw(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.destroy();
      }
    },
  };
}

/** A login role of its own on the test database, granted the runtime privileges; its URL replaces the superuser's. */
async function withRuntimeRole(database: Awaited<ReturnType<typeof createTestDatabase>>) {
  const role = `jp_rt_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const owner = createDb(database.url, { max: 1 });
  try {
    await owner.raw(`create role ${role} login nosuperuser nocreatedb nocreaterole password '${password}'`);
    // as docs/operations.md sets a database up: nothing for PUBLIC (no TEMPORARY either), CONNECT for the service
    await owner.raw(`revoke all on database "${database.name}" from public`);
    await owner.raw(`grant connect on database "${database.name}" to ${role}`);
    await grantRuntimeRole(owner, role);
  } finally {
    await owner.destroy();
  }
  const url = new URL(database.url);
  url.username = role;
  url.password = password;
  return {
    ...database,
    url: url.toString(),
    drop: async () => {
      await database.drop();
      const admin = adminConnection(process.env[ENV_ADMIN_URL] as string);
      try {
        await admin.raw(`drop role if exists ${role}`);
      } finally {
        await admin.destroy();
      }
    },
  };
}

/** Another instance of the service on the same database: its own app and connection pool, as a second process. */
export interface OtherInstance {
  app: App;
  db: Db;
  http: supertest.Agent;
  close(): Promise<void>;
}

export interface TestApp {
  /** A second instance on this database (close it before the test app). */
  secondInstance(): OtherInstance;
  app: App;
  db: Db;
  clock: ManualClock;
  config: Config;
  rules: LoadedRules;
  http: supertest.Agent;
  /** How many rows of a table match, read straight from the database. */
  count(table: string, where?: Record<string, unknown>): Promise<number>;
  /** A bearer header for a new token of this department. */
  tokenFor(department: string): Promise<{ Authorization: string }>;
  /** Registers a (never called) webhook for each department, so its order events are queued from now on. */
  subscribe(departments: string[]): Promise<void>;
  close(): Promise<void>;
}

let sharedRules: LoadedRules | undefined;

/** The real app on a real database of the file's own, with a clock the test moves. */
export async function startTestApp(
  opts: {
    now?: Date;
    env?: Record<string, string>;
    rules?: LoadedRules;
    log?: pino.Logger;
    wallClock?: ManualClock;
    /** A database of the caller's (test/support/replica-pair.ts) with its streaming replica, instead of a copy of the template. */
    database?: { primaryUrl: string; replicaUrl: string };
    /**
     * Serve as a runtime role of its own, as production does: not the owner of the tables (the template was
     * migrated by the test server's superuser), granted what src/db/roles.ts grants. Dropped on close.
     */
    runtimeRole?: boolean;
  } = {},
): Promise<TestApp> {
  const created = opts.database
    ? {
        url: opts.database.primaryUrl,
        name: new URL(opts.database.primaryUrl).pathname.slice(1),
        drop: async () => undefined,
      }
    : await createTestDatabase();
  const database = opts.runtimeRole ? await withRuntimeRole(created) : created;
  const replicaUrl = opts.database?.replicaUrl;
  // Test receivers listen on 127.0.0.1, which only the operator's allow-list lets a webhook reach.
  const config = loadConfig({
    ADMIN_TOKEN,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
    ...opts.env,
  });
  const db = createDb(database.url, { max: 5 });
  const replica = replicaUrl ? createDb(replicaUrl, { max: 5 }) : undefined;
  sharedRules ??= loadRules(config.rulesDir);
  const rules = opts.rules ?? sharedRules;
  const clock = new ManualClock(opts.now ?? new Date('2026-03-02T02:00:00Z'));
  const appDeps = {
    config,
    databases: { primary: db, replica: replica ?? db },
    rules,
    keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123'),
    clock,
    log: opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(opts.wallClock ? { wallClock: opts.wallClock } : {}),
    validateResponses: true,
  };
  const app = createApp(appDeps);
  const http = supertest.agent(app.express);
  return {
    app,
    db,
    clock,
    config,
    rules,
    http,
    count: async (table, where = {}) => Number((await db(table).where(where).count({ n: '*' }))[0]?.n),
    tokenFor: async (department) => {
      const res = await http.post(`/v1/departments/${department}/tokens`).set(ADMIN).send({ label: 'test' });
      if (res.status !== 201) throw new Error(`token for ${department}: ${res.status} ${JSON.stringify(res.body)}`);
      return { Authorization: `Bearer ${(res.body as { token: string }).token}` };
    },
    subscribe: async (departments) => {
      for (const d of departments) {
        const res = await http
          .put(`/v1/departments/${d}/webhook`)
          .set(ADMIN)
          .send({ url: `http://127.0.0.1:9/${d}`, secret: 'test-webhook-secret-0123456789' });
        if (res.status !== 200) throw new Error(`webhook for ${d}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    },
    close: async () => {
      await app.close();
      await db.destroy();
      await replica?.destroy();
      await database.drop();
    },
    secondInstance: () => {
      const db2 = createDb(database.url, { max: 5 });
      const replica2 = replicaUrl ? createDb(replicaUrl, { max: 5 }) : undefined;
      const app2 = createApp({ ...appDeps, databases: { primary: db2, replica: replica2 ?? db2 } });
      return {
        app: app2,
        db: db2,
        http: supertest.agent(app2.express),
        close: async () => {
          await app2.close();
          await db2.destroy();
          await replica2?.destroy();
        },
      };
    },
  };
}
