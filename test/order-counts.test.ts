import type { Knex } from 'knex';
import { compactOrderCounts } from '../src/reports/order-counts';
import { enterpriseEntry, personDebtorEntry } from './support/factories';
import { sampleValue } from './support/prometheus-text';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The figures as they were computed before issue 23, by scanning orders: the truth the kept counts must equal. */
async function scanned(db: Knex, now: Date) {
  const { rows } = await db.raw<{ rows: Record<string, number | string>[] }>(
    `select department,
            count(*)::int as issued,
            count(*) filter (where status = 'implemented')::int as "implemented",
            count(*) filter (where status = 'not_applicable')::int as "notApplicable",
            count(*) filter (where status = 'issued')::int as pending,
            count(*) filter (where status = 'issued' and due_at < :now)::int as overdue,
            count(*) filter (where status = 'issued' and e.order_id is not null)::int as escalated,
            count(*) filter (where status = 'lifted')::int as lifted
       from orders left join (select distinct order_id from escalations) e on e.order_id = orders.id
      group by department order by department`,
    { now },
  );
  return rows;
}

const figures = (body: { departments: Record<string, unknown>[] }) =>
  body.departments.map(({ department, issued, implemented, notApplicable, pending, overdue, escalated, lifted }) => ({
    department,
    issued,
    implemented,
    notApplicable,
    pending,
    overdue,
    escalated,
    lifted,
  }));

/**
 * Issue 23: the counts behind the feedback report, the trend and the gauges are kept by triggers as orders change
 * (deltas appended, compacted by one instance), and equal what a scan of every order gives, at every step.
 */
