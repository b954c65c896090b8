import { createHash } from 'node:crypto';
import pino from 'pino';
import { createApp, type App } from '../src/app';
import { createDb, type Db, primaryOnly } from '../src/db/knex';
import { createPersonKeyer } from '../src/identity/person-key';
import { enterpriseEntry, makeIdNumber } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

/** A second service instance on the same database: its own pool, its own app, the same rules. */
function secondInstance(t: TestApp): { app: App; db: Db; close(): Promise<void> } {
  const db = createDb(t.config.databaseUrl as string, { max: 5 });
  const app = createApp({
    config: t.config,
    databases: primaryOnly(db),
    rules: t.rules,
    keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123'),
    clock: t.clock,
    log: pino({ level: 'silent' }),
  });
  return {
    app,
    db,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

describe('expiry job', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') });
    samr = await t.tokenFor('samr');
    // every department receives events, so each lifted order must be announced
    await t.subscribe(t.rules.departments.map((d) => d.code));
  });
  afterAll(() => t.close());
  // Every test starts at the same moment, whatever an earlier (or a failed) test did to the clock.
  beforeEach(() => t.clock.set(new Date('2026-03-02T02:00:00Z')));

  it('lifts an entry the day after its last listed day; its checks clear and order.lifted is queued', async () => {
    t.clock.set(new Date('2026-03-02T02:00:00Z'));
    const legalRepId = makeIdNumber('1975-04-03');
    const input = enterpriseEntry({ expiresAt: '2026-03-10', legalRepId });
    const uscc = (input.subject as { uscc: string }).uscc;
    const created = await t.http.post('/v1/list-entries').set(samr).send(input).expect(201);
    const entryId = created.body.id as string;
    const orderIds = (created.body.orders as { id: string }[]).map((o) => o.id);
    expect((await t.http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body.restricted).toBe(true);
    expect(
      (
        await t.http
          .post('/v1/checks/officers')
          .set(ADMIN)
          .send({ idNumber: legalRepId, role: 'legal_representative' })
          .expect(200)
      ).body.eligible,
    ).toBe(false);

    // 10 March (China time) is still inside the term
    t.clock.set(new Date('2026-03-10T15:59:00Z'));
    expect(await t.app.jobs.run('expire-entries')).toEqual({
      outcome: 'succeeded',
      counts: { expired: 0, ordersLifted: 0 },
    });

    // 00:30 on 11 March in China
    t.clock.set(new Date('2026-03-10T16:30:00Z'));
    expect(await t.app.jobs.run('expire-entries')).toEqual({
      outcome: 'succeeded',
      counts: { expired: 1, ordersLifted: orderIds.length },
    });

    const entry = (await t.http.get(`/v1/list-entries/${entryId}`).set(ADMIN).expect(200)).body;
    expect(entry.status).toBe('expired');
    expect(
      entry.orders.every(
        (o: { status: string; liftedAt: string }) => o.status === 'lifted' && o.liftedAt === '2026-03-10T16:30:00.000Z',
      ),
    ).toBe(true);
    const check = (await t.http.get(`/v1/checks/enterprises/${uscc}`).set(ADMIN).expect(200)).body;
    expect(check).toMatchObject({ restricted: false, measures: [] });
    expect(
      (
        await t.http
          .post('/v1/checks/officers')
          .set(ADMIN)
          .send({ idNumber: legalRepId, role: 'legal_representative' })
          .expect(200)
      ).body.eligible,
    ).toBe(true);
    expect(await t.count('restrictions', { entry_id: entryId, status: 'active' })).toBe(0);
    expect(await t.count('officer_bans', { entry_id: entryId, status: 'active' })).toBe(0);
    const lifted = await t.db('webhook_outbox').whereIn('order_id', orderIds).where('type', 'order.lifted');
    expect(lifted.map((e) => e.order_id).sort()).toEqual([...orderIds].sort());
    expect(lifted.every((e) => (e.data as { order: { status: string } }).order.status === 'lifted')).toBe(true);
    expect(await t.count('audit_log', { entity_id: entryId, action: 'entry.expired', actor: 'system' })).toBe(1);

    // idempotent: a second run finds nothing
    expect(await t.app.jobs.run('expire-entries')).toEqual({
      outcome: 'succeeded',
      counts: { expired: 0, ordersLifted: 0 },
    });
  });

  it('two instances running the job at the same moment expire each entry once', async () => {
    t.clock.set(new Date('2026-03-02T02:00:00Z'));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(
        (
          await t.http
            .post('/v1/list-entries')
            .set(samr)
            .send(enterpriseEntry({ expiresAt: '2026-03-20' }))
            .expect(201)
        ).body.id,
      );
    const orders = Number((await t.db('orders').whereIn('entry_id', ids).count({ n: '*' }))[0]?.n);
    t.clock.set(new Date('2026-03-21T01:00:00Z'));

    const b = secondInstance(t);
    try {
      const results = await Promise.all([
        t.app.jobs.run('expire-entries'),
        b.app.jobs.run('expire-entries'),
        t.app.jobs.run('expire-entries'),
      ]);
      const expired = results.reduce((n, r) => n + (r.outcome === 'succeeded' ? (r.counts.expired ?? 0) : 0), 0);
      expect(expired).toBe(40);
      // the same process never overlaps itself
      expect(results.filter((r) => r.outcome === 'skipped').length).toBeGreaterThanOrEqual(1);
      expect(await t.count('audit_log', { action: 'entry.expired' })).toBe(41);
      expect(
        Number(
          (
            await t
              .db('webhook_outbox')
              .where('type', 'order.lifted')
              .whereIn('order_id', t.db('orders').select('id').whereIn('entry_id', ids))
              .count({ n: '*' })
          )[0]?.n,
        ),
      ).toBe(orders);
      expect(
        Number((await t.db('list_entries').whereIn('id', ids).where('status', 'expired').count({ n: '*' }))[0]?.n),
      ).toBe(40);
    } finally {
      await b.close();
    }
  });

  it('skips while another instance holds the job lock, and runs once it is released', async () => {
    const key = createHash('sha256').update('expire-entries').digest().readInt32BE(0);
    const other = createDb(t.config.databaseUrl as string, { max: 1 });
    try {
      await other.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?, ?)', [0x4a50, key]);
        expect(await t.app.jobs.run('expire-entries')).toEqual({ outcome: 'skipped', reason: 'locked-elsewhere' });
      });
      expect((await t.app.jobs.run('expire-entries')).outcome).toBe('succeeded');
    } finally {
      await other.destroy();
    }
  });

  it('GET /v1/jobs lists every job with its schedule and last run (administrator only)', async () => {
    // its own run, the latest, not one an earlier test happened to leave (every earlier entry has expired by then)
    t.clock.set(new Date('2026-06-01T02:00:00Z'));
    await t.app.jobs.run('expire-entries');
    const res = await t.http.get('/v1/jobs').set(ADMIN).expect(200);
    const items = res.body.items as {
      name: string;
      schedule: string;
      lastRun: { startedAt: string; finishedAt: string; outcome: string; counts: Record<string, number> } | null;
    }[];
    expect(items.map((i) => i.name)).toEqual([
      'expire-entries',
      'escalate-overdue',
      'abnormal-operations-3y',
      'recompute-provisional-deadlines',
      'consistency-check',
      'prune-subjects-in-force',
      'outbox-retention',
    ]);
    const expire = items.find((i) => i.name === 'expire-entries');
    expect(expire?.schedule).toBe('5 * * * *');
    expect(expire?.lastRun).toEqual({
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      outcome: 'succeeded',
      counts: { expired: 0, ordersLifted: 0 },
    });
    expect(items.find((i) => i.name === 'consistency-check')?.lastRun).toBeNull();
    await t.http.get('/v1/jobs').set(samr).expect(403);
    await t.http.get('/v1/jobs').expect(401);
  });
});
