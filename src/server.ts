import { createApp } from './app';
import { bootstrap } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { RuleFileError } from './rules/rule-loader';
import { systemClock } from './time/clock';
import { calendarStatus } from './time/calendar-status';

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

  const app = createApp({ config: runtime.config, db: runtime.db, rules: runtime.rules, keyOf: runtime.keyOf, clock: systemClock, log });
  const calendar = calendarStatus(app.calendar, systemClock);
  if (calendar.warning) log.warn({ officialUntil: calendar.officialUntil, daysLeft: calendar.daysLeft }, calendar.warning);
  else log.info({ officialUntil: calendar.officialUntil }, 'official working-day calendar');
  // Deadlines counted past the official calendar become official once the year's notice is in the override file.
  const recomputed = await app.jobs.run('recompute-provisional-deadlines');
  if (recomputed.outcome !== 'skipped' && (recomputed.counts.confirmed || recomputed.counts.moved)) {
    log.info({ counts: recomputed.counts }, 'provisional deadlines recomputed');
  }
  const server = app.express.listen(config.port, () => log.info({ port: config.port }, 'joint-punishment service listening'));
  // Safe on every instance: each job run takes a PostgreSQL advisory lock, and outbox events are claimed with SKIP LOCKED.
  if (config.jobsEnabled) app.jobs.start();
  if (config.webhooksEnabled) app.deliveries.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close(() => {
      Promise.all([app.jobs.stop(), app.deliveries.stop(), app.close()])
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
