import { compactOrderCounts, departmentStateCounts } from '../src/reports/order-counts';
import { isEscalated, isOverdue, isPending, type OrderStateFacts, orderStateSql } from '../src/orders/order-states';
import { enterpriseEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import type { OrderRecord } from '../src/db/tables';

const NOW = new Date('2026-03-17T01:00:00.000Z');
const ms = (delta: number) => new Date(NOW.getTime() + delta);

/** One row per case: the state it is put in, and what each state must say about it. */
const CASES: {
  name: string;
  status: OrderRecord['status'];
  due: Date;
  level: number;
  overdue: boolean;
  escalated: boolean;
}[] = [
  { name: 'issued, due a day ago', status: 'issued', due: ms(-86_400_000), level: 0, overdue: true, escalated: false },
  { name: 'issued, due 1 ms ago', status: 'issued', due: ms(-1), level: 0, overdue: true, escalated: false },
  { name: 'issued, due exactly now', status: 'issued', due: NOW, level: 0, overdue: false, escalated: false },
  { name: 'issued, due in 1 ms', status: 'issued', due: ms(1), level: 0, overdue: false, escalated: false },
  {
    name: 'issued, due in a week',
    status: 'issued',
    due: ms(7 * 86_400_000),
    level: 0,
    overdue: false,
    escalated: false,
  },
  {
    name: 'issued, escalated, past due',
    status: 'issued',
    due: ms(-3_600_000),
    level: 1,
    overdue: true,
    escalated: true,
  },
  { name: 'issued, level 2', status: 'issued', due: ms(-30 * 86_400_000), level: 2, overdue: true, escalated: true },
  {
    name: 'implemented past due',
    status: 'implemented',
    due: ms(-86_400_000),
    level: 0,
    overdue: false,
    escalated: false,
  },
  {
    name: 'not applicable past due',
    status: 'not_applicable',
    due: ms(-1),
    level: 1,
    overdue: false,
    escalated: false,
  },
  { name: 'lifted past due', status: 'lifted', due: ms(-86_400_000), level: 0, overdue: false, escalated: false },
  { name: 'revoked past due', status: 'revoked', due: ms(-86_400_000), level: 2, overdue: false, escalated: false },
];

/**
 * Issue 22: "overdue" (and pending, escalated) has one definition, a SQL fragment and a predicate in
 * src/orders/order-states.ts. Both are run over the same rows of a real database and must agree with each other,
 * with the table above, and with the kept counts the reports and gauges read.
 */
describe('order states: one definition, in SQL and in TypeScript', () => {
  let t: TestApp;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') });
    const samr = await t.tokenFor('samr');
    while (ids.length < CASES.length) {
      const res = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      for (const o of res.body.orders as { id: string }[]) ids.push(o.id);
    }
    // Every other order leaves the picture: the kept counts below are then the cases' alone.
    await t.db('orders').whereNotIn('id', ids.slice(0, CASES.length)).update({ status: 'lifted' });
    for (const [i, c] of CASES.entries()) {
      await t.db('orders').where('id', ids[i]).update({ status: c.status, due_at: c.due, escalation_level: c.level });
    }
    await compactOrderCounts(t.db);
  }, 120_000);
  afterAll(() => t.close());

  it('the SQL fragments and the predicates agree on every case, and with the table', async () => {
    const sql = orderStateSql('o');
    const rows: (OrderStateFacts & {
      id: string;
      sql_pending: boolean;
      sql_overdue: boolean;
      sql_escalated: boolean;
    })[] = await t
      .db('orders as o')
      .whereIn('o.id', ids.slice(0, CASES.length))
      .select('o.id', 'o.status', 'o.due_at', 'o.escalation_level')
      .select(
        t.db.raw(`${sql.pending} as sql_pending`),
        t.db.raw(`${sql.overdue('?')} as sql_overdue`, [NOW]),
        t.db.raw(`${sql.escalated} as sql_escalated`),
      );
    const seen = CASES.map((c, i) => {
      const r = rows.find((x) => x.id === ids[i]);
      if (!r) throw new Error(`case ${c.name}: row not read`);
      return {
        name: c.name,
        sql: { pending: r.sql_pending, overdue: r.sql_overdue, escalated: r.sql_escalated },
        ts: { pending: isPending(r), overdue: isOverdue(r, NOW), escalated: isEscalated(r) },
      };
    });
    expect(seen).toEqual(
      CASES.map((c) => {
        const want = { pending: c.status === 'issued', overdue: c.overdue, escalated: c.escalated };
        return { name: c.name, sql: want, ts: want };
      }),
    );
  });

  it('the kept counts (due day before today, plus today from orders) count the same overdue orders', async () => {
    // Over the day boundary too: at the China midnight the cases' due days move from "today" to "before today".
    for (const now of [NOW, ms(-1), ms(15 * 3_600_000 - 1), ms(15 * 3_600_000), ms(86_400_000)]) {
      const counts = await departmentStateCounts(t.db, now);
      const kept = counts.reduce((a, r) => a + r.pastDue, 0);
      const keptEscalated = counts.reduce((a, r) => a + r.escalatedPastDue, 0);
      const rows = await t.db('orders').select('status', 'due_at', 'escalation_level');
      expect({ at: now.toISOString(), kept, keptEscalated }).toEqual({
        at: now.toISOString(),
        kept: rows.filter((r) => isOverdue(r, now)).length,
        keptEscalated: rows.filter((r) => isOverdue(r, now) && isEscalated(r)).length,
      });
    }
  });

  it('the order list, the overdue report and the order page use it: the same orders, at the same instant', async () => {
    t.clock.set(NOW);
    const admin = { Authorization: `Bearer ${t.config.adminToken}` };
    const report = await t.http.get('/v1/reports/overdue?limit=100').set(admin).expect(200);
    const listed = await t.http.get('/v1/orders?overdue=true&limit=100').set(admin).expect(200);
    const want = CASES.flatMap((c, i) => (c.overdue ? [ids[i]] : [])).sort();
    expect((report.body.items as { id: string }[]).map((o) => o.id).sort()).toEqual(want);
    expect(report.body.total).toBe(want.length);
    expect((listed.body.items as { id: string }[]).map((o) => o.id).sort()).toEqual(want);
    for (const [i, c] of CASES.entries()) {
      const one = await t.http.get(`/v1/orders/${ids[i]}`).set(admin).expect(200);
      expect({ name: c.name, overdue: one.body.overdue }).toEqual({ name: c.name, overdue: c.overdue });
    }
  });
});
