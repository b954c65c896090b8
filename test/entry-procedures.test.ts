import { enterpriseEntry, personDebtorEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

type Auth = { Authorization: string };
interface Entry {
  id: string;
  status: string;
  sourceRef: string;
  decisionNo: string;
  subject: { uscc: string; name: string };
  orders: { id: string; department: string; status: string; endGround?: string | null }[];
}

/**
 * The way back (issue 18): objections, corrections, revocation and credit restoration, through the real API on a real
 * database: states, deadlines from rules/procedures, orders, checks, decision records, webhooks, audit and races.
 */
describe('objection, correction, revocation and credit restoration', () => {
  let t: TestApp;
  let samr: Auth;
  let spc: Auth;
  let mof: Auth;
  let ndrc: Auth;
  const NOW = new Date('2026-03-02T02:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ now: NOW });
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
    mof = await t.tokenFor('mof');
    ndrc = await t.tokenFor('ndrc');
    await t.subscribe(['mof', 'samr', 'ndrc']);
  }, 120_000);
  afterAll(() => t.close());
  beforeEach(() => t.clock.set(NOW));

  const list = async (body = enterpriseEntry()): Promise<Entry> =>
    (await t.http.post('/v1/list-entries').set(samr).send(body).expect(201)).body;
  const objection = (over: Record<string, unknown> = {}) => ({
    receivedAt: '2026-03-01T08:00:00Z',
    channel: 'authority',
    grounds: ['wrong_subject'],
    statement: '列入的统一社会信用代码不是本企业的',
    ...over,
  });
  const procurementCheck = (uscc: string) =>
    t.http.get(`/v1/checks/enterprises/${uscc}`).query({ scenario: 'government_procurement' }).set(mof).expect(200);

  it('records an objection with no invented deadline, flags every check answer, and is idempotent', async () => {
    const entry = await list();
    const res = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(samr).send(objection()).expect(201);
    expect(res.headers.location).toBe(`/v1/objections/${res.body.id}`);
    expect(res.body).toMatchObject({ entryId: entry.id, status: 'received', acceptBy: null, decideBy: null });
    // 严重违法失信名单: no text read sets an objection deadline, so none is given and it is never overdue
    const decide = res.body.basis.steps.find((s: { step: string }) => s.step === 'objection.decide');
    expect(decide.deadline).toBeNull();
    expect(decide.notGiven).toMatch(/no overdue is computed/);
    expect(decide.basis[0]).toMatchObject({ article: '第十二条', grade: 'verified' });

    const again = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(samr).send(objection()).expect(200);
    expect(again.body.id).toBe(res.body.id);
    expect(await t.count('objections', { entry_id: entry.id })).toBe(1);

    // the restriction stays in force, but says it is disputed
    const check = await procurementCheck(entry.subject.uscc);
    expect(check.body.restricted).toBe(true);
    for (const m of check.body.measures)
      expect(m.objection).toEqual({ status: 'pending', since: '2026-03-01T08:00:00.000Z' });
    const got = await t.http.get(`/v1/list-entries/${entry.id}`).set(mof).expect(200);
    expect(got.body.pendingObjection).toEqual({ status: 'pending', since: '2026-03-01T08:00:00.000Z' });

    // the 信用中国 window (a supervisor) may record one; an implementing department may not, nor read them
    await t.http
      .post(`/v1/list-entries/${entry.id}/objections`)
      .set(ndrc)
      .send(objection({ channel: 'credit_china', statement: '另一份异议' }))
      .expect(201);
    await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(mof).send(objection()).expect(403);
    await t.http.get(`/v1/objections/${res.body.id}`).set(mof).expect(404);
    await t.http.get('/v1/objections').set(mof).expect(403);
    const mine = await t.http.get('/v1/objections').query({ entry: entry.id }).set(samr).expect(200);
    expect(mine.body.items).toHaveLength(2);
    expect((await t.http.get('/v1/objections').set(spc).expect(200)).body.items).toEqual([]);
  });

  it('counts the anomaly-list deadlines in working days and refuses an objection outside the 30-day window (422)', async () => {
    const entry = await list(enterpriseEntry({ listType: 'abnormal_operations', decidedAt: '2026-02-10' }));
    const res = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(samr).send(objection()).expect(201);
    const acceptBy = t.app.calendar.addWorkingDays('2026-03-01', 5);
    expect(res.body.acceptBy).toBe(acceptBy);
    expect(res.body.decideBy).toBe(t.app.calendar.addWorkingDays(acceptBy, 20));
    expect(res.body.basis.steps[0].basis[0]).toMatchObject({ grade: 'provisional' });

    t.clock.set(new Date('2026-03-13T02:00:00Z'));
    const late = await t.http
      .post(`/v1/list-entries/${entry.id}/objections`)
      .set(samr)
      .send(objection({ receivedAt: '2026-03-13T01:00:00Z', statement: '逾期提出' }))
      .expect(422);
    expect(late.headers['content-type']).toMatch(/problem\+json/);
    expect(late.body.detail).toContain('已于 2026-03-12 届满');
    expect(late.body.errors[0].path).toBe('receivedAt');

    // overdue once decideBy has passed: the list filter and the report count it
    t.clock.set(new Date(`${res.body.decideBy}T20:00:00Z`));
    const overdue = await t.http.get('/v1/objections').query({ overdue: true }).set(ndrc).expect(200);
    expect(overdue.body.items.map((o: { id: string }) => o.id)).toContain(res.body.id);
    const report = await t.http.get('/v1/reports/feedback').set(ndrc).expect(200);
    const samrFigures = report.body.procedures.find((p: { authority: string }) => p.authority === 'samr');
    expect(samrFigures.objections.overdue).toBeGreaterThanOrEqual(1);
  });

  it('lists overdue objections oldest deadline first, page by page, each once', async () => {
    const mine: string[] = [];
    // received (and recorded) a week apart, the latest first: newest first is this order, oldest deadline the reverse
    for (const day of ['2026-03-09', '2026-03-02', '2026-02-23']) {
      t.clock.set(new Date(`${day}T02:00:00Z`));
      const entry = await list(enterpriseEntry({ listType: 'abnormal_operations', decidedAt: '2026-02-10' }));
      const res = await t.http
        .post(`/v1/list-entries/${entry.id}/objections`)
        .set(samr)
        .send(objection({ receivedAt: `${day}T01:00:00Z` }))
        .expect(201);
      mine.push(res.body.id);
    }
    t.clock.set(new Date('2026-06-01T02:00:00Z'));
    const walked: { id: string; decideBy: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http.get('/v1/objections').query({ overdue: true, limit: 1, cursor }).set(ndrc).expect(200);
      walked.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    const dates = walked.map((o) => o.decideBy);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(walked.map((o) => o.id)).size).toBe(walked.length);
    // the one received first is due first
    expect(walked.map((o) => o.id).filter((id) => mine.includes(id))).toEqual([...mine].reverse());
    // the whole list stays newest first
    const all = await t.http.get('/v1/objections').query({ limit: 100 }).set(ndrc).expect(200);
    expect(all.body.items.map((o: { id: string }) => o.id).filter((id: string) => mine.includes(id))).toEqual(mine);
  });

  it('an objection upheld by revocation voids the entry: orders revoked, checks clear, decision records marked', async () => {
    const entry = await list();
    const uscc = entry.subject.uscc;
    // a procurement desk excluded the bidder on this listing and says so, with its case reference
    const hit = await procurementCheck(uscc);
    await t.http
      .post(`/v1/checks/decisions/${hit.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-99' })
      .expect(200);
    const mofOrder = entry.orders.find((o) => o.department === 'mof') as { id: string };
    await t.http.post(`/v1/orders/${mofOrder.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);

    const obj = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(samr).send(objection()).expect(201);
    // an upheld objection must name its remedy, and a revocation its decision number
    await t.http
      .post(`/v1/objections/${obj.body.id}/decision`)
      .set(samr)
      .send({ outcome: 'upheld', reason: '主体错误' })
      .expect(400);
    await t.http
      .post(`/v1/objections/${obj.body.id}/decision`)
      .set(ndrc)
      .send({ outcome: 'rejected', reason: '理由不成立' })
      .expect(403);
    const decision = {
      outcome: 'upheld',
      reason: '列入主体错误',
      decisionNo: '沪市监撤〔2026〕1号',
      remedy: 'revocation',
    };
    const decided = await t.http.post(`/v1/objections/${obj.body.id}/decision`).set(samr).send(decision).expect(200);
    expect(decided.body).toMatchObject({ status: 'upheld', decision: { outcome: 'upheld', remedy: 'revocation' } });
    // repeating the same decision is harmless; a different one is 409 naming the state
    await t.http.post(`/v1/objections/${obj.body.id}/decision`).set(samr).send(decision).expect(200);
    const other = await t.http
      .post(`/v1/objections/${obj.body.id}/decision`)
      .set(samr)
      .send({ outcome: 'rejected', reason: 'x' })
      .expect(409);
    expect(other.body.detail).toContain('upheld');

    const revoked = (await t.http.get(`/v1/list-entries/${entry.id}`).set(samr).expect(200)).body;
    expect(revoked.status).toBe('revoked');
    expect(revoked.revocation).toMatchObject({ decisionNo: '沪市监撤〔2026〕1号', objectionId: obj.body.id });
    expect(revoked.orders.length).toBeGreaterThan(1);
    for (const o of revoked.orders) expect(o).toMatchObject({ status: 'revoked', endGround: 'revoked' });
    expect(await t.count('restrictions', { entry_id: entry.id, status: 'active' })).toBe(0);
    expect(await t.count('officer_bans', { entry_id: entry.id, status: 'active' })).toBe(0);
    expect((await procurementCheck(uscc)).body.restricted).toBe(false);

    const events = await t.db('webhook_outbox').whereIn(
      'order_id',
      revoked.orders.map((o: { id: string }) => o.id),
    );
    const revokedEvents = events.filter((e) => e.type === 'order.revoked');
    expect(revokedEvents.map((e) => e.department).sort()).toEqual(
      revoked.orders
        .map((o: { department: string }) => o.department)
        .filter((d: string) => ['mof', 'samr', 'ndrc'].includes(d))
        .sort(),
    );
    expect((revokedEvents[0]?.data as { order: { status: string } } | undefined)?.order.status).toBe('revoked');

    // the decision record is unchanged, but marked; the desk is told with its case reference
    const record = await t.http.get(`/v1/checks/decisions/${hit.body.decisionId}`).set(mof).expect(200);
    expect(record.body.answer.restricted).toBe(true);
    expect(record.body.basisRevoked).toMatchObject({ reason: '列入主体错误', entryId: entry.id });
    const told = await t.db('webhook_outbox').where({ type: 'decision.basis_revoked', department: 'mof' });
    const mine = told.find((e) => (e.data as { decisionId: string }).decisionId === hit.body.decisionId);
    expect(mine?.data).toMatchObject({ caseRef: 'CG-2026-99', entryId: entry.id, deskAction: 'restricted' });
    await expect(t.db('check_decision_basis_revocations').update({ reason: 'x' })).rejects.toThrow(/append-only/);

    // a revoked order takes no feedback; a revoked entry is not removed, corrected or listed again
    const ndrcOrder = revoked.orders.find((o: { department: string }) => o.department === 'ndrc');
    await t.http.post(`/v1/orders/${ndrcOrder.id}/feedback`).set(ndrc).send({ outcome: 'implemented' }).expect(409);
    const removal = await t.http
      .post(`/v1/list-entries/${entry.id}/removal`)
      .set(samr)
      .send({ reason: 'x', decisionNo: 'y' })
      .expect(409);
    expect(removal.body.detail).toContain('该条目当前状态为已撤销');
    const relist = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ sourceRef: entry.sourceRef }))
      .expect(409);
    expect(relist.body.detail).toContain('已撤销');
    const batch = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send([enterpriseEntry({ sourceRef: entry.sourceRef }), enterpriseEntry()])
      .expect(200);
    expect(batch.body.results[0]).toMatchObject({ status: 'rejected', errors: [{ path: 'sourceRef' }] });
    expect(batch.body.results[1].status).toBe('created');
    // revoking again changes nothing
    await t.http
      .post(`/v1/list-entries/${entry.id}/revocation`)
      .set(samr)
      .send({ reason: '列入主体错误', decisionNo: '沪市监撤〔2026〕1号' })
      .expect(200);
    expect(await t.count('audit_log', { entity_id: entry.id, action: 'entry.revoked' })).toBe(1);
    const history = await t.http.get(`/v1/list-entries/${entry.id}/history`).set(samr).expect(200);
    const path = history.body.items
      .filter((i: { entityType: string }) => i.entityType === 'list_entry')
      .map((i: { action: string }) => i.action);
    expect(path).toEqual(['entry.created', 'entry.objected', 'entry.revoked', 'objection.decided']);
  });

  it('two decisions on one objection at once: one 200, one 409', async () => {
    const entry = await list();
    const obj = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(samr).send(objection()).expect(201);
    const url = `/v1/objections/${obj.body.id}/decision`;
    const [a, b] = await Promise.all([
      t.http.post(url).set(samr).send({ outcome: 'rejected', reason: '理由不成立' }),
      t.http
        .post(url)
        .set(samr)
        .send({ outcome: 'upheld', reason: '主体错误', decisionNo: '撤〔2026〕2号', remedy: 'revocation' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const entryNow = await t.db('list_entries').where({ id: entry.id }).first();
    expect(entryNow?.status).toBe(a.status === 200 ? 'active' : 'revoked');
  });

  it('revocation concurrent with order feedback: every order ends revoked', async () => {
    const entry = await list();
    const feedback = entry.orders.map(async (o) => {
      const auth =
        o.department === 'mof' ? mof : o.department === 'ndrc' ? ndrc : o.department === 'samr' ? samr : null;
      if (!auth) return 0;
      return (await t.http.post(`/v1/orders/${o.id}/feedback`).set(auth).send({ outcome: 'implemented' })).status;
    });
    const revocation = t.http
      .post(`/v1/list-entries/${entry.id}/revocation`)
      .set(samr)
      .send({ reason: '错误列入', decisionNo: '撤〔2026〕3号' });
    const [statuses, revoked] = await Promise.all([Promise.all(feedback), revocation]);
    expect(revoked.status).toBe(200);
    for (const s of statuses) expect([0, 200, 409]).toContain(s);
    const orders = await t.db('orders').where({ entry_id: entry.id });
    expect(orders.every((o) => o.status === 'revoked')).toBe(true);
  });

  it('corrects descriptive fields with before and after in the history; identity fields are 422', async () => {
    const input = enterpriseEntry();
    const entry = await list(input);
    const identity = await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '代码录错', changes: { uscc: '91310000000000000X' } })
      .expect(422);
    expect(identity.body.detail).toMatch(/请撤销该条目/);
    expect(identity.body.errors[0].path).toBe('changes.uscc');
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(mof)
      .send({ reason: '名称录错', changes: { subjectName: '正确名称有限公司' } })
      .expect(403);
    const body = {
      reason: '名称录错',
      decisionNo: '测市监更〔2026〕1号',
      changes: { subjectName: '正确名称有限公司', decisionNo: '测市监严〔2026〕更1号', reason: '更正后的列入原因' },
    };
    const fixed = await t.http.post(`/v1/list-entries/${entry.id}/corrections`).set(samr).send(body).expect(200);
    expect(fixed.body).toMatchObject({ status: 'active', decisionNo: '测市监严〔2026〕更1号' });
    expect(fixed.body.subject.name).toBe('正确名称有限公司');
    await t.http.post(`/v1/list-entries/${entry.id}/corrections`).set(samr).send(body).expect(200);
    const rows = await t.db('audit_log').where({ entity_id: entry.id, action: 'entry.corrected' });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.before).toEqual({
      subjectName: entry.subject.name,
      decisionNo: input.decisionNo,
      reason: input.reason,
    });
    // the corrected listing reason and decision number, apart from why and by which decision they were corrected
    expect(rows[0]?.after).toEqual({
      subjectName: '正确名称有限公司',
      decisionNo: '测市监严〔2026〕更1号',
      reason: '更正后的列入原因',
      correction: { reason: '名称录错', decisionNo: '测市监更〔2026〕1号' },
    });
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '日期', changes: { decidedAt: '2027-01-01' } })
      .expect(400);
  });

  it('a corrected legal representative is the one a resubmission is compared with, before this fix too', async () => {
    const input = enterpriseEntry();
    const entry = await list(input);
    const rep = input.subject.kind === 'enterprise' ? input.subject.legalRepresentative : undefined;
    if (!rep) throw new Error('the factory lists a legal representative');
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '法定代表人姓名录错', changes: { legalRepresentativeName: '更正后姓名' } })
      .expect(200);
    const corrected = { ...input, subject: { ...input.subject, legalRepresentative: { ...rep, name: '更正后姓名' } } };
    const resend = (body: object) => t.http.post('/v1/list-entries').set(samr).send(body);
    // the authority's system re-sends the corrected record: a repeat; the record as first (wrongly) sent: a conflict
    expect((await resend(corrected).expect(200)).body.id).toBe(entry.id);
    const old = await resend(input).expect(409);
    expect(old.body.errors.map((e: { path: string }) => e.path)).toEqual(['subject.legalRepresentative']);

    // an entry corrected before the fix kept the old name in its persons; the migration takes it from the subject
    const persons = (await t.db('list_entries').where({ id: entry.id }).first())?.persons as { name: string }[];
    const stale = persons.map((p) => (p.name === '更正后姓名' ? { ...p, name: rep.name } : p));
    await t
      .db('list_entries')
      .where({ id: entry.id })
      .update({ persons: JSON.stringify(stale) });
    await resend(corrected).expect(409);
    const migration = require('../migrations/20261206600000_corrected_names_in_persons.js') as {
      up(db: unknown): Promise<void>;
    };
    await migration.up(t.db);
    expect((await t.db('list_entries').where({ id: entry.id }).first())?.persons).toEqual(persons);
    await resend(corrected).expect(200);
  });

  it('refuses a corrected decision date that would plan other measures or cite another version of a law (422)', async () => {
    // decided while the 2014 公示条例 was in force: the legal representative's 3-year ban is its Art. 17; the same
    // entry decided after the 2024 revision took effect (2024-05-01) gets the revision's ban, which no order holds
    const entry = await list(enterpriseEntry({ decidedAt: '2024-04-20', expiresAt: '2027-04-19' }));
    const ordersBefore = await t.db('orders').where({ entry_id: entry.id }).orderBy('id');
    const correct = (decidedAt: string) =>
      t.http
        .post(`/v1/list-entries/${entry.id}/corrections`)
        .set(samr)
        .send({ reason: '决定日期录错', changes: { decidedAt } });
    const across = await correct('2024-05-06').expect(422);
    expect(across.body.detail).toMatch(/^决定日期由 2024-04-20 更正为 2024-05-06 后，适用的惩戒措施或其法律依据不同/);
    expect(across.body.errors.map((e: { path: string }) => e.path)).toEqual(['changes.decidedAt']);
    // nothing written: the entry, its orders and its history are as they were
    const stored = await t.db('list_entries').where({ id: entry.id }).first();
    expect(stored?.decided_at).toBe('2024-04-20');
    expect(await t.db('orders').where({ entry_id: entry.id }).orderBy('id')).toEqual(ordersBefore);
    expect(await t.count('audit_log', { entity_id: entry.id, action: 'entry.corrected' })).toBe(0);
    // a date on the same side of every boundary is a correction: the same measures, their terms moved
    const within = await correct('2024-04-25').expect(200);
    expect(within.body.decidedAt).toBe('2024-04-25');
  });

  it('a revoked entry that was any ground of a decision marks it, not only the ground an answer names first', async () => {
    // one company on the list by two decisions: each procurement measure of the answer has both as its grounds
    const first = await list();
    const uscc = first.subject.uscc;
    const again = enterpriseEntry();
    (again.subject as { uscc: string }).uscc = uscc;
    const second = await list(again);
    const hit = await procurementCheck(uscc);
    const measure = hit.body.measures[0] as { entryId: string; grounds: { entryId: string }[] };
    expect(measure.grounds.map((g) => g.entryId).sort()).toEqual([first.id, second.id].sort());
    // the ground the answer does not name first is found to be a wrong listing
    const other = measure.entryId === first.id ? second.id : first.id;
    await t.http
      .post(`/v1/list-entries/${other}/revocation`)
      .set(samr)
      .send({ reason: '重复列入', decisionNo: '沪市监撤〔2026〕9号' })
      .expect(200);
    const record = await t.http.get(`/v1/checks/decisions/${hit.body.decisionId}`).set(mof).expect(200);
    expect(record.body.basisRevoked).toMatchObject({ entryId: other, reason: '重复列入' });
    const told = await t.db('webhook_outbox').where({ type: 'decision.basis_revoked', department: 'mof' });
    expect(told.some((e) => (e.data as { decisionId: string }).decisionId === hit.body.decisionId)).toBe(true);
  });

  it('an objection upheld with a correction corrects the entry in its transaction, or is refused whole', async () => {
    const entry = await list(enterpriseEntry({ decidedAt: '2024-04-20', expiresAt: '2027-04-19' }));
    const obj = await t.http
      .post(`/v1/list-entries/${entry.id}/objections`)
      .set(samr)
      .send(objection({ grounds: ['inaccurate'], statement: '决定日期有误' }))
      .expect(201);
    const decide = (correction: Record<string, unknown>) =>
      t.http.post(`/v1/objections/${obj.body.id}/decision`).set(samr).send({
        outcome: 'upheld',
        reason: '决定日期录错',
        decisionNo: '沪市监异〔2026〕1号',
        remedy: 'correction',
        correction,
      });
    // a date across the 2024 公示条例's start is refused, named where the request put it; nothing is decided
    const across = await decide({ decidedAt: '2024-05-06' }).expect(422);
    expect(across.body.errors).toEqual([
      { path: 'correction.decidedAt', message: expect.stringMatching(/^更正后的决定日期适用不同的措施或法律依据/) },
    ]);
    expect((await t.http.get(`/v1/objections/${obj.body.id}`).set(samr).expect(200)).body.status).toBe('received');
    const future = await decide({ decidedAt: '2099-01-01' }).expect(400);
    expect(future.body.errors.map((e: { path: string }) => e.path)).toEqual(['correction.decidedAt']);
    expect(future.body.errors[0].message).toMatch(/^决定日期/);
    // within the same version the correction is made, with the objection it answers in its audit row
    await decide({ decidedAt: '2024-04-25' }).expect(200);
    expect((await t.db('list_entries').where({ id: entry.id }).first())?.decided_at).toBe('2024-04-25');
    const [audit] = await t.db('audit_log').where({ entity_id: entry.id, action: 'entry.corrected' });
    expect(audit?.after).toEqual({
      decidedAt: '2024-04-25',
      correction: { reason: '决定日期录错', decisionNo: '沪市监异〔2026〕1号', objectionId: obj.body.id },
    });
  });

  it('a corrected term that ends before the day of a check marks its decision record, and the desk is told', async () => {
    // checked on 2026-03-02 (NOW) while the term was typed as 2026-12-31; the desk excluded the bidder
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10', expiresAt: '2026-12-31' }));
    const hit = await procurementCheck(entry.subject.uscc);
    expect(hit.body.restricted).toBe(true);
    await t.http
      .post(`/v1/checks/decisions/${hit.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-77' })
      .expect(200);
    const correct = (expiresAt: string) =>
      t.http
        .post(`/v1/list-entries/${entry.id}/corrections`)
        .set(samr)
        .send({ reason: '期限录错', decisionNo: '沪市监更〔2026〕5号', changes: { expiresAt } })
        .expect(200);
    const recordOf = async () =>
      (await t.http.get(`/v1/checks/decisions/${hit.body.decisionId}`).set(mof).expect(200)).body;
    const told = async () =>
      (await t.db('webhook_outbox').where({ type: 'decision.basis_corrected', department: 'mof' })).filter(
        (e) => (e.data as { decisionId: string }).decisionId === hit.body.decisionId,
      );
    // a term still covering the day of the check leaves the decision standing
    await correct('2026-03-05');
    expect((await recordOf()).basisCorrected).toBeUndefined();
    expect(await told()).toHaveLength(0);
    // a term that, as corrected, ended before the check: the record is marked, unchanged, and the desk told
    await correct('2026-02-28');
    const record = await recordOf();
    expect(record.answer.restricted).toBe(true);
    expect(record.basisCorrected).toMatchObject({
      entryId: entry.id,
      reason: '期限录错',
      decisionNo: '沪市监更〔2026〕5号',
    });
    const relied = (hit.body.measures as { code: string }[]).map((m) => m.code);
    for (const code of relied) expect(record.basisCorrected.until[code]).toBe('2026-02-28');
    const [event] = await told();
    expect(event?.data).toMatchObject({ caseRef: 'CG-2026-77', deskAction: 'restricted', entryId: entry.id });
    await expect(t.db('check_decision_basis_corrections').update({ reason: 'x' })).rejects.toThrow(/append-only/);
  });

  it('a decision date corrected to after the day of a check marks its decision record, and the desk is told', async () => {
    // typed as 2026-02-10, the decision was made on 2026-03-20: a check on 2026-03-02 (NOW) stood on no decision yet
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const early = await procurementCheck(entry.subject.uscc);
    expect(early.body.restricted).toBe(true);
    await t.http
      .post(`/v1/checks/decisions/${early.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-81' })
      .expect(200);
    t.clock.set(new Date('2026-03-21T02:00:00Z'));
    const late = await procurementCheck(entry.subject.uscc);
    t.clock.set(new Date('2026-03-25T02:00:00Z'));
    const correct = (decidedAt: string) =>
      t.http
        .post(`/v1/list-entries/${entry.id}/corrections`)
        .set(samr)
        .send({ reason: '决定日期录错', decisionNo: '沪市监更〔2026〕9号', changes: { decidedAt } })
        .expect(200);
    const recordOf = async (id: string) => (await t.http.get(`/v1/checks/decisions/${id}`).set(mof).expect(200)).body;
    const told = async () =>
      (await t.db('webhook_outbox').where({ type: 'decision.basis_corrected', department: 'mof' })).filter((e) =>
        [early.body.decisionId, late.body.decisionId].includes((e.data as { decisionId: string }).decisionId),
      );
    // a decision on the day of the check still stood that day
    await correct('2026-03-02');
    expect((await recordOf(early.body.decisionId)).basisCorrected).toBeUndefined();
    expect(await told()).toHaveLength(0);
    await correct('2026-03-20');
    const record = await recordOf(early.body.decisionId);
    expect(record.answer.restricted).toBe(true);
    expect(record.basisCorrected).toMatchObject({
      entryId: entry.id,
      reason: '决定日期录错',
      decisionNo: '沪市监更〔2026〕9号',
      decidedAt: '2026-03-20',
    });
    // the check made after the decision, as now dated, stood on it
    expect((await recordOf(late.body.decisionId)).basisCorrected).toBeUndefined();
    const events = await told();
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({
      decisionId: early.body.decisionId,
      caseRef: 'CG-2026-81',
      basisCorrected: { decidedAt: '2026-03-20' },
    });
  });

  it('a corrected decision number the answer quoted is noted on the record and told to its desk; a reason is not', async () => {
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const other = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const hit = await procurementCheck(entry.subject.uscc);
    const otherHit = await procurementCheck(other.subject.uscc);
    const quoted = (hit.body.measures as { grounds: { entryId: string; decisionNo: string }[] }[]).flatMap(
      (m) => m.grounds,
    );
    expect(quoted.find((g) => g.entryId === entry.id)?.decisionNo).toBe(entry.decisionNo);
    await t.http
      .post(`/v1/checks/decisions/${hit.body.decisionId}/feedback`)
      .set(mof)
      .send({ action: 'restricted', caseRef: 'CG-2026-90' })
      .expect(200);
    const correct = (changes: Record<string, string>) =>
      t.http
        .post(`/v1/list-entries/${entry.id}/corrections`)
        .set(samr)
        .send({ reason: '文号录错', decisionNo: '沪市监更〔2026〕12号', changes })
        .expect(200);
    const told = async () =>
      (await t.db('webhook_outbox').where({ type: 'decision.ground_corrected' })).filter((e) =>
        [hit.body.decisionId, otherHit.body.decisionId].includes((e.data as { decisionId: string }).decisionId),
      );
    // the listing reason is no part of a ground: no desk quoted it
    await correct({ reason: '未按照规定的期限公示年度报告（更正）' });
    expect(await told()).toHaveLength(0);
    await correct({ decisionNo: `${entry.decisionNo}-更` });
    const events = await told();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ department: 'mof', order_id: null });
    expect(events[0]?.data).toMatchObject({
      decisionId: hit.body.decisionId,
      entryId: entry.id,
      caseRef: 'CG-2026-90',
      deskAction: 'restricted',
      groundCorrected: { reason: '文号录错', decisionNo: '沪市监更〔2026〕12号', corrected: ['decisionNo'] },
    });
    // the listing stood: no lost basis is marked, but the record shows what of its grounds was corrected since
    const recordOf = async (id: string) => (await t.http.get(`/v1/checks/decisions/${id}`).set(mof).expect(200)).body;
    const record = await recordOf(hit.body.decisionId);
    expect(record.basisCorrected).toBeUndefined();
    expect(record.answer.measures[0].grounds[0].decisionNo).toBe(entry.decisionNo);
    expect(record.groundsCorrected).toEqual([
      {
        at: expect.any(String),
        entryId: entry.id,
        reason: '文号录错',
        decisionNo: '沪市监更〔2026〕12号',
        corrected: ['decisionNo'],
      },
    ]);
    expect((await recordOf(otherHit.body.decisionId)).groundsCorrected).toBeUndefined();
    // a repeat changes nothing and tells no one again
    await correct({ decisionNo: `${entry.decisionNo}-更` });
    expect(await told()).toHaveLength(1);
    expect((await recordOf(hit.body.decisionId)).groundsCorrected).toHaveLength(1);
    await expect(t.db('check_decision_ground_corrections').update({ reason: 'x' })).rejects.toThrow(/append-only/);
  });

  it('a corrected expiry or decision date moves the terms of the measures in force, and their departments are told', async () => {
    type Measure = { code: string; until: string | null };
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10', expiresAt: '2026-06-30' }));
    const uscc = entry.subject.uscc;
    const mofOrder = entry.orders.find((o) => o.department === 'mof') as { id: string };
    await t.http.post(`/v1/orders/${mofOrder.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);
    const measuresOf = async () =>
      (
        (await t.http.get(`/v1/list-entries/${entry.id}`).set(samr).expect(200)).body.orders as {
          department: string;
          measures: Measure[];
        }[]
      ).flatMap((o) => o.measures.map((m) => ({ ...m, department: o.department })));
    const issued = await measuresOf();
    // the 2024 公示条例 ban on the legal representative runs 3 years from the decision; the rest while listed
    const BAN = 'gsr2024-legal-representative-ban';
    expect(issued.find((m) => m.code === BAN)?.until).toBe('2029-02-09');
    expect(issued.filter((m) => m.code !== BAN).every((m) => m.until === '2026-06-30')).toBe(true);

    // the authority had typed the wrong year for the end of the term
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '期限录错', changes: { expiresAt: '2027-06-30' } })
      .expect(200);
    const moved = await measuresOf();
    expect(moved.find((m) => m.code === BAN)?.until).toBe('2029-02-09');
    expect(moved.filter((m) => m.code !== BAN).every((m) => m.until === '2027-06-30')).toBe(true);
    // past the old date, the entry still listed: the procurement desk is still told to restrict, until the new date
    t.clock.set(new Date('2026-08-01T02:00:00Z'));
    const later = await procurementCheck(uscc);
    expect(later.body.restricted).toBe(true);
    expect(later.body.measures.every((m: Measure) => m.until === '2027-06-30')).toBe(true);

    // mof (subscribed) hears of its order as it now stands; the order kept its feedback
    const told = await t.db('webhook_outbox').where({ type: 'order.amended', order_id: mofOrder.id });
    expect(told).toHaveLength(1);
    const data = told[0]?.data;
    const order = (typeof data === 'string' ? JSON.parse(data) : data).order;
    expect(order).toMatchObject({ id: mofOrder.id, status: 'implemented' });
    expect(order.measures.every((m: Measure) => m.until === '2027-06-30')).toBe(true);
    // each moved order says before and after in the entry's history
    const history = async () =>
      (await t.http.get(`/v1/list-entries/${entry.id}/history`).set(samr).expect(200)).body.items;
    const amended = (await history()).filter((i: { action: string }) => i.action === 'order.amended');
    // every order holding a measure that lasts while listed (one order a department); the ban's own order keeps
    expect(amended).toHaveLength(new Set(issued.filter((m) => m.code !== BAN).map((m) => m.department)).size);
    expect(amended.length).toBeLessThan(entry.orders.length);
    const mofAmended = amended.find((i: { entityId: string }) => i.entityId === mofOrder.id);
    expect(Object.values(mofAmended.before.until)).toEqual(expect.arrayContaining(['2026-06-30']));
    expect(mofAmended.after).toMatchObject({ expiresAt: '2027-06-30', decidedAt: '2026-02-10' });

    // a corrected decision date moves the fixed term (3 years from the decision), and only the orders holding it
    t.clock.set(NOW);
    const before = await t.count('webhook_outbox', { type: 'order.amended' });
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '决定日期录错', changes: { decidedAt: '2026-01-20' } })
      .expect(200);
    const again = await measuresOf();
    expect(again.find((m) => m.code === BAN)?.until).toBe('2029-01-19');
    expect(again.filter((m) => m.code !== BAN).every((m) => m.until === '2027-06-30')).toBe(true);
    const banHolders = new Set(again.filter((m) => m.code === BAN).map((m) => m.department));
    const toSubscribed = [...banHolders].filter((d) => ['mof', 'samr', 'ndrc'].includes(d)).length;
    expect((await t.count('webhook_outbox', { type: 'order.amended' })) - before).toBe(toSubscribed);
    expect(
      (await history()).filter((i: { action: string }) => i.action === 'order.amended').length - amended.length,
    ).toBe(banHolders.size);
  });

  it('a corrected name or decision number is announced to every department with an order in force on the entry', async () => {
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const orderOf = (d: string) => entry.orders.find((o) => o.department === d) as { id: string };
    const [mofOrder, ndrcOrder, samrOrder] = [orderOf('mof'), orderOf('ndrc'), orderOf('samr')];
    await t.http.post(`/v1/orders/${mofOrder.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);
    // ndrc found it had nothing to act on: it no longer acts on the entry and hears nothing more of it
    await t.http
      .post(`/v1/orders/${ndrcOrder.id}/feedback`)
      .set(ndrc)
      .send({ outcome: 'not_applicable', reason: 'no_business' })
      .expect(200);
    const told = async () =>
      (await t
        .db('webhook_outbox')
        .where({ type: 'order.entry_corrected' })
        .whereIn('order_id', [mofOrder.id, ndrcOrder.id, samrOrder.id])) as {
        department: string;
        order_id: string;
        data: unknown;
      }[];

    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '名称录错', changes: { subjectName: '更正后的名称有限公司', decisionNo: entry.decisionNo } })
      .expect(200);
    const events = await told();
    expect(events.map((e) => e.department).sort()).toEqual(['mof', 'samr']);
    for (const e of events) {
      const data = typeof e.data === 'string' ? JSON.parse(e.data) : e.data;
      // the decision number was sent unchanged: only the name is named
      expect(data.corrected).toEqual(['subjectName']);
      expect(data.order).toMatchObject({ id: e.order_id, entryId: entry.id });
    }
    // the order the department reads shows the corrected name
    const page = await t.http.get(`/v1/orders/${mofOrder.id}`).set(mof).expect(200);
    expect(page.body.subject.name).toBe('更正后的名称有限公司');

    // a correction that changes nothing announces nothing
    await t.http
      .post(`/v1/list-entries/${entry.id}/corrections`)
      .set(samr)
      .send({ reason: '重复', changes: { subjectName: '更正后的名称有限公司' } })
      .expect(200);
    expect(await told()).toHaveLength(2);
  });

  it('credit restoration: too early is 422 with the date; approved removes with ground credit_restored and hides the entry', async () => {
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const application = {
      receivedAt: '2026-03-01T08:00:00Z',
      channel: 'credit_china',
      statement: '已履行行政处罚决定并消除影响',
      commitment: true,
    };
    const early = await t.http
      .post(`/v1/list-entries/${entry.id}/restoration-applications`)
      .set(ndrc)
      .send(application)
      .expect(422);
    expect(early.body.detail).toContain('自 2027-02-10 起方可申请');

    t.clock.set(new Date('2027-02-15T02:00:00Z'));
    const filed = await t.http
      .post(`/v1/list-entries/${entry.id}/restoration-applications`)
      .set(ndrc)
      .send({ ...application, receivedAt: '2027-02-15T01:00:00Z' })
      .expect(201);
    expect(filed.body).toMatchObject({ status: 'received', eligibleFrom: '2027-02-10' });
    // forwarded by 信用中国: the department decides within 3 working days (国办发〔2025〕22号, provisional)
    expect(filed.body.decideBy).toBe(t.app.calendar.addWorkingDays('2027-02-15', 3));
    await t.http
      .post(`/v1/restoration-applications/${filed.body.id}/decision`)
      .set(ndrc)
      .send({ outcome: 'approved', reason: '符合条件', decisionNo: '修〔2027〕1号' })
      .expect(403);
    const approved = await t.http
      .post(`/v1/restoration-applications/${filed.body.id}/decision`)
      .set(samr)
      .send({ outcome: 'approved', reason: '符合条件', decisionNo: '修〔2027〕1号' })
      .expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', decision: { outcome: 'approved', inTime: true } });

    const now = (await t.http.get(`/v1/list-entries/${entry.id}`).set(samr).expect(200)).body;
    expect(now).toMatchObject({
      status: 'removed',
      removal: { ground: 'credit_restored', decisionNo: '修〔2027〕1号' },
    });
    for (const o of now.orders) expect(o.status === 'lifted' ? o.endGround : 'credit_restored').toBe('credit_restored');
    const lifted = await t.db('webhook_outbox').where({ type: 'order.lifted', department: 'mof' });
    const data = lifted.map((e) => e.data as { order: { entryId: string }; ground?: string });
    expect(data.find((d) => d.order.entryId === entry.id)?.ground).toBe('credit_restored');
    expect((await procurementCheck(entry.subject.uscc)).body.restricted).toBe(false);
    // 公示 stops: other departments no longer see it; the authority and the supervisors do
    await t.http.get(`/v1/list-entries/${entry.id}`).set(mof).expect(404);
    await t.http.get(`/v1/list-entries/${entry.id}`).set(ndrc).expect(200);
    const search = await t.http.get('/v1/list-entries').query({ uscc: entry.subject.uscc }).set(mof).expect(200);
    expect(search.body.items).toEqual([]);
    // restoring twice is not a second removal
    const app2 = await t.http
      .post(`/v1/list-entries/${entry.id}/restoration-applications`)
      .set(samr)
      .send({ ...application, receivedAt: '2027-02-15T02:00:00Z' })
      .expect(409);
    expect(app2.body.detail).toContain('该条目当前状态为已移出');
  });

  it('a list no text allows to be restored is 422 with its basis; removal takes a ground, old contract unchanged', async () => {
    const revokedLicence = await list(enterpriseEntry({ listType: 'license_revoked' }));
    const refused = await t.http
      .post(`/v1/list-entries/${revokedLicence.id}/restoration-applications`)
      .set(samr)
      .send({ receivedAt: '2026-03-01T08:00:00Z', channel: 'authority', statement: '申请', commitment: true })
      .expect(422);
    expect(refused.body.detail).toContain('第十四条第三款');

    const a = await list();
    const removed = await t.http
      .post(`/v1/list-entries/${a.id}/removal`)
      .set(samr)
      .send({ reason: '已履行', decisionNo: '移〔2026〕1号', ground: 'performed' })
      .expect(200);
    expect(removed.body.removal).toMatchObject({ ground: 'performed' });
    const b = await list();
    const plain = await t.http
      .post(`/v1/list-entries/${b.id}/removal`)
      .set(samr)
      .send({ reason: '已履行', decisionNo: '移〔2026〕2号' })
      .expect(200);
    expect(plain.body.removal).not.toHaveProperty('ground');
    // an objection to a removed entry: 409 naming the state
    const late = await t.http.post(`/v1/list-entries/${b.id}/objections`).set(samr).send(objection()).expect(409);
    expect(late.body.detail).toContain('该条目当前状态为已移出');
  });

  it('credit_restored is set only by an approved restoration: a plain removal naming it is refused, single or batch', async () => {
    // a serious-violation listing may be restored only after a year on the list: a removal must not skip that
    const entry = await list(enterpriseEntry({ decidedAt: '2026-02-10' }));
    const hiddenFromOthers = async () => (await t.http.get(`/v1/list-entries/${entry.id}`).set(mof)).status === 404;
    expect(await hiddenFromOthers()).toBe(false);
    const refused = await t.http
      .post(`/v1/list-entries/${entry.id}/removal`)
      .set(samr)
      .send({ reason: '已修复', decisionNo: '移〔2026〕9号', ground: 'credit_restored' })
      .expect(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    // the endpoint to use, with this entry's own id: a desk can follow it as written
    expect(refused.body.detail).toContain(`POST /v1/list-entries/${entry.id}/restoration-applications`);
    expect(refused.body.errors).toEqual([
      { path: 'ground', message: '移出依据不能为 credit_restored（信用修复）：只能由批准的信用修复申请产生' },
    ]);
    // nothing changed: still listed, still shown to the departments
    expect((await t.http.get(`/v1/list-entries/${entry.id}`).set(samr).expect(200)).body.status).toBe('active');
    expect(await hiddenFromOthers()).toBe(false);

    // a removal file's row naming it is that row's error; the other row is removed
    const other = await list();
    const csv = [
      '来源编号,移出原因,移出决定文书号,移出依据',
      `${entry.sourceRef},已修复,移〔2026〕10号,credit_restored`,
      `${other.sourceRef},已履行,移〔2026〕11号,performed`,
      '',
    ].join('\r\n');
    const batch = await t.http
      .post('/v1/list-entries/removals/batch')
      .set(samr)
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    expect(batch.body.summary).toEqual({ removed: 1, unchanged: 0, rejected: 1 });
    expect(batch.body.results[0]).toMatchObject({ status: 'rejected', errors: [{ path: 'ground' }] });
    expect((await t.http.get(`/v1/list-entries/${entry.id}`).set(samr).expect(200)).body.status).toBe('active');
  });

  it('the courts: 15 calendar days to review a correction request (法释〔2017〕7号 Art. 12, verified)', async () => {
    const entry = (await t.http.post('/v1/list-entries').set(spc).send(personDebtorEntry()).expect(201)).body;
    const res = await t.http.post(`/v1/list-entries/${entry.id}/objections`).set(spc).send(objection()).expect(201);
    expect(res.body.decideBy).toBe('2026-03-16');
    expect(res.body.acceptBy).toBeNull();
    await t.http.get(`/v1/objections/${res.body.id}`).set(samr).expect(404);
    await t.http.get(`/v1/objections/${res.body.id}`).set(ADMIN).expect(200);
  });
});
