import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import {
  enterpriseEntry,
  makeIdNumber,
  makeUscc,
  personDebtorEntry,
  unitDebtorEntry,
  withWrongCheck,
} from './support/factories';

const HEADER =
  'listType,kind,uscc,idNumber,name,legalRepName,legalRepIdNumber,reason,decisionNo,decidedAt,sourceRef,expiresAt';
type Result = { row: number; status: string; id?: string; errors?: { path: string; message: string }[] };

/** POST /v1/list-entries/batch and /v1/list-entries/removals/batch on the real app and a real PostgreSQL. */
describe('batch ingestion and removal', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let spc: { Authorization: string };
  let mof: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
    mof = await t.tokenFor('mof');
  });
  afterAll(() => t.close());

  it('stores good JSON rows, rejects bad ones with their fields, and a re-run changes nothing', async () => {
    const good1 = enterpriseEntry();
    const good2 = enterpriseEntry({ listType: 'abnormal_operations' });
    const badCheck = enterpriseEntry();
    (badCheck.subject as { uscc: string }).uscc = withWrongCheck((badCheck.subject as { uscc: string }).uscc);
    const badShape = { ...enterpriseEntry(), decidedAt: 'yesterday', extra: 1 };
    const notMine = personDebtorEntry(); // the courts' list: samr is not its authority
    const future = enterpriseEntry({ decidedAt: '2030-01-01' });
    const dup = { ...good1, reason: 'the same sourceRef again, other text' };
    const unit = unitDebtorEntry([{ role: 'principal', idNumber: makeIdNumber('1970-01-01') }]);
    const body = [good1, good2, badCheck, badShape, notMine, 'not an object', future, dup, unit];

    const res = await t.http.post('/v1/list-entries/batch').set(samr).send(body).expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => r.status)).toEqual([
      'created',
      'created',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(res.body.summary).toEqual({ created: 2, unchanged: 0, rejected: 7 });
    // the same sourceRef with another reason is no repeat: refused, naming the field and the entry stored under it
    expect(results[7]?.errors).toEqual([
      { path: 'reason', message: expect.stringContaining(results[0]?.id as string) },
    ]);
    expect(results[2]?.errors).toEqual([expect.objectContaining({ path: 'subject.uscc' })]);
    expect(results[3]?.errors?.map((e) => e.path).sort()).toEqual(['decidedAt', 'extra']);
    expect(results[4]?.errors).toEqual([
      { path: 'listType', message: expect.stringContaining('samr 不是失信被执行人名单的列入机关') },
    ]);
    expect(results[5]?.errors?.[0]?.path).toBe('row');
    expect(results[6]?.errors).toEqual([{ path: 'decidedAt', message: '决定日期不能晚于今天' }]);

    // what was stored is what the single endpoint stores: the entry with its orders, restrictions and bans
    const stored = await t.http.get(`/v1/list-entries/${results[0]?.id}`).set(samr).expect(200);
    expect(stored.body).toMatchObject({ sourceRef: good1.sourceRef, reason: good1.reason, status: 'active' });
    expect(stored.body.orders.length).toBeGreaterThan(0);
    const check = await t.http
      .get(`/v1/checks/enterprises/${(good1.subject as { uscc: string }).uscc}`)
      .set(mof)
      .expect(200);
    expect(check.body.restricted).toBe(true);
    const rep = (good1.subject as { legalRepresentative: { idNumber: string } }).legalRepresentative.idNumber;
    const officer = await t.http
      .post('/v1/checks/officers')
      .set(mof)
      .send({ idNumber: rep, role: 'legal_representative' })
      .expect(200);
    expect(officer.body.eligible).toBe(false);

    const before = {
      entries: await t.count('list_entries'),
      orders: await t.count('orders'),
      restrictions: await t.count('restrictions'),
      bans: await t.count('officer_bans'),
      audit: await t.count('audit_log'),
    };
    const again = await t.http.post('/v1/list-entries/batch').set(samr).send(body).expect(200);
    expect(again.body.summary).toEqual({ created: 0, unchanged: 2, rejected: 7 });
    expect((again.body.results as Result[]).filter((r) => r.id).map((r) => r.id)).toEqual(
      results.filter((r) => r.id).map((r) => r.id),
    );
    expect({
      entries: await t.count('list_entries'),
      orders: await t.count('orders'),
      restrictions: await t.count('restrictions'),
      bans: await t.count('officer_bans'),
      audit: await t.count('audit_log'),
    }).toEqual(before);
  });

  it('reads CSV with a BOM, CRLF, quoted commas, quoted newlines and Chinese text', async () => {
    const uscc1 = makeUscc();
    const uscc2 = makeUscc();
    const rep = makeIdNumber('1968-11-30');
    const ref = `CSV-${Date.now()}`;
    const lines = [
      HEADER,
      `serious_violation,enterprise,${uscc1},,"上海某某贸易有限公司, 第一分公司",张三,${rep},"提交虚假材料，""骗取""登记",沪市监严〔2026〕1号,2026-02-10,${ref}-1,`,
      `abnormal_operations,enterprise,${uscc2},,"北京某某科技有限公司",,,"通过登记的住所
无法联系",京市监异〔2026〕2号,2026-01-05,${ref}-2,2029-01-04`,
      `abnormal_operations,person,,${makeIdNumber()},王五,,,原因,文号,2026-01-05,${ref}-3,`,
      `serious_violation,enterprise,${withWrongCheck(makeUscc())},,坏企业,,,原因,文号,2030-02-10,${ref}-4,`,
      `serious_violation,enterprise,${makeUscc()},,太少的列`,
      `serious_violation,enterprise,${uscc1},,"上海某某贸易有限公司, 第一分公司",张三,${rep},重复,文号,2026-02-10,${ref}-1,`,
    ];
    const csv = `\uFEFF${lines.join('\r\n')}\r\n`;
    const res = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .send(csv)
      .expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual([
      'created',
      'created',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(results[5]?.errors?.map((e) => e.path)).toEqual(['reason', 'decisionNo']); // same sourceRef, other data
    expect(results[2]?.errors?.[0]?.path).toBe('kind'); // a person on an enterprise-only list, reported by column
    expect(results[3]?.errors?.map((e) => e.path).sort()).toEqual(['decidedAt', 'uscc']);
    expect(results[4]?.errors?.[0]).toEqual({ path: 'row', message: '该行有 5 列，表头有 12 列' });

    const first = await t.http.get(`/v1/list-entries/${results[0]?.id}`).set(samr).expect(200);
    expect(first.body.subject).toMatchObject({
      name: '上海某某贸易有限公司, 第一分公司',
      legalRepresentative: { name: '张三' },
    });
    expect(first.body.reason).toBe('提交虚假材料，"骗取"登记');
    const second = await t.http.get(`/v1/list-entries/${results[1]?.id}`).set(samr).expect(200);
    expect(second.body).toMatchObject({ reason: '通过登记的住所\n无法联系', expiresAt: '2029-01-04' });

    // without BOM and with LF, the same file is a re-run: nothing new
    const again = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'text/csv')
      .send(lines.join('\n'))
      .expect(200);
    expect(again.body.summary).toEqual({ created: 0, unchanged: 2, rejected: 4 });
  });

  it('refuses a CSV with another header, a batch from the administrator, and other media types', async () => {
    const bad = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'text/csv')
      .send('listType,uscc\nx,y\n')
      .expect(400);
    expect(bad.body.errors[0].path).toBe('header');
    await t.http.post('/v1/list-entries/batch').set(ADMIN).send([enterpriseEntry()]).expect(403);
    await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'application/xml')
      .send('<x/>')
      .expect(415);
    await t.http.post('/v1/list-entries/batch').set(samr).send({ not: 'an array' }).expect(400);
  });

  it('takes 10,000 rows (several MB) on the batch path, while other routes keep the 1 MB limit', async () => {
    const rows = Array.from({ length: 10_000 }, () =>
      enterpriseEntry({ listType: 'abnormal_operations', reason: '通过登记的住所或者经营场所无法联系'.repeat(8) }),
    );
    const size = JSON.stringify(rows).length;
    expect(size).toBeGreaterThan(1_048_576 * 3);
    const res = await t.http.post('/v1/list-entries/batch').set(samr).send(rows).expect(200);
    expect(res.body.summary).toEqual({ created: 10_000, unchanged: 0, rejected: 0 });
    expect(await t.count('list_entries', { list_type: 'abnormal_operations' })).toBeGreaterThanOrEqual(10_000);

    const big = { ...enterpriseEntry(), reason: 'x'.repeat(1_100_000) };
    const tooLarge = await t.http.post('/v1/list-entries').set(samr).set('Accept-Language', 'en').send(big).expect(413);
    expect(tooLarge.body.detail).toBe('the request body is over the 1 MB limit');
    await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send(Array.from({ length: 10_001 }, () => ({})))
      .expect(400);
  }, 120_000);

  it('rejects a row PostgreSQL cannot store, and stores the rest', async () => {
    const ok = enterpriseEntry();
    const nul = { ...enterpriseEntry(), reason: 'bad\u0000byte' };
    const res = await t.http.post('/v1/list-entries/batch').set(samr).send([ok, nul]).expect(200);
    expect((res.body.results as Result[]).map((r) => r.status)).toEqual(['created', 'rejected']);
    expect(res.body.results[1].errors).toEqual([{ path: 'reason', message: '列入原因含有 NUL 字符，请删除' }]);
  });

  it('removes in bulk by sourceRef or id; repeats are unchanged; others are rejected row by row', async () => {
    const a = personDebtorEntry();
    const b = personDebtorEntry();
    const c = personDebtorEntry();
    const created = await t.http.post('/v1/list-entries/batch').set(spc).send([a, b, c]).expect(200);
    const [ra, rb] = created.body.results as Result[];
    const samrEntry = (await t.http.post('/v1/list-entries/batch').set(samr).send([enterpriseEntry()]).expect(200)).body
      .results[0] as Result;
    const idNumber = (a.subject as { idNumber: string }).idNumber;
    const before = await t.http
      .post('/v1/checks/officers')
      .set(mof)
      .send({ idNumber, role: 'legal_representative' })
      .expect(200);
    expect(before.body.eligible).toBe(false);

    const removal = { reason: '已履行生效法律文书确定的义务', decisionNo: '(2026)测01执恢1号' };
    const body = [
      { sourceRef: a.sourceRef, ...removal },
      { id: rb?.id, ...removal },
      { sourceRef: a.sourceRef, ...removal },
      { sourceRef: 'NO-SUCH-REF', ...removal },
      { id: samrEntry.id, ...removal },
      { sourceRef: c.sourceRef, id: rb?.id, ...removal },
      { sourceRef: c.sourceRef },
    ];
    const res = await t.http.post('/v1/list-entries/removals/batch').set(spc).send(body).expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual([
      'removed',
      'removed',
      'unchanged',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(res.body.summary).toEqual({ removed: 2, unchanged: 1, rejected: 4 });
    expect(results[0]?.id).toBe(ra?.id);
    expect(results[4]?.errors?.[0]?.message).toBe('只有列入该条目的机关可以移出该条目');
    expect(results[6]?.errors?.map((e) => e.path).sort()).toEqual(['decisionNo', 'reason']);

    const after = await t.http
      .post('/v1/checks/officers')
      .set(mof)
      .send({ idNumber, role: 'legal_representative' })
      .expect(200);
    expect(after.body.eligible).toBe(true);
    const entry = await t.http.get(`/v1/list-entries/${ra?.id}`).set(spc).expect(200);
    expect(entry.body.status).toBe('removed');
    expect(entry.body.orders.every((o: { status: string }) => o.status === 'lifted')).toBe(true);

    // CSV, re-run: nothing changes
    const csv = `sourceRef,reason,decisionNo\r\n${a.sourceRef},${removal.reason},${removal.decisionNo}\r\n${b.sourceRef},${removal.reason},${removal.decisionNo}\r\n`;
    const again = await t.http
      .post('/v1/list-entries/removals/batch')
      .set(spc)
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    expect(again.body.summary).toEqual({ removed: 0, unchanged: 2, rejected: 0 });
  });
});
