import pino from 'pino';
import { createApp } from '../src/app';
import { primaryOnly } from '../src/db/knex';
import { createPersonKeyer } from '../src/identity/person-key';
import { rulesDir } from '../src/paths';
import { loadRules, type LoadedRules } from '../src/rules/rule-loader';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

type Order = { id: string; department: string; dueAt: string };

describe('escalation of overdue orders', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') });
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('escalates each overdue order to the supervisors exactly once per level', async () => {
    await t.subscribe(t.rules.departments.filter((d) => d.supervisor).map((d) => d.code));
    const created = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const orders = created.body.orders as Order[];
    expect(orders.every((o) => o.dueAt === '2026-03-16T16:00:00.000Z')).toBe(true);
    const answered = orders.find((o) => o.department === 'mof') as Order;
    await t.http
      .post(`/v1/orders/${answered.id}/feedback`)
      .set(await t.tokenFor('mof'))
      .send({ outcome: 'implemented' })
      .expect(200);
    const supervisors = t.rules.departments.filter((d) => d.supervisor).map((d) => d.code);
    expect(supervisors.length).toBeGreaterThan(0);

    // the last minute of the due day: not yet overdue
    t.clock.set(new Date('2026-03-16T15:59:00Z'));
    expect(await t.app.jobs.run('escalate-overdue')).toEqual({
      outcome: 'succeeded',
      counts: { overdue: 0, escalatedLevel1: 0, escalatedLevel2: 0 },
    });

    t.clock.set(new Date('2026-03-17T01:00:00Z'));
    const overdue = orders.length - 1;
    const runs = await Promise.all([t.app.jobs.run('escalate-overdue'), t.app.jobs.run('escalate-overdue')]);
    await t.app.jobs.run('escalate-overdue');
    expect(runs.some((r) => r.outcome === 'succeeded' && r.counts.escalatedLevel1 === overdue)).toBe(true);
    expect(await t.count('escalations', { level: 1 })).toBe(overdue);
    expect(await t.count('escalations', { order_id: answered.id })).toBe(0);
    expect(await t.count('webhook_outbox', { type: 'order.escalated' })).toBe(overdue * supervisors.length);
    expect(await t.count('audit_log', { action: 'order.escalated' })).toBe(overdue);
    const event = await t.db('webhook_outbox').where({ type: 'order.escalated' }).first();
    expect(supervisors).toContain(event?.department);
    expect(event?.data).toMatchObject({ order: { overdue: true, status: 'issued' }, escalation: { level: 1 } });

    const listed = await t.http.get('/v1/orders?overdue=true').set(ADMIN).expect(200);
    expect(listed.body.items).toHaveLength(overdue);

    // level 2: still without feedback 10 working days after 16 March (30 March)
    t.clock.set(new Date('2026-03-30T15:00:00Z'));
    expect((await t.app.jobs.run('escalate-overdue')).outcome).toBe('succeeded');
    expect(await t.count('escalations', { level: 2 })).toBe(0);
    t.clock.set(new Date('2026-03-31T01:00:00Z'));
    expect(await t.app.jobs.run('escalate-overdue')).toEqual({
      outcome: 'succeeded',
      counts: { overdue, escalatedLevel1: 0, escalatedLevel2: overdue },
    });
    expect(await t.app.jobs.run('escalate-overdue')).toEqual({
      outcome: 'succeeded',
      counts: { overdue, escalatedLevel1: 0, escalatedLevel2: 0 },
    });
    expect(await t.count('escalations')).toBe(overdue * 2);
  });
});

describe('abnormal-operations 3-year rule', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2020-03-20T02:00:00Z') });
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2020-03-20T02:00:00Z')));

  it('reminds 60 days before the 3 years, proposes at 3 years, once, and only while the rule was in force', async () => {
    const old = (
      await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send(enterpriseEntry({ listType: 'abnormal_operations', decidedAt: '2020-03-15' }))
        .expect(201)
    ).body;
    t.clock.set(new Date('2021-06-02T02:00:00Z'));
    await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ listType: 'abnormal_operations', decidedAt: '2021-06-01' }))
      .expect(201);

    t.clock.set(new Date('2023-01-13T02:00:00Z'));
    expect(await t.app.jobs.run('abnormal-operations-3y')).toMatchObject({
      outcome: 'succeeded',
      counts: { reminders: 0, proposals: 0 },
    });
    t.clock.set(new Date('2023-01-14T02:00:00Z')); // 60 days before 15 March 2023
    expect(await t.app.jobs.run('abnormal-operations-3y')).toMatchObject({ counts: { reminders: 1, proposals: 0 } });
    expect(await t.app.jobs.run('abnormal-operations-3y')).toMatchObject({ counts: { reminders: 0, proposals: 0 } });
    t.clock.set(new Date('2023-03-15T02:00:00Z'));
    expect(await t.app.jobs.run('abnormal-operations-3y')).toMatchObject({ counts: { reminders: 0, proposals: 1 } });

    // the 2021 entry's 3 years end on 1 June 2024, after the 2014 text of the regulation ceased (30 April 2024)
    t.clock.set(new Date('2024-06-05T02:00:00Z'));
    expect(await t.app.jobs.run('abnormal-operations-3y')).toMatchObject({ counts: { reminders: 0, proposals: 0 } });

    const res = await t.http.get('/v1/serious-violation-proposals').set(samr).expect(200);
    expect(res.body.items).toHaveLength(2);
    const proposal = res.body.items.find((p: { stage: string }) => p.stage === 'proposal');
    expect(proposal).toMatchObject({ entryId: old.id, listedOn: '2020-03-15', threeYearsOn: '2023-03-15' });
    // 83号令 was superseded on 1 September 2021: only the regulation is cited for a 2023 mark
    expect(proposal.basis).toEqual([
      { document: '企业信息公示暂行条例（国务院令第654号，2014年）', article: '第十七条' },
    ]);
    await t.http
      .get('/v1/serious-violation-proposals')
      .set(await t.tokenFor('mof'))
      .expect(403);
    expect(
      (await t.http.get('/v1/serious-violation-proposals?stage=reminder').set(ADMIN).expect(200)).body.items,
    ).toHaveLength(1);
  });
});

