import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/paths';
import { makeUscc } from './support/factories';
import { isAlive, startService, type ServiceProcess } from './support/service-process';
import { ADMIN } from './support/test-app';

/**
 * `npm run import` on the embedded default while `npm start` serves from the same DATA_DIR (issue 19): the import
 * uses the service's PostgreSQL as one more client, says so, and leaves it running; the service sees no error. A
 * second `npm start` on the same DATA_DIR is refused instead of stopping the first one's database.
 */
jest.setTimeout(600_000);

const json = { 'Content-Type': 'application/json' };
const HEADER = '名单类型,统一社会信用代码,企业名称,列入原因,决定文书号,决定日期,来源编号';

function runImport(env: Record<string, string>, file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'src/cli/import.ts'), '--authority', 'samr', '--quiet', file],
      {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: '', TEST_DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm run import beside a running service on the embedded default', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jp-import-beside-'));
  const env = { DATA_DIR: dataDir, JOBS_ENABLED: 'false', WEBHOOKS_ENABLED: 'false' };
  let s: ServiceProcess | undefined;

  afterAll(async () => {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it("imports through the service's PostgreSQL, leaves it running, and the service keeps answering checks", async () => {
    s = await startService(env);
    const service = s;
    const pgPid = service.lines.find((l) => l.msg === 'embedded PostgreSQL started')?.pid as number;
    const res = await fetch(`${service.base}/v1/departments/mof/tokens`, {
      method: 'POST',
      headers: { ...ADMIN, ...json },
      body: JSON.stringify({ label: 'desk' }),
    });
    expect(res.status).toBe(201);
    const mof = { Authorization: `Bearer ${((await res.json()) as { token: string }).token}` };

    const usccs = [makeUscc(), makeUscc(), makeUscc()];
    const file = path.join(dataDir, 'entries.csv');
    const rows = usccs.map(
      (u, i) =>
        `经营异常名录,${u},并行导入${i}有限公司,未按照规定的期限公示年度报告,并导〔2026〕${i}号,2026-11-02,BESIDE-${i}`,
    );
    writeFileSync(file, `${[HEADER, ...rows].join('\r\n')}\r\n`);

    // checks go on while the import runs; every one must be answered
    let importing = true;
    const statuses: number[] = [];
    const checking = (async () => {
      while (importing) {
        const r = await fetch(`${service.base}/v1/checks/enterprises/${usccs[0]}`, { headers: mof });
        statuses.push(r.status);
        await new Promise((done) => setTimeout(done, 50));
      }
    })();
    const imported = await runImport(env, file);
    importing = false;
    await checking;

    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(
      /using the embedded PostgreSQL of the service running on DATA_DIR \(left running\)/,
    );
    expect(isAlive(pgPid)).toBe(true);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((st) => st === 200)).toBe(true);
    expect(service.lines.some((l) => /exited unexpectedly|database unavailable/i.test(l.msg))).toBe(false);

    // the service sees what the import wrote
    const after = await fetch(`${service.base}/v1/checks/enterprises/${usccs[2]}`, { headers: mof });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { restricted: boolean }).restricted).toBe(true);
  });

  it('a second npm start on the same DATA_DIR is refused, naming the service that holds it; the first keeps serving', async () => {
    const service = s as ServiceProcess;
    await expect(startService(env, 60_000)).rejects.toThrow(/belongs to a service that is running/);
    const ready = await fetch(`${service.base}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('after the service stops, the import starts the database itself and stops it again', async () => {
    const service = s as ServiceProcess;
    service.child.kill('SIGTERM');
    await service.exited;
    const file = path.join(dataDir, 'more.csv');
    writeFileSync(
      file,
      `${HEADER}\r\n经营异常名录,${makeUscc()},后来导入有限公司,未按照规定的期限公示年度报告,后导〔2026〕1号,2026-11-02,AFTER-1\r\n`,
    );
    const imported = await runImport(env, file);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/started the embedded PostgreSQL under DATA_DIR/);
  });
});
