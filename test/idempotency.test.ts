import type { LoadedRules } from '../src/rules/rule-loader';
import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry } from './support/factories';

describe('every write from outside is idempotent', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  it('the same sourceRef again → 200 with the same entry and no new orders', async () => {
    const body = enterpriseEntry();
    const first = await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    const ordersBefore = await t.count('orders');
    const again = await t.http.post('/v1/list-entries').set(samr).send(body).expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.orders.map((o: { id: string }) => o.id).sort()).toEqual(
      first.body.orders.map((o: { id: string }) => o.id).sort(),
    );
    expect(await t.count('orders')).toBe(ordersBefore);
    expect(await t.count('audit_log', { action: 'entry.created', entity_id: first.body.id })).toBe(1);
  });

  it('concurrent duplicate submissions create one entry, one set of orders', async () => {
    const body = enterpriseEntry();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => t.http.post('/v1/list-entries').set(samr).send(body)),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as string[];
    expect(await t.count('list_entries', { source_ref: body.sourceRef })).toBe(1);
    const orders = await t.count('orders', { entry_id: id });
    expect(orders).toBe(responses[0]?.body.orders.length);
    expect(await t.count('restrictions', { entry_id: id })).toBeGreaterThan(0);
    // every response shows the same orders
    for (const r of responses) expect(r.body.orders).toHaveLength(orders);
  });

  it('the same sourceRef from another authority is another entry', async () => {
    // Today samr alone lists enterprises: give ndrc the same list in a copy of the rules, so two authorities exist.
    const rules: LoadedRules = structuredClone(t.rules);
    const ndrc = rules.departments.find((d) => d.code === 'ndrc');
    if (!ndrc) throw new Error('the rules have no ndrc');
    ndrc.authorityFor = [...ndrc.authorityFor, 'serious_violation'];
    const t2 = await startTestApp({ rules });
    try {
      const body = enterpriseEntry();
      const bySamr = await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('samr'))
        .send(body)
        .expect(201);
      const byNdrc = await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('ndrc'))
        .send(body)
        .expect(201);
      expect(byNdrc.body.id).not.toBe(bySamr.body.id);
      expect(await t2.count('list_entries', { source_ref: body.sourceRef })).toBe(2);
      // and each authority's repeat still finds its own entry
      const again = await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('ndrc'))
        .send(body)
        .expect(200);
      expect(again.body.id).toBe(byNdrc.body.id);
      // a batch (COPY after a lookup of the sourceRefs stored) keys on the authority too: its own repeat is unchanged,
      // and a sourceRef only samr has stored is new for ndrc
      const samrOnly = enterpriseEntry();
      await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('samr'))
        .send(samrOnly)
        .expect(201);
      const batch = await t2.http
        .post('/v1/list-entries/batch')
        .set(await t2.tokenFor('ndrc'))
        .send([body, samrOnly])
        .expect(200);
      expect(batch.body.results.map((r: { status: string; id: string }) => [r.status, r.id])).toEqual([
        ['unchanged', byNdrc.body.id],
        ['created', expect.any(String)],
      ]);
      expect(await t2.count('list_entries', { source_ref: samrOnly.sourceRef })).toBe(2);
    } finally {
      await t2.close();
    }
  });

  it('repeating a removal returns the removed entry and lifts nothing twice', async () => {
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const removal = { reason: '已补报年度报告', decisionNo: '测移〔2026〕9号' };
    const [a, b] = await Promise.all([
      t.http.post(`/v1/list-entries/${entry.body.id}/removal`).set(samr).send(removal),
      t.http.post(`/v1/list-entries/${entry.body.id}/removal`).set(samr).send(removal),
    ]);
    expect([a?.status, b?.status]).toEqual([200, 200]);
    expect(a?.body.removal).toEqual(b?.body.removal);
    expect(await t.count('audit_log', { action: 'entry.removed', entity_id: entry.body.id })).toBe(1);
    const lifted = await t
      .db('audit_log')
      .where({ action: 'order.lifted' })
      .whereIn(
        'entity_id',
        entry.body.orders.map((o: { id: string }) => o.id),
      );
    expect(lifted).toHaveLength(entry.body.orders.length);
  });

  it('concurrent feedback on one order: one wins, the other gets 409', async () => {
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const order = entry.body.orders.find((o: { department: string }) => o.department === 'mof');
    const mof = await t.tokenFor('mof');
    const results = await Promise.all([
      t.http.post(`/v1/orders/${order.id}/feedback`).set(mof).send({ outcome: 'implemented' }),
      t.http
        .post(`/v1/orders/${order.id}/feedback`)
        .set(mof)
        .send({ outcome: 'not_applicable', reason: 'no_business' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await t.count('audit_log', { action: 'order.feedback', entity_id: order.id })).toBe(1);
  });
});