describe('daily consistency check', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') });
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('finds nothing on entries written by the current rules, issues what a new rule adds, and reports removed measures', async () => {
    await t.subscribe(['mca']);
    const input = enterpriseEntry();
    const uscc = (input.subject as { uscc: string }).uscc;
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    expect(await t.app.jobs.run('consistency-check')).toEqual({
      outcome: 'succeeded',
      counts: { checked: 1, unverifiable: 0, drifted: 0, measuresMissing: 0, measuresExtra: 0, ordersIssued: 0 },
    });

    // A rule change: a new measure for mca on the serious-violation list, and the honours measure withdrawn.
    const rules: LoadedRules = structuredClone(t.rules);
    const base = rules.rules.find((r) => r.event.params.code === 'gsr18-government-procurement');
    if (!base) throw new Error('fixture rule missing');
    const added = structuredClone(base);
    added.id = 'test/new-measure';
    added.event.params = {
      ...added.event.params,
      code: 'test-new-measure',
      department: 'mca',
      name: '测试新措施',
      nameEn: 'Test measure',
    };
    rules.rules = [...rules.rules.filter((r) => r.event.params.code !== 'gsr18-honors'), added];
    // the same database and clock, the changed rules: as after a deploy
    const t2app = createApp({
      config: t.config,
      databases: primaryOnly(t.db),
      clock: t.clock,
      rules,
      keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123'),
      log: pino({ level: 'silent' }),
    });

    t.clock.set(new Date('2026-03-03T18:00:00Z'));
    const r = await t2app.jobs.run('consistency-check');
    expect(r).toEqual({
      outcome: 'succeeded',
      counts: { checked: 1, unverifiable: 0, drifted: 1, measuresMissing: 1, measuresExtra: 1, ordersIssued: 1 },
    });
    const after = (await t.http.get(`/v1/list-entries/${entry.id}`).set(ADMIN).expect(200)).body;
    const newOrder = after.orders.find((o: { department: string }) => o.department === 'mca');
    expect(newOrder).toMatchObject({
      status: 'issued',
      measures: [{ code: 'test-new-measure' }],
      issuedAt: '2026-03-03T18:00:00.000Z',
      dueAt: '2026-03-18T16:00:00.000Z',
    });
    const check = (await t.http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body;
    expect(check.measures.map((m: { code: string }) => m.code)).toContain('test-new-measure');
    expect(await t.db('webhook_outbox').where({ type: 'order.issued', order_id: newOrder.id }).first()).toMatchObject({
      department: 'mca',
    });

    // repaired: the next run issues nothing (the withdrawn measure stays reported, not lifted)
    expect((await t2app.jobs.run('consistency-check')) as unknown).toMatchObject({
      counts: { drifted: 1, measuresMissing: 0, ordersIssued: 0, measuresExtra: 1 },
    });
    await t2app.close();
  });
});

describe('consistency check with a rule on the listing ground', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A measure only for entries listed under SAMR Order 44: the check must re-run it with the ground it first read.
    const rules = loadRules(rulesDir);
    const base = rules.rules.find((r) => r.event.params.code === 'gsr18-government-procurement');
    if (!base) throw new Error('fixture rule missing');
    const onGround = structuredClone(base);
    onGround.id = 'test/on-ground';
    const params = { code: 'test-on-ground', department: 'mca', name: '测试依据措施', nameEn: 'Test' };
    onGround.event.params = { ...onGround.event.params, ...params };
    const ground = { fact: 'listingGround', operator: 'equal', value: 'samr44_serious_violation' };
    onGround.conditions = { all: [onGround.conditions, ground] } as never;
    rules.rules = [...rules.rules, onGround];
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z'), rules });
  });
  afterAll(() => t.close());

  it('finds no drift on an entry whose measures depend on its listing ground', async () => {
    const samr = await t.tokenFor('samr');
    const input = enterpriseEntry({ listingGround: 'samr44_serious_violation' });
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    const codes = entry.orders.flatMap((o: { measures: { code: string }[] }) => o.measures.map((m) => m.code));
    expect(codes).toContain('test-on-ground');
    const counts = { checked: 1, unverifiable: 0, drifted: 0, measuresMissing: 0, measuresExtra: 0, ordersIssued: 0 };
    expect(await t.app.jobs.run('consistency-check')).toEqual({ outcome: 'succeeded', counts });
  });
});
