import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { importFile } from '../src/batch/import-file';
import type { CallContext } from '../src/auth/principal';
import pino from 'pino';
import { createPersonKeyer } from '../src/identity/person-key';
import type { LoadedRules } from '../src/rules/rule-loader';
import type { LoadedRule } from '../src/rules/rule-types';
import { createServices } from '../src/services';
import { primaryOnly } from '../src/db/knex';
import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, makeUscc, withWrongCheck } from './support/factories';

const HEADER =
  'listType,kind,uscc,idNumber,name,legalRepName,legalRepIdNumber,reason,decisionNo,decidedAt,sourceRef,expiresAt';

/** The core of `npm run import`: streaming, chunks, rejects file, re-run — on the real service and database. */
describe('import CLI core', () => {
  let t: TestApp;
  let ctx: (code: string) => CallContext;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-import-'));

  beforeAll(async () => {
    t = await startTestApp();
    ctx = (code) => ({
      principal: {
        kind: 'department',
        department: t.rules.departments.find((d) => d.code === code) as never,
        tokenId: 'cli',
      },
    });
  });
  afterAll(() => t.close());

  it('streams a CSV in chunks, writes rejected rows back with their errors, and a re-run changes nothing', async () => {
    const lines = [HEADER];
    for (let i = 1; i <= 250; i++) {
      lines.push(
        `abnormal_operations,enterprise,${makeUscc()},,"企业${i}, 有限公司",法人${i},${makeIdNumber()},未按照规定的期限公示年度报告,文号${i},2026-01-0${1 + (i % 9)},IMP-${i},`,
      );
    }
    lines[10] = `abnormal_operations,enterprise,${withWrongCheck(makeUscc())},,坏企业,,,原因,文号,2026-01-01,IMP-BAD-1,`;
    lines[20] = `dishonest_debtor,person,,${makeIdNumber()},某人,,,原因,文号,2026-01-01,IMP-BAD-2,`;
    lines[30] = `abnormal_operations,enterprise,"broken"quote,,x,,,y,z,2026-01-01,IMP-BAD-3,`;
    lines.push(lines[5] as string); // duplicate sourceRef inside the file
    const file = path.join(dir, 'entries.csv');
    writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);

    const progress: number[] = [];
    const first = await importFile({
      file,
      kind: 'entries',
      ctx: ctx('samr'),
      batch: t.app.services.batch,
      chunkRows: 40,
      concurrency: 2,
      onProgress: (p) => progress.push(p.rows),
    });
    expect(first.rows).toBe(251);
    // a broken quote swallows the line after it too (CSV cannot tell where the record ends): both are rejected,
    // and both are in the rejects file, so nothing is lost
    expect(first.summary).toEqual({ created: 246, unchanged: 1, rejected: 4 });
    expect(progress[progress.length - 1]).toBe(251);
    expect(first.rejectsFile).toBe(path.join(dir, 'entries.rejected.csv'));

    const rejects = parse(readFileSync(first.rejectsFile as string), { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(rejects.map((r) => r.sourceRef)).toEqual(['IMP-BAD-1', 'IMP-BAD-2', '', '']);
    // the error column is 错误原因, in Chinese, each error naming its field by the file's own column name
    expect(rejects[0]?.错误原因).toMatch(/^第 10 行：uscc的校验位/);
    expect(rejects[1]?.错误原因).toMatch(/^第 20 行：samr 不是失信被执行人名单的列入机关/);
    expect(rejects[2]?.错误原因).toMatch(/^第 30 行：该行无法按 CSV 读取/);
    expect(Number((await t.db('list_entries').count({ n: '*' }))[0]?.n)).toBe(246);

    // the authority corrects the rejects file and sends it again, errors column and all
    const fixed = readFileSync(first.rejectsFile as string, 'utf8').replace(
      /^.*IMP-BAD-1.*$/m,
      `abnormal_operations,enterprise,${makeUscc()},,好企业,,,原因,文号,2026-01-01,IMP-BAD-1,,old errors`,
    );
    const fixedFile = path.join(dir, 'fixed.csv');
    writeFileSync(fixedFile, fixed);
    const corrected = await importFile({
      file: fixedFile,
      kind: 'entries',
      ctx: ctx('samr'),
      batch: t.app.services.batch,
    });
    expect(corrected.summary).toEqual({ created: 1, unchanged: 0, rejected: 3 });

    const again = await importFile({
      file,
      kind: 'entries',
      ctx: ctx('samr'),
      batch: t.app.services.batch,
      chunkRows: 100,
      rejectsFile: path.join(dir, 'again.csv'),
    });
    expect(again.summary).toEqual({ created: 0, unchanged: 247, rejected: 4 });
    expect(Number((await t.db('list_entries').count({ n: '*' }))[0]?.n)).toBe(247);

    // bulk removal from a file, then a re-run of it
    const removals = path.join(dir, 'removals.csv');
    writeFileSync(
      removals,
      `sourceRef,reason,decisionNo\nIMP-1,已补报,移出1\nIMP-2,已补报,移出2\nIMP-NOPE,已补报,移出3\n`,
    );
    const removed = await importFile({
      file: removals,
      kind: 'removals',
      ctx: ctx('samr'),
      batch: t.app.services.batch,
    });
    expect(removed.summary).toEqual({ removed: 2, unchanged: 0, rejected: 1 });
    const removedAgain = await importFile({
      file: removals,
      kind: 'removals',
      ctx: ctx('samr'),
      batch: t.app.services.batch,
      rejectsFile: path.join(dir, 'r2.csv'),
    });
    expect(removedAgain.summary).toEqual({ removed: 0, unchanged: 2, rejected: 1 });
  });

  it('reads a GBK file by its bytes and writes its rejects in GBK under its own Chinese header', async () => {
    const header = '统一社会信用代码,企业名称,名单类型,列入原因,决定文书号,决定日期,来源编号';
    const good = `${makeUscc()},上海某某贸易有限公司,经营异常名录,无法联系,沪市监异〔2026〕1号,2026年1月5日,GBK-1`;
    const bad = `${withWrongCheck(makeUscc())},北京某某科技有限公司,经营异常名录,无法联系,京市监异〔2026〕2号,2026/1/6,GBK-2`;
    const file = path.join(dir, '名单.csv');
    writeFileSync(file, iconv.encode(`${header}\r\n${good}\r\n${bad}\r\n`, 'gbk'));
    const res = await importFile({ file, kind: 'entries', ctx: ctx('samr'), batch: t.app.services.batch });
    expect(res.summary).toEqual({ created: 1, unchanged: 0, rejected: 1 });
    const stored = await t.db('list_entries').where({ source_ref: 'GBK-1' }).first();
    expect(stored).toMatchObject({ subject_name: '上海某某贸易有限公司', decided_at: '2026-01-05' });
    expect(res.rejectsFile).toBe(path.join(dir, '名单.rejected.csv'));
    const text = iconv.decode(readFileSync(res.rejectsFile as string), 'gb18030');
    expect(text.split('\r\n')[0]).toBe(`${header},错误原因`);
    expect(text).toContain('北京某某科技有限公司');
    expect(text).toMatch(/第 2 行：统一社会信用代码/);

    // a file mixing UTF-8 and GBK lines is refused whole, naming the line; nothing is stored
    const mixed = path.join(dir, 'mixed.csv');
    writeFileSync(
      mixed,
      Buffer.concat([
        Buffer.from(`${header}\r\n${good.replace('GBK-1', 'MIX-1')}\r\n`),
        iconv.encode(`${bad}\r\n`, 'gbk'),
      ]),
    );
    await expect(
      importFile({ file: mixed, kind: 'entries', ctx: ctx('samr'), batch: t.app.services.batch }),
    ).rejects.toThrow(/第 2 行数据/);
    expect(await t.db('list_entries').where({ source_ref: 'MIX-1' }).first()).toBeUndefined();
  });

  it('imports an .xlsx workbook whose decision dates are date cells', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Sheet1');
    sheet.addRow(['listType', 'uscc', 'name', 'reason', 'decisionNo', 'decidedAt', 'sourceRef']);
    sheet.addRow([
      'abnormal_operations',
      makeUscc(),
      '深圳某某有限公司',
      '无法联系',
      '深市监异〔2026〕5号',
      new Date(Date.UTC(2026, 0, 7)),
      'XLSX-1',
    ]);
    const file = path.join(dir, 'entries.xlsx');
    await book.xlsx.writeFile(file);
    const res = await importFile({ file, kind: 'entries', ctx: ctx('samr'), batch: t.app.services.batch });
    expect(res.summary).toEqual({ created: 1, unchanged: 0, rejected: 0 });
    expect(await t.db('list_entries').where({ source_ref: 'XLSX-1' }).first()).toMatchObject({
      decided_at: '2026-01-07',
    });
  });

  it('reads a workbook of 3,000 rows of Chinese text without a split character (the streaming reader split them)', async () => {
    // ExcelJS's streaming reader turned a character split across two inflated chunks into U+FFFD (exceljs #2063):
    // a sheet whose XML spans many chunks must still come through whole
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Sheet1');
    sheet.addRow(['名单类型', '统一社会信用代码', '企业名称', '列入原因', '决定文书号', '决定日期', '来源编号']);
    for (let i = 0; i < 3000; i++)
      sheet.addRow([
        '经营异常名录',
        makeUscc(),
        `深圳市${'华信恒通贸易'.slice(i % 4)}第${i}有限公司`,
        '通过登记的住所或者经营场所无法联系',
        `深市监异〔2026〕${i}号`,
        '2026-01-07',
        `XLSX-ZH-${i}`,
      ]);
    const file = path.join(dir, 'chinese.xlsx');
    await book.xlsx.writeFile(file);
    const res = await importFile({ file, kind: 'entries', ctx: ctx('samr'), batch: t.app.services.batch });
    expect(res.summary).toEqual({ created: 3000, unchanged: 0, rejected: 0 });
  });

  it('reads JSON lines with related persons (the form for unit debtors with more than a legal representative)', async () => {
    const rows = [
      {
        listType: 'dishonest_debtor',
        subject: {
          kind: 'enterprise',
          uscc: makeUscc(),
          name: '失信单位有限公司',
          legalRepresentative: { name: '甲', idNumber: makeIdNumber() },
        },
        relatedPersons: [{ role: 'principal', name: '乙', idNumber: makeIdNumber() }],
        reason: '规避执行',
        decisionNo: '(2026)执1号',
        decidedAt: '2026-01-05',
        sourceRef: 'JL-1',
      },
      '{not json',
    ];
    const file = path.join(dir, 'entries.jsonl');
    writeFileSync(file, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
    const res = await importFile({ file, kind: 'entries', ctx: ctx('spc'), batch: t.app.services.batch });
    expect(res.summary).toEqual({ created: 1, unchanged: 0, rejected: 1 });
    const rejected = readFileSync(res.rejectsFile as string, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number });
    expect(rejected[0]?.row).toBe(2);
    const entry = await t.db('list_entries').where({ source_ref: 'JL-1' }).first();
    expect(entry?.person_keys).toHaveLength(2); // legal representative and principal
    expect(entry?.related_persons).toEqual([expect.objectContaining({ role: 'principal', name: '乙' })]);
  });
});

