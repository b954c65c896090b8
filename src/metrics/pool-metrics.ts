import { Gauge } from 'prom-client';
import type { Db } from '../db/knex';
import { poolAcquireFailures, poolConnectErrors, registry } from './metrics';

/** The parts of knex's tarn pool read here (tarn's public API). */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  on(event: 'acquireFail' | 'createFail', listener: (eventId: number, err: unknown) => void): void;
}

let pool: TarnPool | undefined;
const poolOf = (db: Db) => (db.client as { pool?: TarnPool }).pool;

// Read at scrape time from the pool of the app that last called instrumentPool (one per process in production).
new Gauge({
  name: 'jp_db_pool_connections',
  help: 'Database connections of this process by state: used (lent to a query or transaction) or free (idle)',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.set({ state: 'used' }, pool?.numUsed() ?? 0);
    this.set({ state: 'free' }, pool?.numFree() ?? 0);
  },
});

new Gauge({
  name: 'jp_db_pool_waiting',
  help: 'Queries and transactions waiting for a database connection from the pool of this process',
  registers: [registry],
  collect() {
    this.set(pool?.numPendingAcquires() ?? 0);
  },
});

/** Reports the pool of this database handle: its size at scrape time, and failed acquisitions as they happen. */
export function instrumentPool(db: Db): void {
  const p = poolOf(db);
  if (!p || p === pool) return;
  pool = p;
  // tarn's TimeoutError keeps Error's name; its class name tells it apart.
  const timedOut = (err: unknown) => (err as object | undefined)?.constructor?.name === 'TimeoutError';
  p.on('acquireFail', (_id, err) => poolAcquireFailures.inc({ reason: timedOut(err) ? 'timeout' : 'error' }));
  p.on('createFail', () => poolConnectErrors.inc());
}
