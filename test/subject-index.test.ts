import type supertest from 'supertest';
import type { App } from '../src/app';
import { enterpriseKey, subjectHash } from '../src/checks/subject-index';
import type { Db } from '../src/db/knex';
import { enterpriseEntry, makeIdNumber, makeUscc } from './support/factories';
import { type OtherInstance, startTestApp, type TestApp } from './support/test-app';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/**
 * The in-process index of subjects with anything in force (issue 11). Freshness bound under test: the writing
 * instance knows before its response returns; another instance within 1 s (in practice milliseconds, by NOTIFY).
 */
describe('subject index', () => {
  let t: TestApp;
  let other: OtherInstance;
  let db2: Db;
  let app2: App;
  let second: supertest.Agent;
  let samr: { Authorization: string };
  let mof: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    other = t.secondInstance();
    ({ app: app2, db: db2, http: second } = other);
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
    await waitFor('both indexes loaded', () => t.app.subjectIndex.fresh && app2.subjectIndex.fresh);
  }, 60_000);
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('hashes keys exactly as the reload query does in PostgreSQL', async () => {
    const key = enterpriseKey(makeUscc());
    const { rows } = await t.db.raw<{ rows: { h: number }[] }>(
      `select (('x' || substr(md5(?), 1, 13))::bit(52)::bigint)::float8 as h`,
      [key],
    );
    expect(rows[0]?.h).toBe(subjectHash(key));
  });

  it('answers a never-listed subject without touching the database (person checks: only their budget)', async () => {
    await t.http.get(`/v1/checks/enterprises/${makeUscc()}`).set(mof).expect(200); // the token is now cached
    const acquire = jest.spyOn(t.db.client, 'acquireConnection');
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => statements.push(q.sql);
    try {
      const res = await t.http
        .get(`/v1/checks/enterprises/${makeUscc()}`)
        .query({ scenario: 'bidding' })
        .set(mof)
        .expect(200);
      expect(res.body.restricted).toBe(false);
      expect(acquire).not.toHaveBeenCalled();
      // a person-level check spends the token's budget in PostgreSQL (issue 21: shared by all instances), but its
      // answer still comes from the index: no statement reads restrictions or bans
      t.db.on('query', onQuery);
      const off = await t.http
        .post('/v1/checks/officers')
        .set(mof)
        .send({ idNumber: makeIdNumber(), role: 'director' })
        .expect(200);
      expect(off.body.eligible).toBe(true);
      expect(statements.some((sql) => /person_check_budget/.test(sql))).toBe(true);
      expect(statements.filter((sql) => /officer_bans|restrictions/.test(sql))).toEqual([]);
    } finally {
      t.db.off('query', onQuery);
      acquire.mockRestore();
    }
  });

  it('the writing instance knows at once; the other within 1 s', async () => {
    const e = enterpriseEntry();
    const uscc = (e.subject as { uscc: string }).uscc;
    // Both indexes are fresh and say "surely clear" before the write.
    expect(t.app.subjectIndex.surelyClear(enterpriseKey(uscc))).toBe(true);
    expect(app2.subjectIndex.surelyClear(enterpriseKey(uscc))).toBe(true);
    await t.http.post('/v1/list-entries').set(samr).send(e).expect(201);
    const written = Date.now();
    expect(t.app.subjectIndex.surelyClear(enterpriseKey(uscc))).toBe(false);
    expect((await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(true);
    await waitFor('the other instance', () => !app2.subjectIndex.surelyClear(enterpriseKey(uscc)), 1000);
    expect(Date.now() - written).toBeLessThan(1000);
    expect((await second.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(true);
  });

  it('a batch written elsewhere reaches the other instance by NOTIFY (keys in 7,000-byte payloads), no full reload', async () => {
    const rows = Array.from({ length: 300 }, () => enterpriseEntry());
    const res = await second.post('/v1/list-entries/batch').set(samr).send(rows).expect(200);
    expect(res.body.results.filter((r: { status: string }) => r.status === 'created')).toHaveLength(rows.length);
    const usccs = rows.map((r) => (r.subject as { uscc: string }).uscc);
    const answers = await Promise.all(
      usccs.slice(0, 20).map((u) => t.http.get(`/v1/checks/enterprises/${u}`).set(mof).expect(200)),
    );
    expect(answers.every((a) => a.body.restricted === true)).toBe(true);
    await waitFor('the reload', () => t.app.subjectIndex.fresh, 1000);
    expect(usccs.every((u) => !t.app.subjectIndex.surelyClear(enterpriseKey(u)))).toBe(true);
  });

  it("cuts a statement's keys into NOTIFY payloads of at most 7,000 bytes, each key in one (migration 20261206400000)", async () => {
    const conn = (await t.db.client.acquireConnection()) as import('pg').PoolClient;
    const payloads: string[] = [];
    const onNotification = (n: { channel: string; payload?: string }) => {
      if (n.channel === 'subjects_in_force' && n.payload) payloads.push(n.payload);
    };
    conn.on('notification', onNotification);
    try {
      await conn.query('listen subjects_in_force');
      // 700 enterprises: 'u' and an 18-character USCC, ~14,000 bytes of keys with their commas
      const rows = Array.from({ length: 700 }, () => enterpriseEntry());
      await t.http.post('/v1/list-entries/batch').set(samr).send(rows).expect(200);
      const wanted = new Set(rows.map((r) => enterpriseKey((r.subject as { uscc: string }).uscc)));
      const seen = () => payloads.flatMap((p) => p.split(',')).filter((k) => wanted.has(k));
      await waitFor('the notifications', () => new Set(seen()).size === wanted.size, 2000);
      const ours = payloads.filter((p) => p.split(',').some((k) => wanted.has(k)));
      expect(ours.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...ours.map((p) => Buffer.byteLength(p)))).toBeLessThanOrEqual(7000);
      // each key once: the parts do not overlap
      expect(seen()).toHaveLength(wanted.size);
    } finally {
      conn.removeListener('notification', onNotification);
      await conn.query('unlisten subjects_in_force');
      await t.db.client.releaseConnection(conn);
    }
  });

  it('stops answering from the index when its connection is lost, and reloads on reconnect', async () => {
    await db2.raw(`select pg_terminate_backend(pid) from pg_stat_activity
                    where application_name = 'joint-punishment-index' and datname = current_database() and pid <> pg_backend_pid()`);
    await waitFor('the loss to be noticed', () => !app2.subjectIndex.fresh && !t.app.subjectIndex.fresh, 2000);
    const e = enterpriseEntry();
    const uscc = (e.subject as { uscc: string }).uscc;
    await t.http.post('/v1/list-entries').set(samr).send(e).expect(201); // written while the other listens to nothing
    expect(app2.subjectIndex.surelyClear(enterpriseKey(uscc))).toBe(false);
    expect((await second.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200)).body.restricted).toBe(true);
    await waitFor('reconnect and reload', () => app2.subjectIndex.fresh, 5000);
    expect(app2.subjectIndex.surelyClear(enterpriseKey(uscc))).toBe(false);
    expect(app2.subjectIndex.surelyClear(enterpriseKey(makeUscc()))).toBe(true);
  });
});
