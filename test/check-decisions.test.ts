import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, makeUscc, personDebtorEntry } from './support/factories';

type Auth = { Authorization: string };

/** Issue 11: checks leave evidence (decision records) and the desk feeds back on hits. */
describe('decision records and desk feedback', () => {
  let t: TestApp;
  let samr: Auth;
  let spc: Auth;
  let mof: Auth;
  let pboc: Auth;
  let ndrc: Auth; // a supervising department
  let listed: { uscc: string; entryId: string; legalRepId: string };
  let debtor: { idNumber: string; entryId: string };

  beforeAll(async () => {
    t = await startTestApp();
    [samr, spc, mof, pboc, ndrc] = (await Promise.all(
      ['samr', 'spc', 'mof', 'pboc', 'ndrc'].map((d) => t.tokenFor(d)),
    )) as [Auth, Auth, Auth, Auth, Auth];
    const legalRepId = makeIdNumber();
    const e = enterpriseEntry({ legalRepId });
    const res = await t.http.post('/v1/list-entries').set(samr).send(e).expect(201);
    listed = { uscc: (e.subject as { uscc: string }).uscc, entryId: res.body.id, legalRepId };
    const idNumber = makeIdNumber('1975-01-02');
    const d = await t.http.post('/v1/list-entries').set(spc).send(personDebtorEntry({ idNumber })).expect(201);
    debtor = { idNumber, entryId: d.body.id };
  });
  afterAll(() => t.close());

  it('stores every hit before answering and returns it exactly as answered, with its decisionId', async () => {
    const res = await t.http
      .get(`/v1/checks/enterprises/${listed.uscc}`)
      .query({ scenario: 'government_procurement' })
      .set(mof)
      .expect(200);
    expect(res.body.restricted).toBe(true);
    expect(res.body.decisionId).toMatch(/^[0-9a-f-]{36}$/);
    const rec = await t.http.get(`/v1/checks/decisions/${res.body.decisionId}`).set(mof).expect(200);
    expect(rec.body).toMatchObject({
      id: res.body.decisionId,
      kind: 'enterprise',
      department: 'mof',
      uscc: listed.uscc,
      scenario: 'government_procurement',
      outcome: 'hit',
      feedback: null,
      checkedAt: res.body.checkedAt,
    });
    expect(rec.body.answer).toEqual(res.body);
    expect(rec.body.rulesVersion).toBe(t.rules.version);
  });

  it('counts a clean answer without storing it, and stores it when asked with record=true', async () => {
    const before = await t.count('check_decisions');
    const clean = await t.http
      .get(`/v1/checks/enterprises/${makeUscc()}`)
      .query({ scenario: 'bidding' })
      .set(pboc)
      .expect(200);
    expect(clean.body.restricted).toBe(false);
    expect(clean.body.decisionId).toBeUndefined();
    expect(await t.count('check_decisions')).toBe(before);

    const kept = await t.http
      .get(`/v1/checks/enterprises/${makeUscc()}`)
      .query({ scenario: 'bidding', record: 'true' })
      .set(pboc)
      .expect(200);
    expect(kept.body.restricted).toBe(false);
    const rec = await t.http.get(`/v1/checks/decisions/${kept.body.decisionId}`).set(pboc).expect(200);
    expect(rec.body.outcome).toBe('clear');

    const officer = await t.http
      .post('/v1/checks/officers')
      .set(pboc)
      .send({ idNumber: makeIdNumber(), role: 'director', record: true })
      .expect(200);
    expect(officer.body.eligible).toBe(true);
    expect(
      (await t.http.get(`/v1/checks/decisions/${officer.body.decisionId}`).set(pboc).expect(200)).body.scenario,
    ).toBe('director');

    const report = await t.http.get('/v1/reports/feedback').set(ADMIN).expect(200);
    const pbocRow = report.body.desk.departments.find((d: { department: string }) => d.department === 'pboc');
    expect(pbocRow).toMatchObject({ clear: 3, hits: 0, pending: 0 });
    expect(
      await t.db('check_counts').where({ department: 'pboc', kind: 'enterprise', scenario: 'bidding' }).first(),
    ).toMatchObject({ clear: 1 });
  });

  it('shows a record to the asking department, supervisors and the administrator only; 404 to others, 400 for a malformed id', async () => {
    const res = await t.http.get(`/v1/checks/enterprises/${listed.uscc}`).set(mof).expect(200);
    const id = res.body.decisionId as string;
    await t.http.get(`/v1/checks/decisions/${id}`).set(ndrc).expect(200);
    await t.http.get(`/v1/checks/decisions/${id}`).set(ADMIN).expect(200);
    const foreign = await t.http.get(`/v1/checks/decisions/${id}`).set(pboc).expect(404);
    expect(foreign.headers['content-type']).toMatch(/application\/problem\+json/);
    await t.http.get('/v1/checks/decisions/00000000-0000-4000-8000-000000000000').set(mof).expect(404);
    const bad = await t.http.get('/v1/checks/decisions/not-a-uuid').set(mof).expect(400);
    expect(JSON.stringify(bad.body)).toContain('id');
  });

  it('keeps the record as answered after the entry is removed', async () => {
    const e = enterpriseEntry();
    const uscc = (e.subject as { uscc: string }).uscc;
    const created = await t.http.post('/v1/list-entries').set(samr).send(e).expect(201);
    const hit = await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200);
    await t.http
      .post(`/v1/list-entries/${created.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '测移〔2026〕1号' })
      .expect(200);
    const after = await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200);
    expect(after.body.restricted).toBe(false);
    const rec = await t.http.get(`/v1/checks/decisions/${hit.body.decisionId}`).set(mof).expect(200);
    expect(rec.body.answer.restricted).toBe(true);
    expect(rec.body.answer.measures).toEqual(hit.body.measures);
  });

  it('takes one feedback per hit from the asking department, audited; not_restricted needs a reason', async () => {
    const hit = await t.http
      .get(`/v1/checks/enterprises/${listed.uscc}`)
      .query({ scenario: 'government_procurement' })
      .set(mof)
      .expect(200);
    const url = `/v1/checks/decisions/${hit.body.decisionId}/feedback`;
    const noReason = await t.http.post(url).set(mof).send({ action: 'not_restricted' }).expect(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    await t.http.post(url).set(pboc).send({ action: 'restricted' }).expect(404);
    await t.http
      .post('/v1/checks/decisions/00000000-0000-4000-8000-000000000000/feedback')
      .set(mof)
      .send({ action: 'restricted' })
      .expect(404);
    const ok = await t.http
      .post(url)
      .set(mof)
      .send({ action: 'not_restricted', reason: 'subject_mismatch', caseRef: 'CG-2026-17', note: '同名不同主体' })
      .expect(200);
    expect(ok.body.feedback).toMatchObject({
      action: 'not_restricted',
      reason: 'subject_mismatch',
      caseRef: 'CG-2026-17',
      by: 'mof',
    });
    await t.http.post(url).set(mof).send({ action: 'restricted' }).expect(409);
    const audit = await t.db('audit_log').where({ action: 'decision.feedback', entity_id: hit.body.decisionId });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe('mof');

    const hit2 = await t.http
      .get(`/v1/checks/enterprises/${listed.uscc}`)
      .query({ scenario: 'government_procurement' })
      .set(mof)
      .expect(200);
    await t.http
      .post(`/v1/checks/decisions/${hit2.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-18' })
      .expect(200);
    const clear = await t.http
      .get(`/v1/checks/enterprises/${makeUscc()}`)
      .query({ record: 'true' })
      .set(mof)
      .expect(200);
    await t.http
      .post(`/v1/checks/decisions/${clear.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted' })
      .expect(409);
  });

  it('lists records with filters and cursor paging; a department sees its own, a supervisor all', async () => {
    const own = await t.http
      .get('/v1/checks/decisions')
      .query({ uscc: listed.uscc, outcome: 'hit', limit: 2 })
      .set(mof)
      .expect(200);
    expect(own.body.items).toHaveLength(2);
    expect(
      own.body.items.every(
        (d: { department: string; uscc: string }) => d.department === 'mof' && d.uscc === listed.uscc,
      ),
    ).toBe(true);
    const seen = new Set(own.body.items.map((d: { id: string }) => d.id));
    let cursor = own.body.nextCursor as string | null;
    let pages = 1;
    while (cursor) {
      const next = await t.http
        .get('/v1/checks/decisions')
        .query({ uscc: listed.uscc, outcome: 'hit', limit: 2, cursor })
        .set(mof)
        .expect(200);
      for (const d of next.body.items) {
        expect(seen.has(d.id)).toBe(false);
        seen.add(d.id);
      }
      cursor = next.body.nextCursor;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.size).toBe(await t.count('check_decisions', { department: 'mof', uscc: listed.uscc, outcome: 'hit' }));

    await t.http.get('/v1/checks/decisions').query({ department: 'mof' }).set(pboc).expect(403);
    const pbocOwn = await t.http.get('/v1/checks/decisions').set(pboc).expect(200);
    expect(pbocOwn.body.items.every((d: { department: string }) => d.department === 'pboc')).toBe(true);
    const all = await t.http.get('/v1/checks/decisions').query({ limit: 500 }).set(ndrc).expect(200);
    expect(new Set(all.body.items.map((d: { department: string }) => d.department))).toEqual(new Set(['mof', 'pboc']));
    const byScenario = await t.http
      .get('/v1/checks/decisions')
      .query({ scenario: 'government_procurement' })
      .set(ndrc)
      .expect(200);
    expect(byScenario.body.items.length).toBeGreaterThan(0);
    expect(byScenario.body.items.every((d: { scenario: string }) => d.scenario === 'government_procurement')).toBe(
      true,
    );
    const future = await t.http
      .get('/v1/checks/decisions')
      .query({ from: '2030-01-01T00:00:00Z' })
      .set(ndrc)
      .expect(200);
    expect(future.body.items).toEqual([]);
    const badOutcome = await t.http.get('/v1/checks/decisions').query({ outcome: 'maybe' }).set(ndrc).expect(400);
    expect(JSON.stringify(badOutcome.body)).toContain('outcome');
  });

  it('answers person checks by scenario from the stored person restrictions, never echoing the ID number', async () => {
    // a stored restriction's scenarios are those of its measure in its order's measure set (ADR 0009)
    const stored = await t
      .db('restrictions as r')
      .join('measure_sets as s', 's.id', 'r.measure_set_id')
      .where({ 'r.entry_id': debtor.entryId })
      .whereNotNull('r.person_key')
      .select('r.measure_code', 's.measures');
    const scenarios = new Set(
      stored.flatMap(
        (r: { measure_code: string; measures: { code: string; scenarios?: string[] }[] }) =>
          r.measures.find((m) => m.code === r.measure_code)?.scenarios ?? [],
      ),
    );
    expect(scenarios.has('consumption')).toBe(true);
    const res = await t.http
      .post('/v1/checks/persons')
      .set(mof)
      .send({ idNumber: debtor.idNumber, scenario: 'consumption' })
      .expect(200);
    expect(res.body).toMatchObject({
      scenario: 'consumption',
      restricted: true,
      idNumberMasked: expect.stringContaining('*'),
    });
    expect(res.body.measures.length).toBeGreaterThan(0);
    for (const m of res.body.measures) {
      for (const field of ['basis', 'code', 'department', 'entryId', 'listType', 'name', 'nameEn', 'until'])
        expect(m).toHaveProperty(field);
      expect(m.scenarios).toBeUndefined(); // the scenario was asked; the answer is about that one
      expect(m.entryId).toBe(debtor.entryId);
    }
    expect(JSON.stringify(res.body)).not.toContain(debtor.idNumber);
    const rec = await t.http.get(`/v1/checks/decisions/${res.body.decisionId}`).set(mof).expect(200);
    expect(rec.body).toMatchObject({ kind: 'person', outcome: 'hit', idNumberMasked: res.body.idNumberMasked });
    expect(JSON.stringify(rec.body)).not.toContain(debtor.idNumber);
    expect(JSON.stringify(await t.db('check_decisions').where({ id: res.body.decisionId }))).not.toContain(
      debtor.idNumber,
    );

    const clean = await t.http
      .post('/v1/checks/persons')
      .set(mof)
      .send({ idNumber: makeIdNumber(), scenario: 'consumption' })
      .expect(200);
    expect(clean.body).toMatchObject({ restricted: false, measures: [] });
    expect(clean.body.decisionId).toBeUndefined();
    const unknown = await t.http
      .post('/v1/checks/persons')
      .set(mof)
      .send({ idNumber: debtor.idNumber, scenario: 'space_travel' })
      .expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'scenario' })]);
    const missing = await t.http.post('/v1/checks/persons').set(mof).send({ idNumber: debtor.idNumber }).expect(400);
    expect(JSON.stringify(missing.body)).toContain('scenario');
    expect(JSON.stringify(missing.body)).not.toContain(debtor.idNumber);
  });

  it('records ineligible officer answers; an unknown role is a 400 naming it', async () => {
    const res = await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: listed.legalRepId, role: 'legal_representative' })
      .expect(200);
    expect(res.body.eligible).toBe(false);
    const rec = await t.http.get(`/v1/checks/decisions/${res.body.decisionId}`).set(samr).expect(200);
    expect(rec.body).toMatchObject({ kind: 'officer', scenario: 'legal_representative', outcome: 'hit' });
    const bad = await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: listed.legalRepId, role: 'emperor' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('role');
    const badScenario = await t.http
      .get(`/v1/checks/enterprises/${listed.uscc}`)
      .query({ scenario: 'space_travel' })
      .set(mof)
      .expect(400);
    expect(badScenario.body.errors).toEqual([expect.objectContaining({ path: 'scenario' })]);
  });

  it('reports desk figures per department and per scenario next to the order figures', async () => {
    // Fresh department: spc asks, gets hits, feeds back on some.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await t.http
            .get(`/v1/checks/enterprises/${listed.uscc}`)
            .query({ scenario: 'land_transfer' })
            .set(spc)
            .expect(200)
        ).body.decisionId,
      );
    await t.http.post(`/v1/checks/decisions/${ids[0]}/feedback`).set(spc).send({ action: 'restricted' }).expect(200);
    await t.http
      .post(`/v1/checks/decisions/${ids[1]}/feedback`)
      .set(spc)
      .send({ action: 'not_restricted', reason: 'credit_repaired' })
      .expect(200);
    await t.http
      .post(`/v1/checks/decisions/${ids[2]}/feedback`)
      .set(spc)
      .send({ action: 'not_restricted', reason: 'credit_repaired' })
      .expect(200);
    await t.http.get(`/v1/checks/enterprises/${makeUscc()}`).query({ scenario: 'land_transfer' }).set(spc).expect(200);

    await t.http.get('/v1/reports/feedback').set(mof).expect(403);
    const report = await t.http.get('/v1/reports/feedback').set(ndrc).expect(200);
    expect(report.body.departments.length).toBeGreaterThan(0); // the order view is still there
    const spcRow = report.body.desk.departments.find((d: { department: string }) => d.department === 'spc');
    expect(spcRow).toEqual({
      department: 'spc',
      name: expect.any(String),
      clear: 1,
      hits: 4,
      fedBack: 3,
      restricted: 1,
      notRestricted: 2,
      notRestrictedReasons: { credit_repaired: 2 },
      pending: 1,
    });
    const land = report.body.desk.scenarios.find((s: { scenario: string }) => s.scenario === 'land_transfer');
    expect(land).toMatchObject({ clear: 1, hits: 4, fedBack: 3, pending: 1 });
    const mofRow = report.body.desk.departments.find((d: { department: string }) => d.department === 'mof');
    expect(mofRow.notRestrictedReasons).toEqual({ subject_mismatch: 1 });
    expect(mofRow.pending).toBe(mofRow.hits - mofRow.fedBack);
  });
});
