import type supertest from 'supertest';
import { enterpriseEntry, personDebtorEntry } from './support/factories';
import { type OtherInstance, startTestApp, type TestApp } from './support/test-app';

type Result = { row: number; status: string; id?: string };

/**
 * The service is stateless: two instances (two apps, two connection pools) on one database, ingesting overlapping
 * batches at the same time while checks run on both. Nothing may be lost or stored twice.
 */
describe('two service instances on one database', () => {
  let t: TestApp;
  let other: OtherInstance;
  let second: supertest.Agent;

  beforeAll(async () => {
    t = await startTestApp();
    other = t.secondInstance();
    second = other.http;
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('ingests overlapping batches concurrently with checks: every entry once, with one set of orders', async () => {
    const samr = await t.tokenFor('samr');
    const spc = await t.tokenFor('spc');
    const mof = await t.tokenFor('mof');
    const rows = Array.from({ length: 800 }, (_, i) =>
      i % 4 === 3
        ? personDebtorEntry()
        : enterpriseEntry({ listType: i % 2 ? 'serious_violation' : 'abnormal_operations' }),
    );
    const samrRows = rows.filter((r) => r.listType !== 'dishonest_debtor');
    const spcRows = rows.filter((r) => r.listType === 'dishonest_debtor');
    // instance 1 takes the first two thirds, instance 2 the last two thirds in reverse order: a third overlaps
    const cut = (xs: typeof rows) =>
      [xs.slice(0, Math.ceil((xs.length * 2) / 3)), xs.slice(Math.floor(xs.length / 3)).reverse()] as const;
    const [s1, s2] = cut(samrRows);
    const [c1, c2] = cut(spcRows);
    const batches = (http: supertest.Agent, auth: { Authorization: string }, xs: typeof rows) =>
      Promise.all(
        [0, 1, 2, 3].map((k) =>
          http
            .post('/v1/list-entries/batch')
            .set(auth)
            .send(xs.filter((_, i) => i % 4 === k))
            .expect(200),
        ),
      );
    const checks = async (http: supertest.Agent) => {
      for (let i = 0; i < 40; i++)
        await http
          .get(`/v1/checks/enterprises/${(samrRows[i]?.subject as { uscc: string } | undefined)?.uscc}`)
          .set(mof)
          .expect(200);
    };

    const [r1, r2, r3, r4] = await Promise.all([
      batches(t.http, samr, s1),
      batches(second, samr, s2),
      batches(t.http, spc, c1),
      batches(second, spc, c2),
      checks(t.http),
      checks(second),
    ]);
    const results = [r1, r2, r3, r4].flat().flatMap((res) => res.body.results as Result[]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(rows.length);

    // each created or unchanged row points at the one stored entry of its sourceRef
    const stored = await t.db('list_entries').select('source_ref', 'id');
    expect(stored).toHaveLength(rows.length);
    expect(new Set(stored.map((s: { source_ref: string }) => s.source_ref)).size).toBe(rows.length);
    const storedIds = new Set(stored.map((s: { id: string }) => s.id));
    expect(results.every((r) => storedIds.has(r.id as string))).toBe(true);

    const dupOrders = await t
      .db('orders')
      .select('entry_id', 'department')
      .count({ n: '*' })
      .groupBy('entry_id', 'department')
      .havingRaw('count(*) > 1');
    expect(dupOrders).toEqual([]);
    const entriesWithoutOrders = await t
      .db('list_entries')
      .whereNotExists(t.db('orders').whereRaw('orders.entry_id = list_entries.id'))
      .count({ n: '*' });
    expect(Number(entriesWithoutOrders[0]?.n)).toBe(0);
    const created = await t.db('audit_log').where({ action: 'entry.created' }).count({ n: '*' });
    expect(Number(created[0]?.n)).toBe(rows.length);

    // both instances now answer the same for every listed enterprise
    for (const r of samrRows.slice(0, 30)) {
      const uscc = (r.subject as { uscc: string }).uscc;
      const [a, b] = await Promise.all([
        t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200),
        second.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200),
      ]);
      expect(a.body.restricted).toBe(true);
      expect(b.body.measures).toEqual(a.body.measures);
    }
  }, 120_000);
});
