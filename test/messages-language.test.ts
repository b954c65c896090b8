import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, withWrongCheck, makeUscc } from './support/factories';

type FieldError = { path: string; message: string };
type Result = { row: number; status: string; errors?: FieldError[] };

/** What a schema validator or a regex would say; none of it may reach a person reading an error. */
const MACHINE_TALK =
  /must match|pattern|additionalProperties|additional properties|must NOT|\^|\$\/|\\d|\{\d+\}|instancePath|schemaPath/;
const HAN = /\p{Script=Han}/u;

/**
 * Messages people can act on (issue 19): Chinese by default, English when Accept-Language prefers it, each saying
 * what was expected in the sender's terms, every error of a body or a row at once.
 */
describe('error messages in the caller language', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  /** One entry wrong in four fields: a date in another form, a USCC with a wrong check character, a stray field,
   * a list type that does not exist. */
  const badEntry = () => ({
    ...enterpriseEntry(),
    decidedAt: '10/10/2026',
    subject: { kind: 'enterprise', uscc: 'abc', name: '某某商贸有限公司' },
    listType: 'no_such_list',
    colour: 'red',
  });

  it('answers a bad entry in Chinese by default, naming every broken field at once', async () => {
    const res = await t.http.post('/v1/list-entries').set(samr).send(badEntry()).expect(400);
    expect(res.headers['content-language']).toBe('zh');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const errors = res.body.errors as FieldError[];
    // the paths are the API names, as clients have always read them; only the human text is Chinese
    expect(errors.map((e) => e.path).sort()).toEqual(['colour', 'decidedAt', 'listType', 'subject.uscc']);
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath.decidedAt).toBe('决定日期应为 YYYY-MM-DD 格式的日期，例如 2026-10-10');
    expect(byPath['subject.uscc']).toMatch(/^统一社会信用代码应为 18 位统一社会信用代码/);
    expect(byPath.colour).toBe('colour不是可接受的字段，请删除');
    expect(byPath.listType).toMatch(/^名单类型应为以下之一：.*serious_violation/);
    expect(res.body.detail).toMatch(/^请求有误：/);
    for (const e of errors) expect(e.message).toMatch(HAN);
    for (const text of [res.body.detail, ...errors.map((e) => e.message)]) expect(text).not.toMatch(MACHINE_TALK);
  });

  it('answers in English when Accept-Language prefers it', async () => {
    const res = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .set('Accept-Language', 'en-US,en;q=0.9')
      .send(badEntry())
      .expect(400);
    expect(res.headers['content-language']).toBe('en');
    const byPath = Object.fromEntries((res.body.errors as FieldError[]).map((e) => [e.path, e.message]));
    expect(byPath.decidedAt).toBe('must be a date YYYY-MM-DD, e.g. 2026-10-10');
    expect(byPath.colour).toBe('is not a known field');
    expect(byPath['subject.uscc']).toMatch(/^must be an 18-character unified social credit code/);
    expect(res.body.detail).toMatch(/^invalid request: /);
    expect(res.body.detail).toContain('decidedAt must be a date YYYY-MM-DD, e.g. 2026-10-10');
    for (const text of [res.body.detail, ...Object.values(byPath)]) {
      expect(text).not.toMatch(MACHINE_TALK);
      expect(text).not.toMatch(HAN);
    }
    // a language the service does not speak, or Chinese preferred over English, is Chinese
    for (const lang of ['fr-FR', 'zh-CN,zh;q=0.9,en;q=0.8', 'en;q=0.5,zh;q=0.9']) {
      const other = await t.http.post('/v1/list-entries').set(samr).set('Accept-Language', lang).send(badEntry());
      expect([lang, other.headers['content-language']]).toEqual([lang, 'zh']);
    }
  });

  it('names the schema errors and the check characters of an entry at once, in Chinese', async () => {
    const entry = enterpriseEntry({ decidedAt: '2026-02-30', expiresAt: '2026-13-01' });
    const wrong = { ...entry, subject: { ...entry.subject, uscc: withWrongCheck(makeUscc()) } };
    const res = await t.http.post('/v1/list-entries').set(samr).send(wrong).expect(400);
    const errors = res.body.errors as FieldError[];
    expect(errors.map((e) => e.path).sort()).toEqual(['decidedAt', 'expiresAt', 'subject.uscc']);
    // a date that is not on the calendar is refused by the schema's date format, the check character beside it
    expect(errors.find((e) => e.path === 'decidedAt')?.message).toBe(
      '决定日期应为 YYYY-MM-DD 格式的日期，例如 2026-10-10',
    );
    expect(errors.find((e) => e.path === 'subject.uscc')?.message).toBe(
      '统一社会信用代码的校验位（第 18 位）不正确，请核对',
    );
    expect(res.body.detail).toMatch(/^请求有误：/);
    for (const e of errors) expect(e.message).not.toMatch(MACHINE_TALK);
  });

  it('renders a refused ended term (422) and a conflicting resubmission (409) in either language', async () => {
    const ended = enterpriseEntry({ decidedAt: '2022-06-01', listingGround: 'samr44_serious_violation' });
    const zh = await t.http.post('/v1/list-entries').set(samr).send(ended).expect(422);
    expect(zh.headers['content-language']).toBe('zh');
    expect(zh.body.errors[0]).toEqual({
      path: 'expiresAt',
      message: expect.stringMatching(/^列入期限已于 2025-05-31 届满/),
    });
    expect(zh.body.errors[0].message).toContain('historical: true');
    const en = await t.http.post('/v1/list-entries').set(samr).set('Accept-Language', 'en').send(ended).expect(422);
    expect(en.body.errors[0].message).toMatch(/^the listing term ended on 2025-05-31/);

    const entry = enterpriseEntry();
    const first = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const changed = { ...entry, reason: `${entry.reason}（另一事由）` };
    const conflict = await t.http.post('/v1/list-entries').set(samr).send(changed).expect(409);
    expect(conflict.body.detail).toMatch(new RegExp(`^来源编号 ${entry.sourceRef} 已保存为条目 ${first.body.id}`));
    expect(conflict.body.errors).toEqual([{ path: 'reason', message: expect.stringMatching(/^列入原因与来源编号/) }]);
  });

  it('renders batch rows in the request language, every error of a row at once', async () => {
    const good = enterpriseEntry();
    const bad = {
      ...enterpriseEntry(),
      decidedAt: '2026年13月40日',
      reason: '',
      subject: { kind: 'enterprise', uscc: 'x', name: '锟斤拷公司' },
    };
    const zh = await t.http.post('/v1/list-entries/batch').set(samr).send([good, bad]).expect(200);
    expect(zh.headers['content-language']).toBe('zh');
    const [, row] = zh.body.results as Result[];
    expect(row?.status).toBe('rejected');
    const paths = (row?.errors ?? []).map((e) => e.path).sort();
    expect(paths).toEqual(['decidedAt', 'reason', 'subject.name', 'subject.uscc']);
    const byPath = Object.fromEntries((row?.errors ?? []).map((e) => [e.path, e.message]));
    expect(byPath.decidedAt).toBe('决定日期应为 YYYY-MM-DD 格式的日期，例如 2026-10-10');
    expect(byPath.reason).toBe('列入原因不能为空');
    expect(byPath['subject.name']).toMatch(/^主体名称含有乱码/);
    for (const e of row?.errors ?? []) expect(e.message).not.toMatch(MACHINE_TALK);

    const en = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Accept-Language', 'en-US,en;q=0.9')
      .send([bad])
      .expect(200);
    expect(en.headers['content-language']).toBe('en');
    const enRow = (en.body.results as Result[])[0];
    expect(enRow?.errors?.find((e) => e.path === 'decidedAt')?.message).toBe(
      'must be a date YYYY-MM-DD, e.g. 2026-10-10',
    );
    // English messages follow the field's API name; none opens with a Chinese label
    for (const e of enRow?.errors ?? []) expect(e.message).not.toMatch(/^\p{Script=Han}/u);
  });

  it('names CSV columns by their Chinese labels in a CSV batch, the paths staying the column names', async () => {
    const csv = [
      '名单类型,统一社会信用代码,企业名称,列入原因,决定文书号,决定日期,来源编号',
      `严重违法失信名单,${makeUscc()},某某公司,原因,文书〔2026〕1号,10/10/2026,S-CSV-1`,
    ].join('\n');
    const res = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .send(csv)
      .expect(200);
    const [row] = res.body.results as Result[];
    expect(row?.errors).toEqual([
      { path: 'decidedAt', message: '决定日期应为 YYYY-MM-DD 格式的日期，例如 2026-10-10' },
    ]);
  });

  it('renders a correction of an identity field (422) and an objection to a removed entry (409) in the caller language', async () => {
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const fix = { reason: '代码录错', changes: { uscc: makeUscc() } };
    const zh = await t.http.post(`/v1/list-entries/${entry.body.id}/corrections`).set(samr).send(fix).expect(422);
    expect(zh.headers['content-language']).toBe('zh');
    expect(zh.body.detail).toMatch(/^统一社会信用代码用于识别主体及其名单，不能更正/);
    expect(zh.body.errors).toEqual([
      { path: 'changes.uscc', message: '统一社会信用代码是识别字段，不能更正：请撤销后重新列入' },
    ]);
    const en = await t.http
      .post(`/v1/list-entries/${entry.body.id}/corrections`)
      .set(samr)
      .set('Accept-Language', 'en')
      .send(fix)
      .expect(422);
    expect(en.body.errors).toEqual([{ path: 'changes.uscc', message: 'is an identity field: revoke and list again' }]);

    const removal = { reason: '已履行', decisionNo: '移〔2026〕9号' };
    await t.http.post(`/v1/list-entries/${entry.body.id}/removal`).set(samr).send(removal).expect(200);
    const objection = await t.http
      .post(`/v1/list-entries/${entry.body.id}/objections`)
      .set(samr)
      .send({
        receivedAt: '2026-03-01T08:00:00Z',
        channel: 'authority',
        grounds: ['wrong_subject'],
        statement: '异议',
      });
    expect(objection.status).toBe(409);
    expect(objection.body.detail).toBe('该条目当前状态为已移出；提出异议只能在列入中状态下进行');
  });

  it('names the reason and decision of a removal, a correction or feedback as that request does, not as the listing', async () => {
    // `reason` is why the subject is listed in an entry (列入原因), and why this is done in a removal, a correction
    // or feedback: a message that calls a removal's empty reason 列入原因 sends the user to the wrong field
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const messageOf = (res: { body: { errors: FieldError[] } }, path: string) =>
      res.body.errors.find((e) => e.path === path)?.message ?? '';
    const removal = await t.http
      .post(`/v1/list-entries/${entry.body.id}/removal`)
      .set(samr)
      .send({ reason: '', decisionNo: '' })
      .expect(400);
    expect(messageOf(removal, 'reason')).toMatch(/^移出原因/);
    expect(messageOf(removal, 'decisionNo')).toMatch(/^移出决定文书号/);
    const correction = await t.http
      .post(`/v1/list-entries/${entry.body.id}/corrections`)
      .set(samr)
      .send({ reason: '', changes: { reason: '' } })
      .expect(400);
    // the correction's own reason, and the entry's listing reason it corrects
    expect(messageOf(correction, 'reason')).toMatch(/^更正原因/);
    expect(messageOf(correction, 'changes.reason')).toMatch(/^列入原因/);
    const order = (entry.body.orders as { id: string; department: string }[]).find((o) => o.department === 'mof');
    const feedback = await t.http
      .post(`/v1/orders/${order?.id}/feedback`)
      .set(await t.tokenFor('mof'))
      .send({ outcome: 'not_applicable', reason: 'no_such_reason' })
      .expect(400);
    expect(messageOf(feedback, 'reason')).toMatch(/^不适用原因/);
    // an entry's reason is still its listing reason
    const listing = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...enterpriseEntry(), reason: '' })
      .expect(400);
    expect(messageOf(listing, 'reason')).toMatch(/^列入原因/);
  });

  it('renders the feedback batch items, the checks, reports and tokens in the caller language, with no codes', async () => {
    const mof = await t.tokenFor('mof');
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const order = (entry.body.orders as { id: string; department: string }[]).find((o) => o.department === 'mof');
    await t.http.post(`/v1/orders/${order?.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);
    const items = [
      { orderId: order?.id, outcome: 'implemented' },
      { orderId: order?.id, outcome: 'not_applicable' },
    ];
    const zh = await t.http.post('/v1/orders/feedback').set(mof).send({ items }).expect(200);
    expect(zh.headers['content-language']).toBe('zh');
    const [final, missing] = zh.body.results as { status: number; problem: Record<string, unknown> }[];
    expect(final?.problem.detail).toBe('该措施已有最终反馈（已落实）');
    expect(missing?.problem.errors).toEqual([
      { path: 'items[1].reason', message: expect.stringMatching(/^反馈“不适用”时须填写第 2 项的不适用原因/) },
    ]);
    for (const r of [final, missing]) expect(r?.problem).not.toHaveProperty('detailRef');
    const en = await t.http.post('/v1/orders/feedback').set(mof).set('Accept-Language', 'en').send({ items });
    expect(en.body.results[0].problem.detail).toBe('the order already has its final feedback (implemented)');

    // the fields the other services check beyond the schema
    const scenario = await t.http.get(`/v1/checks/enterprises/${makeUscc()}`).query({ scenario: 'no_such' }).set(mof);
    expect(scenario.status).toBe(400);
    expect(scenario.body.errors[0].message).toMatch(/^没有“no_such”这一应用场景/);
    const trend = await t.http.get('/v1/reports/trend').query({ from: '2026-03-01', to: '2026-02-01' }).set(ADMIN);
    expect(trend.status).toBe(400);
    expect(trend.body.errors[0].message).toBe('截止日期早于起始日期');
    const token = await t.http
      .post('/v1/departments/mof/tokens')
      .set(ADMIN)
      .send({ expiresAt: '2020-01-01T00:00:00Z' });
    expect(token.status).toBe(400);
    expect(token.body.errors[0].message).toBe('届满日期须晚于当前时间');
  });

  it('renders a missing record (404) and a refused read (403) in the caller language, as every other error', async () => {
    const mof = await t.tokenFor('mof');
    const id = '01a24be1-3fc4-75e4-8a52-66ca43ff61bb';
    const cases: [string, { Authorization: string }, number, string, string][] = [
      [`/v1/orders/${id}`, mof, 404, `没有编号为 ${id} 的措施`, `no order with id ${id}`],
      [`/v1/objections/${id}`, samr, 404, `没有编号为 ${id} 的异议`, `no objection with id ${id}`],
      [
        `/v1/restoration-applications/${id}`,
        samr,
        404,
        `没有编号为 ${id} 的信用修复申请`,
        `no restoration application with id ${id}`,
      ],
      ['/v1/objections', mof, 403, '只有列入机关、监督部门或管理员可以查看异议和信用修复申请', 'only a list authority'],
      [
        '/v1/reports/overdue?department=samr',
        mof,
        403,
        '只有监督部门或管理员可以查看其他部门的措施',
        'only a supervisor',
      ],
    ];
    for (const [path, auth, status, zh, en] of cases) {
      const inZh = await t.http.get(path).set(auth).expect(status);
      expect(inZh.headers['content-type']).toMatch(/problem\+json/);
      expect(inZh.body.detail).toContain(zh);
      const inEn = await t.http.get(path).set(auth).set('Accept-Language', 'en').expect(status);
      expect(inEn.body.detail).toContain(en);
    }
  });
});
