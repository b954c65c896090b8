import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { embeddedBinaries, type OsUser } from '../../src/db/embedded-postgres';
import { createDb, migrateToLatest } from '../../src/db/knex';

/**
 * A real streaming replica for the tests that need one: a primary and a hot standby of it, both from the embedded
 * package's binaries (so one major version on both sides, whatever TEST_DATABASE_URL points at; the server on
 * 127.0.0.1:5432 is left alone). Stop-copy-start: initdb the primary, copy its stopped data directory, mark the copy
 * a standby (standby.signal + primary_conninfo), start both. As root both run as the OS user "postgres", from a
 * folder and binaries it can reach (src/db/embedded-postgres.ts decides how). Trust authentication on 127.0.0.1:
 * throw-away servers of one test file, on loopback.
 */
export interface ReplicaPair {
  /** A migrated database of its own on the primary, already replayed on the replica. */
  createDatabase(): Promise<{ primaryUrl: string; replicaUrl: string }>;
  /** Resolves once the replica has replayed everything the primary had written when it was called. */
  waitForReplay(): Promise<void>;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Kills the replica's postmaster (SIGKILL): gone at once, as a crashed machine. */
  killReplica(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  startReplica(): Promise<void>;
  close(): Promise<void>;
}

const SUPERUSER = 'postgres';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

const urlOf = (port: number, database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(cmd: string, args: string[], runAs: OsUser | undefined): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(runAs ?? {}) });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const { postgres, initdb, runAs } = await embeddedBinaries(pino({ level: 'warn' }));
  const root = mkdtempSync(path.join(os.tmpdir(), 'jp-replica-'));
  if (runAs) chownSync(root, runAs.uid, runAs.gid);
  const primaryDir = path.join(root, 'primary');
  const replicaDir = path.join(root, 'replica');
  mkdirSync(primaryDir, { mode: 0o700 });
  if (runAs) chownSync(primaryDir, runAs.uid, runAs.gid);
  run(
    initdb,
    [`--pgdata=${primaryDir}`, '--auth=trust', `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C'],
    runAs,
  );
  const own = (file: string, text: string, flag = 'w') => {
    writeFileSync(file, text, { flag, mode: 0o600 });
    if (runAs) chownSync(file, runAs.uid, runAs.gid);
  };
  own(
    path.join(primaryDir, 'pg_hba.conf'),
    'host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n',
  );
  own(
    path.join(primaryDir, 'postgresql.conf'),
    [
      '',
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'wal_level = replica',
      "wal_keep_size = '512MB'",
      'hot_standby = on',
      'fsync = off', // throw-away servers: a crash loses nothing a test keeps
      '',
    ].join('\n'),
    'a',
  );
  // The copy, made as the servers' OS user so it owns every file, becomes the standby.
  run('cp', ['-a', primaryDir, replicaDir], runAs);
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  own(path.join(replicaDir, 'standby.signal'), '');
  own(
    path.join(replicaDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=${SUPERUSER} application_name=jp_test_replica'\n`,
    'a',
  );

  const start = (dir: string, port: number): ChildProcess => {
    const out = openSync(path.join(root, `${path.basename(dir)}.log`), 'a');
    if (runAs) chownSync(path.join(root, `${path.basename(dir)}.log`), runAs.uid, runAs.gid);
    try {
      return spawn(postgres, ['-D', dir, '-p', String(port)], {
        stdio: ['ignore', out, out],
        env: { ...process.env, LC_MESSAGES: 'C' },
        ...(runAs ?? {}),
      });
    } finally {
      closeSync(out);
    }
  };
  const ready = (port: number, name: string) =>
    until(`${name} to accept connections (log: ${root}/${name}.log)`, async () => {
      await query(urlOf(port), 'select 1');
      return true;
    }).catch((e: Error) => {
      const log = (() => {
        try {
          return readFileSync(path.join(root, `${name}.log`), 'utf8')
            .split('\n')
            .slice(-15)
            .join('\n');
        } catch {
          return '';
        }
      })();
      throw new Error(`${e.message}\n${log}`);
    });
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

  const primary = start(primaryDir, primaryPort);
  let replica = start(replicaDir, replicaPort);
  try {
    await ready(primaryPort, 'primary');
    await ready(replicaPort, 'replica');
  } catch (e) {
    primary.kill('SIGKILL');
    replica.kill('SIGKILL');
    throw e;
  }

  const pair: ReplicaPair = {
    async createDatabase() {
      const name = `jp_replica_${Math.random().toString(36).slice(2, 10)}`;
      await query(urlOf(primaryPort), `create database "${name}"`);
      const db = createDb(urlOf(primaryPort, name), { max: 1 });
      try {
        await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
      await pair.waitForReplay();
      return { primaryUrl: urlOf(primaryPort, name), replicaUrl: urlOf(replicaPort, name) };
    },
    async waitForReplay() {
      const [p] = await query<{ lsn: string }>(urlOf(primaryPort), 'select pg_current_wal_lsn()::text as lsn');
      await until('the replica to replay', async () => {
        const [r] = await query<{ done: boolean }>(
          urlOf(replicaPort),
          'select pg_last_wal_replay_lsn() >= $1::pg_lsn as done',
          [p?.lsn],
        );
        return Boolean(r?.done);
      });
    },
    async pauseReplay() {
      await query(urlOf(replicaPort), 'select pg_wal_replay_pause()');
      await until('replay to pause', async () => {
        const [r] = await query<{ state: string }>(
          urlOf(replicaPort),
          'select pg_get_wal_replay_pause_state() as state',
        );
        return r?.state === 'paused';
      });
    },
    async resumeReplay() {
      await query(urlOf(replicaPort), 'select pg_wal_replay_resume()');
    },
    async killReplica() {
      const gone = exited(replica);
      replica.kill('SIGKILL');
      await gone;
      // Its backends outlive a killed postmaster for a moment; they exit once they notice it is gone.
      await until('the replica port to close', () =>
        query(urlOf(replicaPort), 'select 1').then(
          () => false,
          () => true,
        ),
      );
    },
    async startReplica() {
      replica = start(replicaDir, replicaPort);
      await ready(replicaPort, 'replica');
    },
    async close() {
      for (const child of [replica, primary]) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const gone = exited(child);
        child.kill('SIGINT'); // fast shutdown
        await gone;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return pair;
}
