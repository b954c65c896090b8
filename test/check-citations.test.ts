import { enterpriseEntry, makeIdNumber, unitDebtorEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 14: a check answer gives each measure's basis with document, version, article and text (so a procurement
 * officer can quote it), in the version in force on the entry's decision date, and flags the measures whose only
 * basis is a memorandum between departments (国办发〔2020〕49号).
 */
describe('check answers quote their bases', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let spc: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
  });
  afterAll(() => t.close());

  it('flags memorandum-only measures and quotes the 意见 for a unit dishonest debtor', async () => {
    const entry = unitDebtorEntry([{ role: 'legal_representative', idNumber: makeIdNumber('1975-01-01') }]);
    await t.http.post('/v1/list-entries').set(spc).send(entry).expect(201);
    const uscc = (entry.subject as { uscc: string }).uscc;
    const check = (await t.http.get(`/v1/checks/enterprises/${uscc}`).set(spc).expect(200)).body;
    const byCode = new Map(check.measures.map((m: { code: string }) => [m.code, m]));

    expect(byCode.get('d141-enterprise-bonds')).toMatchObject({
      basis: ['发改财金〔2016〕141号 第一条'],
      basisStrength: 'memorandum_only',
      citations: [
        {
          document: '发改财金〔2016〕141号',
          article: '第一条',
          kind: 'memorandum',
          version: '2016-01-20',
          text: '限制失信被执行人发行企业债券。',
        },
      ],
    });
    const flights = byCode.get('d141-consumption-flights-unit') as {
      basisStrength: string;
      citations: { kind: string; article: string; text?: string }[];
    };
    expect(flights.basisStrength).toBe('central_policy');
    expect(flights.citations[0]).toMatchObject({ kind: 'central_policy', article: '二（七）1' });
    expect(flights.citations[0]?.text).toContain(
      '影响债务履行的直接责任人员乘坐列车软卧、G字头动车组列车全部座位、其他动车组列车一等以上座位、民航飞机',
    );
    // decided 2026: the 2013 SPC provisions no longer govern, the 2017 revision does (its text is not held)
    const procurement = byCode.get('d141-government-procurement') as {
      basis: string[];
      citations: { version?: string; text?: string }[];
    };
    expect(procurement.basis).toContain(
      '最高人民法院关于公布失信被执行人名单信息的若干规定（2017年修正，法释〔2017〕7号） 第八条',
    );
    expect(procurement.basis.join()).not.toContain('（2013年）');
    expect(procurement.citations.find((c) => c.version === '2017-02-28')).not.toHaveProperty('text');
  });

  it('quotes the regulation in force on the decision date for an officer ban', async () => {
    const legalRepId = makeIdNumber('1968-08-08');
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ listType: 'serious_violation', decidedAt: '2024-04-30', legalRepId }))
      .expect(201);
    const res = (
      await t.http
        .post('/v1/checks/officers')
        .set(samr)
        .send({ idNumber: legalRepId, role: 'legal_representative' })
        .expect(200)
    ).body;
    expect(res.bans).toEqual([
      expect.objectContaining({
        code: 'gsr17-legal-representative-ban',
        basis: ['企业信息公示暂行条例（2014） 第十七条第二款'],
        basisStrength: 'regulation',
        citations: [
          {
            document: '企业信息公示暂行条例（2014）',
            article: '第十七条第二款',
            kind: 'regulation',
            version: '2014-08-07',
            inForce: { from: '2014-10-01', until: '2024-04-30' },
            text: '被列入严重违法企业名单的企业的法定代表人、负责人，3年内不得担任其他企业的法定代表人、负责人。',
          },
        ],
      }),
    ]);
  });
});
