import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { idCheckChar } from '../src/identity/id-number';
import { orgCodeCheckChar, usccCheckChar } from '../src/identity/uscc';
import { enterpriseEntry, personDebtorEntry } from './support/factories';

/**
 * The dashboard in a real browser (Debian's Chromium) against the real service on a real PostgreSQL. Without a
 * browser on this machine the tests say so and are skipped; CI (.ci/run) installs chromium first, so there they run.
 * Each run takes a screenshot of every page: into docs/dashboard/ with UPDATE_SCREENSHOTS=1 (the committed ones the
 * README links), otherwise into a temporary folder, so that `npm test` leaves the work tree as it found it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser)
  console.warn(
    `dashboard browser tests skipped: no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(__dirname, '..', 'docs', 'dashboard')
    : path.join(os.tmpdir(), 'jp-dashboard-screenshots');
const TOKEN_KEY = 'jp.dashboard.token';
const BULK = 240; // entries listed in one batch: with their ~15 orders each, a few thousand orders

type Auth = { Authorization: string };

// Fixed codes (not the factories' random ones), so the committed screenshots only change when the pages do.
function fixedUscc(n: number): string {
  const body = `D${String(n).padStart(7, '0')}`;
  const first17 = `91310110${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}
const fixedEnterprise = (n: number) => {
  const e = enterpriseEntry();
  return {
    ...e,
    subject: {
      ...(e.subject as object),
      uscc: fixedUscc(n),
      name: `测试企业${n}有限公司`,
      legalRepresentative: { name: `法人${n}`, idNumber: fixedId(`1975030${n}`) },
    },
  } as typeof e;
};
function fixedId(birth8: string): string {
  const first17 = `110105${birth8}037`;
  return first17 + idCheckChar(first17);
}
/** The browser globals these tests touch in page.evaluate (the project compiles without the DOM lib). */
type BrowserGlobals = {
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  document: {
    querySelectorAll(selector: string): { length: number; [i: number]: { textContent: string | null } | undefined };
  };
};
const bearer = (a: Auth) => a.Authorization.replace(/^Bearer /, '');

