import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry } from './support/factories';

type Auth = { Authorization: string };

/** What the dashboard's search and date pickers ask: entries by part of a name or by sourceRef; reports by days. */
describe('entry search by name and sourceRef; reports over a date range; desk hits still to feed back', () => {
  let t: TestApp;
  let samr: Auth;
  let mof: Auth;
  let ndrc: Auth;
  const named = (name: string, sourceRef: string) => {
    const e = enterpriseEntry({ sourceRef });
    return { ...e, subject: { ...(e.subject as object), name } } as typeof e;
  };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') }); // Monday 10:00 China time
    [samr, mof, ndrc] = (await Promise.all(['samr', 'mof', 'ndrc'].map((d) => t.tokenFor(d)))) as [Auth, Auth, Auth];
    await t.http.post('/v1/list-entries').set(samr).send(named('上海某某贸易有限公司', 'SH-2026-0001')).expect(201);
    t.clock.set(new Date('2026-03-10T03:00:00Z')); // Tuesday of the next week
    await t.http.post('/v1/list-entries').set(samr).send(named('北京某某科技有限公司', 'BJ-2026-0002')).expect(201);
    await t.http.post('/v1/list-entries').set(samr).send(named('Acme Trading Co', 'SH-2026-0003')).expect(201);
  });
  afterAll(() => t.close());

  const names = async (query: Record<string, string>) =>
    (await t.http.get('/v1/list-entries').query(query).set(ndrc).expect(200)).body.items
      .map((e: { subject: { name: string } }) => e.subject.name)
      .sort();

  it('finds entries by any two or more characters of the name, case and spaces ignored', async () => {
    expect(await names({ name: '某某' })).toEqual(['上海某某贸易有限公司', '北京某某科技有限公司']);
    expect(await names({ name: '某贸易' })).toEqual(['上海某某贸易有限公司']);
    expect(await names({ name: 'acme trad' })).toEqual(['Acme Trading Co']);
    expect(await names({ name: 'ACMETRADING' })).toEqual(['Acme Trading Co']);
    // every pair is present but not in this order: the substring re-check refuses it
    expect(await names({ name: '某某某' })).toEqual([]);
    expect(await names({ name: '贸易科技' })).toEqual([]);
    expect(await names({ name: '某某', listType: 'abnormal_operations' })).toEqual([]);
    const one = await t.http.get('/v1/list-entries').query({ name: '某' }).set(ndrc).expect(400);
    expect(JSON.stringify(one.body)).toContain('name');
  });

  it('finds an entry by the authority reference exactly', async () => {
    expect(await names({ sourceRef: 'BJ-2026-0002' })).toEqual(['北京某某科技有限公司']);
    expect(await names({ sourceRef: 'BJ-2026' })).toEqual([]);
  });

  it('the name search reads the index of character pairs, not every entry', async () => {
    // the table is tiny: say what the planner may use (one connection, one transaction), not what it costs
    const forced = await t.db.transaction(async (trx): Promise<{ rows: unknown[] }> => {
      await trx.raw('set local enable_seqscan = off');
      return trx.raw<{ rows: unknown[] }>(
        'explain select id from list_entries where name_pairs @> entry_name_pairs(?)',
        ['某某贸易'],
      );
    });
    expect(JSON.stringify(forced.rows)).toContain('list_entries_name_pairs_idx');
  });

  it('the feedback report and the trend count only the days asked for', async () => {
    const all = (await t.http.get('/v1/reports/feedback').set(ndrc).expect(200)).body;
    const firstWeek = (
      await t.http.get('/v1/reports/feedback').query({ from: '2026-03-02', to: '2026-03-08' }).set(ndrc).expect(200)
    ).body;
    const secondWeek = (await t.http.get('/v1/reports/feedback').query({ from: '2026-03-09' }).set(ndrc).expect(200))
      .body;
    const issued = (r: { departments: { department: string; issued: number }[] }, d: string) =>
      r.departments.find((x) => x.department === d)?.issued ?? 0;
    expect(issued(all, 'mof')).toBeGreaterThan(0);
    expect(issued(firstWeek, 'mof') * 2).toBe(issued(secondWeek, 'mof'));
    expect(issued(firstWeek, 'mof') + issued(secondWeek, 'mof')).toBe(issued(all, 'mof'));
    const none = (await t.http.get('/v1/reports/feedback').query({ to: '2026-03-01' }).set(ndrc).expect(200)).body;
    expect(none.departments).toEqual([]);

    const trend = (
      await t.http.get('/v1/reports/trend').query({ from: '2026-02-25', to: '2026-03-10' }).set(ndrc).expect(200)
    ).body;
    expect(trend.weeks.map((w: { weekStart: string }) => w.weekStart)).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ]);
    expect(trend.weeks[1].issued).toBe(
      firstWeek.departments.reduce((s: number, d: { issued: number }) => s + d.issued, 0),
    );

    const backwards = await t.http
      .get('/v1/reports/feedback')
      .query({ from: '2026-03-09', to: '2026-03-02' })
      .set(ndrc);
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain('to');
    await t.http.get('/v1/reports/trend').query({ from: '2026-02-30' }).set(ndrc).expect(400);
    await t.http.get('/v1/reports/trend').query({ from: '2020-01-01' }).set(ndrc).expect(400); // over 104 weeks
  });

  it('lists the hits a desk has not fed back yet, and counts desk figures within the range', async () => {
    const listed = (await t.http.get('/v1/list-entries').query({ name: '某某' }).set(ndrc).expect(200)).body.items;
    const ids: string[] = [];
    for (const e of listed) {
      const res = await t.http
        .get(`/v1/checks/enterprises/${e.subject.uscc}`)
        .query({ scenario: 'government_procurement' })
        .set(mof)
        .expect(200);
      expect(res.body.restricted).toBe(true);
      ids.push(res.body.decisionId);
    }
    await t.http
      .post(`/v1/checks/decisions/${ids[0]}/feedback`)
      .set(mof)
      .send({ action: 'not_restricted', reason: 'outside_scope' })
      .expect(200);
    const pending = (await t.http.get('/v1/checks/decisions').query({ feedback: 'pending' }).set(mof).expect(200)).body;
    expect(pending.items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
    const given = (await t.http.get('/v1/checks/decisions').query({ feedback: 'given' }).set(mof).expect(200)).body;
    expect(given.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);

    const today = (await t.http.get('/v1/reports/feedback').query({ from: '2026-03-10' }).set(ndrc).expect(200)).body;
    expect(today.desk.departments.find((d: { department: string }) => d.department === 'mof')).toMatchObject({
      hits: 2,
      fedBack: 1,
      notRestrictedReasons: { outside_scope: 1 },
      pending: 1,
    });
    const before = (await t.http.get('/v1/reports/feedback').query({ to: '2026-03-09' }).set(ndrc).expect(200)).body;
    expect(before.desk.departments).toEqual([]);
  });
});
