import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp, type App } from './app';
import { bootstrap, type Runtime } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { createHttpServer } from './http/http-server';
import { createLogger } from './logger';
import { startMetricsServer } from './metrics';
import { RuleFileError } from './rules/rule-loader';
import { systemClock } from './time/clock';
import { calendarStatus } from './time/calendar-status';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
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
  installLastResort(log);
  if (!config.adminToken)
    log.warn('ADMIN_TOKEN is not set: no administrator exists, so no department token can be created');

  let runtime: Runtime;
  try {
    runtime = await bootstrap(config, log);
  } catch (e) {
    if (e instanceof RuleFileError) log.fatal({ file: e.file, field: e.field }, `bad rule file: ${e.message}`);
    else log.fatal({ err: e }, 'start-up failed');
    process.exit(1);
  }

  const app = createApp({
    config: runtime.config,
    databases: runtime.databases,
    rules: runtime.rules,
    keyOf: runtime.keyOf,
    clock: systemClock,
    log,
  });
  const calendar = calendarStatus(app.calendar, systemClock);
  if (calendar.warning)
    log.warn({ officialUntil: calendar.officialUntil, daysLeft: calendar.daysLeft }, calendar.warning);
  else log.info({ officialUntil: calendar.officialUntil }, 'official working-day calendar');
  // Deadlines counted past the official calendar become official once the year's notice is in the override file.
  // Not a reason to refuse to serve: on failure the daily run (00:20) catches up.
  const recomputed = await app.jobs.run('recompute-provisional-deadlines').catch((err: unknown) => {
    log.warn({ err }, 'provisional deadlines could not be recomputed at start-up; the daily job will');
    return undefined;
  });
  if (recomputed && recomputed.outcome !== 'skipped' && (recomputed.counts.confirmed || recomputed.counts.moved)) {
    log.info({ counts: recomputed.counts }, 'provisional deadlines recomputed');
  }
  // Stated timeouts cut slow-header and slow-body connections (src/http/http-server.ts).
  // HOST unset: every interface (what a container needs); HOST=127.0.0.1 keeps the API on this machine.
  const server = createHttpServer(app.express);
  server.once('error', (err) => {
    log.fatal({ err, host: config.host, port: config.port }, 'cannot listen on HOST:PORT');
    process.exit(1);
  });
  server.listen({ port: config.port, ...(config.host ? { host: config.host } : {}) }, () =>
    log.info(
      { port: config.port, host: config.host ?? 'all interfaces', address: server.address() },
      'joint-punishment service listening',
    ),
  );
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

  const shutdown = gracefulShutdown({ log, server, metricsServer, app, runtime });
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  if (signalledDuringStartUp) void shutdown(signalledDuringStartUp);
}

/** More unexpected exceptions than this within a minute: something is broken for good, not once. */
const UNEXPECTED_PER_MINUTE = 20;

/**
 * The last resort for an exception nothing expected (a driver throwing from a socket callback, a stray rejected
 * promise). Continuing is safe in the ordinary case: every change of state is one PostgreSQL transaction, so an
 * operation cut short leaves nothing half-written, and what the process holds in memory heals itself (the subject
 * index stops answering when its connection fails and reloads; a broken pooled connection is dropped). So it logs,
 * with the error, and goes on serving. It exits, saying why, only when continuing would be unsafe: exceptions in a
 * burst (UNEXPECTED_PER_MINUTE), which means the process is no longer in a state anyone reasoned about; a supervisor
 * restarts it. Nothing here depends on the size of the data, so a restart cannot loop for that reason.
 */
function installLastResort(log: Logger): void {
  let window = Date.now();
  let count = 0;
  const unexpected = (kind: string) => (err: unknown) => {
    const now = Date.now();
    if (now - window > 60_000) {
      window = now;
      count = 0;
    }
    count++;
    if (count > UNEXPECTED_PER_MINUTE) {
      log.fatal({ err, kind, count }, `${count} unexpected exceptions within a minute: exiting, a restart is safer`);
      process.exit(70);
    }
    log.error({ err, kind }, 'unexpected exception, not handled where it arose: logged, the service goes on');
  };
  process.on('uncaughtException', unexpected('uncaughtException'));
  process.on('unhandledRejection', unexpected('unhandledRejection'));
}

/** A signal that came while starting: honoured as soon as there is something to shut down in order. */
let signalledDuringStartUp: string | undefined;
const early = (signal: string) => () => (signalledDuringStartUp ??= signal);
process.once('SIGINT', early('SIGINT'));
process.once('SIGTERM', early('SIGTERM'));

/** Drain for at most this long, leaving time to close the pool and stop PostgreSQL within 10 s of the signal. */
const DRAIN_MS = 8_000;

/**
 * The order matters: stop accepting connections, let requests in flight finish (a 10,000-row batch included), stop
 * the jobs and the webhook worker between units of work, close the pool, and only then stop the embedded PostgreSQL.
 * Everything within 10 s; past DRAIN_MS the remaining connections are cut and shutdown goes on.
 */
function gracefulShutdown(o: {
  log: Logger;
  server: Server;
  metricsServer: Server | undefined;
  app: App;
  runtime: Runtime;
}): (signal: string) => Promise<void> {
  let started = false;
  return async (signal) => {
    if (started) return;
    started = true;
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    o.log.info({ signal }, 'shutting down: no new connections; finishing the requests in flight');
    setTimeout(() => {
      o.log.error('shutdown took over 10 s: exiting now');
      process.exit(1);
    }, 10_000).unref();

    o.metricsServer?.close();
    const closed = new Promise<void>((resolve) => o.server.close(() => resolve()));
    // Keep-alive connections between requests are closed at once, and again as requests finish on them.
    const idle = setInterval(() => o.server.closeIdleConnections(), 100);
    o.server.closeIdleConnections();
    const cut = setTimeout(() => {
      o.log.warn('requests still running after 8 s: closing their connections');
      o.server.closeAllConnections();
    }, DRAIN_MS);
    await closed;
    clearInterval(idle);
    clearTimeout(cut);
    o.log.info({ ms: ms() }, 'requests drained');
    try {
      // The subject index and the clean-answer counts (app.close) write what they hold before the pool closes.
      await Promise.all([o.app.jobs.stop(), o.app.deliveries.stop(), o.app.close(), o.app.metrics?.stop()]);
      o.log.info({ ms: ms() }, 'jobs and webhook worker stopped');
      await o.runtime.close();
      o.log.info({ ms: ms() }, 'database pool closed and embedded PostgreSQL (if any) stopped');
    } catch (err) {
      o.log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
    process.exit(0);
  };
}

void main();
