import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config';
import type { Db } from './knex';

/**
 * The keys that protect personal data: the keyed hash of ID numbers and the seal of webhook secrets. They never live
 * in the database they protect (a dump alone would give both away).
 * - Configured (ID_HASH_KEY / WEBHOOK_SECRET_KEY, or *_FILE): used; required when DATABASE_URL is set.
 * - On the embedded default, without configuration: kept in DATA_DIR/service-keys.json (0600), made once.
 * - Keys an earlier version generated into the service_secrets table are read once for continuity (the data already
 *   stored was hashed or sealed with them), moved to the file, and deleted from the database; the log says so.
 */
export interface ServiceKeys {
  idHashKey: string;
  webhookSecretKey: string;
}

const KEYS = [
  { field: 'idHashKey', row: 'id_hash_key', env: 'ID_HASH_KEY' },
  { field: 'webhookSecretKey', row: 'webhook_secret_key', env: 'WEBHOOK_SECRET_KEY' },
] as const;

export async function resolveServiceKeys(
  configured: Partial<ServiceKeys>,
  db: Db,
  embeddedDataDir: string | undefined,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<ServiceKeys> {
  const legacy = await legacyKeys(db);
  const file = embeddedDataDir ? path.join(embeddedDataDir, 'service-keys.json') : undefined;
  const stored: Partial<ServiceKeys> =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<ServiceKeys>) : {};
  const keys: Partial<ServiceKeys> = {};
  const moved: string[] = [];
  for (const k of KEYS) {
    const old = legacy.get(k.row);
    const given = configured[k.field];
    if (given) {
      if (old && old !== given) {
        throw new ConfigError(
          `${k.env} differs from the key an earlier version generated and kept in this database (service_secrets.${k.row}), which protects the data already stored: set ${k.env} to that key`,
        );
      }
      keys[k.field] = given;
    } else if (file) {
      keys[k.field] = stored[k.field] ?? old ?? randomBytes(32).toString('base64url');
      if (!stored[k.field] && old) moved.push(k.row);
    } else {
      const hint = old
        ? ` (this database holds the key an earlier version generated: service_secrets.${k.row}; set ${k.env} to it once, and it is then removed from the database)`
        : '';
      throw new ConfigError(
        `${k.env} (or ${k.env}_FILE) is required when DATABASE_URL is set: the key must not live in the database it protects${hint}`,
      );
    }
  }
  const result = keys as ServiceKeys;
  if (file && (stored.idHashKey !== result.idHashKey || stored.webhookSecretKey !== result.webhookSecretKey)) {
    writeFileSync(
      file,
      JSON.stringify({ idHashKey: result.idHashKey, webhookSecretKey: result.webhookSecretKey }, null, 2),
      { mode: 0o600 },
    );
    log.info(
      { file },
      'service keys written (0600); back this file up with the data: without it stored ID hashes and webhook secrets are useless',
    );
  }
  if (legacy.size > 0) {
    await db('service_secrets')
      .whereIn('name', [...legacy.keys()])
      .del();
    log.warn(
      { keys: [...legacy.keys()], movedTo: moved.length ? file : undefined },
      'keys an earlier version kept in the database were read once and deleted from it',
    );
  }
  return result;
}

async function legacyKeys(db: Db): Promise<Map<string, string>> {
  if (!(await db.schema.hasTable('service_secrets'))) return new Map();
  const rows: { name: string; value: string }[] = await db('service_secrets').select('name', 'value');
  return new Map(rows.map((r) => [r.name, r.value]));
}
