import type { Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded-postgres';
import { createDb, type Databases, migrateToLatest, type Db } from './db/knex';
import { currentRole, grantRuntimeRole } from './db/roles';
import { resolveServiceKeys } from './db/service-keys';
import { createPersonKeyer, type PersonKeyer } from './identity/person-key';
import { loadRules, type LoadedRules } from './rules/rule-loader';

export interface Runtime {
  /** The configuration with the service keys resolved (from the environment, or DATA_DIR on the embedded default). */
  config: Config;
  /** The primary's pool, and the pool on READ_DATABASE_URL when set (a streaming replica), else the primary again. */
  databases: Databases;
  rules: LoadedRules;
  keyOf: PersonKeyer;
  /** The embedded PostgreSQL is a running service's, used as one more client (npm run import beside the service). */
  embeddedShared: boolean;
  /** Closes the pool, then stops the embedded PostgreSQL (if any and its own): the last step of a shutdown. */
  close(): Promise<void>;
}

/**
 * Migrations run as the owner role (MIGRATION_DATABASE_URL, or the embedded server's owner), which then grants the
 * service's runtime role what it needs and no more (src/db/roles.ts). Without an owner URL the service's own role
 * migrates and owns the tables, as before: it works, but that role could then rewrite audit_log (the log says so).
 */
async function migrate(db: Db, ownerUrl: string | undefined, log: Logger): Promise<void> {
  if (!ownerUrl) {
    await migrateToLatest(db);
    log.warn(
      'MIGRATION_DATABASE_URL is not set: the service role migrates and owns the tables, so it could alter or disable the audit log; see docs/operations.md, "Database roles"',
    );
    return;
  }
  const owner = createDb(ownerUrl, { max: 1 });
  try {
    await migrateToLatest(owner);
    await grantRuntimeRole(owner, await currentRole(db));
  } finally {
    await owner.destroy();
  }
}

/**
 * Everything the app needs before it can serve: rules loaded and valid (a bad rule file stops here, naming the
 * file and the field), a database (the configured one, or an embedded one), migrations applied, the keys.
 */
export async function bootstrap(
  config: Config,
  log: Logger,
  /** npm run import: use the embedded server of a service that is running on DATA_DIR rather than refuse to start. */
  opts: { shareRunningEmbedded?: boolean } = {},
): Promise<Runtime> {
  const rules = loadRules(config.rulesDir);
  log.info({ rules: rules.rules.length, files: rules.files.length, version: rules.version }, 'rules loaded');

  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  let ownerUrl = config.migrationDatabaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, log, { shareRunning: opts.shareRunningEmbedded });
    url = embedded.url;
    ownerUrl = embedded.ownerUrl;
  }
  const db = createDb(url);
  // Connected lazily: a replica that is down at start only means reads go to the primary until it is back.
  const replica = config.readDatabaseUrl ? createDb(config.readDatabaseUrl) : undefined;
  const databases: Databases = { primary: db, replica: replica ?? db };
  try {
    await migrate(db, ownerUrl, log);
    const keys = await resolveServiceKeys(
      { idHashKey: config.idHashKey, webhookSecretKey: config.webhookSecretKey },
      db,
      embedded ? config.dataDir : undefined,
      log,
    );
    return {
      config: Object.freeze({ ...config, ...keys }),
      databases,
      rules,
      keyOf: createPersonKeyer(keys.idHashKey),
      embeddedShared: embedded?.shared ?? false,
      close: async () => {
        // Distinct pools only: without READ_DATABASE_URL the replica handle is the primary's pool itself.
        await replica?.destroy();
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await replica?.destroy();
    await db.destroy();
    await embedded?.stop();
    throw e;
  }
}
