import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationsDir } from '../paths';

// DATE columns are calendar dates in law; keep them as 'YYYY-MM-DD' strings instead of local-midnight Date objects.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
// COUNT(*) and BIGINT ids come back as strings by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type Db = Knex;

/**
 * Every query has a time limit, so a stopped or frozen database turns into a quick 503, never a hung request:
 * statement_timeout (PostgreSQL cancels a statement running longer), query_timeout (the client gives up on a server
 * that does not answer at all, e.g. frozen), a connect timeout, and a limit on waiting for a pooled connection.
 */
const DB_TIMEOUTS = {
  statementMs: 15_000,
  connectMs: 10_000,
  acquireMs: 10_000,
};

export function createDb(connectionString: string, pool: { min?: number; max?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: {
      connectionString,
      application_name: 'joint-punishment',
      statement_timeout: DB_TIMEOUTS.statementMs,
      query_timeout: DB_TIMEOUTS.statementMs + 2_000,
      connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
      keepAlive: true,
    },
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    acquireConnectionTimeout: DB_TIMEOUTS.acquireMs,
    migrations: migrationConfig,
  });
}

const migrationConfig: Knex.MigratorConfig = {
  directory: migrationsDir,
  tableName: 'knex_migrations',
  loadExtensions: ['.js'],
};

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest(migrationConfig);
}

/** True when every migration file has been applied. */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], unknown[]];
  return pending.length === 0;
}
