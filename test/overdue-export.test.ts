import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import pino from 'pino';
import type { ReportStore } from '../src/reports/report-store';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, usccThatPassesAsIdNumber } from './support/factories';

type Auth = { Authorization: string };
interface Item {
  id: string;
  department: string;
  listType: string;
  subject: { kind: string; name: string; uscc?: string; idNumberMasked?: string };
  measures: { name: string; nameEn?: string }[];
  issuedAt: string;
  dueAt: string;
  daysOverdue: number;
  escalationLevel: number;
}

/** Rows per read of the export here: small, so a few dozen orders cross many page boundaries. */
const PAGE_ROWS = 4;
const HEADER_ZH = '反馈期限,逾期天数,部门,主体,统一社会信用代码 / ID,名单类型,措施,督办级别,发起时间,order id';
const HEADER_EN = 'Feedback due,Days overdue,Department,Subject,USCC / ID,List,Measures,Escalation,Issued,order id';

/** GET /v1/reports/overdue/export, its body as text (BOM kept) and parsed. */
async function exported(t: TestApp, auth: Auth, query: Record<string, string> = {}, language?: string) {
  const req = t.http.get('/v1/reports/overdue/export').query(query).set(auth);
  if (language) req.set('Accept-Language', language);
  const res = await req.buffer(true).parse((r, done) => {
    const parts: Buffer[] = [];
    r.on('data', (b: Buffer) => parts.push(b));
    r.on('end', () => done(null, Buffer.concat(parts).toString('utf8')));
  });
  const text = res.body as string;
  const rows = res.status === 200 ? (parse(text, { bom: true, relax_column_count: false }) as string[][]) : [];
  return { res, text, header: rows[0], rows: rows.slice(1) };
}

/** Every page of the paged list, as the dashboard read it before. */
async function pagedToTheEnd(t: TestApp, auth: Auth, query: Record<string, string> = {}): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await t.http
      .get('/v1/reports/overdue')
      .query({ ...query, limit: 7, ...(cursor ? { cursor } : {}) })
      .set(auth)
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The China day of an instant; the day a deadline allows is the one just before its end. */
const chinaDay = (iso: string, minusMs = 0) =>
  new Date(Date.parse(iso) - minusMs + 8 * 3_600_000).toISOString().slice(0, 10);

