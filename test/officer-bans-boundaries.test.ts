import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The engine applies the version of a law in force on the entry's decision date:
 * 公司法 2018 Art. 146 up to 2024-06-30, 2023 Art. 178 from 2024-07-01; 企业信息公示暂行条例 2014 Art. 17 up to
 * 2024-04-30, the 2024 revision from 2024-05-01; 市场主体登记管理条例 Art. 12 from 2022-03-01.
 * Expected codes are written out from rules/memoranda/officer-bans.json.
 */
describe('officer bans across the dates their bases came into force', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let spc: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp(); // clock: 2026-03-02
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  const LAW_BANS = [
    'cl2018-146-4-officer-ban',
    'cl2018-146-5-officer-ban',
    'cl2023-178-4-officer-ban',
    'cl2023-178-5-officer-ban',
    'gsr17-legal-representative-ban',
    'gsr2024-legal-representative-ban',
    'mer12-4-legal-representative-ban',
    'mer12-5-legal-representative-ban',
  ];
  const lawBansOf = (bans: { code: string; until: string | null }[]) =>
    bans
      .filter((b) => LAW_BANS.includes(b.code))
      .map((b) => `${b.code} ${b.until}`)
      .sort();

  const officerCheck = async (idNumber: string, role: string) =>
    (await t.http.post('/v1/checks/officers').set(samr).send({ idNumber, role }).expect(200)).body;

  describe.each([
    [
      '2024-06-30',
      ['cl2018-146-5-officer-ban null', 'mer12-5-legal-representative-ban null'],
      'cl2018-146-5-officer-ban',
    ],
    [
      '2024-07-01',
      ['cl2023-178-5-officer-ban null', 'mer12-5-legal-representative-ban null'],
      'cl2023-178-5-officer-ban',
    ],
  ])('a natural person listed as a dishonest debtor on %s', (decidedAt, expected, directorBan) => {
    it('simulates the Company Law version in force that day', async () => {
      const sim = await t.http.post('/v1/rules/simulate').set(spc).send(personDebtorEntry({ decidedAt })).expect(200);
      expect(lawBansOf(sim.body.bans)).toEqual(expected);
    });
    it('bans the person as director under that version after a real entry', async () => {
      const id = makeIdNumber('1966-06-06');
      await t.http
        .post('/v1/list-entries')
        .set(spc)
        .send(personDebtorEntry({ decidedAt, idNumber: id }))
        .expect(201);
      const director = await officerCheck(id, 'director');
      expect(director.eligible).toBe(false);
      expect(lawBansOf(director.bans)).toEqual([`${directorBan} null`]);
      const legalRep = await officerCheck(id, 'legal_representative');
      expect(lawBansOf(legalRep.bans)).toEqual(['mer12-5-legal-representative-ban null']);
    });
  });

  describe.each([
    ['2022-02-28', ['cl2018-146-4-officer-ban 2025-02-27']],
    ['2022-03-01', ['cl2018-146-4-officer-ban 2025-02-28', 'mer12-4-legal-representative-ban 2025-02-28']],
    ['2024-06-30', ['cl2018-146-4-officer-ban 2027-06-29', 'mer12-4-legal-representative-ban 2027-06-29']],
    ['2024-07-01', ['cl2023-178-4-officer-ban 2027-06-30', 'mer12-4-legal-representative-ban 2027-06-30']],
  ])('the legal representative of an enterprise whose licence was revoked on %s', (decidedAt, expected) => {
    it('simulates the bans in force that day, for 3 years from the revocation', async () => {
      const sim = await t.http
        .post('/v1/rules/simulate')
        .set(samr)
        .send(enterpriseEntry({ listType: 'license_revoked', decidedAt }))
        .expect(200);
      expect(lawBansOf(sim.body.bans)).toEqual(expected);
    });
  });

  it('a revocation on 2024-06-30 bans under 公司法 2018 Art. 146 until 2027-06-29, and the ban ends the next day', async () => {
    const legalRepId = makeIdNumber('1969-09-09');
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ listType: 'license_revoked', decidedAt: '2024-06-30', legalRepId }))
      .expect(201);
    const director = await officerCheck(legalRepId, 'director');
    expect(director.bans.map((b: { code: string; basis: string[]; until: string }) => [b.code, b.until])).toEqual([
      ['cl2018-146-4-officer-ban', '2027-06-29'],
    ]);
    expect(director.bans[0].basis).toEqual(['中华人民共和国公司法（2018年修正） 第一百四十六条第一款第（四）项']);
    const legalRep = await officerCheck(legalRepId, 'legal_representative');
    expect(legalRep.bans.map((b: { code: string }) => b.code)).toEqual(['mer12-4-legal-representative-ban']);

    t.clock.set(new Date('2027-06-29T15:00:00Z')); // 2027-06-29 23:00 in China: still banned
    expect((await officerCheck(legalRepId, 'director')).eligible).toBe(false);
    t.clock.set(new Date('2027-06-29T16:00:00Z')); // 2027-06-30 00:00 in China
    expect((await officerCheck(legalRepId, 'director')).eligible).toBe(true);
    expect((await officerCheck(legalRepId, 'legal_representative')).eligible).toBe(true);
  });

  it('a revocation on 2024-07-01 bans under 公司法 2023 Art. 178', async () => {
    const legalRepId = makeIdNumber('1968-08-08');
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ listType: 'license_revoked', decidedAt: '2024-07-01', legalRepId }))
      .expect(201);
    const director = await officerCheck(legalRepId, 'senior_manager');
    expect(director.bans.map((b: { code: string; until: string }) => [b.code, b.until])).toEqual([
      ['cl2023-178-4-officer-ban', '2027-06-30'],
    ]);
    expect(director.bans[0].basis).toEqual(['中华人民共和国公司法（2023年修订） 第一百七十八条第一款第（四）项']);
  });

  describe.each([
    ['2024-04-30', 'gsr17-legal-representative-ban', '2027-04-29', '企业信息公示暂行条例（2014） 第十七条第二款'],
    [
      '2024-05-01',
      'gsr2024-legal-representative-ban',
      '2027-04-30',
      '企业信息公示暂行条例（2024年修订，国务院令第777号） 第十八条',
    ],
  ])(
    'the legal representative of an enterprise put on the serious-violation list on %s',
    (decidedAt, code, until, basis) => {
      it(`is banned from representing another enterprise under ${code}`, async () => {
        const sim = await t.http.post('/v1/rules/simulate').set(samr).send(enterpriseEntry({ decidedAt })).expect(200);
        expect(lawBansOf(sim.body.bans)).toEqual([`${code} ${until}`]);

        const legalRepId = makeIdNumber('1977-07-07');
        await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry({ decidedAt, legalRepId })).expect(201);
        const check = await officerCheck(legalRepId, 'legal_representative');
        expect(check.bans).toEqual([
          expect.objectContaining({ code, until, basis: [basis], roles: ['legal_representative'] }),
        ]);
        expect((await officerCheck(legalRepId, 'director')).eligible).toBe(true);
      });
    },
  );
});
