import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Durations that depend on the entry: the entry names its listing ground, and the ground's term
 * (rules/catalog.json listingGrounds) gives expiresAt, which while-listed measures and bans then end with.
 * 失信被执行人 grounds (2)–(6): 2 years, extendable by 1–3 (法释〔2017〕7号 Art. 2); ground (1): until removal.
 * 市场监管严重违法失信名单 (总局令第44号): at most 3 years.
 */
describe('listing terms computed from the listing ground', () => {
  let t: TestApp;
  let spc: { Authorization: string };
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp(); // clock: 2026-03-02
    spc = await t.tokenFor('spc');
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it.each([
    ['evades_enforcement', undefined, '2028-02-09'],
    ['obstructs_enforcement', 3, '2031-02-09'],
    ['breaches_consumption_order', 1, '2029-02-09'],
    ['refuses_despite_ability', undefined, null],
  ])(
    'a dishonest debtor listed for %s (extension %s) is listed until %s',
    async (listingGround, termExtensionYears, expiresAt) => {
      const id = makeIdNumber('1982-02-02');
      const body = personDebtorEntry({
        idNumber: id,
        listingGround,
        ...(termExtensionYears ? { termExtensionYears } : {}),
      });

      const sim = await t.http.post('/v1/rules/simulate').set(spc).send(body).expect(200);
      const soe = sim.body.bans.find((b: { code: string }) => b.code === 'd141-soe-officer-ban');
      expect(soe.until).toBe(expiresAt);

      const created = await t.http.post('/v1/list-entries').set(spc).send(body).expect(201);
      expect(created.body.expiresAt).toBe(expiresAt);
      const flights = created.body.orders.find((o: { department: string }) => o.department === 'caac').measures[0];
      expect(flights).toMatchObject({ code: 'd141-consumption-flights-person', until: expiresAt });
      const check = await t.http
        .post('/v1/checks/officers')
        .set(samr)
        .send({ idNumber: id, role: 'director' })
        .expect(200);
      expect(check.body.bans.map((b: { until: string | null }) => b.until)).toEqual(
        check.body.bans.map(() => expiresAt),
      );
    },
  );

  it('the ban of a 2-year listing ends with the listing', async () => {
    const id = makeIdNumber('1983-03-03');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: id, listingGround: 'breaches_asset_reporting' }))
      .expect(201);
    const director = () =>
      t.http.post('/v1/checks/officers').set(samr).send({ idNumber: id, role: 'director' }).expect(200);
    expect((await director()).body.eligible).toBe(false);
    t.clock.set(new Date('2028-02-10T01:00:00Z')); // 2028-02-10 in China: the day after the term
    try {
      expect((await director()).body.eligible).toBe(true);
    } finally {
      t.clock.set(new Date('2026-03-02T02:00:00Z'));
    }
  });

  it('a serious-violation listing under SAMR Order 44 lasts at most 3 years; its measures end with it', async () => {
    const body = enterpriseEntry({ listingGround: 'samr44_serious_violation' });
    const created = await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    expect(created.body.expiresAt).toBe('2029-02-09');
    const check = await t.http
      .get(`/v1/checks/enterprises/${(body.subject as { uscc: string }).uscc}`)
      .query({ scenario: 'government_procurement' })
      .set(samr)
      .expect(200);
    expect(check.body.measures).toEqual([
      expect.objectContaining({ code: 'gsr18-government-procurement', until: '2029-02-09' }),
    ]);
  });

  it('an explicit expiresAt within the longest term wins over the computed one', async () => {
    const body = personDebtorEntry({ listingGround: 'evades_enforcement', expiresAt: '2027-06-30' });
    const created = await t.http.post('/v1/list-entries').set(spc).send(body).expect(201);
    expect(created.body.expiresAt).toBe('2027-06-30');
  });

  it('entries without a ground keep working as before: no term unless expiresAt is given', async () => {
    const created = await t.http.post('/v1/list-entries').set(spc).send(personDebtorEntry()).expect(201);
    expect(created.body.expiresAt).toBeNull();
  });

  it.each([
    [
      'an unknown ground',
      { listingGround: 'owes_money' },
      'listingGround',
      /not a ground of the dishonest_debtor list/,
    ],
    [
      'a ground of another list',
      { listingGround: 'samr44_serious_violation' },
      'listingGround',
      /not a ground of the dishonest_debtor list/,
    ],
    [
      'an extension beyond 3 years',
      { listingGround: 'evades_enforcement', termExtensionYears: 4 },
      'termExtensionYears',
      /1–3 years/,
    ],
    ['an extension without a ground', { termExtensionYears: 1 }, 'termExtensionYears', /needs listingGround/],
    [
      'an extension of a listing until removal',
      { listingGround: 'refuses_despite_ability', termExtensionYears: 1 },
      'termExtensionYears',
      /no term to extend/,
    ],
    [
      'an expiry date on a listing until removal',
      { listingGround: 'refuses_despite_ability', expiresAt: '2027-01-01' },
      'expiresAt',
      /until removal/,
    ],
    [
      'an expiry date beyond the longest term',
      { listingGround: 'evades_enforcement', expiresAt: '2031-02-10' },
      'expiresAt',
      /after 2031-02-09/,
    ],
    [
      'a ground not yet in force on the decision date',
      { listingGround: 'evades_enforcement', decidedAt: '2017-04-30' },
      'listingGround',
      /applies to decisions from 2017-05-01/,
    ],
  ])('refuses %s', async (_name, over, path, message) => {
    const res = await t.http
      .post('/v1/rules/simulate')
      .set(spc)
      .set('Accept-Language', 'en')
      .send(personDebtorEntry(over as never))
      .expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]),
    );
  });

  it('refuses a SAIC Order 83 ground for a decision after Order 44 replaced it', async () => {
    const res = await t.http
      .post('/v1/rules/simulate')
      .set(samr)
      .set('Accept-Language', 'en')
      .send(enterpriseEntry({ listingGround: 'saic83_serious_violation' }))
      .expect(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: 'listingGround', message: expect.stringMatching(/2016-04-01 to 2021-08-31/) }),
    ]);
  });
});
