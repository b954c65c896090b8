import { adminConnection, ENV_ADMIN_URL, ENV_RUN_ID } from './db-server';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env[ENV_ADMIN_URL];
  const runId = process.env[ENV_RUN_ID];
  if (adminUrl && runId) {
    const admin = adminConnection(adminUrl);
    try {
      const { rows } = await admin.raw<{ rows: { datname: string }[] }>(
        'select datname from pg_database where datname like ?',
        [`${runId}\\_%`],
      );
      for (const { datname } of rows) await admin.raw(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.destroy();
    }
  }
  const embedded = (globalThis as { __jpEmbedded?: { stop(): Promise<void> } }).__jpEmbedded;
  await embedded?.stop();
}
