import { enterpriseEntry, makeIdNumber, makeUscc, personDebtorEntry, unitDebtorEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 20, evidence-grade checks: an answer a desk can put on file. The basis is the citation and quoted text only
 * (research notes are provenance); each measure is named once with every entry that grounds it; bans say which
 * organisations they reach; asOf answers from the history; the answer says how fresh it is; bidders in bulk.
 */
const RESEARCH_NOTE = /未核对|未读到|中断|类别标题/;

describe('evidence-grade checks', () => {
  let t: TestApp;
  let samr: Record<string, string>;
  let spc: Record<string, string>;
  let mof: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
    mof = await t.tokenFor('mof');
  });
  afterAll(() => t.close());

  it('hands out the citation and quoted text only; what was not read is in the rule provenance, with basisStatus', async () => {
    const entry = enterpriseEntry();
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const uscc = (entry.subject as { uscc: string }).uscc;
    const check = (await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body;
    expect(check.measures.length).toBeGreaterThan(0);
    expect(JSON.stringify(check)).not.toMatch(RESEARCH_NOTE);
    const procurement = check.measures.find((m: { code: string }) => m.code === 'gsr18-government-procurement');
    // decided 2026-02-10: the 2024 revision governs, whose article number was not checked: provisional
    expect(procurement.basis).toEqual([
      '企业信息公示暂行条例（2024年修订，国务院令第777号） 2014年文本第十八条的对应条款',
      '发改财金〔2015〕2045号 联合惩戒措施',
    ]);
    expect(procurement.basisStatus).toBe('provisional');

    const order = (await t.http.get('/v1/orders').query({ uscc }).set(mof).expect(200)).body.items[0];
    expect(JSON.stringify(order.measures)).not.toMatch(RESEARCH_NOTE);
    expect(order.measures[0].basisStatus).toBe('provisional');

    const rules = (await t.http.get('/v1/rules').set(ADMIN).expect(200)).body.items as {
      code: string;
      basis: unknown[];
      provenance: string;
      provenanceGaps?: { document: string; article: string; gap: string }[];
    }[];
    for (const r of rules) expect(JSON.stringify(r.basis)).not.toMatch(RESEARCH_NOTE);
    const rule = rules.find((r) => r.code === 'gsr18-government-procurement');
    expect(rule?.provenanceGaps).toEqual([
      {
        document: '企业信息公示暂行条例（2024年修订，国务院令第777号）',
        article: '2014年文本第十八条的对应条款',
        gap: '修订后条号未核对',
      },
      { document: '发改财金〔2015〕2045号', article: '联合惩戒措施', gap: '措施表未读到' },
    ]);
    const exit = rules.find((r) => r.code === 'd141-exit-restriction');
    expect(exit?.provenanceGaps?.[0]?.gap).toContain('条文在“车辆信息,”之后中断');
    // every rule with a gap is provisional, and a verified one has none
    for (const r of rules) if (r.provenanceGaps) expect(r.provenance).toBe('provisional');
    expect(rules.some((r) => r.provenance === 'verified' && !r.provenanceGaps)).toBe(true);
  });

  it('names each measure once with every entry that grounds it, as a desk files it', async () => {
    const uscc = makeUscc();
    const subject = { kind: 'enterprise' as const, uscc, name: '三次列入有限公司' };
    const decisions = ['沪市监严〔2026〕11号', '沪市监严〔2026〕12号', '沪市监严〔2026〕13号'];
    const ids: string[] = [];
    for (const [i, decisionNo] of decisions.entries()) {
      const e = enterpriseEntry({ subject, decisionNo, decidedAt: `2026-02-1${i}` });
      ids.push((await t.http.post('/v1/list-entries').set(samr).send(e).expect(201)).body.id);
    }
    const check = (
      await t.http
        .get(`/v1/checks/enterprises/${uscc}`)
        .query({ scenario: 'government_procurement' })
        .set(mof)
        .expect(200)
    ).body;
    expect(check.restricted).toBe(true);
    expect(check.measures.map((m: { code: string }) => m.code)).toEqual(['gsr18-government-procurement']);
    const [measure] = check.measures;
    expect(measure.entryId).toBe(ids[0]);
    expect(measure.grounds).toHaveLength(3);
    expect(measure.grounds.map((g: { decisionNo: string }) => g.decisionNo)).toEqual(decisions);
    expect(measure.grounds[0]).toEqual({
      entryId: ids[0],
      listType: 'serious_violation',
      listTypeName: '严重违法失信名单',
      authority: 'samr',
      authorityName: expect.stringContaining('市场监督管理'),
      decisionNo: decisions[0],
      decidedAt: '2026-02-10',
      listedFrom: '2026-03-02',
      until: null,
      subjectName: '三次列入有限公司',
    });
    // the decision record keeps the answer as given
    const record = (await t.http.get(`/v1/checks/decisions/${check.decisionId}`).set(mof).expect(200)).body;
    expect(record.answer).toEqual(check);
  });

  it('says through which company a person is reached, and which organisations a ban reaches', async () => {
    const rep = makeIdNumber('1970-05-05');
    const entry = enterpriseEntry({ legalRepId: rep });
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const company = entry.subject as { uscc: string; name: string };
    const officer = (
      await t.http
        .post('/v1/checks/officers')
        .set(samr)
        .send({ idNumber: rep, role: 'legal_representative' })
        .expect(200)
    ).body;
    expect(officer.eligible).toBe(false);
    expect(officer.bans[0].grounds[0].via).toEqual({
      role: 'legal_representative',
      uscc: company.uscc,
      name: company.name,
    });
    expect(officer.bans[0].grounds[0].subjectName).toBe(company.name);

    // a unit debtor's legal representative is restricted in consumption through the unit
    const unitRep = makeIdNumber('1971-06-06');
    const unit = unitDebtorEntry([{ role: 'legal_representative', idNumber: unitRep }]);
    await t.http.post('/v1/list-entries').set(spc).send(unit).expect(201);
    const person = (
      await t.http.post('/v1/checks/persons').set(mof).send({ idNumber: unitRep, scenario: 'consumption' }).expect(200)
    ).body;
    expect(person.restricted).toBe(true);
    const unitSubject = unit.subject as { uscc: string; name: string };
    for (const m of person.measures)
      expect(m.grounds[0].via).toEqual({
        role: 'legal_representative',
        uscc: unitSubject.uscc,
        name: unitSubject.name,
      });

    // a dishonest debtor: some director bans reach only state-owned companies or financial institutions
    const debtor = makeIdNumber('1972-07-07');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: debtor }))
      .expect(201);
    const ask = (organisationKind?: string) =>
      t.http
        .post('/v1/checks/officers')
        .set(samr)
        .send({ idNumber: debtor, role: 'director', ...(organisationKind ? { organisationKind } : {}) })
        .expect(200)
        .then((r) => r.body);
    const all = await ask();
    const byCode = new Map(all.bans.map((b: { code: string; appliesTo?: string[] }) => [b.code, b.appliesTo]));
    expect(byCode.get('d141-soe-officer-ban')).toEqual(['state_owned_company']);
    expect(byCode.get('d141-financial-officer-ban')).toEqual(['financing_guarantee_company', 'financial_institution']);
    const everywhere = [...byCode].filter(([, kinds]) => !kinds).map(([code]) => code);
    expect(everywhere.length).toBeGreaterThan(0); // the 公司法 ban reaches every company
    const soe = await ask('state_owned_company');
    expect(soe.organisationKind).toBe('state_owned_company');
    expect(soe.bans.map((b: { code: string }) => b.code).sort()).toEqual(
      [...everywhere, 'd141-soe-officer-ban'].sort(),
    );
    const other = await ask('other_enterprise');
    expect(other.bans.map((b: { code: string }) => b.code).sort()).toEqual([...everywhere].sort());
    await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: debtor, role: 'director', organisationKind: 'bank' })
      .expect(400);
  });

  it('answers asOf a day or an instant from the history, removals included, and records it', async () => {
    const entry = enterpriseEntry();
    const uscc = (entry.subject as { uscc: string }).uscc;
    t.clock.set(new Date('2026-03-03T02:00:00Z')); // listed on 3 March (China time)
    const created = (await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201)).body;
    t.clock.set(new Date('2026-03-05T06:00:00Z')); // removed on 5 March, 14:00 China time
    await t.http
      .post(`/v1/list-entries/${created.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '沪市监移〔2026〕7号' })
      .expect(200);
    t.clock.set(new Date('2026-03-09T02:00:00Z'));
    const ask = (asOf?: string) =>
      t.http
        .get(`/v1/checks/enterprises/${uscc}`)
        .query({ scenario: 'government_procurement', ...(asOf ? { asOf } : {}) })
        .set(mof);
    expect((await ask().expect(200)).body.restricted).toBe(false);
    expect((await ask('2026-03-02').expect(200)).body.restricted).toBe(false);
    const then = (await ask('2026-03-04').expect(200)).body;
    expect(then).toMatchObject({ restricted: true, asOf: '2026-03-04' });
    expect(then.measures[0].grounds[0].entryId).toBe(created.id);
    // the removal day: restricted until 14:00, so a bid opened that day was opened while it was in force
    expect((await ask('2026-03-05').expect(200)).body.restricted).toBe(true);
    expect((await ask('2026-03-05T13:59:00+08:00').expect(200)).body.restricted).toBe(true);
    expect((await ask('2026-03-05T14:01:00+08:00').expect(200)).body.restricted).toBe(false);
    expect((await ask('2026-03-06').expect(200)).body.restricted).toBe(false);

    const record = (await t.http.get(`/v1/checks/decisions/${then.decisionId}`).set(mof).expect(200)).body;
    expect(record.answer.asOf).toBe('2026-03-04');
    // the same history for every bidder of a tender at once
    const bulk = await t.http
      .post('/v1/checks/enterprises')
      .set(mof)
      .send({ usccs: [makeUscc(), uscc], scenario: 'government_procurement', asOf: '2026-03-04' })
      .expect(200);
    expect(bulk.body.items.map((c: { restricted: boolean; asOf: string }) => [c.restricted, c.asOf])).toEqual([
      [false, '2026-03-04'],
      [true, '2026-03-04'],
    ]);

    const future = await ask('2026-03-10').expect(400);
    expect(future.body.errors[0].path).toBe('asOf');
    await ask('2026-02-30').expect(400);
    await ask('yesterday').expect(400);
  });

  it('says how fresh each answer is and under which rules', async () => {
    const before = Date.now();
    const clean = (await t.http.get(`/v1/checks/enterprises/${makeUscc()}`).set(mof).expect(200)).body;
    expect(clean.rulesVersion).toBe(t.app.services.engine.version);
    expect(clean.asOf).toBeNull();
    expect(Date.parse(clean.asOfData)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(clean.asOfData)).toBeGreaterThan(before - 60_000);
    const officer = (
      await t.http
        .post('/v1/checks/officers')
        .set(samr)
        .send({ idNumber: makeIdNumber(), role: 'director' })
        .expect(200)
    ).body;
    expect(officer).toMatchObject({ eligible: true, asOf: null, rulesVersion: clean.rulesVersion });
  });

  it('answers every bidder of one tender in one call, in order, one decision record per hit', async () => {
    const listed = [enterpriseEntry(), enterpriseEntry()];
    for (const e of listed) await t.http.post('/v1/list-entries').set(samr).send(e).expect(201);
    const [a, b] = listed.map((e) => (e.subject as { uscc: string }).uscc) as [string, string];
    const usccs = [a, makeUscc(), b, makeUscc()];
    const recordsBefore = await t.count('check_decisions');
    const res = await t.http
      .post('/v1/checks/enterprises')
      .set(mof)
      .send({ usccs, scenario: 'government_procurement' })
      .expect(200);
    expect(res.body.items.map((c: { uscc: string }) => c.uscc)).toEqual(usccs);
    expect(res.body.items.map((c: { restricted: boolean }) => c.restricted)).toEqual([true, false, true, false]);
    expect(res.body.items.map((c: { decisionId?: string }) => Boolean(c.decisionId))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(await t.count('check_decisions')).toBe(recordsBefore + 2);
    // the same answer as the single call, but for the time it was given
    const single = (
      await t.http.get(`/v1/checks/enterprises/${a}`).query({ scenario: 'government_procurement' }).set(mof).expect(200)
    ).body;
    const strip = ({ checkedAt: _c, asOfData: _a, decisionId: _d, ...rest }: Record<string, unknown>) => rest;
    expect(strip(res.body.items[0])).toEqual(strip(single));

    const recorded = await t.http.post('/v1/checks/enterprises').set(mof).send({ usccs, record: true }).expect(200);
    expect(recorded.body.items.every((c: { decisionId?: string }) => c.decisionId)).toBe(true);

    const bad = await t.http
      .post('/v1/checks/enterprises')
      .set(mof)
      .send({ usccs: [a, `${b.slice(0, -1)}?`] })
      .expect(400);
    expect(JSON.stringify(bad.body.errors)).toContain('usccs');
    const tooMany = Array.from({ length: 501 }, () => a);
    await t.http.post('/v1/checks/enterprises').set(mof).send({ usccs: tooMany }).expect(400);
    await t.http.post('/v1/checks/enterprises').set(mof).send({ usccs: [] }).expect(400);
    await t.http
      .post('/v1/checks/enterprises')
      .send({ usccs: [a] })
      .expect(401);
  });
});
