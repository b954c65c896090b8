import type pg from 'pg';
import type { Db } from './knex';

/**
 * Runs a named prepared statement on a connection from knex's pool. PostgreSQL parses and plans it once per
 * connection (pg remembers the name per client) and no query builder runs per call. Meant for the few hottest
 * reads (the checks); everything else goes through knex.
 */
export async function queryPrepared<Row>(db: Db, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    return (await connection.query<Row & pg.QueryResultRow>({ name, text, values })).rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
