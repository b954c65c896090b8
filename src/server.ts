import { createApp } from './app';
import { bootstrap } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { createHttpServer } from './http/http-server';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics';
import { RuleFileError } from './rules/rule-loader';
import { systemClock } from './time/clock';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  if (!config.adminToken) log.warn('ADMIN_TOKEN is not set: no administrator exists, so no department token can be created');

  let runtime;
  try {
    runtime = await bootstrap(config, log);
  } catch (e) {
    if (e instanceof RuleFileError) log.fatal({ file: e.file, field: e.field }, `bad rule file: ${e.message}`);
    else log.fatal({ err: e }, 'start-up failed');
    process.exit(1);
  }

  const app = createApp({ config, db: runtime.db, rules: runtime.rules, keyOf: runtime.keyOf, clock: systemClock, log });
  // Stated timeouts cut slow-header and slow-body connections (src/http/http-server.ts).
  const server = createHttpServer(app.express).listen(config.port, () => log.info({ port: config.port }, 'joint-punishment service listening'));
  // Safe on every instance: each job run takes a PostgreSQL advisory lock, and outbox events are claimed with SKIP LOCKED.
  if (config.jobsEnabled) app.jobs.start();
  if (config.webhooksEnabled) app.deliveries.start();
  app.metrics?.start();
  const m = config.metrics;
  const metricsServer =
    m?.port === undefined
      ? undefined
      : await startMetricsServer({ port: m.port, host: m.host, token: m.token }).catch((err: unknown) => {
          log.fatal({ err, port: m.port, host: m.host }, 'METRICS_PORT cannot be listened on');
          process.exit(1);
        });
  if (metricsServer) log.info({ address: metricsServer.address() }, 'metrics listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    metricsServer?.close();
    server.close(() => {
      Promise.all([app.jobs.stop(), app.deliveries.stop(), app.close(), app.metrics?.stop()])
        .then(() => runtime.close())
        .catch((err: unknown) => log.error({ err }, 'error while closing'))
        .finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
