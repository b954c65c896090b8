import { migrationsDir } from '../src/paths';
import { enterpriseEntry, makeIdNumber, unitDebtorEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { reachedSubjectKeys, storedSubjectKeys } from './support/subjects-reached';

/**
 * Restrictions and bans are read from the orders and entries that say them, not stored row by row (issue 23, ADR
 * 0012). The views `restrictions` and `officer_bans` give them to SQL readers; an ended entry's rows are lifted at
 * the moment it first left `active`; the migration takes over the rows stored before only if every one of them is
 * what the orders and entries say, and gives them back on the way down.
 */
describe('restrictions and bans derived from orders', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let spc: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
  });
  afterAll(() => t.close());

  const usccOf = (e: { subject: unknown }) => (e.subject as { uscc: string }).uscc;
  const checkOf = async (uscc: string) =>
    (await t.http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body as {
      restricted: boolean;
      measures: { code: string; department: string; entryId: string }[];
    };

  it('answer checks with what the views show, persons reached by role included', async () => {
    const [rep, principal] = [makeIdNumber(), makeIdNumber('1975-01-02')];
    const input = unitDebtorEntry([
      { role: 'legal_representative', idNumber: rep },
      { role: 'principal', idNumber: principal },
    ]);
    const entry = (await t.http.post('/v1/list-entries').set(spc).send(input).expect(201)).body;
    const rows = await t.db('restrictions').where({ entry_id: entry.id });
    const onCompany = rows.filter((r) => r.uscc === usccOf(input));
    const onPersons = rows.filter((r) => r.person_key !== null);
    expect(onCompany.length).toBeGreaterThan(0);
    expect(onPersons.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.status === 'active' && r.lifted_at === null && r.list_type === 'dishonest_debtor')).toBe(
      true,
    );
    // every order's department and measure the check gives is a row of the view, and the other way round
    const check = await checkOf(usccOf(input));
    expect(check.restricted).toBe(true);
    expect(check.measures.map((m) => `${m.department} ${m.code}`).sort()).toEqual(
      onCompany.map((r) => `${r.department} ${r.measure_code}`).sort(),
    );
  });

  it('ban the persons an entry names, in the role a ban reaches, as officer_bans shows', async () => {
    const rep = makeIdNumber();
    const input = enterpriseEntry({ legalRepId: rep });
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    const bans = await t.db('officer_bans').where({ entry_id: entry.id });
    expect(bans.length).toBeGreaterThan(0);
    expect(bans.every((b) => b.reached_as === 'legal_representative' && b.enterprise_uscc === usccOf(input))).toBe(
      true,
    );
    const officer = await t.http
      .post('/v1/checks/officers')
      .set(samr)
      .send({ idNumber: rep, role: 'legal_representative' })
      .expect(200);
    expect(officer.body.bans.map((b: { code: string }) => b.code).sort()).toEqual(bans.map((b) => b.code).sort());
  });

  it('end when the entry first leaves active: a later revocation keeps the moment they were lifted', async () => {
    const input = enterpriseEntry();
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    t.clock.advanceDays(1);
    const removedAt = t.clock.now();
    await t.http
      .post(`/v1/list-entries/${entry.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '沪市监移〔2026〕11号' })
      .expect(200);
    expect((await checkOf(usccOf(input))).restricted).toBe(false);
    const lifted = await t.db('restrictions').where({ entry_id: entry.id });
    expect(lifted.length).toBeGreaterThan(0);
    expect(lifted.every((r) => r.status === 'lifted' && r.lifted_at?.getTime() === removedAt.getTime())).toBe(true);
    // as of the day before the removal, the measures were in force
    const before = await t.http
      .get(`/v1/checks/enterprises/${usccOf(input)}`)
      .query({ asOf: new Date(removedAt.getTime() - 3_600_000).toISOString() })
      .set(ADMIN)
      .expect(200);
    expect(before.body.restricted).toBe(true);

    t.clock.advanceDays(1);
    await t.http
      .post(`/v1/list-entries/${entry.id}/revocation`)
      .set(samr)
      .send({ reason: '列入主体错误', decisionNo: '沪市监撤〔2026〕12号' })
      .expect(200);
    const [row] = await t.db('list_entries').where({ id: entry.id }).select('status', 'ended_at');
    expect(row).toEqual({ status: 'revoked', ended_at: removedAt });
  });

  it('take over the stored rows only when orders and entries say the same (migration up), and give them back (down)', async () => {
    const migrations = { directory: migrationsDir, tableName: 'knex_migrations', loadExtensions: ['.js'] };
    const name = '20261206200000_restrictions_derived_from_orders.js';
    const input = enterpriseEntry();
    const entry = (await t.http.post('/v1/list-entries').set(samr).send(input).expect(201)).body;
    const answer = async () => {
      const { restricted, measures } = await checkOf(usccOf(input));
      return { restricted, measures };
    };
    const before = await answer();
    const viewRows = await t.count('restrictions');
    const viewBans = await t.count('officer_bans');

    // the migration after it (the subject index's trigger on orders) goes down first, and comes back up last
    const next = '20261206300000_subjects_reached_by_measures.js';
    // and the one after that (its NOTIFY cut in one statement) before it
    const notify = '20261206400000_subject_notify_parts.js';
    await t.db.migrate.down({ ...migrations, name: notify });
    await t.db.migrate.down({ ...migrations, name: next });
    await t.db.migrate.down({ ...migrations, name });
    // tables again, with one row per view row
    expect(await t.count('restrictions')).toBe(viewRows);
    expect(await t.count('officer_bans')).toBe(viewBans);
    // the table as it was before the migration, with its row ids (src/db/tables.ts declares the view, without them)
    const { rows } = await t.db.raw<{ rows: { id: number; measure_code: string }[] }>(
      'select id, measure_code from restrictions where entry_id = ? order by id limit 1',
      [entry.id],
    );
    const one = rows[0];
    if (!one) throw new Error('the entry has no restriction');
    await t.db.raw('update restrictions set measure_code = ? where id = ?', ['altered', one.id]);
    await expect(t.db.migrate.up({ ...migrations, name })).rejects.toThrow(/2 restriction or ban rows differ/);
    await t.db.raw('update restrictions set measure_code = ? where id = ?', [one.measure_code, one.id]);

    await t.db.migrate.up({ ...migrations, name });
    await t.db.migrate.up({ ...migrations, name: next });
    await t.db.migrate.up({ ...migrations, name: notify });
    expect(await t.count('restrictions')).toBe(viewRows);
    // and the subject index's table holds the subjects in force the restrictions and bans reach, nothing else (the
    // lifted ones of the entries ended above go with the recomputation)
    expect(await storedSubjectKeys(t.db)).toEqual(await reachedSubjectKeys(t.db));
    expect(await answer()).toEqual(before);
  });
});
