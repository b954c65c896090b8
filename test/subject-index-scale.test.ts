import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { enterpriseKey, personKey, SubjectIndex } from '../src/checks/subject-index';
import { enterpriseEntry, makeIdNumber, makeUscc } from './support/factories';
import { reachedSubjectKeys, storedSubjectKeys } from './support/subjects-reached';
import { sampleValue } from './support/prometheus-text';
import { startTestApp, type TestApp } from './support/test-app';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const SCRAPER = { Authorization: `Bearer ${METRICS_TOKEN}` };
const KILL_INDEX_CONNECTIONS = `select pg_terminate_backend(pid) from pg_stat_activity
  where application_name = 'joint-punishment-index' and datname = current_database() and pid <> pg_backend_pid()`;

/**
 * Issue 23: the subject index reloads one hash per subject (subjects_in_force, kept by triggers) in keyset chunks,
 * and a reload that fails is visible (metric, /readyz) and retried with backoff instead of failing silently.
 */
describe('subject index at volume', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
    samr = await t.tokenFor('samr');
    await waitFor('index loaded', () => t.app.subjectIndex.fresh);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('keeps one row per subject a measure in force reaches, however many restrictions and bans it has', async () => {
    const e = enterpriseEntry();
    await t.http.post('/v1/list-entries').set(samr).send(e).expect(201);
    const uscc = (e.subject as { uscc: string }).uscc;
    expect(await t.count('restrictions', { uscc, status: 'active' })).toBeGreaterThan(1);
    expect(await t.count('subjects_in_force', { subject_key: enterpriseKey(uscc) })).toBe(1);
    // On the abnormal-operations list the measures reach the enterprise only: its legal representative is named by
    // the entry but restricted by nothing, so not a subject in force (migration 20261206300000).
    const abnormal = enterpriseEntry({ listType: 'abnormal_operations' });
    const created = await t.http.post('/v1/list-entries').set(samr).send(abnormal).expect(201);
    const stored = await t.db('list_entries').where({ id: created.body.id }).first();
    const legalRep = stored?.person_keys[0];
    if (!legalRep) throw new Error('the entry names no legal representative');
    expect(await t.count('officer_bans', { person_key: legalRep })).toBe(0);
    expect(await t.count('restrictions', { person_key: legalRep })).toBe(0);
    expect(await t.count('subjects_in_force', { subject_key: personKey(legalRep) })).toBe(0);
    const abnormalUscc = (abnormal.subject as { uscc: string }).uscc;
    expect(await t.count('subjects_in_force', { subject_key: enterpriseKey(abnormalUscc) })).toBe(1);
    // Exactly the subjects the restrictions and bans in force reach, no more, no fewer.
    const reached = await reachedSubjectKeys(t.db);
    expect(reached.length).toBeGreaterThan(2);
    expect(await storedSubjectKeys(t.db)).toEqual(reached);
  });

  it('knows each reach value of the rule schema as its own bit, so no reached role is missed', async () => {
    const schema = JSON.parse(readFileSync(path.join(__dirname, '../rules/schema/memorandum.schema.json'), 'utf8'));
    const reaches: string[] = schema.definitions.reach.items.enum;
    expect(reaches).toContain('legal_representative');
    const { rows } = await t.db.raw<{ rows: { bit: string }[] }>(
      'select reach_bit(r)::text as bit from unnest(?::text[]) r',
      [reaches],
    );
    const bits = rows.map((r) => BigInt(r.bit));
    expect(new Set(bits).size).toBe(reaches.length);
    // bit 62 is the one for a value the function does not know yet (kept, never missed)
    expect(bits).not.toContain(1n << 62n);
  });

  it('reloads in chunks across chunk edges: every subject in force, sorted, nothing else', async () => {
    const rows = Array.from({ length: 120 }, () => enterpriseEntry());
    const res = await t.http.post('/v1/list-entries/batch').set(samr).send(rows).expect(200);
    expect(res.body.results.every((r: { status: string }) => r.status === 'created')).toBe(true);
    const index = new SubjectIndex({ db: t.db, log: pino({ level: 'silent' }), chunk: 7 });
    try {
      index.start();
      await waitFor('the chunked reload', () => index.fresh);
      const subjects = await t.count('subjects_in_force');
      expect(index.lastReloaded?.subjects).toBe(subjects);
      expect(subjects).toBeGreaterThan(7 * 10);
      for (const r of rows) expect(index.surelyClear(enterpriseKey((r.subject as { uscc: string }).uscc))).toBe(false);
      expect(index.surelyClear(enterpriseKey(makeUscc()))).toBe(true);
      expect(index.surelyClear(personKey('never-listed'))).toBe(true);
    } finally {
      await index.close();
    }
  });

  it('a failed reload is visible (metric, /readyz), checks answer from PostgreSQL, and it is retried until it succeeds', async () => {
    const scrape = async () => (await t.http.get('/metrics').set(SCRAPER).expect(200)).text;
    const ready = await t.http.get('/readyz').expect(200);
    expect(ready.body.subjectIndex).toMatchObject({ fresh: true, checksAnsweredFrom: 'index' });
    const lastOk = ready.body.subjectIndex.lastReloadAt as string;
    expect(sampleValue(await scrape(), 'jp_subject_index_fresh')).toBe(1);
    const failuresBefore = sampleValue(await scrape(), 'jp_subject_index_reload_failures_total');

    // The reload's source goes away; losing the listening connection makes a reload a must before answering again.
    await t.db.raw('alter table subjects_in_force rename to subjects_in_force_away');
    try {
      await t.db.raw(KILL_INDEX_CONNECTIONS);
      await waitFor(
        'a failed reload',
        async () => sampleValue(await scrape(), 'jp_subject_index_reload_failures_total') > failuresBefore,
      );
      const text = await scrape();
      expect(sampleValue(text, 'jp_subject_index_fresh')).toBe(0);
      const degraded = await t.http.get('/readyz').expect(200); // slower, not unready
      expect(degraded.body.subjectIndex).toMatchObject({ fresh: false, checksAnsweredFrom: 'postgresql' });
      expect(degraded.body.subjectIndex.lastReloadAt).toBe(lastOk);
      // Still right: a listed subject is found by the query the index would have spared.
      const mof = await t.tokenFor('mof');
      const listed = await t
        .db('restrictions')
        .where({ status: 'active', department: 'mof' })
        .whereNotNull('uscc')
        .first();
      const check = await t.http.get(`/v1/checks/enterprises/${listed?.uscc}`).set(mof).expect(200);
      expect(check.body.restricted).toBe(true);
    } finally {
      await t.db.raw('alter table subjects_in_force_away rename to subjects_in_force');
    }
    // Backoff: 1 s, 2 s, 4 s … — within a few seconds a retry finds the table again.
    await waitFor('a retried reload', () => t.app.subjectIndex.fresh, 15_000);
    const back = await t.http.get('/readyz').expect(200);
    expect(back.body.subjectIndex.checksAnsweredFrom).toBe('index');
    expect(Date.parse(back.body.subjectIndex.lastReloadAt)).toBeGreaterThan(Date.parse(lastOk));
    expect(sampleValue(await scrape(), 'jp_subject_index_fresh')).toBe(1);
  }, 30_000);

  it('the daily job prunes a person no measure in force reaches, though an entry in force still names them', async () => {
    // the same legal representative for a serious-violation enterprise (banned as an officer) and an
    // abnormal-operations one (named, reached by nothing): once the first entry is removed, nothing reaches them
    const legalRepId = makeIdNumber();
    const serious = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry({ legalRepId })).expect(201);
    const abnormal = enterpriseEntry({ listType: 'abnormal_operations', legalRepId });
    await t.http.post('/v1/list-entries').set(samr).send(abnormal).expect(201);
    const stored = await t.db('list_entries').where({ id: serious.body.id }).first();
    const key = personKey(stored?.person_keys[0] as string);
    expect(await t.count('subjects_in_force', { subject_key: key })).toBe(1);
    await t.http
      .post(`/v1/list-entries/${serious.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '沪市监移〔2026〕10号' })
      .expect(200);
    await t.db('subjects_in_force').update({ touched_at: t.db.raw("now() - interval '2 days'") });
    const run = await t.app.jobs.run('prune-subjects-in-force');
    expect(run.outcome).toBe('succeeded');
    expect(await t.count('subjects_in_force', { subject_key: key })).toBe(0);
    const abnormalUscc = (abnormal.subject as { uscc: string }).uscc;
    expect(await t.count('subjects_in_force', { subject_key: enterpriseKey(abnormalUscc) })).toBe(1);
    // every row aged, and what stays is exactly what the restrictions and bans in force reach
    expect(await storedSubjectKeys(t.db)).toEqual(await reachedSubjectKeys(t.db));
  });

  it('the daily job prunes subjects lifted over a day ago and keeps the ones in force', async () => {
    const [gone, kept] = [enterpriseEntry(), enterpriseEntry()];
    const created = await t.http.post('/v1/list-entries').set(samr).send(gone).expect(201);
    await t.http.post('/v1/list-entries').set(samr).send(kept).expect(201);
    await t.http
      .post(`/v1/list-entries/${created.body.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '沪市监移〔2026〕9号' })
      .expect(200);
    const keyOf = (e: typeof gone) => enterpriseKey((e.subject as { uscc: string }).uscc);
    // Lifted just now: kept (a writer of the same subject at this moment must not lose it).
    await t.app.jobs.run('prune-subjects-in-force');
    expect(await t.count('subjects_in_force', { subject_key: keyOf(gone) })).toBe(1);
    await t.db('subjects_in_force').update({ touched_at: t.db.raw("now() - interval '2 days'") });
    const run = await t.app.jobs.run('prune-subjects-in-force');
    expect(run.outcome).toBe('succeeded');
    expect(await t.count('subjects_in_force', { subject_key: keyOf(gone) })).toBe(0);
    expect(await t.count('subjects_in_force', { subject_key: keyOf(kept) })).toBe(1);
    // A subject written past the triggers (a restore without them) is added back by the same job.
    await t
      .db('subjects_in_force')
      .where({ subject_key: keyOf(kept) })
      .delete();
    await t.app.jobs.run('prune-subjects-in-force');
    expect(await t.count('subjects_in_force', { subject_key: keyOf(kept) })).toBe(1);
    // The whole table lost: the job puts back what the restrictions and bans in force reach, and nothing else (the
    // abnormal-operations legal representative of the first test stays out).
    await t.db('subjects_in_force').delete();
    await t.app.jobs.run('prune-subjects-in-force');
    const reached = await reachedSubjectKeys(t.db);
    expect(reached.length).toBeGreaterThan(100);
    expect(await storedSubjectKeys(t.db)).toEqual(reached);
  });
});
