import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';

type Auth = { Authorization: string };

/** What the dashboard reads: who am I, the weekly trend, the overdue list, an entry's history, and the page. */
describe('dashboard API', () => {
  let t: TestApp;
  let samr: Auth;
  let spc: Auth;
  let mof: Auth;
  let mnr: Auth;
  let ndrc: Auth;
  let entryId: string;
  let personEntryId: string;
  let personId: string;

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') }); // Monday
    [samr, spc, mof, mnr, ndrc] = (await Promise.all(
      ['samr', 'spc', 'mof', 'mnr', 'ndrc'].map((d) => t.tokenFor(d)),
    )) as [Auth, Auth, Auth, Auth, Auth];
    entryId = (await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201)).body.id;
    t.clock.set(new Date('2026-03-10T03:00:00Z')); // the next week
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    personId = makeIdNumber('1970-01-01');
    personEntryId = (
      await t.http
        .post('/v1/list-entries')
        .set(spc)
        .send(personDebtorEntry({ idNumber: personId }))
        .expect(201)
    ).body.id;
  });
  afterAll(() => t.close());

  it('GET /v1/me says who the token belongs to', async () => {
    expect((await t.http.get('/v1/me').set(ADMIN).expect(200)).body).toEqual({ kind: 'admin' });
    const me = await t.http.get('/v1/me').set(ndrc).expect(200);
    expect(me.body).toMatchObject({ kind: 'department', department: { code: 'ndrc', supervisor: true } });
    expect((await t.http.get('/v1/me').set(mof).expect(200)).body.department).toMatchObject({
      code: 'mof',
      supervisor: false,
    });
    await t.http.get('/v1/me').set({ Authorization: 'Bearer not-a-token-at-all' }).expect(401);
  });

  it('the weekly trend counts issued and fed-back orders per China week, weeks without orders included', async () => {
    const orders = await t.http.get('/v1/orders').query({ department: 'mof', limit: 500 }).set(ndrc).expect(200);
    const firstWeekMof = orders.body.items.filter((o: { issuedAt: string }) => o.issuedAt < '2026-03-09').length;
    const order = orders.body.items[0];
    await t.http.post(`/v1/orders/${order.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);

    const res = await t.http.get('/v1/reports/trend').query({ weeks: 3 }).set(ndrc).expect(200);
    expect(res.body.weeks.map((w: { weekStart: string }) => w.weekStart)).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ]);
    const all = await t.http.get('/v1/orders').query({ limit: 500 }).set(ADMIN).expect(200);
    const inWeek = (from: string, to: string) =>
      all.body.items.filter((o: { issuedAt: string }) => o.issuedAt >= from && o.issuedAt < to).length;
    // China weeks start Monday 00:00 +08:00
    expect(res.body.weeks[0]).toEqual({ weekStart: '2026-02-23', issued: 0, fedBack: 0 });
    expect(res.body.weeks[1]).toEqual({
      weekStart: '2026-03-02',
      issued: inWeek('2026-03-01T16:00:00Z', '2026-03-08T16:00:00Z'),
      fedBack: 0,
    });
    expect(res.body.weeks[2]).toEqual({
      weekStart: '2026-03-09',
      issued: inWeek('2026-03-08T16:00:00Z', '2026-03-15T16:00:00Z'),
      fedBack: 1,
    });
    expect(res.body.weeks[1].issued).toBeGreaterThan(0);

    const mofTrend = await t.http
      .get('/v1/reports/trend')
      .query({ weeks: 3, department: 'mof' })
      .set(ADMIN)
      .expect(200);
    expect(mofTrend.body.weeks[1].issued).toBe(firstWeekMof);
    await t.http.get('/v1/reports/trend').set(mof).expect(403);
    await t.http.get('/v1/reports/trend').query({ weeks: 0 }).set(ndrc).expect(400);
    await t.http.get('/v1/reports/trend').query({ department: 'nope' }).set(ndrc).expect(404);
  });

  it('lists overdue orders oldest due first, persons masked, with escalation levels, paged', async () => {
    t.clock.set(new Date('2026-04-20T03:00:00Z'));
    await t.app.jobs.run('escalate-overdue');
    const report = await t.http.get('/v1/reports/feedback').set(ndrc).expect(200);
    const overdueTotal = report.body.departments.reduce((s: number, d: { overdue: number }) => s + d.overdue, 0);
    const escalatedTotal = report.body.departments.reduce((s: number, d: { escalated: number }) => s + d.escalated, 0);
    expect(escalatedTotal).toBe(overdueTotal);

    const seen: { id: string; dueAt: string; escalationLevel: number; daysOverdue: number }[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http
        .get('/v1/reports/overdue')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(ndrc)
        .expect(200);
      expect(page.body.total).toBe(overdueTotal);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(overdueTotal);
    expect(new Set(seen.map((o) => o.id)).size).toBe(overdueTotal);
    const dues = seen.map((o) => o.dueAt);
    expect([...dues].sort()).toEqual(dues);
    expect(seen.every((o) => o.escalationLevel >= 1 && o.daysOverdue > 0)).toBe(true);

    const personOrder = (
      await t.http.get('/v1/reports/overdue').query({ limit: 500 }).set(ndrc).expect(200)
    ).body.items.find((o: { entryId: string }) => o.entryId === personEntryId);
    expect(personOrder.subject).toEqual({
      kind: 'person',
      name: expect.any(String),
      idNumberMasked: `${personId.slice(0, 6)}***********${personId.slice(17)}`,
    });
    expect(JSON.stringify(personOrder)).not.toContain(personId);

    // a department sees only its own, and may not name another
    const own = await t.http.get('/v1/reports/overdue').query({ limit: 500 }).set(mnr).expect(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(own.body.items.every((o: { department: string }) => o.department === 'mnr')).toBe(true);
    expect(own.body.total).toBe(
      report.body.departments.find((d: { department: string }) => d.department === 'mnr').overdue,
    );
    await t.http.get('/v1/reports/overdue').query({ department: 'mof' }).set(mnr).expect(403);
    await t.http.get('/v1/reports/overdue').query({ cursor: 'garbage' }).set(ndrc).expect(400);
  });

  it("an entry's history shows its orders' rows to the supervisor and only a department's own rows to it", async () => {
    const entry = (await t.http.get(`/v1/list-entries/${entryId}`).set(ndrc).expect(200)).body;
    const full = await t.http.get(`/v1/list-entries/${entryId}/history`).set(ndrc).expect(200);
    const actions = full.body.items.map((h: { action: string }) => h.action);
    expect(actions[0]).toBe('entry.created');
    expect(actions.filter((a: string) => a === 'order.issued')).toHaveLength(entry.orders.length);
    expect(actions).toContain('order.escalated');
    const at = full.body.items.map((h: { at: string }) => h.at);
    expect([...at].sort()).toEqual(at);

    const mofOrderIds = new Set(
      entry.orders.filter((o: { department: string }) => o.department === 'mof').map((o: { id: string }) => o.id),
    );
    const mine = await t.http.get(`/v1/list-entries/${entryId}/history`).set(mof).expect(200);
    const orderRows = mine.body.items.filter((h: { entityType: string }) => h.entityType === 'order');
    expect(orderRows.length).toBeGreaterThan(0);
    expect(orderRows.every((h: { entityId: string }) => mofOrderIds.has(h.entityId))).toBe(true);
    // the one audit row that issued all the orders shows a department only its own order's issue (ADR 0010)
    const issuedToMof = orderRows.filter((h: { action: string }) => h.action === 'order.issued');
    expect(issuedToMof.map((h: { entityId: string }) => h.entityId).sort()).toEqual([...mofOrderIds].sort());
    expect(issuedToMof[0].after).toMatchObject({ entryId, department: 'mof' });
    // the listing authority sees all of them
    expect((await t.http.get(`/v1/list-entries/${entryId}/history`).set(samr).expect(200)).body.items).toHaveLength(
      full.body.items.length,
    );

    const person = await t.http.get(`/v1/list-entries/${personEntryId}/history`).set(ndrc).expect(200);
    expect(JSON.stringify(person.body)).not.toContain(personId);
    await t.http.get('/v1/list-entries/00000000-0000-4000-8000-000000000000/history').set(ndrc).expect(404);
  });

  it('supervisors read the jobs; other departments may not', async () => {
    expect(
      (await t.http.get('/v1/jobs').set(ndrc).expect(200)).body.items.map((j: { name: string }) => j.name),
    ).toContain('escalate-overdue');
    await t.http.get('/v1/jobs').set(mof).expect(403);
  });

  it('serves the dashboard with its libraries from this origin under a strict Content-Security-Policy', async () => {
    const page = await t.http.get('/dashboard/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('/dashboard/js/app.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const file of [
      '/dashboard/vendor/echarts.js',
      '/dashboard/vendor/exceljs.js',
      '/dashboard/vendor/lit-html/lit-html.js',
      '/dashboard/js/app.js',
    ]) {
      const res = await t.http.get(file).expect(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
    }
    await t.http.get('/dashboard/vendor/lit-html/package.json').expect(200);
    await t.http.get('/dashboard/no-such-file.js').expect(404);
  });
});
