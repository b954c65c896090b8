import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { projectRoot } from '../src/paths';

/** The administrator token of every service a bench run starts (its own, random per run). */
export const BENCH_ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

/** The service keys of this run's services, imports and planner (a service on DATABASE_URL requires them). */
export const BENCH_KEYS = {
  ID_HASH_KEY: randomBytes(32).toString('base64url'),
  WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64url'),
  // The bench measures speed, not the per-token budget of person checks: a run makes millions of them.
  PERSON_CHECK_LIMIT: '10000000',
};

/**
 * The service as a child process on `url`, on a random loopback port, once /readyz answers. Registered in
 * `children` before it is ready, so a bench that fails meanwhile still stops it.
 */
export async function startService(
  url: string,
  children: ChildProcess[],
  env: Record<string, string> = {},
  onStdout?: (text: string) => void,
): Promise<{ child: ChildProcess; port: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/server.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: '',
      METRICS_PORT: '',
      ...BENCH_KEYS,
      ...env,
    },
    stdio: ['ignore', onStdout ? 'pipe' : 'inherit', 'inherit'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => onStdout?.(String(d)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before it was ready`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return { child, port };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the service did not become ready');
}

/** A new API token of `department`, made by the administrator. */
export async function token(port: number, department: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/departments/${department}/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: '{"label":"bench"}',
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`token for ${department}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** SIGTERM, and SIGKILL after 5 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
