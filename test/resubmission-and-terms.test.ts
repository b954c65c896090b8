import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeUscc } from './support/factories';

type Result = {
  row: number;
  status: string;
  id?: string;
  errors?: { path: string; message: string }[];
  alsoActive?: { id: string; decisionNo: string }[];
};

/** Nothing wrong gets onto a list: resubmissions that say something else, ended terms, the same subject twice. */
describe('resubmissions, ended terms and duplicate listings', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  it('answers a changed resubmission with 409 naming the fields, the stored id and status; the same body again 200', async () => {
    const entry = enterpriseEntry({ listingGround: 'samr44_serious_violation' });
    const first = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    expect(first.body.listingGround).toBe('samr44_serious_violation');
    const orders = await t.count('orders');

    // formatting only (spaces, full-width) is the same entry
    const reformatted = {
      ...entry,
      reason: ` ${entry.reason}  `,
      decisionNo: entry.decisionNo.replace('2026', '２０２６'),
    };
    const same = await t.http.post('/v1/list-entries').set(samr).send(reformatted).expect(200);
    expect(same.body).toMatchObject({ id: first.body.id, status: 'active', reason: entry.reason });

    const other = {
      ...entry,
      listType: 'abnormal_operations' as const,
      listingGround: 'unreachable',
      subject: { ...entry.subject, uscc: makeUscc(), name: '另一家公司' },
    };
    const res = await t.http.post('/v1/list-entries').set(samr).send(other).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toContain(first.body.id);
    expect(res.body.detail).toContain('（状态：列入中）');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'listType',
      'subject.uscc',
      'subject.name',
      'expiresAt',
      'listingGround',
    ]);
    expect(await t.count('orders')).toBe(orders);
    const stored = await t.http.get(`/v1/list-entries/${first.body.id}`).set(samr).expect(200);
    expect(stored.body.subject.name).toBe(entry.subject.name);

    // in a batch: that row rejected with the same reason, a repeat inside the batch too
    const again = enterpriseEntry();
    const batch = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send([other, entry, again, { ...again, reason: '另一个原因' }])
      .expect(200);
    const results = batch.body.results as Result[];
    expect(results.map((r) => r.status)).toEqual(['rejected', 'unchanged', 'created', 'rejected']);
    expect(results[0]?.errors?.map((e) => e.path)).toEqual([
      'listType',
      'subject.uscc',
      'subject.name',
      'expiresAt',
      'listingGround',
    ]);
    expect(results[0]?.errors?.[0]?.message).toContain(first.body.id);
    expect(results[3]?.errors).toEqual([
      { path: 'reason', message: expect.stringContaining(results[2]?.id as string) },
    ]);
  });

  it('reads a sourceRef as meant: spaces around it and full-width letters name the same entry, on every path', async () => {
    const entry = enterpriseEntry();
    const ref = entry.sourceRef;
    const first = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const orders = await t.count('orders');
    const fullWidth = ref.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    for (const sent of [` ${ref}\u3000`, fullWidth]) {
      const again = await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send({ ...entry, sourceRef: sent })
        .expect(200);
      expect(again.body).toMatchObject({ id: first.body.id, sourceRef: ref });
    }
    // a spreadsheet re-exported with a trailing space in 来源编号: the same rows, nothing listed twice
    const subject = entry.subject as { uscc: string; legalRepresentative: { name: string; idNumber: string } };
    const rep = subject.legalRepresentative;
    const csv = [
      '名单类型,统一社会信用代码,企业名称,法定代表人,法定代表人身份证号,列入原因,决定文书号,决定日期,来源编号',
      `严重违法失信名单,${subject.uscc},${entry.subject.name},${rep.name},${rep.idNumber},${entry.reason},${entry.decisionNo},${entry.decidedAt},${ref} `,
      '',
    ].join('\r\n');
    const batch = await t.http.post('/v1/list-entries/batch').set(samr).set('Content-Type', 'text/csv').send(csv);
    expect(batch.body.summary).toEqual({ created: 0, unchanged: 1, rejected: 0 });
    expect(await t.count('orders')).toBe(orders);
    expect(await t.count('list_entries', { source_ref: ref })).toBe(1);
    // a new entry is stored under its key as meant; a key of spaces only is none
    const spaced = enterpriseEntry();
    const created = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...spaced, sourceRef: `  ${spaced.sourceRef} ` })
      .expect(201);
    expect(created.body.sourceRef).toBe(spaced.sourceRef);
    const blank = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...enterpriseEntry(), sourceRef: ' \u3000 ' });
    expect(blank.status).toBe(400);
    expect(blank.body.errors.map((e: { path: string }) => e.path)).toEqual(['sourceRef']);
    // and a removal names it as meant too
    const removed = await t.http
      .post('/v1/list-entries/removals/batch')
      .set(samr)
      .send([{ sourceRef: `${fullWidth} `, reason: '已履行', decisionNo: '移〔2026〕31号' }])
      .expect(200);
    expect(removed.body.summary).toEqual({ removed: 1, unchanged: 0, rejected: 0 });
  });

  it('gives the entries stored before with spaces or full-width letters their key as meant, a taken key left alone', async () => {
    const a = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const b = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const c = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    // as the old code stored them: a's key with spaces, b's full-width; c's key the spaced twin of a's clean one
    await t
      .db('list_entries')
      .where({ id: a.body.id })
      .update({ source_ref: ` ${a.body.sourceRef} ` });
    await t
      .db('list_entries')
      .where({ id: b.body.id })
      .update({ source_ref: `ＡＢ-${b.body.sourceRef}` });
    await t
      .db('list_entries')
      .where({ id: c.body.id })
      .update({ source_ref: `${b.body.sourceRef}-twin ` });
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...enterpriseEntry(), sourceRef: `${b.body.sourceRef}-twin` });
    const migration = require('../migrations/20261206700000_source_refs_as_meant.js') as {
      up(db: unknown): Promise<void>;
    };
    await migration.up(t.db);
    const refOf = async (id: string) => (await t.db('list_entries').where({ id }).first())?.source_ref;
    expect(await refOf(a.body.id)).toBe(a.body.sourceRef);
    expect(await refOf(b.body.id)).toBe(`AB-${b.body.sourceRef}`);
    expect(await refOf(c.body.id)).toBe(`${b.body.sourceRef}-twin `);
  });

  it('refuses a term that ended before it arrived with 422 naming the end date and basis; historical stores it expired', async () => {
    const ended = enterpriseEntry({ decidedAt: '2022-06-01', listingGround: 'samr44_serious_violation' });
    const before = { entries: await t.count('list_entries'), orders: await t.count('orders') };
    const res = await t.http.post('/v1/list-entries').set(samr).send(ended).expect(422);
    expect(res.body.errors).toEqual([{ path: 'expiresAt', message: expect.stringContaining('2025-05-31') }]);
    expect(res.body.errors[0].message).toContain('第44号');
    const given = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ decidedAt: '2025-01-01', expiresAt: '2026-01-01' }))
      .expect(422);
    expect(given.body.errors[0].message).toContain('2026-01-01');
    expect({ entries: await t.count('list_entries'), orders: await t.count('orders') }).toEqual(before);

    const kept = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send({ ...ended, historical: true })
      .expect(201);
    expect(kept.body).toMatchObject({ status: 'expired', expiresAt: '2025-05-31', orders: [] });
    expect(await t.count('orders')).toBe(before.orders);
    const check = await t.http
      .get(`/v1/checks/enterprises/${(ended.subject as { uscc: string }).uscc}`)
      .set(samr)
      .expect(200);
    expect(check.body.restricted).toBe(false);
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ historical: true }))
      .expect(400);

    const batch = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send([enterpriseEntry({ decidedAt: '2022-06-01', listingGround: 'samr44_serious_violation' })])
      .expect(200);
    expect(batch.body.results[0]).toMatchObject({ status: 'rejected', errors: [{ path: 'expiresAt' }] });
  });

  it('stores the same subject listed again by the same authority and names the entries already active', async () => {
    const uscc = makeUscc();
    const a = enterpriseEntry();
    (a.subject as { uscc: string }).uscc = uscc;
    const first = await t.http.post('/v1/list-entries').set(samr).send(a).expect(201);
    expect(first.body.alsoActive).toBeUndefined();
    const b = enterpriseEntry({ decisionNo: '沪市监严〔2026〕77号' });
    (b.subject as { uscc: string }).uscc = uscc;
    const second = await t.http.post('/v1/list-entries').set(samr).send(b).expect(201);
    expect(second.body.alsoActive).toEqual([{ id: first.body.id, decisionNo: a.decisionNo }]);
    const c = enterpriseEntry({ listType: 'abnormal_operations' });
    (c.subject as { uscc: string }).uscc = uscc;
    const otherList = await t.http.post('/v1/list-entries').set(samr).send(c).expect(201);
    expect(otherList.body.alsoActive).toBeUndefined();

    const d = enterpriseEntry();
    (d.subject as { uscc: string }).uscc = uscc;
    const batch = await t.http.post('/v1/list-entries/batch').set(samr).send([d]).expect(200);
    expect((batch.body.results[0] as Result).alsoActive?.map((x) => x.id).sort()).toEqual(
      [first.body.id, second.body.id].sort(),
    );
  });

  it('carries listingGround and the expiry it computed on POST, GET, the search, the history and a CSV batch', async () => {
    const ground = 'samr44_serious_violation';
    const entry = enterpriseEntry({ listingGround: ground, decidedAt: '2026-02-10' });
    const posted = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    expect(posted.body).toMatchObject({ listingGround: ground, expiresAt: '2029-02-09' });
    const got = await t.http.get(`/v1/list-entries/${posted.body.id}`).set(samr).expect(200);
    expect(got.body).toMatchObject({ listingGround: ground, expiresAt: '2029-02-09' });
    const found = await t.http.get('/v1/list-entries').query({ sourceRef: entry.sourceRef }).set(samr).expect(200);
    expect(found.body.items).toEqual([expect.objectContaining({ listingGround: ground, expiresAt: '2029-02-09' })]);
    const history = await t.http.get(`/v1/list-entries/${posted.body.id}/history`).set(samr).expect(200);
    const created = history.body.items.find((i: { action: string }) => i.action === 'entry.created');
    expect(created.after).toMatchObject({ listingGround: ground, expiresAt: '2029-02-09' });

    // a file's 列入依据 column is stored and returned the same way
    const uscc = makeUscc();
    const csv = `统一社会信用代码,企业名称,名单类型,列入原因,决定文书号,决定日期,来源编号,列入依据\r\n${uscc},某某公司,严重违法失信名单,原因,文号,2026-02-10,LG-${Date.now()},${ground}`;
    const batch = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    const fromFile = await t.http.get(`/v1/list-entries/${batch.body.results[0].id}`).set(samr).expect(200);
    expect(fromFile.body).toMatchObject({ listingGround: ground, expiresAt: '2029-02-09' });
  });
});
