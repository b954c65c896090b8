import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { enterpriseEntry } from './support/factories';
import { isAlive, startService, waitUntil, type ServiceProcess } from './support/service-process';
import { ADMIN } from './support/test-app';

/**
 * Faults on real processes: `npm start` on the embedded PostgreSQL (no DATABASE_URL), killed, stopped, and its
 * database frozen and killed under it. Figures are printed (console.info) for the closing note.
 */
jest.setTimeout(600_000);

const json = { 'Content-Type': 'application/json' };

describe('faults on the embedded default (real processes)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jp-faults-'));
  const env = { DATA_DIR: dataDir, JOBS_ENABLED: 'true', WEBHOOKS_ENABLED: 'true' };
  let s: ServiceProcess | undefined;
  let samr: { Authorization: string };

  const pgPidOf = (svc: ServiceProcess) =>
    svc.lines.find((l) => l.msg === 'embedded PostgreSQL started')?.pid as number;
  const get = (p: string, headers: Record<string, string> = samr) => fetch(`${s?.base}${p}`, { headers });

  afterAll(async () => {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('kill -9 of the service leaves PostgreSQL running; the next start stops it by itself and serves the same data', async () => {
    const first = await startService(env);
    const res = await fetch(`${first.base}/v1/departments/samr/tokens`, {
      method: 'POST',
      headers: { ...ADMIN, ...json },
      body: JSON.stringify({ label: 'faults' }),
    });
    expect(res.status).toBe(201);
    samr = { Authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    const pgPid = pgPidOf(first);
    expect(pgPid).toBeGreaterThan(0);

    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(pgPid)).toBe(true); // the crash left the database server running, holding the data folder

    const t0 = Date.now();
    s = await startService(env);
    console.info(`kill -9 recovery: next start served after ${Date.now() - t0} ms`);
    expect(
      s.lines.some((l) => /still running \(the service was not shut down cleanly\): stopping it/.test(l.msg)),
    ).toBe(true);
    expect(s.lines.some((l) => l.msg === 'the leftover PostgreSQL stopped')).toBe(true);
    expect(isAlive(pgPid)).toBe(false);
    expect(s.lines.some((l) => l.msg === 'embedded PostgreSQL started' && l.pgDataDir)).toBe(true);
    // the token made before the crash still works: the data survived
    expect((await get('/v1/departments')).status).toBe(200);
  });

  it('PostgreSQL frozen: /readyz 503 within its own timeout, requests 503 + Retry-After, one log line, back by itself', async () => {
    if (!s) throw new Error('needs the service of the previous test');
    const svc = s;
    const uscc = (enterpriseEntry().subject as { uscc: string }).uscc;
    expect((await get(`/v1/list-entries?uscc=${uscc}`)).status).toBe(200);
    const pids = postgresProcesses(pgPidOf(svc));
    const before = svc.lines.length;
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const r0 = Date.now();
      const ready = await fetch(`${svc.base}/readyz`);
      const readyMs = Date.now() - r0;
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { database: boolean } }).checks.database).toBe(false);
      expect(readyMs).toBeLessThan(5_000);

      const q0 = Date.now();
      const answers = await Promise.all([1, 2, 3].map(() => get(`/v1/list-entries?uscc=${uscc}`)));
      const answerMs = Date.now() - q0;
      const failed = svc.lines.slice(before).filter((l) => l.msg === 'request failed');
      if (failed.length) console.error(JSON.stringify(failed.map((l) => l.err)).slice(0, 3000));
      for (const a of answers) {
        expect(a.status).toBe(503);
        expect(a.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      console.info(
        `PostgreSQL frozen: /readyz 503 after ${readyMs} ms; 3 requests 503 + Retry-After after ${answerMs} ms`,
      );
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    const c0 = Date.now();
    await waitUntil(async () => (await get(`/v1/list-entries?uscc=${uscc}`)).status === 200, 30_000, 'answers again');
    console.info(`PostgreSQL thawed: answering 200 again after ${Date.now() - c0} ms`);
    const during = svc.lines.slice(before);
    expect(during.filter((l) => /^database unreachable/.test(l.msg))).toHaveLength(1);
    expect(during.filter((l) => l.msg === 'request failed')).toHaveLength(0);
  });

  it('PostgreSQL killed: 503 with Retry-After while it is down, never 500; the service starts it again and recovers', async () => {
    if (!s) throw new Error('needs the service of the previous test');
    const svc = s;
    const uscc = (enterpriseEntry().subject as { uscc: string }).uscc;
    const before = svc.lines.length;
    const statuses: number[] = [];
    let stop = false;
    // load while it happens: one request after another
    const load = (async () => {
      while (!stop) statuses.push((await get(`/v1/list-entries?uscc=${uscc}`).catch(() => ({ status: 0 }))).status);
    })();
    await new Promise((r) => setTimeout(r, 300));
    const k0 = Date.now();
    process.kill(pgPidOf(svc), 'SIGKILL');
    await svc.waitForLog(/^embedded PostgreSQL running again/, 60_000);
    await waitUntil(() => statuses.length > 0 && statuses[statuses.length - 1] === 200, 30_000, 'answers again');
    const recoveredMs = Date.now() - k0;
    stop = true;
    await load;
    const count = (code: number) => statuses.filter((x) => x === code).length;
    console.info(
      `PostgreSQL killed: ${statuses.length} requests, ${count(200)} × 200, ${count(503)} × 503, ${count(500)} × 500; serving again ${recoveredMs} ms after the kill`,
    );
    expect(count(500)).toBe(0);
    expect(count(0)).toBe(0);
    const during = svc.lines.slice(before);
    expect(during.filter((l) => /^database unreachable/.test(l.msg)).length).toBeLessThanOrEqual(1);
    expect(during.filter((l) => l.msg === 'request failed')).toHaveLength(0);
  });

  it('kill -9 mid-batch loses nothing, and posting the file again completes it', async () => {
    if (!s) throw new Error('needs the service of the previous test');
    const rows = Array.from({ length: 6_000 }, () => enterpriseEntry());
    const post = () =>
      fetch(`${s?.base}/v1/list-entries/batch`, {
        method: 'POST',
        headers: { ...samr, ...json },
        body: JSON.stringify(rows),
      });
    const inFlight = post().catch(() => undefined);
    // kill once the first chunk is in: the batch commits chunk by chunk
    await waitUntil(async () => (await countStored(rows[0]?.sourceRef as string)) > 0, 120_000, 'first chunk stored');
    s.child.kill('SIGKILL');
    await s.exited;
    await inFlight;
    s = await startService(env);
    const res = await post();
    expect(res.status).toBe(200);
    const { summary } = (await res.json()) as { summary: { created: number; unchanged: number; rejected: number } };
    console.info(
      `kill -9 mid-batch of 6,000: re-post created ${summary.created}, unchanged ${summary.unchanged}, rejected ${summary.rejected}`,
    );
    expect(summary.rejected).toBe(0);
    expect(summary.unchanged).toBeGreaterThan(0);
    expect(summary.created + summary.unchanged).toBe(6_000);
    const again = (await (await post()).json()) as { summary: { unchanged: number } };
    expect(again.summary.unchanged).toBe(6_000);
    // every entry with all its orders: the same number of orders per entry for these identical kinds of rows
    const sample = await (
      await get(`/v1/list-entries?uscc=${(rows[5_999]?.subject as { uscc: string } | undefined)?.uscc}`)
    ).json();
    const first = await (
      await get(`/v1/list-entries?uscc=${(rows[0]?.subject as { uscc: string } | undefined)?.uscc}`)
    ).json();
    expect((sample as { items: { orders: unknown[] }[] }).items[0]?.orders.length).toBeGreaterThan(0);
    expect((sample as { items: { orders: unknown[] }[] }).items[0]?.orders.length).toBe(
      (first as { items: { orders: unknown[] }[] }).items[0]?.orders.length,
    );
  });

  it('SIGTERM: requests in flight finish, then jobs and worker, pool, PostgreSQL; exit 0 within 10 s', async () => {
    if (!s) throw new Error('needs the service of the previous test');
    const svc = s;
    const pgPid = pgPidOf(svc);
    const rows = Array.from({ length: 2_500 }, () => enterpriseEntry());
    const inFlight = fetch(`${svc.base}/v1/list-entries/batch`, {
      method: 'POST',
      headers: { ...samr, ...json },
      body: JSON.stringify(rows),
    });
    await waitUntil(async () => (await countStored(rows[0]?.sourceRef as string)) > 0, 120_000, 'batch under way');
    const t0 = Date.now();
    svc.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const { summary } = (await res.json()) as { summary: { created: number } };
    expect(summary.created).toBe(2_500);
    const exit = await svc.exited;
    console.info(
      `SIGTERM during a 2,500-row batch: the batch answered 200 (all created), exit ${exit.code} after ${exit.at - t0} ms`,
    );
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(10_000);
    expect(isAlive(pgPid)).toBe(false);
    const order = [
      'requests drained',
      'jobs and webhook worker stopped',
      'database pool closed and embedded PostgreSQL (if any) stopped',
    ];
    const at = order.map((m) => svc.lines.findIndex((l) => l.msg === m));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    s = undefined;
  });

  /** Rows of this batch stored so far, read through the service's own database role (its credentials file). */
  async function countStored(sourceRef: string): Promise<number> {
    const creds = JSON.parse(readFileSync(path.join(dataDir, 'postgres-credentials.json'), 'utf8')) as { app: string };
    const port = Number(s?.lines.find((l) => l.msg === 'embedded PostgreSQL started')?.port);
    const c = new Client({
      host: '127.0.0.1',
      port,
      user: 'joint_punishment',
      password: creds.app,
      database: 'joint_punishment',
    });
    try {
      await c.connect();
      const prefix = sourceRef.split('-').slice(0, 2).join('-');
      const { rows } = await c.query('select count(*)::int as n from list_entries where source_ref like $1', [
        `${prefix}-%`,
      ]);
      return (rows[0] as { n: number }).n;
    } catch {
      return 0;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
});

/** The postmaster and every process it started. */
function postgresProcesses(postmaster: number): number[] {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map((x) => Number(x.trim()))
    .filter((x) => x > 0);
  return [postmaster, ...children];
}
