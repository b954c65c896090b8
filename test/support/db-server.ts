import { randomBytes } from 'node:crypto';
import knex, { type Knex } from 'knex';

/**
 * Tests run on a real PostgreSQL: TEST_DATABASE_URL when set, otherwise an embedded server that global-setup starts
 * once per run. A template database is migrated once; each test file gets its own copy, so files run in parallel.
 */
export const ENV_ADMIN_URL = 'JP_TEST_ADMIN_URL';
export const ENV_TEMPLATE = 'JP_TEST_TEMPLATE_DB';
export const ENV_RUN_ID = 'JP_TEST_RUN_ID';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function adminConnection(url: string): Knex {
  return knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
}

export function newDatabaseName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** CREATE DATABASE … TEMPLATE fails while another session is copying the same template; retry briefly. */
export async function cloneTemplate(admin: Knex, template: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.raw(`create database "${name}" template "${template}"`);
      return;
    } catch (e) {
      if (attempt >= 20 || !/being accessed by other users/.test(String((e as Error).message))) throw e;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
}