describe('import CLI wiring', () => {
  it("builds its services with createServices, so a rule's own feedbackDueWorkingDays holds for imported entries", async () => {
    const t = await startTestApp({ now: new Date('2026-02-13T02:00:00Z') });
    try {
      const rules: LoadedRules = structuredClone(t.rules);
      const rule = rules.rules.find((x) => x.event.params.code === 'gsr18-government-procurement') as LoadedRule;
      (rule.event.params as { feedbackDueWorkingDays?: number }).feedbackDueWorkingDays = 5;
      // as src/cli/import.ts does it
      const services = createServices(t.config, {
        databases: primaryOnly(t.db),
        rules,
        keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123'),
        clock: t.clock,
        log: pino({ level: 'silent' }),
      });
      const samr = services.departments.get('samr');
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'jp-import-')), 'one.jsonl');
      writeFileSync(file, `${JSON.stringify(enterpriseEntry({ sourceRef: 'DUE-1' }))}\n`);
      const res = await importFile({
        file,
        kind: 'entries',
        ctx: { principal: { kind: 'department', department: samr, tokenId: 'cli' } },
        batch: services.batch,
      });
      expect(res.summary).toEqual({ created: 1, unchanged: 0, rejected: 0 });
      const entry = await t.db('list_entries').where({ source_ref: 'DUE-1' }).first();
      const due = Object.fromEntries(
        (await t.db('orders').where({ entry_id: String(entry?.id) })).map((o: { department: string; due_at: Date }) => [
          o.department,
          new Date(o.due_at).toISOString(),
        ]),
      );
      expect(due.mof).toBe('2026-02-27T16:00:00.000Z'); // 5 working days, across the Spring Festival
      expect(due.mnr).toBe('2026-03-05T16:00:00.000Z'); // the default 10
    } finally {
      await t.close();
    }
  });
});
