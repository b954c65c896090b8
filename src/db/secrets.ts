import { randomBytes } from 'node:crypto';
import type { Db } from './knex';

/**
 * A secret the service needs but configuration did not give: generated once, kept in the database so that every
 * instance on the same database agrees on it.
 */
export async function getOrCreateSecret(db: Db, name: string): Promise<string> {
  await db('service_secrets').insert({ name, value: randomBytes(32).toString('base64url') }).onConflict('name').ignore();
  const row = await db('service_secrets').where({ name }).first('value');
  return (row as { value: string }).value;
}
