import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, unitDebtorEntry } from './support/factories';

describe('personal ID numbers never leave the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('no response and no stored row carries a full ID number', async () => {
    const samr = await t.tokenFor('samr');
    const spc = await t.tokenFor('spc');
    const ids = [
      makeIdNumber('1971-01-01'),
      makeIdNumber('1972-02-02'),
      makeIdNumber('1973-03-03'),
      makeIdNumber('1974-04-04'),
      makeIdNumber('1975-05-05'),
    ];
    const bodies: string[] = [];
    const keep = (r: { text: string }) => bodies.push(r.text);

    const e1 = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ legalRepId: ids[0] }))
      .expect(201);
    keep(e1);
    const e2 = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: ids[1] }))
      .expect(201);
    keep(e2);
    const unit = unitDebtorEntry([
      { role: 'legal_representative', idNumber: ids[2] as string },
      { role: 'actual_controller', idNumber: ids[3] as string },
      { role: 'directly_responsible', idNumber: ids[4] as string },
    ]);
    const e3 = await t.http.post('/v1/list-entries').set(spc).send(unit).expect(201);
    keep(e3);
    expect(e3.body.relatedPersons.map((p: { idNumberMasked: string }) => p.idNumberMasked)).toEqual(
      ids.slice(2).map((id) => `${id.slice(0, 6)}***********${id.slice(17)}`),
    );

    keep(await t.http.post('/v1/list-entries').set(spc).send(unit).expect(200));
    keep(await t.http.get(`/v1/list-entries/${e2.body.id}`).set(spc).expect(200));
    for (const id of ids) keep(await t.http.get('/v1/list-entries').query({ idNumber: id }).set(spc).expect(200));
    for (const id of ids)
      keep(await t.http.post('/v1/checks/officers').set(samr).send({ idNumber: id, role: 'director' }).expect(200));
    keep(
      await t.http
        .post('/v1/rules/simulate')
        .set(spc)
        .send({ ...unit, sourceRef: 'sim-1' })
        .expect(200),
    );
    keep(
      await t.http
        .get('/v1/orders')
        .set(await t.tokenFor('ndrc'))
        .expect(200),
    );
    keep(
      await t.http
        .post(`/v1/list-entries/${e2.body.id}/removal`)
        .set(spc)
        .send({ reason: '履行完毕', decisionNo: '(2026)结1号' })
        .expect(200),
    );
    keep(
      await t.http
        .post('/v1/list-entries')
        .set(spc)
        .send({ ...personDebtorEntry({ idNumber: '110101199003077777' }) })
        .expect(400),
    );

    const all = bodies.join('\n');
    for (const id of [...ids, '110101199003077777']) {
      expect(all).not.toContain(id);
      expect(all).not.toContain(id.slice(6, 14) + id.slice(14)); // not even the birth date and sequence
    }

    // nor does the database: only keyed hashes and masks
    for (const table of ['list_entries', 'orders', 'restrictions', 'officer_bans', 'audit_log']) {
      const dump = JSON.stringify(await t.db(table).select('*'));
      for (const id of ids) expect(dump).not.toContain(id);
    }
  });

  it('search by ID number finds entries where the person is the subject or a related person', async () => {
    const spc = await t.tokenFor('spc');
    const person = makeIdNumber('1966-06-06');
    const direct = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: person }))
      .expect(201);
    const related = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(unitDebtorEntry([{ role: 'principal', idNumber: person }]))
      .expect(201);
    const res = await t.http.get('/v1/list-entries').query({ idNumber: person }).set(spc).expect(200);
    expect(res.body.items.map((e: { id: string }) => e.id).sort()).toEqual([direct.body.id, related.body.id].sort());
  });
});

describe('searching and paging list entries', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('pages newest first with a cursor, without gaps or repeats, under filters', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      t.clock.advanceDays(0.001);
      created.push(
        (
          await t.http
            .post('/v1/list-entries')
            .set(samr)
            .send(enterpriseEntry({ listType: 'abnormal_operations' }))
            .expect(201)
        ).body.id,
      );
    }
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ listType: 'license_revoked' }))
      .expect(201);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await t.http
        .get('/v1/list-entries')
        .query({ listType: 'abnormal_operations', limit: 3, ...(cursor ? { cursor } : {}) })
        .set(samr)
        .expect(200);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by uscc and status', async () => {
    const body = enterpriseEntry();
    const uscc = (body.subject as { uscc: string }).uscc;
    const e = await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    expect(
      (await t.http.get('/v1/list-entries').query({ uscc }).set(samr).expect(200)).body.items.map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([e.body.id]);
    await t.http
      .post(`/v1/list-entries/${e.body.id}/removal`)
      .set(samr)
      .send({ reason: 'r', decisionNo: 'd' })
      .expect(200);
    expect(
      (await t.http.get('/v1/list-entries').query({ uscc, status: 'active' }).set(samr).expect(200)).body.items,
    ).toEqual([]);
    expect(
      (await t.http.get('/v1/list-entries').query({ uscc, status: 'removed' }).set(samr).expect(200)).body.items,
    ).toHaveLength(1);
  });

  it('simulate shows the orders an entry would produce and stores nothing', async () => {
    const before = Number((await t.db('list_entries').count({ n: '*' }))[0]?.n);
    const res = await t.http.post('/v1/rules/simulate').set(samr).send(enterpriseEntry()).expect(200);
    expect(res.body.orders.map((o: { department: string }) => o.department)).toEqual(
      expect.arrayContaining(['mof', 'ndrc', 'mnr']),
    );
    expect(res.body.bans[0]).toMatchObject({
      roles: ['legal_representative'],
      person: { reachedAs: 'legal_representative' },
    });
    expect(Number((await t.db('list_entries').count({ n: '*' }))[0]?.n)).toBe(before);
    expect(Number((await t.db('orders').count({ n: '*' }))[0]?.n)).toBeGreaterThan(0);
  });

  it('GET /v1/rules lists the loaded rules with their basis and version', async () => {
    const res = await t.http
      .get('/v1/rules')
      .query({ listType: 'dishonest_debtor', department: 'mof' })
      .set(samr)
      .expect(200);
    expect(res.body.version).toMatch(/^[0-9a-f]{16}$/);
    expect(res.body.items.length).toBeGreaterThan(0);
    for (const r of res.body.items) {
      expect(r.department).toBe('mof');
      expect(r.lists).toContain('dishonest_debtor');
      expect(r.basis.length).toBeGreaterThan(0);
    }
  });
});
