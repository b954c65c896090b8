import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createDb, migrateToLatest } from '../../src/db/knex';
import { adminConnection, ENV_ADMIN_URL, ENV_RUN_ID, ENV_TEMPLATE, newDatabaseName, withDatabase } from './db-server';

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jp-test-pg-'));
    const server = await startEmbeddedPostgres(dataDir, pino({ level: 'warn' }));
    (globalThis as { __jpEmbedded?: unknown }).__jpEmbedded = server;
    adminUrl = server.adminUrl;
  }
  const runId = `jp_${Date.now().toString(36)}`;
  const template = newDatabaseName(`${runId}_tpl`);
  const admin = adminConnection(adminUrl);
  try {
    await admin.raw(`create database "${template}"`);
  } finally {
    await admin.destroy();
  }
  const db = createDb(withDatabase(adminUrl, template), { max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  process.env[ENV_ADMIN_URL] = adminUrl;
  process.env[ENV_TEMPLATE] = template;
  process.env[ENV_RUN_ID] = runId;
}
