import pino from 'pino';
import pg from 'pg';
import { startEmbeddedPostgres } from './src/db/embedded-postgres';
(async () => {
  const log = pino({ level: 'info' });
  const s = await startEmbeddedPostgres(process.argv[2] as string, log);
  const c = new pg.Client(s.url); await c.connect();
  console.log((await c.query('select current_user, current_database(), (select rolsuper from pg_roles where rolname=current_user) su')).rows);
  await c.end();
  await s.stop();
  console.log('stopped');
})().catch((e) => { console.error(e); process.exit(1); });
