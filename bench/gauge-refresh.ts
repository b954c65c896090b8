import pino from 'pino';
import type { Db } from '../src/db/knex';
import { DbGauges } from '../src/metrics/db-gauges';
import { GaugeStore } from '../src/metrics/gauge-store';
import { refreshDuration } from '../src/metrics/metrics';
import { systemClock } from '../src/time/clock';

/**
 * One refresh of the database gauges on a loaded database (median of three, in ms), in this process as an instance
 * makes it once a minute: the figure of `npm run bench` and of `--only reads`.
 */
export async function gaugeRefreshMs(db: Db): Promise<number> {
  const gauges = new DbGauges({
    db,
    store: new GaugeStore({ read: (query) => query(db) }),
    clock: systemClock,
    log: pino({ level: 'warn' }),
    departments: [],
    calendarLastYear: () => 2026,
    intervalMs: 60_000,
  });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await gauges.refresh();
    times.push((await refreshDuration.get()).values[0]?.value ?? Number.NaN);
  }
  return (times.sort((x, y) => x - y)[1] ?? Number.NaN) * 1000;
}
