import { Pushgateway, Registry } from 'prom-client';
import { enableMetrics, listEntriesTotal } from './metrics';

/**
 * `npm run import` is a batch job: no Prometheus scrapes it. With METRICS_PUSHGATEWAY_URL it counts its rows
 * (jp_list_entries_total{source="cli"}) and pushes them, once, at the end, to a Prometheus Pushgateway under
 * job="joint-punishment-import" and its authority. Each push replaces that authority's previous one, so the
 * Pushgateway holds the counts of the authority's last import (see docs/operations.md).
 */
export function enableImportCounts(): void {
  enableMetrics({ processMetrics: false });
}

export async function pushImportCounts(url: string, authority: string): Promise<void> {
  const registry = new Registry();
  registry.registerMetric(listEntriesTotal);
  await new Pushgateway(url, { timeout: 10_000 }, registry).push({
    jobName: 'joint-punishment-import',
    groupings: { authority },
  });
}
