import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../src/app';
import { createDb } from '../src/db/knex';
import { createPersonKeyer } from '../src/identity/person-key';
import type { LoadedRules } from '../src/rules/rule-loader';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

/**
 * Orders, restrictions and bans name a content-addressed measure set instead of copying the measures' texts (issue
 * 23, ADR 0009): the sets do not grow with the entries, an answer is the same from a process that wrote the set and
 * from one that only read it, and an order keeps the measures it was issued with after the rules change.
 */
describe('measure sets', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  it('are written once per distinct content, not once per entry', async () => {
    const first = (await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201)).body;
    const sets = await t.count('measure_sets');
    expect(sets).toBe(first.orders.length);
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    expect(await t.count('measure_sets')).toBe(sets);
    const [stored] = await t.db('orders').where({ entry_id: first.id }).select('measure_set_id', 'measure_untils');
    expect(stored).toEqual({ measure_set_id: expect.any(Number), measure_untils: expect.any(Array) });
  });

  it("keep an order's measures, and a check's texts, as issued after the rules change; new entries get the new texts", async () => {
    const input = enterpriseEntry();
    const uscc = (input.subject as { uscc: string }).uscc;
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    const page = await t.http.get(`/v1/list-entries/${entry.id}`).set(ADMIN).expect(200);
    const check = await t.http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200);
    const order = page.body.orders.find((o: { department: string }) => o.department === 'mof');
    const orderPage = await t.http.get(`/v1/orders/${order.id}`).set(ADMIN).expect(200);
    expect(check.body.measures.map((m: { name: string }) => m.name)).toContain('依法限制或者禁入政府采购');

    // Another process (an empty cache), with a rule renamed: as after a deploy of changed rule files.
    const rules: LoadedRules = structuredClone(t.rules);
    for (const r of rules.rules)
      if (r.event.params.code === 'gsr18-government-procurement') r.event.params.name = '改名后的政府采购限制';
    const db = createDb(t.config.databaseUrl as string, { max: 2 });
    const deps = { config: t.config, db, clock: t.clock, rules, log: pino({ level: 'silent' }) };
    const app = createApp({ ...deps, keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123') });
    try {
      const http = supertest.agent(app.express);
      // the same bytes: what was issued, rebuilt from its set, in the same key order
      expect((await http.get(`/v1/list-entries/${entry.id}`).set(ADMIN).expect(200)).text).toBe(page.text);
      expect((await http.get(`/v1/orders/${order.id}`).set(ADMIN).expect(200)).text).toBe(orderPage.text);
      const again = (await http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body;
      expect(again.measures).toEqual(check.body.measures);

      const sets = await t.count('measure_sets');
      const renamed = (await http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201)).body;
      expect(await t.count('measure_sets')).toBe(sets + 1);
      const mof = renamed.orders.find((o: { department: string }) => o.department === 'mof');
      expect(mof.measures.map((m: { name: string }) => m.name)).toContain('改名后的政府采购限制');
      // and the first process reads the set the other one wrote
      const read = (await t.http.get(`/v1/orders/${mof.id}`).set(ADMIN).expect(200)).body;
      expect(read.measures).toEqual(mof.measures.map((m: object) => expect.objectContaining(m)));
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});