describe('kept order counts', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let spc: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z'), env: { METRICS_TOKEN } });
    [samr, spc] = await Promise.all([t.tokenFor('samr'), t.tokenFor('spc')]);
  }, 120_000);
  afterAll(() => t.close());

  const expectReportEqualsScan = async () => {
    const res = await t.http.get('/v1/reports/feedback').set(ADMIN).expect(200);
    expect(figures(res.body)).toEqual(await scanned(t.db, t.clock.now()));
  };

  it('equal a scan of orders through creation, batch, feedback, escalation and removal, compacted or not', async () => {
    const one = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    await t.http.post('/v1/list-entries').set(spc).send(personDebtorEntry()).expect(201);
    const batch = Array.from({ length: 30 }, () => enterpriseEntry());
    await t.http.post('/v1/list-entries/batch').set(samr).send(batch).expect(200);
    await expectReportEqualsScan();
    expect(await t.count('order_count_deltas')).toBeGreaterThan(0);

    const mofOrder = (one.body.orders as { id: string; department: string }[]).find((o) => o.department === 'mof');
    await t.http
      .post(`/v1/orders/${mofOrder?.id}/feedback`)
      .set(await t.tokenFor('mof'))
      .send({ outcome: 'implemented' })
      .expect(200);
    await compactOrderCounts(t.db);
    expect(await t.count('order_count_deltas')).toBe(0);
    await expectReportEqualsScan();

    // Past due, then escalated: overdue and escalated move, at the boundary of the due day too.
    t.clock.set(new Date('2026-03-16T15:59:00Z'));
    await expectReportEqualsScan();
    t.clock.set(new Date('2026-03-17T01:00:00Z'));
    await expectReportEqualsScan();
    await t.app.jobs.run('escalate-overdue');
    expect(await t.count('escalations')).toBeGreaterThan(0);
    await expectReportEqualsScan();
    const overdue = await t.http.get('/v1/reports/overdue?limit=5').set(ADMIN).expect(200);
    expect(overdue.body.total).toBe(
      Number(
        (await t.db('orders').where('status', 'issued').where('due_at', '<', t.clock.now()).count({ n: '*' }))[0]?.n,
      ),
    );
    expect(overdue.body.items[0].escalationLevel).toBe(1);

    await t.http
      .post(`/v1/list-entries/${one.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '沪市监移〔2026〕3号' })
      .expect(200);
    await expectReportEqualsScan();
    await compactOrderCounts(t.db);
    await expectReportEqualsScan();
  });

  it('the trend and the gauges read the same kept counts', async () => {
    const trend = await t.http.get('/v1/reports/trend?weeks=4').set(ADMIN).expect(200);
    const { rows } = await t.db.raw<{ rows: { issued: number; fed_back: number }[] }>(
      `select count(*)::int as issued, (count(*) filter (where feedback->>'at' is not null))::int as fed_back from orders`,
    );
    const sum = (k: 'issued' | 'fedBack') =>
      (trend.body.weeks as Record<string, number>[]).reduce((a, w) => a + (w[k] as number), 0);
    expect(sum('issued')).toBe(rows[0]?.issued);
    expect(sum('fedBack')).toBe(rows[0]?.fed_back);

    await t.app.metrics?.refresh();
    const text = (
      await t.http
        .get('/metrics')
        .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
        .expect(200)
    ).text;
    const truth = (await scanned(t.db, t.clock.now())).find((r) => r.department === 'mof') as Record<string, number>;
    const g = (status: string) => sampleValue(text, 'jp_orders', { department: 'mof', status });
    expect(g('issued') + g('overdue') + g('escalated')).toBe(truth.pending);
    expect(g('escalated')).toBe(truth.escalated);
    expect(g('implemented')).toBe(truth.implemented);
    expect(g('lifted')).toBe(truth.lifted);
  });

  it('a status the summary never saw is counted without a change to it (generic over the status text)', async () => {
    // As issue 18's `revoked` will: widen the check constraint, then move an order there.
    await t.db.raw('alter table orders drop constraint if exists orders_status_check');
    const order = await t.db('orders').where('status', 'issued').first();
    if (!order) throw new Error('no issued order to move');
    await t.db('orders').where('id', order.id).update({ status: 'revoked' });
    await compactOrderCounts(t.db);
    const { rows } = await t.db.raw<{ rows: { n: number }[] }>(
      `select sum(n)::int as n from order_counts where department = ? and status = 'revoked'`,
      [order.department],
    );
    expect(rows[0]?.n).toBe(1);
    await t.app.metrics?.refresh();
    const text = (
      await t.http
        .get('/metrics')
        .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
        .expect(200)
    ).text;
    expect(sampleValue(text, 'jp_orders', { department: order.department, status: 'revoked' })).toBe(1);
    await t.db('orders').where('id', order.id).update({ status: 'issued' });
  });

  it('a statement past its time limit is slowness: 503 that says so, counted, and jp_db_up stays 1', async () => {
    const scrape = async () =>
      (
        await t.http
          .get('/metrics')
          .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
          .expect(200)
      ).text;
    await t.app.metrics?.refresh();
    expect(sampleValue(await scrape(), 'jp_db_up')).toBe(1);
    const lock = await t.db.client.acquireConnection();
    try {
      // Another session holds the summary: the reads wait until their 15 s statement limit cancels them.
      await t.db.raw('begin; lock table order_count_deltas in access exclusive mode').connection(lock);
      const [res] = await Promise.all([t.http.get('/v1/reports/feedback').set(ADMIN), t.app.metrics?.refresh()]);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body.detail).toMatch(/took longer than its time limit/);
      expect(res.body.detail).not.toMatch(/unreachable/);
    } finally {
      await t.db.raw('rollback').connection(lock);
      await t.db.client.releaseConnection(lock);
    }
    const text = await scrape();
    expect(sampleValue(text, 'jp_db_up')).toBe(1);
    expect(sampleValue(text, 'jp_db_statement_timeouts_total', { source: 'request' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'jp_db_statement_timeouts_total', { source: 'gauges' })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('the retention job deletes delivered events past 90 days with their delivery log, never pending ones', async () => {
    await t.subscribe(['mof']);
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const events = await t.db('webhook_outbox').where({ department: 'mof' }).select('id');
    expect(events.length).toBeGreaterThanOrEqual(1);
    const old = new Date(t.clock.now().getTime() - 91 * 86_400_000);
    const [first] = events;
    if (!first) throw new Error('no event queued');
    await t.db('webhook_outbox').update({ status: 'delivered', delivered_at: old }).where('id', first.id);
    await t.db('webhook_delivery_attempts').insert({
      event_id: first.id,
      attempt: 1,
      url: 'http://127.0.0.1:9/mof',
      attempted_at: old,
      status_code: 200,
      duration_ms: 3,
    });
    const pendingBefore = await t.count('webhook_outbox', { status: 'pending' });
    const run = await t.app.jobs.run('outbox-retention');
    expect(run).toMatchObject({ outcome: 'succeeded', counts: { deleted: 1 } });
    expect(await t.count('webhook_outbox', { id: first.id })).toBe(0);
    expect(await t.count('webhook_delivery_attempts', { event_id: first.id })).toBe(0);
    expect(await t.count('webhook_outbox', { status: 'pending' })).toBe(pendingBefore);
  });
});