describe('GET /v1/reports/overdue/export: the overdue list as one streamed CSV', () => {
  let t: TestApp;
  let samr: Auth;
  let spc: Auth;
  let mof: Auth;
  let mnr: Auth;
  let ndrc: Auth;
  let personId: string;
  let legalRepId: string;
  let idLikeUscc: string;
  const logged: { msg: string; operationId?: string; err?: { message: string } }[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(line, _enc, done) {
        logged.push(JSON.parse(String(line)));
        done();
      },
    });
    t = await startTestApp({
      now: new Date('2026-03-02T02:00:00Z'),
      env: { OVERDUE_EXPORT_PAGE_ROWS: String(PAGE_ROWS) },
      log: pino({ level: 'info' }, sink),
    });
    [samr, spc, mof, mnr, ndrc] = (await Promise.all(
      ['samr', 'spc', 'mof', 'mnr', 'ndrc'].map((d) => t.tokenFor(d)),
    )) as [Auth, Auth, Auth, Auth, Auth];
    legalRepId = makeIdNumber('1971-05-06');
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry({ legalRepId })).expect(201);
    // names a spreadsheet would run as formulas, from another department's entry
    for (const name of ['=HYPERLINK("http://x.example","点我")有限公司', '@SUM(A1)贸易有限公司', '-2+3有限公司']) {
      const e = enterpriseEntry();
      await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send({ ...e, subject: { ...(e.subject as object), name } })
        .expect(201);
    }
    idLikeUscc = usccThatPassesAsIdNumber();
    const idLike = enterpriseEntry();
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...idLike, subject: { ...(idLike.subject as object), uscc: idLikeUscc, name: '延庆某某有限公司' } })
      .expect(201);
    t.clock.set(new Date('2026-03-10T03:00:00Z'));
    personId = makeIdNumber('1968-07-21');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: personId }))
      .expect(201);
    // every order past its deadline; the escalation job raises their levels
    t.clock.set(new Date('2026-04-20T03:00:00Z'));
    await t.app.jobs.run('escalate-overdue');
  });
  afterAll(() => t.close());

  it('has the rows of the paged list read to its end, in its order, as the dashboard showed them', async () => {
    const items = await pagedToTheEnd(t, ndrc);
    expect(items.length).toBeGreaterThan(PAGE_ROWS * 5);
    const { res, text, header, rows } = await exported(t, ndrc);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="overdue-all-2026-04-20.csv"');
    expect(res.headers['content-language']).toBe('zh');
    expect(res.headers['cache-control']).toBe('no-store');
    // UTF-8 with a BOM, CRLF after every line, the last one included
    expect(text.startsWith(`\uFEFF${HEADER_ZH}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(items.length + 2);
    expect(header?.join(',')).toBe(HEADER_ZH);

    expect(rows.map((r) => r[9])).toEqual(items.map((o) => o.id));
    const departments = new Map(t.rules.departments.map((d) => [d.code, d.name]));
    const lists = new Map(t.rules.catalog.lists.map((l) => [l.code, l.name]));
    rows.forEach((row, i) => {
      const o = items[i] as Item;
      expect(row).toEqual([
        chinaDay(o.dueAt, 1),
        String(o.daysOverdue),
        departments.get(o.department),
        o.subject.kind === 'enterprise' ? o.subject.name.replace(/^([=+\-@])/, "'$1") : o.subject.name,
        o.subject.kind === 'enterprise' ? o.subject.uscc : o.subject.idNumberMasked,
        lists.get(o.listType),
        o.measures.map((m) => m.name).join('；'),
        String(o.escalationLevel),
        chinaDay(o.issuedAt),
        o.id,
      ]);
    });
    // written by hand: mof's orders on the serious-violation list, issued 2026-03-02 and due ten working days on
    const mofRow = rows.find((r) => r[2] === '财政部' && r[8] === '2026-03-02');
    expect(mofRow?.[5]).toBe('严重违法失信名单');
    expect(mofRow?.[0]).toBe('2026-03-16');
    expect(mofRow?.[1]).toBe('34'); // 2026-03-16T16:00Z to 2026-04-20T03:00Z
  });

  it('gives a department its own orders only, and refuses another department’s with 403 before any CSV', async () => {
    const own = await exported(t, mnr);
    expect(own.res.headers['content-disposition']).toBe('attachment; filename="overdue-mnr-2026-04-20.csv"');
    expect(own.rows.length).toBeGreaterThan(0);
    expect(own.rows.map((r) => r[9])).toEqual((await pagedToTheEnd(t, mnr)).map((o) => o.id));
    expect(new Set(own.rows.map((r) => r[2]))).toEqual(new Set(['自然资源部']));

    const refused = await t.http.get('/v1/reports/overdue/export').query({ department: 'mof' }).set(mnr).expect(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.status).toBe(403);

    // a supervisor or the administrator names any department
    const mofRows = (await pagedToTheEnd(t, ndrc, { department: 'mof' })).map((o) => o.id);
    expect(mofRows.length).toBeGreaterThan(0);
    for (const auth of [ndrc, ADMIN]) {
      const named = await exported(t, auth, { department: 'mof' });
      expect(named.res.headers['content-disposition']).toBe('attachment; filename="overdue-mof-2026-04-20.csv"');
      expect(named.rows.map((r) => r[9])).toEqual(mofRows);
    }
    expect((await exported(t, mof)).rows.map((r) => r[9])).toEqual(mofRows);

    await t.http.get('/v1/reports/overdue/export').expect(401);
    await t.http.get('/v1/reports/overdue/export').query({ department: 'NOT A CODE' }).set(ndrc).expect(400);
    await t.http.get('/v1/reports/overdue/export').query({ department: 'nope' }).set(ndrc).expect(404);
  });

  it('speaks English when the request prefers it: header, department, list and measure names', async () => {
    const items = await pagedToTheEnd(t, ndrc, { department: 'mof' });
    const { res, header, rows } = await exported(t, ndrc, { department: 'mof' }, 'en-US,en;q=0.9');
    expect(res.headers['content-language']).toBe('en');
    expect(header?.join(',')).toBe(HEADER_EN);
    const first = rows[0] as string[];
    expect(first[2]).toBe('Ministry of Finance');
    const row = rows.find((r) => r[8] === '2026-03-02') as string[];
    expect(row[5]).toBe('List of seriously illegal and dishonest enterprises ("blacklist")');
    const item = items.find((o) => o.id === row[9]) as Item;
    expect(row[6]).toBe(item.measures.map((m) => m.nameEn ?? m.name).join('；'));
    expect(row[6]).not.toMatch(/[\u4e00-\u9fff]/);
    // the same rows as in Chinese
    expect(rows.map((r) => r[9])).toEqual(items.map((o) => o.id));
  });

  it('defuses cells a spreadsheet would run as formulas', async () => {
    const { text, rows } = await exported(t, ndrc);
    const names = new Set(rows.map((r) => r[3]));
    expect(names).toContain('\'=HYPERLINK("http://x.example","点我")有限公司');
    expect(names).toContain("'@SUM(A1)贸易有限公司");
    expect(names).toContain("'-2+3有限公司");
    expect(text).toContain(',"\'=HYPERLINK(""http://x.example"",""点我"")有限公司",');
    expect(rows.every((r) => !/^[=+\-@\t\r]/.test(r[3] as string))).toBe(true);
  });

  it('shows a person only by the masked ID number, and keeps an all-digit USCC that reads as one whole', async () => {
    const { text, rows } = await exported(t, ndrc);
    const masked = `${personId.slice(0, 6)}***********${personId.slice(17)}`;
    const personRows = rows.filter((r) => r[4] === masked);
    expect(personRows.length).toBeGreaterThan(0);
    expect(text).not.toContain(personId);
    expect(text).not.toContain(personId.slice(6, 17));
    expect(text).not.toContain(legalRepId); // the legal representative is no column
    // a code that is both a valid USCC and a valid ID number stands as the USCC it is, as in the paged list
    const idLikeRows = rows.filter((r) => r[3] === '延庆某某有限公司');
    expect(idLikeRows.length).toBeGreaterThan(0);
    expect(idLikeRows.every((r) => r[4] === idLikeUscc)).toBe(true);
  });

  it('neither repeats nor skips orders whose due_at has microseconds across its page boundaries', async () => {
    // SQL (not the service) writes instants with microseconds: twelve orders due within one millisecond, so the
    // export's pages of 4 part inside it, and two groups sharing a microsecond, told apart by their ids
    await t.db.raw(
      `update orders o set due_at = timestamptz '2026-03-20 00:00:00.000001+00' + (s.k / 2) * interval '1 microsecond'
         from (select id, row_number() over (order by id) as k from orders where status = 'issued' order by id limit 12) s
        where o.id = s.id`,
    );
    const { rows: wanted } = await t.db.raw<{ rows: { id: string }[] }>(
      `select id from orders where status = 'issued' and due_at < ? order by due_at, id`,
      [t.clock.now()],
    );
    const { rows } = await exported(t, ndrc);
    expect(rows.map((r) => r[9])).toEqual(wanted.map((r) => r.id));
    expect(new Set(rows.map((r) => r[9])).size).toBe(rows.length);
  });

  it('answers a failure before the first line as problem+json, and cuts off an answer that fails later', async () => {
    const store = (t.app.services.reports as unknown as { store: ReportStore }).store;
    const real = store.overdueExportPage.bind(store);
    const spy = jest.spyOn(store, 'overdueExportPage');
    try {
      spy.mockRejectedValueOnce(new Error('the first read failed'));
      const first = await t.http.get('/v1/reports/overdue/export').set(ndrc).expect(500);
      expect(first.headers['content-type']).toMatch(/^application\/problem\+json/);

      // a failure on the third read: the status line and two chunks are out; the transfer must not look complete
      let reads = 0;
      spy.mockImplementation((...args) => {
        reads++;
        return reads === 3 ? Promise.reject(new Error('the third read failed')) : real(...args);
      });
      const server = t.app.express.listen(0, '127.0.0.1');
      try {
        await new Promise((r) => server.once('listening', r));
        const { port } = server.address() as AddressInfo;
        const outcome = await new Promise<{ status?: number; received: string; error?: string }>((resolve) => {
          let received = '';
          const req = http.get({ port, path: '/v1/reports/overdue/export', headers: ndrc }, (res) => {
            res.setEncoding('utf8');
            res.on('data', (d: string) => (received += d));
            res.on('end', () => resolve({ status: res.statusCode, received }));
            res.on('error', (e) => resolve({ status: res.statusCode, received, error: e.message }));
          });
          req.on('error', (e) => resolve({ received, error: e.message }));
        });
        expect(outcome.status).toBe(200);
        expect(outcome.error).toBe('aborted');
        expect(outcome.received.startsWith(`\uFEFF${HEADER_ZH}\r\n`)).toBe(true);
        expect(outcome.received.split('\r\n')).toHaveLength(1 + 2 * PAGE_ROWS + 1);
      } finally {
        await new Promise((r) => server.close(r));
      }
      expect(logged).toContainEqual(
        expect.objectContaining({
          msg: 'streamed answer failed after its first chunk; cut off',
          operationId: 'exportOverdueOrders',
          err: expect.objectContaining({ message: 'the third read failed' }),
        }),
      );
    } finally {
      spy.mockRestore();
    }
  });
});
