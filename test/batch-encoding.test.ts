import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { startTestApp, type TestApp } from './support/test-app';
import { makeIdNumber, makeUscc } from './support/factories';

type Result = { row: number; status: string; id?: string; errors?: { path: string; message: string }[] };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = 'listType,kind,uscc,idNumber,name,legalRepName,legalRepIdNumber,reason,decisionNo,decidedAt,sourceRef';

/** What a credit office's files really hold: GBK from Excel, Chinese headers, workbooks; all on the real app and DB. */
describe('batch files as a credit office has them', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let ref = 0;
  const nextRef = () => `ENC-${Date.now().toString(36)}-${++ref}`;
  const row = (name: string, over: { uscc?: string; reason?: string; sourceRef?: string } = {}) =>
    `serious_violation,enterprise,${over.uscc ?? makeUscc()},,${name},,,${over.reason ?? '提交虚假材料取得公司登记'},沪市监严〔2026〕1号,2026-02-10,${over.sourceRef ?? nextRef()}`;
  const post = (body: Buffer | string, type: string) =>
    t.http.post('/v1/list-entries/batch').set(samr).set('Content-Type', type).send(body);

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  it('stores a GBK file as the names it holds, with and without charset=gbk', async () => {
    const names = ['上海某某贸易有限公司', '北京某某科技有限公司'];
    const gbk = iconv.encode(`${HEADER}\r\n${names.map((n) => row(n)).join('\r\n')}\r\n`, 'gbk');
    const declared = await post(gbk, 'text/csv; charset=gbk').expect(200);
    expect(declared.body.summary).toEqual({ created: 2, unchanged: 0, rejected: 0 });
    const entry = await t.http.get(`/v1/list-entries/${declared.body.results[0].id}`).set(samr).expect(200);
    expect(entry.body.subject.name).toBe(names[0]);
    expect(entry.body.reason).toBe('提交虚假材料取得公司登记');

    const sniffed = iconv.encode(`${HEADER}\r\n${row('广州某某物流有限公司')}\r\n`, 'gb18030');
    const res = await post(sniffed, 'text/csv').expect(200);
    const stored = await t.http.get(`/v1/list-entries/${res.body.results[0].id}`).set(samr).expect(200);
    expect(stored.body.subject.name).toBe('广州某某物流有限公司');
  });

  it('refuses a file mixing UTF-8 and GBK, and a declared UTF-8 file that is not, naming the row; nothing stored', async () => {
    const before = await t.count('list_entries');
    const mixed = Buffer.concat([
      Buffer.from(`${HEADER}\r\n${row('上海某某贸易有限公司')}\r\n`, 'utf8'),
      iconv.encode(`${row('北京某某科技有限公司')}\r\n`, 'gbk'),
    ]);
    const res = await post(mixed, 'text/csv').expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors[0].path).toBe('row 2');
    const notUtf8 = await post(
      iconv.encode(`${HEADER}\r\n${row('北京某某科技有限公司')}\r\n`, 'gbk'),
      'text/csv; charset=utf-8',
    ).expect(400);
    expect(notUtf8.body.errors[0].path).toBe('row 1');
    await post('x', 'text/csv; charset=shift_jis').expect(415);
    expect(await t.count('list_entries')).toBe(before);
  });

  it('rejects rows holding U+FFFD, mojibake or control characters, naming the field; the clean row is stored', async () => {
    const lines = [
      HEADER,
      row('上海某某贸易有限公司'),
      row('������ͨ有限公司'),
      row('锟斤拷锟斤拷有限公司'),
      row('北京某某科技有限公司', { reason: 'æ\u0097¥æ\u009c¬' }),
      row('深圳某某有限公司', { reason: 'Ã©cole' }),
      row('杭州某某\u0007有限公司'),
    ];
    const res = await post(`${lines.join('\n')}\n`, 'text/csv').expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual([
      'created',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(results.slice(1).map((r) => r.errors?.map((e) => e.path))).toEqual([
      ['name'],
      ['name'],
      ['reason'],
      ['reason'],
      ['name'],
    ]);
    expect(results[2]?.errors?.[0]?.message).toMatch(/^主体名称含有乱码/);
  });

  it('reads Chinese headers in another order, normalising USCCs, dates and list names', async () => {
    const uscc = makeUscc();
    const ref1 = nextRef();
    const csv = [
      '来源编号,决定日期,企业名称,统一社会信用代码,名单类型,列入原因,决定文书号,法定代表人,法定代表人身份证号',
      `${ref1},2026年2月10日,上海某某贸易有限公司,${` ${uscc.slice(0, 9)} ${uscc.slice(9)}`.toLowerCase()},严重违法失信名单,提交虚假材料,沪市监严〔2026〕9号,张三,${makeIdNumber()}`,
      `${nextRef()},2026.02.11,北京某某科技有限公司,${makeUscc().replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))},经营异常名录,无法联系,京市监异〔2026〕2号,,`,
      `${nextRef()},10/02/2026,广州某某有限公司,${makeUscc()},严重违法失信名单,原因,文号,,`,
    ].join('\r\n');
    const res = await post(csv, 'text/csv').expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'rejected']);
    expect(results[2]?.errors?.map((e) => e.path)).toEqual(['decidedAt']);
    const first = await t.http.get(`/v1/list-entries/${results[0]?.id}`).set(samr).expect(200);
    expect(first.body).toMatchObject({
      listType: 'serious_violation',
      decidedAt: '2026-02-10',
      sourceRef: ref1,
      subject: { uscc, name: '上海某某贸易有限公司', legalRepresentative: { name: '张三' } },
    });
    const second = await t.http.get(`/v1/list-entries/${results[1]?.id}`).set(samr).expect(200);
    expect(second.body).toMatchObject({ listType: 'abnormal_operations', decidedAt: '2026-02-11' });

    const unknown = await post('来源编号,企业名称,备注,名单类型\r\nx,y,z,w\r\n', 'text/csv').expect(400);
    expect(unknown.body.errors.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['未知的列“备注”', '缺少列 列入原因（reason）']),
    );
  });

  it('reads an .xlsx workbook whose dates are date cells', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('名单');
    sheet.addRow(['统一社会信用代码', '企业名称', '名单类型', '列入原因', '决定文书号', '决定日期', '来源编号']);
    const uscc = makeUscc();
    sheet.addRow([
      uscc,
      '上海某某贸易有限公司',
      '严重违法失信名单',
      '提交虚假材料',
      '沪市监严〔2026〕3号',
      new Date(Date.UTC(2026, 1, 10)),
      nextRef(),
    ]);
    sheet.getCell('F2').numFmt = 'yyyy/m/d';
    sheet.addRow([
      makeUscc(),
      '北京某某科技有限公司',
      '经营异常名录',
      '无法联系',
      '京市监异〔2026〕4号',
      '2026/2/11',
      nextRef(),
    ]);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const res = await post(bytes, XLSX).expect(200);
    const results = res.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual(['created', 'created']);
    const first = await t.http.get(`/v1/list-entries/${results[0]?.id}`).set(samr).expect(200);
    expect(first.body).toMatchObject({ decidedAt: '2026-02-10', subject: { uscc } });
    const second = await t.http.get(`/v1/list-entries/${results[1]?.id}`).set(samr).expect(200);
    expect(second.body.decidedAt).toBe('2026-02-11');

    await post(Buffer.from('not a zip'), XLSX).expect(400);
  });
});