(haveBrowser ? describe : describe.skip)('dashboard in a real browser', () => {
  let t: TestApp;
  let server: ReturnType<TestApp['app']['express']['listen']>;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let samr: Auth;
  let spc: Auth;
  let mof: Auth;
  let ndrc: Auth;
  let mnr: Auth;
  let personId: string;
  const mofDecisions: string[] = [];

  beforeAll(async () => {
    // three ID-number look-ups per token and window, so the entries page meets the limit (429) for real
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z'), env: { ID_LOOKUP_LIMIT: '3' } });
    [samr, spc, mof, ndrc, mnr] = (await Promise.all(
      ['samr', 'spc', 'mof', 'ndrc', 'mnr'].map((d) => t.tokenFor(d)),
    )) as [Auth, Auth, Auth, Auth, Auth];
    for (let i = 1; i <= 3; i++) await t.http.post('/v1/list-entries').set(samr).send(fixedEnterprise(i)).expect(201);
    // real volume: a few thousand orders, most of them going overdue and escalated below
    const bulk = Array.from({ length: BULK }, (_, i) => {
      const e = fixedEnterprise(100 + i);
      const birth8 = new Date(Date.UTC(1970, 0, 1 + i * 37)).toISOString().slice(0, 10).replace(/-/g, '');
      const subject = {
        ...(e.subject as object),
        legalRepresentative: { name: `法人${100 + i}`, idNumber: fixedId(birth8) },
      };
      return { ...e, subject, sourceRef: `BULK-${i}` } as typeof e;
    });
    const batch = await t.http.post('/v1/list-entries/batch').set(samr).send(bulk).expect(200);
    expect({
      summary: batch.body.summary,
      rejected: batch.body.results.find((r: { errors?: unknown }) => r.errors),
    }).toMatchObject({
      summary: { created: BULK },
    });
    t.clock.set(new Date('2026-03-11T02:00:00Z'));
    personId = fixedId('19680721');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: personId }))
      .expect(201);
    await t.http.post('/v1/list-entries').set(samr).send(fixedEnterprise(4)).expect(201);
    // mof feeds back on one order in time; the rest go overdue and are escalated
    const mofOrders = await t.http.get('/v1/orders').set(mof).expect(200);
    await t.http
      .post(`/v1/orders/${mofOrders.body.items.at(-1).id}/feedback`)
      .set(mof)
      .send({ outcome: 'implemented', note: '已在采购平台设置拦截' })
      .expect(200);
    t.clock.set(new Date('2026-03-27T02:00:00Z'));
    await t.app.jobs.run('escalate-overdue');
    await t.app.jobs.run('expire-entries');
    // one bulk entry is removed (信用修复): its orders are lifted, and the overview's parts still add up
    const removed = (await t.http.get('/v1/list-entries').query({ sourceRef: 'BULK-0' }).set(samr).expect(200)).body
      .items[0];
    await t.http
      .post(`/v1/list-entries/${removed.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '测市监移〔2026〕1号' })
      .expect(200);
    // and one was listed in error (撤销): its orders are revoked, a part of their own on the overview
    const wrong = (await t.http.get('/v1/list-entries').query({ sourceRef: 'BULK-2' }).set(samr).expect(200)).body
      .items[0];
    await t.http
      .post(`/v1/list-entries/${wrong.id}/revocation`)
      .set(samr)
      .send({ reason: '列入对象错误', decisionNo: '测市监撤〔2026〕1号' })
      .expect(200);
    await t.http.post('/v1/list-entries').set(samr).send(fixedEnterprise(5)).expect(201);
    // desks ask: a procurement desk (mof) and a land desk (mnr) check listed bidders; one hit is not restricted
    for (const n of [1, 2, 3, 5]) {
      const hit = await t.http
        .get(`/v1/checks/enterprises/${fixedUscc(n)}`)
        .query({ scenario: 'government_procurement' })
        .set(mof)
        .expect(200);
      mofDecisions.push(hit.body.decisionId);
    }
    await t.http
      .post(`/v1/checks/decisions/${mofDecisions[0]}/feedback`)
      .set(mof)
      .send({ action: 'not_restricted', reason: 'outside_scope', note: '非本级采购项目' })
      .expect(200);
    await t.http
      .post(`/v1/checks/decisions/${mofDecisions[1]}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-17' })
      .expect(200);
    await t.http
      .get(`/v1/checks/enterprises/${fixedUscc(101)}`)
      .query({ scenario: 'land_transfer' })
      .set(mnr);
    await t.http
      .get(`/v1/checks/enterprises/${fixedUscc(9999)}`)
      .query({ scenario: 'government_procurement' })
      .set(mof);

    server = t.app.express.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'jp-dashboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(10_000); // a failing step names itself before jest's 30 s test timeout
    page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // the browser logs every refused call; the pages show them as messages (429 is met on purpose below)
      if (m.type() === 'error' && !/401|403|404|429/.test(m.text())) errors.push(m.text());
    });
    (globalThis as { __pageErrors?: string[] }).__pageErrors = errors;
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await t?.close();
  });

  afterEach(() => {
    expect((globalThis as { __pageErrors?: string[] }).__pageErrors ?? []).toEqual([]);
  });

  const shot = (name: string, fullPage = true) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

  async function signIn(auth: Auth | string) {
    await page.goto(`${base}/dashboard/#/signin`);
    await page.locator('#token').fill(typeof auth === 'string' ? auth : bearer(auth));
    await page.keyboard.press('Enter'); // the form submits from the keyboard
  }

  it('refuses a wrong token with a clear message, and signs a supervisor in to the overview', async () => {
    await page.goto(`${base}/dashboard`);
    await page.waitForURL(/#\/signin$/);
    await signIn('this-is-not-a-token-0123456789');
    await expect(page.getByTestId('signin-message').textContent()).resolves.toContain('令牌不正确');
    await shot('signin', false);

    await signIn(ndrc);
    await page.waitForURL(/#\/overview$/);
    await page.getByTestId('department-table').waitFor();
    // the token is in sessionStorage only: not in the URL, not in a cookie
    expect(page.url()).not.toContain(bearer(ndrc));
    expect(await context.cookies()).toEqual([]);
    expect(
      await page.evaluate((k) => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem(k), TOKEN_KEY),
    ).toBe(bearer(ndrc));
  });

  it('shows the overview numbers of the report endpoint, sortable from the keyboard', async () => {
    const report = (await t.http.get('/v1/reports/feedback').set(ndrc).expect(200)).body;
    const shown = await overviewNumbers();
    for (const d of report.departments) {
      expect(shown[d.department]).toEqual({
        issued: d.issued,
        implemented: d.implemented,
        notApplicable: d.notApplicable,
        pending: d.pending,
        overdue: d.overdue,
        escalated: d.escalated,
        lifted: d.lifted,
      });
      expect(d.issued).toBe(d.pending + d.implemented + d.notApplicable + d.lifted + d.revoked);
    }
    const sum = (k: string) => report.departments.reduce((s: number, d: Record<string, number>) => s + (d[k] ?? 0), 0);
    expect(shown.total).toEqual({
      issued: sum('issued'),
      implemented: sum('implemented'),
      notApplicable: sum('notApplicable'),
      pending: sum('pending'),
      overdue: sum('overdue'),
      escalated: sum('escalated'),
      lifted: sum('lifted'),
    });
    // the cards add up: issued = pending + implemented + not applicable + lifted + revoked, each labelled in Chinese
    const cardValue = async (k: string) =>
      Number(((await page.locator(`[data-total="${k}"] .card-value`).textContent()) ?? '').replace(/,/g, ''));
    expect(await cardValue('overdue')).toBe(sum('overdue'));
    expect(await cardValue('lifted')).toBeGreaterThan(0);
    expect(await cardValue('revoked')).toBe(sum('revoked'));
    expect(await cardValue('revoked')).toBeGreaterThan(0);
    expect(await cardValue('issued')).toBe(
      (await cardValue('pending')) +
        (await cardValue('implemented')) +
        (await cardValue('notApplicable')) +
        (await cardValue('lifted')) +
        (await cardValue('revoked')),
    );
    const labels = await page.locator('[data-testid="cards"] .card-label').allTextContents();
    expect(labels).toEqual([
      '已发起',
      '待反馈',
      '其中逾期',
      '其中已督办',
      '已实施',
      '不适用',
      '已解除',
      '已撤销',
      '反馈率',
    ]);
    // the desks' side, translated: scenario names, departments and the reasons a hit was not restricted
    const desk = (await page.getByTestId('desk-feedback').textContent()) ?? '';
    expect(desk).toContain('政府采购');
    expect(desk).toContain('财政部');
    expect(desk).toContain('不属于本业务惩戒范围 1');
    expect(desk).not.toMatch(/government_procurement|fedBack|outside_scope|\bmof\b/);
    const mofDesk = report.desk.departments.find((d: { department: string }) => d.department === 'mof');
    const mofRow = page.locator('[data-testid="desk-departments"] tr[data-key="mof"]');
    expect(await mofRow.locator('td[data-col="hits"]').textContent()).toBe(String(mofDesk.hits));
    expect(await mofRow.locator('td[data-col="pending"]').textContent()).toBe(String(mofDesk.pending));
    // the trend chart is drawn (SVG) and its table matches the trend endpoint
    await page.locator('#trend-chart svg').waitFor();
    const trend = (await t.http.get('/v1/reports/trend').query({ weeks: 12 }).set(ndrc).expect(200)).body;
    const rows = await page.locator('details.trend-table tbody tr').allTextContents();
    expect(rows).toHaveLength(12);
    expect(trend.weeks.reduce((s: number, w: { issued: number }) => s + w.issued, 0)).toBe(sum('issued'));
    await shot('overview');

    // keyboard: focus the "issued" sort button and press Enter; the table sorts by it, largest first
    const issuedHeader = page.getByTestId('department-table').getByRole('columnheader', { name: '已发起' });
    await issuedHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect(issuedHeader.getAttribute('aria-sort')).resolves.toBe('descending');
    const issuedCol = await page.locator('tbody td[data-col="issued"] .bar-label').allTextContents();
    const values = issuedCol.map(Number);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it('lists overdue orders oldest first, opens one, and exports the list as xlsx and CSV', async () => {
    // keyboard only: the skip link comes first, then the navigation
    await page.reload();
    await page.getByTestId('department-table').waitFor();
    const focused = () =>
      page.evaluate(() =>
        (
          globalThis as unknown as { document: { activeElement: { textContent: string } | null } }
        ).document.activeElement?.textContent?.trim(),
      );
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('跳到正文 / Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('总览');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('逾期与督办');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/overdue$/);
    await page.getByTestId('overdue-table').waitFor();
    const api = (await t.http.get('/v1/reports/overdue').query({ limit: 500 }).set(ndrc).expect(200)).body;
    expect((await page.getByTestId('overdue-total').textContent())?.replace(/,/g, '')).toContain(String(api.total));
    const shownIds = await page
      .locator('[data-testid="overdue-table"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order')));
    expect(shownIds).toEqual(api.items.slice(0, 50).map((o: { id: string }) => o.id));
    // persons appear masked, never in full
    expect(await page.content()).not.toContain(personId);
    await shot('overdue');
    await page.emulateMedia({ media: 'print' });
    await shot('overdue-print');
    await page.emulateMedia({ media: 'screen' });

    // a few thousand rows, paged through the API 500 at a time and built in the browser: allow for a busy machine
    const [xlsx] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-xlsx').click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/^overdue-all-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await xlsx.path()) as string);
    const ws = wb.worksheets[0];
    expect(ws).toBeDefined();
    const header = ((ws?.getRow(1).values ?? []) as unknown[]).slice(1);
    expect(header).toEqual([
      '反馈期限',
      '逾期天数',
      '部门',
      '主体',
      '统一社会信用代码 / ID',
      '名单类型',
      '措施',
      '督办级别',
      '发起时间',
      'order id',
    ]);
    const ids: unknown[] = [];
    ws?.eachRow((row, n) => {
      if (n > 1) ids.push(row.getCell(10).value);
    });
    expect(ids).toHaveLength(api.total); // every page of the list, not only the first
    expect(ids.slice(0, api.items.length)).toEqual(api.items.map((o: { id: string }) => o.id));
    expect(ws?.getRow(2).getCell(2).value).toBe(api.items[0].daysOverdue);

    // the CSV is the service's streamed export: one request, with the session's token, none of the paged list
    const asked: string[] = [];
    const onRequest = (r: { url(): string; headers(): Record<string, string> }) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/v1/reports/overdue'))
        asked.push(`${u.pathname}${u.search} ${r.headers().authorization}`);
    };
    page.on('request', onRequest);
    const [csv] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('export-csv').click(),
    ]);
    page.off('request', onRequest);
    expect(asked.filter((a) => a.startsWith('/v1/reports/overdue/export'))).toEqual([
      `/v1/reports/overdue/export ${ndrc.Authorization}`,
    ]);
    expect(asked.filter((a) => a.includes('limit=500'))).toEqual([]);
    expect(csv.suggestedFilename()).toMatch(/^overdue-all-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await csv.path()) as string, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.trim().split('\r\n')).toHaveLength(api.total + 1);
    const csvIds = text
      .trim()
      .split('\r\n')
      .slice(1, api.items.length + 1)
      .map((line) => line.slice(line.lastIndexOf(',') + 1));
    expect(csvIds).toEqual(api.items.map((o: { id: string }) => o.id));
    expect(text).not.toContain(personId);
    expect(text).toContain(`${personId.slice(0, 6)}***********${personId.slice(17)}`);

    // click through to the oldest overdue order
    const first = api.items[0];
    await page.locator(`tr[data-order="${first.id}"] td a`).first().click();
    await page.waitForURL(new RegExp(`#/orders/${first.id}$`));
    await expect(page.getByTestId('order-status').textContent()).resolves.toBe('待反馈');
    await shot('order');
  }, 180_000);

  it("shows an entry's orders and audit history, and searches entries", async () => {
    const overdue = (await t.http.get('/v1/reports/overdue').set(ndrc).expect(200)).body.items[0];
    // its listing reason corrected: the history says which field, before → after, and why
    await t.http
      .post(`/v1/list-entries/${overdue.entryId}/corrections`)
      .set(overdue.listType === 'dishonest_debtor' ? spc : samr)
      .send({ reason: '列入原因录入有误', changes: { reason: '更正后的列入原因' } })
      .expect(200);
    await page.goto(`${base}/dashboard/#/entries/${overdue.entryId}`);
    await page.getByTestId('entry-history').waitFor();
    const history = await page.locator('[data-testid="entry-history"] tbody tr').allTextContents();
    expect(history[0]).toContain('列入名单');
    expect(history.some((h) => h.includes('逾期督办'))).toBe(true);
    const corrected = history.find((h) => h.includes('更正')) ?? '';
    expect(corrected).toMatch(/列入原因: .+ → 更正后的列入原因; （列入原因录入有误）/);
    await shot('entry');
    await page.emulateMedia({ media: 'print' });
    await shot('entry-print');
    await page.emulateMedia({ media: 'screen' });

    await page.getByRole('link', { name: '名单条目' }).click();
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill(personId);
    await page.getByRole('button', { name: '查询' }).click();
    const rowsAre = (n: number) =>
      page.waitForFunction(
        (k) =>
          (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="entries-table"] tbody tr')
            .length === k,
        n,
      );
    await rowsAre(1); // the person's one entry, found by the ID number
    expect(page.url()).not.toContain(personId); // the ID number stays out of the address bar
    expect(await page.locator('[data-testid="entries-table"]').textContent()).not.toContain(personId);
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('');
    await page.getByRole('button', { name: '查询' }).click();
    await rowsAre(25); // every entry again, a page of 25
    // by part of the company name, and by the authority's reference
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('测试企业5有限');
    await page.getByRole('button', { name: '查询' }).click();
    await rowsAre(1);
    expect(await page.locator('[data-testid="entries-table"]').textContent()).toContain('测试企业5有限公司');
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('');
    await page.getByLabel('来源编号').fill('BULK-7');
    await page.getByRole('button', { name: '查询' }).click();
    // the search before also left one row: wait for the row of this search, not for any one row
    await page.waitForFunction((name) => {
      const rows = (globalThis as unknown as BrowserGlobals).document.querySelectorAll(
        '[data-testid="entries-table"] tbody tr',
      );
      return rows.length === 1 && (rows[0]?.textContent ?? '').includes(name);
    }, '测试企业107有限公司');
    await page.getByLabel('来源编号').fill('');
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('某某');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('没有记录。').waitFor();
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('');
    await page.getByRole('button', { name: '查询' }).click();
    await rowsAre(25);
    await shot('entries');

    // the token's ID-number look-ups run out (429): the page says so and when to retry, and shows no rows
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill(personId);
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: '查询' }).click();
    const error = page.getByTestId('api-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/查询过于频繁.*请在 \d+ (秒|分钟)后重试/);
    expect(await page.getByTestId('entries-table').count()).toBe(0);
    await shot('entries-limit', false);
    await page.getByLabel(/统一社会信用代码、公民身份号码/).fill('');
    await page.getByRole('button', { name: '查询' }).click();
    await rowsAre(25);
  });

  it('shows the memoranda with provenance and legal basis, and the jobs', async () => {
    await page.getByRole('link', { name: '备忘录与措施' }).click();
    await page.getByTestId('rules-table').waitFor();
    const memoranda = (await t.http.get('/v1/memoranda').set(ndrc).expect(200)).body.items;
    expect(await page.locator('[data-testid="memoranda-table"] tbody tr').count()).toBe(memoranda.length);
    const rules = (await t.http.get('/v1/rules').query({ memorandum: memoranda[0].id }).set(ndrc).expect(200)).body
      .items;
    expect(await page.locator('[data-testid="rules-table"] tbody tr').count()).toBe(rules.length);
    const provenance = await page.locator('[data-testid="rules-table"] .provenance').allTextContents();
    expect(provenance.every((p) => p === '已核实' || p === '待核实')).toBe(true);
    // each measure says how strong its basis is; a memorandum alone is flagged
    const strengths = await page.locator('[data-testid="rules-table"] .strength').allTextContents();
    expect(strengths).toHaveLength(rules.length);
    const memoOnly = rules.filter((r: { basisStrength: string }) => r.basisStrength === 'memorandum_only').length;
    expect(strengths.filter((s) => s === '仅有备忘录依据')).toHaveLength(memoOnly);
    // filtered on the server by implementing department
    const mofRules = (
      await t.http.get('/v1/rules').query({ memorandum: memoranda[0].id, department: 'mof' }).set(ndrc).expect(200)
    ).body.items;
    await page.getByTestId('rules-department').selectOption('mof');
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="rules-table"] tbody tr')
          .length === n,
      mofRules.length,
    );
    await page.getByTestId('rules-department').selectOption('');
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="rules-table"] tbody tr')
          .length === n,
      rules.length,
    );
    await shot('rules');

    await page.getByRole('link', { name: '定时任务' }).click();
    await page.getByTestId('jobs-table').waitFor();
    const escalate = await page.locator('tr[data-job="escalate-overdue"]').textContent();
    expect(escalate).toContain('逾期督办');
    expect(escalate).toContain('成功');
    expect(escalate).toMatch(/一级督办 [\d,]+/);
    expect(escalate).toContain('每小时第 15 分');
    // no raw keys or cron strings: every job is named and scheduled in words
    const jobsText = (await page.getByTestId('jobs-table').textContent()) ?? '';
    expect(jobsText).not.toMatch(/escalatedLevel|ordersLifted|\* \* \*|expire-entries/);
    await shot('jobs');
  });

  it('warns when the working-day calendar runs out, as /readyz says on that day', async () => {
    await page.getByTestId('calendar').waitFor();
    expect(await page.getByTestId('calendar').textContent()).toContain('工作日日历正常');
    const ready = (await t.http.get('/readyz').expect(200)).body;
    const until = ready.calendar.officialUntil as string;
    const now = t.clock.now();
    t.clock.set(new Date(Date.parse(`${until}T02:00:00Z`) - 20 * 86_400_000)); // 20 days before it ends
    try {
      await page.reload();
      await page.getByTestId('calendar').waitFor();
      const text = (await page.getByTestId('calendar').textContent()) ?? '';
      expect(text).toContain('工作日日历即将用尽');
      expect(text).toContain(until);
      expect(text).toContain('20');
      await shot('jobs-calendar-warning', false);
    } finally {
      t.clock.set(now);
    }
  });

  it('a desk sees its own hits, those to feed back first, and feeds back from the page; a supervisor sees all', async () => {
    await page.getByTestId('sign-out').click();
    await signIn(mof);
    await page.waitForURL(/#\/orders$/);
    // one hit's listing found wrong since: its record carries the revocation's mark (as the revocation writes it)
    const waiting = (await t.http.get('/v1/checks/decisions').query({ feedback: 'pending' }).set(mof).expect(200)).body;
    const marked = waiting.items[1] as { id: string; answer: { measures: { entryId: string }[] } };
    await t.db('check_decision_basis_revocations').insert({
      decision_id: marked.id,
      entry_id: marked.answer.measures[0]?.entryId as string,
      revoked_at: new Date(),
      reason: '重复列入',
      decision_no: '撤〔2026〕8号',
    });
    // the other's quoted decision number was corrected since: a note, not a mark (the listing stood)
    const noted = waiting.items[0] as typeof marked;
    await t.db('check_decision_ground_corrections').insert({
      decision_id: noted.id,
      entry_id: noted.answer.measures[0]?.entryId as string,
      corrected_at: new Date(),
      reason: '文号录错',
      decision_no: '更〔2026〕3号',
      fields: ['decisionNo', 'decidedAt'],
    });
    await page.getByRole('link', { name: '核查命中' }).click();
    await page
      .getByTestId('decisions-table')
      .waitFor()
      .catch(async (e) => {
        throw new Error(
          `${e}: ${await page.locator('main').textContent()} ${JSON.stringify((globalThis as { __pageErrors?: string[] }).__pageErrors)}`,
        );
      });
    const pending = (await t.http.get('/v1/checks/decisions').query({ feedback: 'pending' }).set(mof).expect(200)).body;
    const rows = () =>
      page
        .locator('[data-testid="decisions-table"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-decision')));
    expect(await rows()).toEqual(pending.items.map((d: { id: string }) => d.id));
    expect(pending.items).toHaveLength(2);
    expect(await page.getByTestId('decisions-table').textContent()).toContain('政府采购');
    // the desk sees the mark on that row, and on no other
    expect(await page.getByTestId('decision-mark').allTextContents()).toEqual([
      '所依据的名单条目已撤销：重复列入（撤〔2026〕8号）',
    ]);
    expect(await page.locator(`tr[data-decision="${marked.id}"] [data-testid="decision-mark"]`).count()).toBe(1);
    expect(
      await page.locator(`tr[data-decision="${noted.id}"] [data-testid="decision-note"]`).allTextContents(),
    ).toEqual(['所引用的列入依据已更正（决定文书号、决定日期）：文号录错（更〔2026〕3号）']);
    await shot('decisions');

    const first = page.locator(`tr[data-decision="${pending.items[0].id}"]`);
    await first.getByLabel('未限制', { exact: true }).check();
    await first.getByRole('combobox', { name: '未限制原因' }).selectOption('subject_mismatch');
    await first.getByRole('textbox', { name: '案卷号' }).fill('CG-2026-18');
    await first.getByRole('button', { name: '反馈' }).click();
    await page.getByTestId('decision-saved').waitFor();
    expect(await rows()).toEqual([pending.items[1].id]);
    const stored = (await t.http.get(`/v1/checks/decisions/${pending.items[0].id}`).set(mof).expect(200)).body;
    expect(stored.feedback).toMatchObject({
      action: 'not_restricted',
      reason: 'subject_mismatch',
      caseRef: 'CG-2026-18',
    });

    await page.getByTestId('decision-feedback-filter').selectOption('given');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="decisions-table"] tbody tr')
          .length === 3,
    );
    expect(await page.getByTestId('decisions-table').textContent()).toContain('主体不一致');

    await page.getByTestId('sign-out').click();
    await signIn(ndrc);
    await page.getByTestId('department-table').waitFor();
    await page.getByRole('link', { name: '核查命中' }).click();
    await page.getByTestId('decision-feedback-filter').selectOption('');
    await page.getByTestId('decisions-table').waitFor();
    const all = (await t.http.get('/v1/checks/decisions').query({ outcome: 'hit' }).set(ndrc).expect(200)).body;
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="decisions-table"] tbody tr')
          .length === n,
      all.items.length,
    );
    expect(await page.getByTestId('decisions-table').textContent()).toContain('自然资源部');
    expect(await page.getByTestId('desk-feedback-form').count()).toBe(0); // a supervisor reads, the desk answers
    await page.getByTestId('decision-department').selectOption('mnr');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as BrowserGlobals).document.querySelectorAll('[data-testid="decisions-table"] tbody tr')
          .length === 1,
    );
    await page.getByTestId('decision-department').selectOption('');
    await shot('decisions-supervisor');
  });

  it("a department feeds back from the page, cannot open another's order, the supervisor sees it", async () => {
    const before = (await t.http.get('/v1/reports/feedback').set(ndrc).expect(200)).body.departments.find(
      (d: { department: string }) => d.department === 'mof',
    );
    const otherOrder = (await t.http.get('/v1/orders').query({ department: 'mnr' }).set(ndrc).expect(200)).body
      .items[0];

    await page.getByTestId('sign-out').click();
    await page.waitForURL(/#\/signin$/);
    expect(
      await page.evaluate((k) => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem(k), TOKEN_KEY),
    ).toBeNull();
    await signIn(mof);
    await page.waitForURL(/#\/orders$/);
    await page.getByTestId('orders-table').waitFor();
    // the most urgent first (the API's order), each row naming its subject
    const urgent = (await t.http.get('/v1/orders').query({ status: 'issued', limit: 50 }).set(mof).expect(200)).body
      .items;
    const shownOrders = await page
      .locator('[data-testid="orders-table"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order')));
    expect(shownOrders).toEqual(urgent.map((o: { id: string }) => o.id));
    expect(await page.locator('[data-testid="orders-table"] tbody tr').first().textContent()).toContain(
      urgent[0].subject.name,
    );
    await shot('department-orders');
    await expect(page.getByRole('link', { name: '总览' }).count()).resolves.toBe(0);

    await page.locator('[data-testid="orders-table"] tbody tr a').first().click();
    await page.getByTestId('feedback-form').waitFor();
    await page.getByLabel('不适用', { exact: true }).check();
    await page.getByLabel('不适用原因').selectOption('not_in_scope');
    await page.getByLabel('说明').fill('该企业未参与本地政府采购');
    await shot('department-feedback');
    await page.getByRole('button', { name: '提交反馈' }).click();
    await page.getByTestId('feedback-saved').waitFor();
    await expect(page.getByTestId('order-status').textContent()).resolves.toBe('不适用');
    const fedBack = (await t.http.get(`/v1/orders/${urgent[0].id}`).set(mof).expect(200)).body.feedback;
    expect(fedBack).toMatchObject({
      outcome: 'not_applicable',
      reason: 'not_in_scope',
      note: '该企业未参与本地政府采购',
    });

    await page.goto(`${base}/dashboard/#/orders/${otherOrder.id}`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.getByTestId('not-found').textContent()).toBe('未找到该记录。');

    await page.getByTestId('sign-out').click();
    await signIn(ndrc);
    await page.getByTestId('department-table').waitFor();
    const after = (await overviewNumbers()).mof;
    expect(after).toMatchObject({ notApplicable: before.notApplicable + 1, pending: before.pending - 1 });
  });

  it('sends an expired or revoked token back to sign-in with a clear message, in English too', async () => {
    // the token stops working while the page is open: the next call lands on sign-in
    await page.evaluate(
      (k) => (globalThis as unknown as BrowserGlobals).sessionStorage.setItem(k, 'revoked-token-0123456789abcdef'),
      TOKEN_KEY,
    );
    await page.goto(`${base}/dashboard/#/overdue`);
    await page.waitForURL(/#\/signin$/);
    await expect(page.getByTestId('signin-message').textContent()).resolves.toContain('令牌无效或已过期');
    expect(
      await page.evaluate((k) => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem(k), TOKEN_KEY),
    ).toBeNull();
    // the page is opened again with a token that no longer works
    await page.evaluate(
      (k) => (globalThis as unknown as BrowserGlobals).sessionStorage.setItem(k, 'revoked-token-0123456789abcdef'),
      TOKEN_KEY,
    );
    await page.reload();
    await page.waitForURL(/#\/signin$/);
    await expect(page.getByTestId('signin-message').textContent()).resolves.toContain('令牌无效或已过期');
    expect(await page.content()).not.toMatch(/at \w+ \(|Error:/); // a message, never a stack trace

    await page.getByRole('button', { name: 'English' }).click();
    await signIn(ADMIN.Authorization.replace('Bearer ', ''));
    await page.waitForURL(/#\/overview$/);
    await page.getByTestId('department-table').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Overview');
    await shot('overview-en');
    await page.getByRole('button', { name: '中文' }).click();
  });

  async function overviewNumbers(): Promise<Record<string, Record<string, number>>> {
    return page.locator('[data-testid="department-table"] tr[data-department]').evaluateAll((trs) =>
      Object.fromEntries(
        trs.map((tr) => [
          tr.getAttribute('data-department'),
          Object.fromEntries(
            ['issued', 'implemented', 'notApplicable', 'pending', 'overdue', 'escalated', 'lifted'].map((c) => {
              const cell = tr.querySelector(`td[data-col="${c}"]`);
              const text = (cell?.querySelector('.bar-label') ?? cell)?.textContent ?? '';
              return [c, Number(text.replace(/,/g, ''))];
            }),
          ),
        ]),
      ),
    );
  }
});
