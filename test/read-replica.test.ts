import { enterpriseEntry } from './support/factories';
import { startReplicaPair, type ReplicaPair } from './support/replica-pair';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Reads on a real streaming replica (test/support/replica-pair.ts: a primary and a hot standby from the embedded
 * binaries, whatever TEST_DATABASE_URL is). Pausing replay (pg_wal_replay_pause) makes the replica visibly behind,
 * so which server answered shows in the answer itself: what the primary has and the replica has not replayed.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('reads on a streaming replica', () => {
  let pair: ReplicaPair;
  let t: TestApp;
  let samr: { Authorization: string };
  let ndrc: { Authorization: string };
  let mof: { Authorization: string };

  const readiness = async () =>
    (await t.http.get('/readyz')).body as { status: string; replica?: { serving: boolean; reason?: string } };
  const serving = async () => (await readiness()).replica?.serving === true;
  const issuedTo = async (who: { Authorization: string }, department: string) => {
    const res = await t.http.get('/v1/reports/feedback').set(who).expect(200);
    return (
      (res.body.departments as { department: string; issued: number }[]).find((d) => d.department === department)
        ?.issued ?? 0
    );
  };
  const found = async (who: { Authorization: string }, uscc: string) => {
    const res = await t.http.get(`/v1/list-entries?uscc=${uscc}`).set(who).expect(200);
    return (res.body.items as unknown[]).length;
  };
  const metric = async (name: string) => {
    const text = (
      await t.http
        .get('/metrics')
        .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
        .expect(200)
    ).text;
    return Number(new RegExp(`^${name}\\{replica="127.0.0.1:\\d+"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  beforeAll(async () => {
    pair = await startReplicaPair();
    // A generous bound: replay is paused for a few seconds at a time here, on a shared machine.
    t = await startTestApp({
      database: await pair.createDatabase(),
      env: { READ_MAX_LAG_SECONDS: '60', METRICS_TOKEN },
    });
    samr = await t.tokenFor('samr');
    ndrc = await t.tokenFor('ndrc');
    mof = await t.tokenFor('mof');
    await waitFor('the replica to serve reads', serving);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await pair?.close();
  });
  afterEach(async () => {
    await pair?.resumeReplay().catch(() => undefined);
  });

  it("answers a supervisor's report from the replica: paused replay hides a new listing there, not on the primary", async () => {
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    await pair.waitForReplay();
    await waitFor('the replica to cover the first listing', async () => (await issuedTo(ndrc, 'mof')) === 1);
    await pair.pauseReplay();
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    expect(await t.count('orders', { department: 'mof' })).toBe(2); // on the primary
    // ndrc wrote nothing: its report comes from the replica, which has not replayed the second listing
    expect(await issuedTo(ndrc, 'mof')).toBe(1);
    expect((await readiness()).status).toBe('ready');
    expect(await metric('jp_replica_lag_seconds')).toBeGreaterThanOrEqual(0);
    await pair.resumeReplay();
    await waitFor('the report to catch up', async () => (await issuedTo(ndrc, 'mof')) === 2);
  });

  it('lets an authority find the entry it has just listed while replay is paused; others see the replica', async () => {
    await pair.pauseReplay();
    const body = enterpriseEntry();
    const uscc = (body.subject as { uscc: string }).uscc;
    await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
    expect(await found(samr, uscc)).toBe(1); // read-your-writes: its reads are on the primary
    expect(await found(ndrc, uscc)).toBe(0); // the replica has not replayed it
    await pair.resumeReplay();
    await waitFor('the replica to replay the listing', async () => (await found(ndrc, uscc)) === 1);
    // once replayed, the author reads from the replica again (and still finds it)
    expect(await found(samr, uscc)).toBe(1);
  });

  it('never answers clean for a subject listed while replay is paused, even across a full index reload', async () => {
    const other = t.secondInstance();
    try {
      // A new app compiles the whole spec's validators (seconds of CPU on a loaded machine) before it answers.
      await other.http.get('/healthz').expect(200);
      await waitFor('the second instance to be serving reads', async () => other.app.subjectIndex.fresh, 60_000);
      await waitFor('the second instance replica', async () => (await other.http.get('/readyz')).body.replica?.serving);
      await pair.pauseReplay();
      const body = enterpriseEntry();
      const uscc = (body.subject as { uscc: string }).uscc;
      await t.http.post('/v1/list-entries').set(samr).send(body).expect(201);
      // The other instance learnt of it by NOTIFY; now make it drop everything and reload, replay still paused.
      await t.db.raw(`select pg_notify('subjects_in_force', '*')`);
      await other.app.subjectIndex.sync();
      await waitFor('the reload', () => other.app.subjectIndex.fresh);
      for (const http of [t.http, other.http]) {
        const res = await http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200);
        expect(res.body.restricted).toBe(true);
      }
    } finally {
      await other.close();
    }
  }, 120_000);

  it('moves reads to the primary when the replica is killed under load (no 5xx, /readyz degraded) and back when it returns', async () => {
    const statuses: number[] = [];
    let loading = true;
    const load = async () => {
      while (loading) {
        for (const path of [
          '/v1/reports/feedback',
          '/v1/reports/overdue',
          '/v1/list-entries?limit=5',
          '/v1/orders?limit=5',
        ]) {
          statuses.push((await t.http.get(path).set(ndrc)).status);
        }
      }
    };
    const loaders = [load(), load(), load()];
    await new Promise((r) => setTimeout(r, 300));
    await pair.killReplica();
    await waitFor('/readyz to say degraded', async () => (await readiness()).status === 'degraded');
    const degraded = await t.http.get('/readyz').expect(200);
    expect(degraded.body.replica).toMatchObject({ serving: false });
    expect(degraded.body.replica.reason).toMatch(/replica/);
    expect(await metric('jp_replica_serving')).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    loading = false;
    await Promise.all(loaders);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200]));

    // Reads on the primary meanwhile: a new listing shows at once to a supervisor that wrote nothing.
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const onPrimary = await t.count('orders', { department: 'mof' });
    expect(await issuedTo(ndrc, 'mof')).toBe(onPrimary);

    // Back without a restart: the replica is picked up again, and answers (paused replay shows it is the one).
    await pair.startReplica();
    await waitFor('the replica to serve again', serving, 30_000);
    expect((await readiness()).status).toBe('ready');
    expect(await metric('jp_replica_serving')).toBe(1);
    await pair.waitForReplay();
    await pair.pauseReplay();
    await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    expect(await issuedTo(ndrc, 'mof')).toBe(onPrimary);
    expect(await t.count('orders', { department: 'mof' })).toBe(onPrimary + 1);
  }, 90_000);
});
