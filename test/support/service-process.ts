import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { ADMIN_TOKEN } from './test-app';

/** `npm start` as a real process (tsx instead of a build), its JSON log lines collected as they come. */
export interface ServiceProcess {
  child: ChildProcess;
  base: string;
  lines: { msg: string; [k: string]: unknown }[];
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The first log line whose message matches, waiting for it. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<{ msg: string; [k: string]: unknown }>;
}

export async function startService(env: Record<string, string>, readyTimeoutMs = 180_000): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/server.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: String(port),
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      TEST_DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: ServiceProcess['lines'] = [];
  let buffer = '';
  const onData = (d: Buffer) => {
    buffer += d.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as ServiceProcess['lines'][number]);
      } catch {
        lines.push({ msg: line });
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitForLog = async (re: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find((l) => re.test(l.msg));
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(
          `no log line matching ${re} within ${timeoutMs} ms; got:\n${lines.map((l) => l.msg).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const service = { child, base: `http://127.0.0.1:${port}`, lines, exited, waitForLog };
  const deadline = Date.now() + readyTimeoutMs;
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`the service exited while starting:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    const res = await fetch(`${service.base}/readyz`).catch(() => undefined);
    if (res?.status === 200) return service;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service was not ready within ${readyTimeoutMs} ms:\n${lines.map((l) => l.msg).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
