import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/paths';
import { makeIdNumber, makeUscc } from './support/factories';
import { sampleValue } from './support/prometheus-text';
import { createTestDatabase } from './support/test-app';

const HEADER =
  'listType,kind,uscc,idNumber,name,legalRepName,legalRepIdNumber,reason,decisionNo,decidedAt,sourceRef,expiresAt';

/** `npm run import` as an operator runs it, with a stand-in Pushgateway that records what it is sent. */
describe('npm run import pushes its counts to METRICS_PUSHGATEWAY_URL', () => {
  it('pushes jp_list_entries_total{source="cli"} by list and result, under job and authority, no ID/USCC', async () => {
    const pushes: { method: string; url: string; body: string }[] = [];
    const gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const database = await createTestDatabase();
    try {
      const idNumber = makeIdNumber();
      const uscc = makeUscc();
      const lines = [
        HEADER,
        `abnormal_operations,enterprise,${uscc},,企业甲有限公司,法人甲,${idNumber},未按照规定的期限公示年度报告,文号1,2026-01-05,PUSH-1,`,
        `abnormal_operations,enterprise,${makeUscc()},,企业乙有限公司,,,未按照规定的期限公示年度报告,文号2,2026-01-05,PUSH-2,`,
        `abnormal_operations,enterprise,${makeUscc()},,企业丙有限公司,,,未按照规定的期限公示年度报告,文号3,not-a-date,PUSH-3,`,
      ];
      const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-push-'));
      const file = path.join(dir, 'entries.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const { port } = gateway.address() as AddressInfo;
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(projectRoot, 'src/cli/import.ts'), '--authority', 'samr', '--quiet', file],
          {
            cwd: projectRoot,
            env: {
              ...process.env,
              DATABASE_URL: database.url,
              // With DATABASE_URL the keys must come from the environment (issue 9/10: never from the database).
              ID_HASH_KEY: 'i'.repeat(40),
              WEBHOOK_SECRET_KEY: 'w'.repeat(40),
              LOG_LEVEL: 'warn',
              METRICS_PUSHGATEWAY_URL: `http://127.0.0.1:${port}`,
            },
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        child.on('error', reject);
        child.on('exit', resolve);
      });
      expect(code).toBe(0);
      expect(pushes).toHaveLength(1);
      const push = pushes[0] as { method: string; url: string; body: string };
      expect(push.method).toBe('PUT');
      expect(push.url).toBe('/metrics/job/joint-punishment-import/authority/samr');
      const at = (result: string) =>
        sampleValue(push.body, 'jp_list_entries_total', { list: 'abnormal_operations', source: 'cli', result });
      expect([at('created'), at('unchanged'), at('rejected')]).toEqual([2, 0, 1]);
      expect(push.body).not.toContain(idNumber);
      expect(push.body).not.toContain(uscc);
      expect(push.body).not.toMatch(/process_cpu|nodejs_/);
    } finally {
      gateway.closeAllConnections();
      gateway.close();
      await database.drop();
    }
  }, 60_000);
});
