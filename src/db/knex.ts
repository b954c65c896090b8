import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationsDir } from '../paths';
// The tables' row types, declared to knex: every `db('table')` in the program is typed by them.
import './tables';

/**
 * How this service's pools read two types, given to each pool (and to the subject index's listening client, which
 * copies the pool's settings) rather than set process-wide with pg.types.setTypeParser: another pg user in the same
 * process (a test's admin connection, a library) keeps pg's defaults, and a pool's parsing is visible where the pool
 * is made. DATE columns are calendar dates in law: 'YYYY-MM-DD' strings, not local-midnight Date objects. COUNT(*)
 * and BIGINT ids come back as strings by default; our counts fit in a double.
 */
const DATE_ARRAY = 1182;
/** date[] (orders.measure_untils) likewise; its text form is `{2027-01-01,NULL}`: no element needs quoting. */
const dateArray = (value: string) =>
  value === '{}'
    ? []
    : value
        .slice(1, -1)
        .split(',')
        .map((d) => (d === 'NULL' ? null : d));
const serviceTypes: Knex.PgCustomTypesConfig = {
  getTypeParser: (oid: number, format: string) => {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    if (oid === pg.types.builtins.DATE) return (value: string) => value;
    if (oid === DATE_ARRAY) return dateArray;
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, 'text');
  },
};

export type Db = Knex;

/**
 * The service's two database handles, which createServices hands to each store as it needs: the primary
 * (DATABASE_URL) for every write and every read inside a writing transaction, and a streaming replica of it
 * (READ_DATABASE_URL) for reads that tolerate a bounded lag. Without READ_DATABASE_URL both are the primary.
 */
export interface Databases {
  primary: Db;
  replica: Db;
}

/** One database for everything: no replica configured. */
export const primaryOnly = (db: Db): Databases => ({ primary: db, replica: db });

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
      types: serviceTypes,
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
