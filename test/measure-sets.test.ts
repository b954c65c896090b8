import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../src/app';
import { createDb, primaryOnly } from '../src/db/knex';
import { migrationsDir } from '../src/paths';
import { createPersonKeyer } from '../src/identity/person-key';
import type { LoadedRules } from '../src/rules/rule-loader';
import { enterpriseEntry, makeIdNumber } from './support/factories';
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
    // an order row keeps its set and its own until dates, and nothing when all of them are null (while listed)
    const stored = await t.db('orders').where({ entry_id: first.id }).select('id', 'measure_set_id', 'measure_untils');
    for (const row of stored) {
      const untils = first.orders
        .find((o: { id: string }) => o.id === row.id)
        .measures.map((m: { until: string | null }) => m.until);
      expect(row).toEqual({
        id: row.id,
        measure_set_id: expect.any(Number),
        measure_untils: untils.every((u: string | null) => u === null) ? null : untils,
      });
    }
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
    const deps = {
      config: t.config,
      databases: primaryOnly(db),
      clock: t.clock,
      rules,
      log: pino({ level: 'silent' }),
    };
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

  it('are never changed or removed', async () => {
    await expect(t.db('measure_sets').update({ measures: '[]' })).rejects.toThrow(/never change: UPDATE/);
    await expect(t.db('measure_sets').del()).rejects.toThrow(/never change: DELETE/);
  });

  it('take over what orders, restrictions and bans stored before (migration up), and give it back (down)', async () => {
    const migrations = { directory: migrationsDir, tableName: 'knex_migrations', loadExtensions: ['.js'] };
    const name = '20261205600000_measure_sets.js';
    const DERIVED = '20261206200000_restrictions_derived_from_orders.js';
    // the subject index's trigger on orders (issue 23), after DERIVED: down first, up last
    const REACHED = '20261206300000_subjects_reached_by_measures.js';
    // its NOTIFY cut in one statement, after REACHED: down before it, up after it
    const NOTIFY = '20261206400000_subject_notify_parts.js';
    const idNumber = makeIdNumber();
    const input = enterpriseEntry({ legalRepId: idNumber });
    const uscc = (input.subject as { uscc: string }).uscc;
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    // what a process that never saw a set answers (the cache of t.app holds ids the down and up below renumber)
    const answers = async () => {
      const db = createDb(t.config.databaseUrl as string, { max: 2 });
      const deps = {
        config: t.config,
        databases: primaryOnly(db),
        clock: t.clock,
        rules: t.rules,
        log: pino({ level: 'silent' }),
      };
      const app = createApp({ ...deps, keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123') });
      try {
        const http = supertest.agent(app.express);
        return [
          (await http.get(`/v1/list-entries/${entry.id}`).set(ADMIN).expect(200)).text,
          (await http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body.measures,
          (
            await http
              .post('/v1/checks/officers')
              .set(samr)
              .send({ idNumber, role: 'legal_representative' })
              .expect(200)
          ).body.bans,
        ];
      } finally {
        await app.close();
        await db.destroy();
      }
    };
    const before = await answers();
    expect(before[2]).not.toHaveLength(0);

    // the restrictions and bans as rows again first (the migrations after, ADR 0012), then the texts in them
    await t.db.migrate.down({ ...migrations, name: NOTIFY });
    await t.db.migrate.down({ ...migrations, name: REACHED });
    await t.db.migrate.down({ ...migrations, name: DERIVED });
    await t.db.migrate.down({ ...migrations, name });
    // the columns before the migration, which src/db/tables.ts (the tables as they are now) does not declare
    const oldRestrictions = () =>
      t.db<{ id: number; entry_id: string; measure_name: string; basis: string[] }>('restrictions');
    const [stored] = await oldRestrictions().where({ entry_id: entry.id }).select('measure_name', 'basis');
    expect(stored).toEqual({ measure_name: expect.any(String), basis: expect.arrayContaining([expect.any(String)]) });
    // a restriction whose text is not its order's is not silently dropped: the migration stops
    const [one] = await oldRestrictions().where({ entry_id: entry.id }).select('id', 'measure_name');
    if (!one) throw new Error('the entry has no restriction');
    await oldRestrictions().where({ id: one.id }).update({ measure_name: 'altered' });
    await expect(t.db.migrate.up({ ...migrations, name })).rejects.toThrow(/1 restriction or ban rows differ/);
    await oldRestrictions().where({ id: one.id }).update({ measure_name: one.measure_name });

    await t.db.migrate.up({ ...migrations, name });
    await t.db.migrate.up({ ...migrations, name: DERIVED });
    await t.db.migrate.up({ ...migrations, name: REACHED });
    await t.db.migrate.up({ ...migrations, name: NOTIFY });
    expect(await answers()).toEqual(before);
  });
});
