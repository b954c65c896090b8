import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';

/** The whole loop: list → orders → feedback → report → removal → lifted → check clears. */
describe('the joint-punishment loop', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let mof: { Authorization: string };
  let ndrc: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
    ndrc = await t.tokenFor('ndrc');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('turns a serious-violation entry into orders, feedback, a report, and a removal that clears the check', async () => {
    const legalRepId = makeIdNumber('1975-03-08');
    const body = enterpriseEntry({ legalRepId });
    const uscc = (body.subject as { uscc: string }).uscc;

    // 发起: the authority lists the enterprise
    const created = await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    expect(created.headers.location).toBe(`/v1/list-entries/${created.body.id}`);
    expect(created.body).toMatchObject({
      listType: 'serious_violation',
      status: 'active',
      decidedAt: '2026-02-10',
      expiresAt: null,
    });
    const departments = created.body.orders.map((o: { department: string }) => o.department).sort();
    expect(departments).toEqual(expect.arrayContaining(['mof', 'ndrc', 'mnr', 'samr']));
    for (const o of created.body.orders) {
      expect(o.status).toBe('issued');
      expect(o.measures.length).toBeGreaterThan(0);
      // 10 working days after Monday 2026-03-02 is Monday 2026-03-16, due at the end of that day in China
      expect(o.dueAt).toBe('2026-03-16T16:00:00.000Z');
    }
    const mofOrder = created.body.orders.find((o: { department: string }) => o.department === 'mof');
    expect(mofOrder.measures.map((m: { code: string }) => m.code)).toContain('gsr18-government-procurement');

    // a procurement system asks, and gets the legal basis
    const check = await t.http
      .get(`/v1/checks/enterprises/${uscc}`)
      .query({ scenario: 'government_procurement' })
      .set(mof)
      .expect(200);
    expect(check.body.restricted).toBe(true);
    expect(check.body.scenario).toBe('government_procurement');
    const procurement = check.body.measures.find((m: { code: string }) => m.code === 'gsr18-government-procurement');
    expect(procurement).toMatchObject({
      department: 'mof',
      listType: 'serious_violation',
      entryId: created.body.id,
      until: null,
    });
    // decided 2026-02-10: the 2024 revision of the regulation governs (issue 14: the version in force on the decision date)
    expect(procurement.basis).toContain(
      '企业信息公示暂行条例（2024年修订，国务院令第777号） 2014年文本第十八条的对应条款',
    );
    expect(procurement.basisStrength).toBe('regulation');
    expect(procurement.citations).toContainEqual(
      expect.objectContaining({ kind: 'regulation', version: '2024-03-10', inForce: { from: '2024-05-01' } }),
    );

    // the registration desk: the legal representative may not represent another enterprise for 3 years
    const officer = await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: legalRepId, role: 'legal_representative' })
      .expect(200);
    expect(officer.body.eligible).toBe(false);
    expect(officer.body.bans[0]).toMatchObject({
      listType: 'serious_violation',
      entryId: created.body.id,
      enterpriseUscc: uscc,
      until: '2029-02-09',
    });

    // 实施—反馈: the addressed department reports back
    const mofList = await t.http.get('/v1/orders').set(mof).expect(200);
    expect(mofList.body.items.map((o: { id: string }) => o.id)).toContain(mofOrder.id);
    expect(mofList.body.items.every((o: { department: string }) => o.department === 'mof')).toBe(true);
    const fed = await t.http
      .post(`/v1/orders/${mofOrder.id}/feedback`)
      .set(mof)
      .send({ outcome: 'implemented', note: '已在采购平台设置拦截', caseRef: 'CG-2026-7' })
      .expect(200);
    expect(fed.body).toMatchObject({
      status: 'implemented',
      feedback: { outcome: 'implemented', note: '已在采购平台设置拦截', caseRef: 'CG-2026-7', by: 'mof' },
    });

    // the supervisor's report counts it
    const report = await t.http.get('/v1/reports/feedback').set(ndrc).expect(200);
    const mofRow = report.body.departments.find((d: { department: string }) => d.department === 'mof');
    expect(mofRow).toMatchObject({ issued: 1, implemented: 1, pending: 0, overdue: 0, lifted: 0, feedbackRate: 1 });
    const mnrRow = report.body.departments.find((d: { department: string }) => d.department === 'mnr');
    expect(mnrRow).toMatchObject({ issued: 1, pending: 1, feedbackRate: 0 });

    // past the due date the silent departments are overdue
    t.clock.set(new Date('2026-03-17T01:00:00Z'));
    const overdue = await t.http.get('/v1/orders').query({ overdue: 'true', department: 'mnr' }).set(ndrc).expect(200);
    expect(overdue.body.items).toHaveLength(1);
    expect(overdue.body.items[0]).toMatchObject({ department: 'mnr', overdue: true, status: 'issued' });
    const report2 = await t.http.get('/v1/reports/feedback').set(ADMIN).expect(200);
    expect(report2.body.departments.find((d: { department: string }) => d.department === 'mnr').overdue).toBe(1);

    // removal lifts every open order and clears both checks
    const removed = await t.http
      .post(`/v1/list-entries/${created.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '测市监移〔2026〕1号' })
      .expect(200);
    expect(removed.body.status).toBe('removed');
    expect(removed.body.removal).toMatchObject({
      reason: '信用修复',
      decisionNo: '测市监移〔2026〕1号',
      removedBy: 'samr',
    });
    expect(
      removed.body.orders.every(
        (o: { status: string; liftedAt: string | null }) => o.status === 'lifted' && o.liftedAt,
      ),
    ).toBe(true);

    const cleared = await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200);
    expect(cleared.body).toMatchObject({ restricted: false, measures: [], scenario: null });
    const officerAfter = await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: legalRepId, role: 'legal_representative' })
      .expect(200);
    expect(officerAfter.body).toMatchObject({ eligible: true, bans: [] });

    // a lifted order takes no more feedback
    const lifted = created.body.orders.find((o: { department: string }) => o.department === 'mnr');
    const late = await t.http
      .post(`/v1/orders/${lifted.id}/feedback`)
      .set(await t.tokenFor('mnr'))
      .send({ outcome: 'implemented' })
      .expect(409);
    expect(late.headers['content-type']).toMatch(/application\/problem\+json/);

    // and every change of state left an audit record in the same transactions
    const audit = await t
      .db('audit_log')
      .where('entity_id', created.body.id)
      .orWhereIn(
        'entity_id',
        created.body.orders.map((o: { id: string }) => o.id),
      )
      .select('action', 'actor');
    const actions = audit.map((a: { action: string }) => a.action);
    expect(actions.filter((a: string) => a === 'entry.created')).toHaveLength(1);
    // the orders issued with it: one row for all of them (ADR 0010), naming each order, its measures and due date
    const issued = await t.db('audit_log').where({ entity_id: created.body.id, action: 'orders.issued' });
    expect(issued).toHaveLength(1);
    const named = created.body.orders.map(
      (o: { id: string; department: string; measures: { code: string }[]; dueAt: string }) => ({
        id: o.id,
        department: o.department,
        measures: o.measures.map((m) => m.code),
        dueAt: o.dueAt,
      }),
    );
    // the due date most orders share is said once for the row; an order due another day says its own
    const after = issued[0]?.after as { dueAt: string; orders: { id: string; dueAt?: string }[] };
    expect(after.orders.map((o) => ({ ...o, dueAt: o.dueAt ?? after.dueAt }))).toEqual(named);
    expect(after.orders.filter((o) => o.dueAt === undefined).length).toBeGreaterThan(after.orders.length / 2);
    // the entry's history gives every order.issued event its own order's due date
    const history = await t.http.get(`/v1/list-entries/${created.body.id}/history`).set(samr).expect(200);
    const issuedEvents = history.body.items.filter((h: { action: string }) => h.action === 'order.issued');
    expect(
      issuedEvents.map((h: { entityId: string; after: { dueAt: string } }) => [h.entityId, h.after.dueAt]).sort(),
    ).toEqual(named.map((o: { id: string; dueAt: string }) => [o.id, o.dueAt]).sort());
    expect(actions).toContain('order.feedback');
    expect(actions).toContain('entry.removed');
    expect(actions.filter((a: string) => a === 'order.lifted')).toHaveLength(created.body.orders.length);
  });

  it('an enterprise never listed is not restricted', async () => {
    const res = await t.http
      .get('/v1/checks/enterprises/91310110666007217T')
      .query({ scenario: 'bidding' })
      .set(mof)
      .expect(200);
    expect(res.body).toMatchObject({
      uscc: '91310110666007217T',
      scenario: 'bidding',
      restricted: false,
      measures: [],
    });
  });

  it('a dishonest debtor may not be director, supervisor or senior manager while listed', async () => {
    const spc = await t.tokenFor('spc');
    const idNumber = makeIdNumber('1969-11-30');
    const entry = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber, decidedAt: '2026-01-15' }))
      .expect(201);
    for (const role of ['director', 'supervisor', 'senior_manager']) {
      const res = await t.http.post('/v1/checks/officers').set(samr).send({ idNumber, role }).expect(200);
      expect(res.body.eligible).toBe(false);
      expect(res.body.bans.map((b: { code: string }) => b.code)).toContain('cl2023-178-5-officer-ban');
      expect(res.body.bans.find((b: { code: string }) => b.code === 'cl2023-178-5-officer-ban')).toMatchObject({
        until: null,
        entryId: entry.body.id,
        basis: ['中华人民共和国公司法（2023年修订） 第一百七十八条第一款第（五）项'],
      });
    }
    // the order to mof carries the procurement measure for the person
    expect(
      entry.body.orders
        .find((o: { department: string }) => o.department === 'mof')
        .measures.map((m: { code: string }) => m.code),
    ).toContain('d141-government-procurement');
  });

  it('a fixed-term listing ends on its expiresAt: the check clears the day after, with no job needed', async () => {
    const body = enterpriseEntry({ listType: 'abnormal_operations', expiresAt: '2026-03-05' });
    const uscc = (body.subject as { uscc: string }).uscc;
    await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    t.clock.set(new Date('2026-03-05T10:00:00Z'));
    expect((await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(true);
    t.clock.set(new Date('2026-03-05T16:30:00Z')); // 00:30 on 6 March in China
    expect((await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(false);
  });
});
