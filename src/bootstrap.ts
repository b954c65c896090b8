import type { Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded-postgres';
import { createDb, migrateToLatest, type Db } from './db/knex';
import { resolveServiceKeys } from './db/service-keys';
import { createPersonKeyer, type PersonKeyer } from './identity/person-key';
import { loadRules, type LoadedRules } from './rules/rule-loader';

export interface Runtime {
  /** The configuration with the service keys resolved (from the environment, or DATA_DIR on the embedded default). */
  config: Config;
  db: Db;
  /** The pool on READ_DATABASE_URL, when set (a streaming replica of db). */
  replica?: Db;
  rules: LoadedRules;
  keyOf: PersonKeyer;
  /** Closes the pool, then stops the embedded PostgreSQL (if any): the last step of a shutdown. */
  close(): Promise<void>;
}

/**
 * Everything the app needs before it can serve: rules loaded and valid (a bad rule file stops here, naming the
 * file and the field), a database (the configured one, or an embedded one), migrations applied, the keys.
 */
export async function bootstrap(config: Config, log: Logger): Promise<Runtime> {
  const rules = loadRules(config.rulesDir);
  log.info({ rules: rules.rules.length, files: rules.files.length, version: rules.version }, 'rules loaded');

  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, log);
    url = embedded.url;
  }
  const db = createDb(url);
  // Connected lazily: a replica that is down at start only means reads go to the primary until it is back.
  const replica = config.readDatabaseUrl ? createDb(config.readDatabaseUrl) : undefined;
  try {
    await migrateToLatest(db);
    const keys = await resolveServiceKeys(
      { idHashKey: config.idHashKey, webhookSecretKey: config.webhookSecretKey },
      db,
      embedded ? config.dataDir : undefined,
      log,
    );
    return {
      config: Object.freeze({ ...config, ...keys }),
      db,
      ...(replica ? { replica } : {}),
      rules,
      keyOf: createPersonKeyer(keys.idHashKey),
      close: async () => {
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
