import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/**
 * Issue 21: the service runs as a role that owns no table, so audit_log is append-only by privilege, not by
 * courtesy. The whole loop runs here as that role (granted by src/db/roles.ts, as production and the embedded
 * default do), then the role tries to rewrite the log.
 */
describe('the service as its runtime role', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ runtimeRole: true, env: { METRICS_TOKEN } });
  });
  afterAll(() => t.close());

  it('is not the owner of any table', async () => {
    const rows = await t.db.raw<{ rows: { me: string; owned: number; super: boolean }[] }>(
      `select current_user as me, (select rolsuper from pg_roles where rolname = current_user) as super,
              (select count(*)::int from pg_tables where schemaname = 'public' and tableowner = current_user) as owned`,
    );
    expect(rows.rows[0]).toMatchObject({ super: false, owned: 0 });
    expect(rows.rows[0]?.me).toMatch(/^jp_rt_/);
  });

  it('runs the loop: tokens, entries, orders, feedback, checks, decisions, batches, jobs, webhooks, metrics', async () => {
    const samr = await t.tokenFor('samr');
    const spc = await t.tokenFor('spc');
    const mof = await t.tokenFor('mof');
    await t.subscribe(['mof']);
    const entry = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const id = makeIdNumber('1970-02-02');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: id }))
      .expect(201);
    const order = (entry.body.orders as { id: string; department: string }[]).find((o) => o.department === 'mof');
    await t.http
      .post(`/v1/orders/${order?.id}/feedback`)
      .set(mof)
      .send({ outcome: 'implemented', note: '已实施' })
      .expect(200);
    const hit = await t.http.get(`/v1/checks/enterprises/${entry.body.subject.uscc}`).set(mof).expect(200);
    await t.http.post('/v1/checks/persons').set(mof).send({ idNumber: id, scenario: 'consumption' }).expect(200);
    await t.http.post('/v1/checks/officers').set(mof).send({ idNumber: id, role: 'director' }).expect(200);
    if (hit.body.decisionId)
      await t.http
        .post(`/v1/checks/decisions/${hit.body.decisionId}/feedback`)
        .set(mof)
        .send({ action: 'restricted', caseRef: 'CG-1' })
        .expect(200);
    await t.http.post('/v1/list-entries/batch').set(samr).send([enterpriseEntry(), enterpriseEntry()]).expect(200);
    await t.http
      .post(`/v1/list-entries/${entry.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '测移〔2026〕1号' })
      .expect(200);
    await t.http.get('/v1/reports/feedback').set(ADMIN).expect(200);
    for (const job of t.app.jobs.definitions.map((j) => j.name)) {
      const run = await t.app.jobs.run(job);
      expect({ job, outcome: run.outcome }).not.toEqual({ job, outcome: 'failed' });
    }
    await t.app.deliveries.drain();
    await t.app.metrics?.refresh();
    await t.app.services.personCheckAudit.flush();
    const scrape = await t.http
      .get('/metrics')
      .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
      .expect(200);
    expect(scrape.text).toMatch(/jp_db_up 1/);
    const revoked = await t.http.get('/v1/departments/spc/tokens').set(ADMIN).expect(200);
    await t.http.delete(`/v1/departments/spc/tokens/${revoked.body.items[0].id}`).set(ADMIN).expect(204);
    await t.http.get('/readyz').expect(200);
    expect(await t.count('audit_log', { action: 'person.checked' })).toBe(2);
  });

  it('may add to audit_log and read it, but not alter, silence, rewrite or empty it', async () => {
    const before = await t.count('audit_log');
    expect(before).toBeGreaterThan(0);
    const codeOf = (sql: string) =>
      t.db.raw(sql).then(
        () => 'done',
        (e: { code?: string }) => e.code,
      );
    expect({
      disableTriggers: await codeOf('alter table audit_log disable trigger all'),
      disableOne: await codeOf('alter table audit_log disable trigger audit_log_no_update_delete'),
      dropTrigger: await codeOf('drop trigger audit_log_no_update_delete on audit_log'),
      update: await codeOf("update audit_log set actor = 'someone else'"),
      delete: await codeOf('delete from audit_log'),
      truncate: await codeOf('truncate audit_log'),
      // and the rest of its rights are what the service needs, no more
      truncateOther: await codeOf('truncate check_counts'),
      createTable: await codeOf('create table rewritten (id int)'),
      migrate: await codeOf("insert into knex_migrations (name, batch, migration_time) values ('x', 99, now())"),
    }).toEqual({
      disableTriggers: '42501',
      disableOne: '42501',
      dropTrigger: '42501',
      update: '42501',
      delete: '42501',
      truncate: '42501',
      truncateOther: '42501',
      createTable: '42501',
      migrate: '42501',
    });
    expect(await t.count('audit_log')).toBe(before);
  });
});
