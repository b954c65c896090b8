import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, makeUscc, personDebtorEntry, withWrongCheck } from './support/factories';

const PROBLEM = /application\/problem\+json/;

describe('authentication and authorisation', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let mof: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
  });
  afterAll(() => t.close());

  it('401 without a token, with an unknown token, and with a malformed header', async () => {
    for (const headers of [{}, { Authorization: 'Bearer jp_not-a-real-token' }, { Authorization: 'Basic abc' }]) {
      const res = await t.http.get('/v1/departments').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('tokens are created by the administrator only, stored hashed and shown once', async () => {
    await t.http.post('/v1/departments/mof/tokens').set(samr).send({}).expect(403);
    const res = await t.http.post('/v1/departments/pboc/tokens').set(ADMIN).send({ label: '征信系统' }).expect(201);
    expect(res.body).toMatchObject({ department: 'pboc', label: '征信系统' });
    const stored = await t.db('api_tokens').where({ id: res.body.id }).first();
    expect(stored?.token_hash).not.toContain(res.body.token);
    expect(JSON.stringify(stored)).not.toContain(res.body.token);
    await t.http
      .get('/v1/departments')
      .set({ Authorization: `Bearer ${res.body.token}` })
      .expect(200);
    const audit = await t.db('audit_log').where({ entity_id: res.body.id, action: 'token.created' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain(res.body.token);
  });

  it('404 for a token of an unknown department', async () => {
    const res = await t.http.post('/v1/departments/nosuch/tokens').set(ADMIN).send({}).expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('only the list authority may list, and only the listing authority may remove', async () => {
    await t.http.post('/v1/list-entries').set(mof).send(enterpriseEntry()).expect(403);
    await t.http.post('/v1/list-entries').set(samr).send(personDebtorEntry()).expect(403); // the courts' list
    await t.http.post('/v1/list-entries').set(ADMIN).send(enterpriseEntry()).expect(403);
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    await t.http
      .post(`/v1/list-entries/${entry.body.id}/removal`)
      .set(mof)
      .send({ reason: 'x', decisionNo: 'y' })
      .expect(403);
  });

  it('orders: feedback only by the addressed department; other departments may not read them; supervisors may', async () => {
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const mnrOrder = entry.body.orders.find((o: { department: string }) => o.department === 'mnr');
    await t.http.post(`/v1/orders/${mnrOrder.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(403);
    await t.http.post(`/v1/orders/${mnrOrder.id}/feedback`).set(ADMIN).send({ outcome: 'implemented' }).expect(403);
    await t.http.get(`/v1/orders/${mnrOrder.id}`).set(mof).expect(403);
    await t.http
      .get(`/v1/orders/${mnrOrder.id}`)
      .set(await t.tokenFor('ndrc'))
      .expect(200);
    await t.http.get(`/v1/orders/${mnrOrder.id}`).set(samr).expect(200); // the authority that issued the entry
    await t.http.get('/v1/orders').query({ department: 'mnr' }).set(mof).expect(403);
    await t.http.get('/v1/reports/feedback').set(mof).expect(403);
  });

  it('409 on a second final feedback', async () => {
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const order = entry.body.orders.find((o: { department: string }) => o.department === 'mof');
    await t.http
      .post(`/v1/orders/${order.id}/feedback`)
      .set(mof)
      .send({ outcome: 'not_applicable', reason: 'no_business', note: '该企业未参与采购' })
      .expect(200);
    const again = await t.http
      .post(`/v1/orders/${order.id}/feedback`)
      .set(mof)
      .send({ outcome: 'implemented' })
      .expect(409);
    expect(again.headers['content-type']).toMatch(PROBLEM);
    const stored = await t.db('orders').where({ id: order.id }).first();
    expect(stored?.status).toBe('not_applicable');
  });
});

describe('bad input gets a problem naming the field, never a 500', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  const post = (body: unknown) =>
    t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(body as object);
  const paths = (res: { body: { errors?: { path: string }[] } }) => (res.body.errors ?? []).map((e) => e.path);

  it('a USCC with a wrong check character → 400 naming subject.uscc; nothing is stored', async () => {
    const body = enterpriseEntry();
    (body.subject as { uscc: string }).uscc = withWrongCheck((body.subject as { uscc: string }).uscc);
    const res = await post(body).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(paths(res)).toEqual(['subject.uscc']);
    expect(await t.db('list_entries').where({ source_ref: body.sourceRef }).first()).toBeUndefined();
  });

  it('a malformed USCC → 400 naming subject.uscc', async () => {
    const body = enterpriseEntry();
    (body.subject as { uscc: string }).uscc = 'not-a-code';
    expect(paths(await post(body).expect(400))).toContain('subject.uscc');
  });

  it('an ID number with a wrong check character → 400 naming the field', async () => {
    const res = await post(personDebtorEntry({ idNumber: '110101199003077777' }));
    // samr is not the courts: authorisation is decided before the body's details; the courts get the 400
    expect(res.status).toBe(403);
    const spc = await t.tokenFor('spc');
    const bad = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: '110101199003077777' }))
      .expect(400);
    expect(paths(bad)).toEqual(['subject.idNumber']);
  });

  it('several broken fields are named together', async () => {
    const body = enterpriseEntry({ decidedAt: '2027-01-01', expiresAt: '2020-01-01' });
    (body.subject as { legalRepresentative: { idNumber: string } }).legalRepresentative.idNumber = '110101199003077777';
    const res = await post(body).expect(400);
    expect(paths(res).sort()).toEqual(['decidedAt', 'expiresAt', 'subject.legalRepresentative.idNumber']);
  });

  it('an impossible calendar date is refused by the schema → 400 naming it', async () => {
    expect(paths(await post(enterpriseEntry({ decidedAt: '2026-02-30' })).expect(400))).toEqual(['decidedAt']);
  });

  it('unknown list type → 400 naming listType', async () => {
    expect(paths(await post({ ...enterpriseEntry(), listType: 'red_list' }).expect(400))).toContain('listType');
  });

  it('missing and unknown fields are named', async () => {
    const { reason: _reason, ...noReason } = enterpriseEntry();
    expect(paths(await post(noReason).expect(400))).toContain('reason');
    expect(paths(await post({ ...enterpriseEntry(), colour: 'red' }).expect(400))).toContain('colour');
  });

  it('a person on an enterprise-only list → 400 naming subject.kind', async () => {
    const res = await post({ ...personDebtorEntry(), listType: 'serious_violation' }).expect(400);
    expect(paths(res)).toContain('subject.kind');
  });

  it('a decision date in the future → 400', async () => {
    expect(paths(await post(enterpriseEntry({ decidedAt: '2027-01-01' })).expect(400))).toEqual(['decidedAt']);
  });

  it('minors may not be listed as dishonest debtors', async () => {
    const spc = await t.tokenFor('spc');
    // A VALID number (its check character right) of someone 17 on the decision date: only the minors rule refuses it.
    const minor = makeIdNumber('2008-09-01');
    const decidedAt = '2026-02-10';
    const res = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: minor, decidedAt }))
      .expect(400);
    expect(paths(res)).toEqual(['subject.idNumber']);
    expect(res.body.errors[0].message).toBe('身份证号属于未成年人，未成年人不得列入失信被执行人名单');
    // the same person a day after turning 18 may be listed
    const adult = makeIdNumber('2008-02-09');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: adult, decidedAt }))
      .expect(201);
  });

  it('malformed JSON → 400 problem', async () => {
    const res = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .set('Content-Type', 'application/json')
      .send('{"listType": ')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.errors).toEqual([{ path: 'body', message: '请求内容不是有效的 JSON' }]);
  });

  it('a body over 1 MB → 413 problem', async () => {
    const res = await post({ ...enterpriseEntry(), reason: 'x'.repeat(1_100_000) }).expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('unknown ids → 404; a malformed id → 400 naming id', async () => {
    await t.http.get('/v1/list-entries/6f1c1d1e-0000-4000-8000-000000000000').set(samr).expect(404);
    await t.http.get('/v1/orders/6f1c1d1e-0000-4000-8000-000000000000').set(samr).expect(404);
    await t.http
      .post('/v1/orders/6f1c1d1e-0000-4000-8000-000000000000/feedback')
      .set(samr)
      .send({ outcome: 'implemented' })
      .expect(404);
    await t.http
      .post('/v1/list-entries/6f1c1d1e-0000-4000-8000-000000000000/removal')
      .set(samr)
      .send({ reason: 'r', decisionNo: 'd' })
      .expect(404);
    expect(paths(await t.http.get('/v1/list-entries/123').set(samr).expect(400))).toEqual(['id']);
  });

  it('checks: a bad USCC, an unknown scenario and a bad ID number are 400s naming the field', async () => {
    expect(
      paths(
        await t.http
          .get(`/v1/checks/enterprises/${withWrongCheck(makeUscc())}`)
          .set(samr)
          .expect(400),
      ),
    ).toEqual(['uscc']);
    expect(
      paths(
        await t.http
          .get(`/v1/checks/enterprises/${makeUscc()}`)
          .query({ scenario: 'space_travel' })
          .set(samr)
          .expect(400),
      ),
    ).toEqual(['scenario']);
    expect(
      paths(
        await t.http
          .post('/v1/checks/officers')
          .set(samr)
          .send({ idNumber: '110101199003077777', role: 'director' })
          .expect(400),
      ),
    ).toEqual(['idNumber']);
    expect(
      paths(
        await t.http
          .post('/v1/checks/officers')
          .set(samr)
          .send({ idNumber: '11010519491231002X', role: 'chairman' })
          .expect(400),
      ),
    ).toEqual(['role']);
  });

  it('a bad cursor and a bad limit are 400s naming them', async () => {
    expect(paths(await t.http.get('/v1/list-entries').query({ cursor: 'garbage' }).set(samr).expect(400))).toEqual([
      'cursor',
    ]);
    expect(paths(await t.http.get('/v1/orders').query({ limit: 0 }).set(samr).expect(400))).toEqual(['limit']);
  });

  it('an unknown path is a 404 problem, a wrong method a 405', async () => {
    const res = await t.http.get('/v1/nothing-here').set(samr).expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    await t.http.delete('/v1/list-entries').set(samr).expect(405);
  });
});
