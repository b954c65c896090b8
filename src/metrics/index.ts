import type { Config } from '../config';
import { DbGauges, type DbGaugeOptions } from './db-gauges';
import { enableMetrics } from './metrics';
import { instrumentPool } from './pool-metrics';

export { httpMetrics, labelOperation } from './http-metrics';
export { metricsHandler, startMetricsServer } from './metrics-endpoint';
export type { DbGauges } from './db-gauges';

/**
 * Turns metrics on for this process when they can be scraped (METRICS_TOKEN or METRICS_PORT), and returns the
 * database gauges, which server.ts starts on their schedule (tests call refresh()). Undefined when metrics are off.
 */
export function setUpMetrics(config: Config, o: Omit<DbGaugeOptions, 'intervalMs'>): DbGauges | undefined {
  if (!config.metrics) return undefined;
  enableMetrics();
  instrumentPool(o.db);
  return new DbGauges({ ...o, intervalMs: config.metrics.refreshSeconds * 1000 });
}
