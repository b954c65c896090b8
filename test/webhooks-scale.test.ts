import pino from 'pino';
import { seedOutbox } from '../bench/webhook-seed';
import { DeliveryStore, DUE_DEPARTMENTS_SQL } from '../src/webhooks/delivery-store';
import { DeliveryWorker } from '../src/webhooks/delivery-worker';
import { WebhookTargetGuard } from '../src/webhooks/target-guard';
import { secretBoxProvider } from '../src/webhooks/webhook-service';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { startReceiver, type Receiver } from './support/webhook-receiver';

const SECRET = 'scale-test-webhook-secret-0123456789';

/** The ids queued for a department, in delivery order. */
async function queued(t: TestApp, department: string): Promise<string[]> {
  return t.db('webhook_outbox').where({ department }).orderBy('seq').pluck('id');
}

/** Each id once, in the order first received. */
const firstSeen = (r: Receiver) => [...new Set(r.got.map((g) => g.id))];

describe('webhook delivery: departments do not wait on each other', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.db('webhook_delivery_attempts').del();
    await t.db('webhook_outbox').del();
    await t.db('webhooks').del();
  });

  const worker = () =>
    new DeliveryWorker({
      store: new DeliveryStore(t.db),
      clock: t.clock,
      log: pino({ level: 'silent' }),
      secrets: secretBoxProvider(t.db, t.config.webhookSecretKey),
      guard: new WebhookTargetGuard(['127.0.0.1']),
    });

  it('a receiver that does not answer holds back only its own department', async () => {
    const slow = await startReceiver(SECRET);
    const fast = await startReceiver(SECRET);
    let failsafe: NodeJS.Timeout | undefined;
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: slow.url, secret: SECRET }).expect(200);
      await t.http.put('/v1/departments/mnr/webhook').set(ADMIN).send({ url: fast.url, secret: SECRET }).expect(200);
      for (let i = 0; i < 4; i++) await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const fastIds = await queued(t, 'mnr');
      const slowIds = await queued(t, 'mof');
      expect(fastIds).toHaveLength(4);
      expect(slowIds).toHaveLength(4);

      // The slow receiver answers its first POST only once the fast one has had all its events (or after 8 s, so a
      // worker that makes departments wait fails the assertions below instead of hanging).
      const fastDone = fast.received(fastIds.length);
      const giveUp = new Promise((r) => (failsafe = setTimeout(r, 8000)));
      slow.setResponder((n) => (n === 1 ? Promise.race([fastDone, giveUp]).then(() => 'ok' as const) : 'ok'));
      const draining = t.app.deliveries.drain();
      await fastDone;
      expect(slow.got).toHaveLength(1); // still waiting for its first answer
      expect(firstSeen(fast)).toEqual(fastIds);
      const result = await draining;

      expect(result).toMatchObject({ delivered: 8, failed: 0 });
      expect(firstSeen(slow)).toEqual(slowIds);
      expect([...fast.got, ...slow.got].every((g) => g.standardOk)).toBe(true);
    } finally {
      clearTimeout(failsafe);
      await Promise.all([slow.close(), fast.close()]);
    }
  });

  it('two workers on one database: every event once, in order per department', async () => {
    const departments = ['mof', 'mnr', 'ndrc'];
    const receivers = new Map<string, Receiver>();
    try {
      for (const d of departments) {
        const r = await startReceiver(SECRET);
        receivers.set(d, r);
        await t.http.put(`/v1/departments/${d}/webhook`).set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      }
      for (let i = 0; i < 6; i++) await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const [a, b] = [worker(), worker()];
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      expect(ra.delivered + rb.delivered).toBe(await t.count('webhook_outbox'));
      for (const d of departments) {
        const r = receivers.get(d) as Receiver;
        const ids = await queued(t, d);
        expect(ids.length).toBeGreaterThan(0);
        expect(r.got.map((g) => g.id)).toEqual(ids); // once each, in order
      }
      expect(await t.count('webhook_outbox', { status: 'pending' })).toBe(0);
      expect(await t.db('webhooks').whereNotNull('lease_owner').count({ n: '*' }).first()).toEqual({ n: 0 });
    } finally {
      await Promise.all([...receivers.values()].map((r) => r.close()));
    }
  });

  it('a worker that died holding a lease: its department waits for the lease to run out, then is served', async () => {
    const r = await startReceiver(SECRET);
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const now = t.clock.now();
      const leased = await new DeliveryStore(t.db).lease({
        owner: 'dead-worker',
        now,
        until: new Date(now.getTime() + 60_000),
        limit: 10,
        busy: [],
      });
      expect(leased.map((l) => l.department)).toEqual(['mof']);

      expect(await worker().drain()).toMatchObject({ claimed: 0, delivered: 0 });
      expect(r.got).toHaveLength(0);
      t.clock.set(new Date(now.getTime() + 60_000));
      expect(await worker().drain()).toMatchObject({ claimed: 1, delivered: 1 });
      expect(r.got).toHaveLength(1);
    } finally {
      await r.close();
    }
  });
});

describe('webhook delivery at scale: picking the next events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Actual Rows': number;
    'Actual Loops': number;
    Plans?: PlanNode[];
  }
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

  it('costs one index probe per department, whatever the queue length (30,000 pending)', async () => {
    const departments = ['mof', 'mnr', 'ndrc'];
    await t.subscribe(departments);
    await seedOutbox(t.db, departments, 10_000, t.clock.now());
    expect(await t.count('webhook_outbox', { status: 'pending' })).toBe(30_000);

    // EXPLAIN ANALYZE runs the statement (it locks rows): in a transaction that is rolled back
    const trx = await t.db.transaction();
    let plan: PlanNode;
    try {
      const { rows } = await trx.raw(`explain (analyze, format json) ${DUE_DEPARTMENTS_SQL}`, {
        now: t.clock.now(),
        limit: 16,
        busy: [],
      });
      plan = (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]?.Plan as PlanNode;
    } finally {
      await trx.rollback();
    }
    const outbox = nodes(plan).filter((n) => n['Relation Name'] === 'webhook_outbox');
    expect(outbox.length).toBeGreaterThan(0);
    expect(
      outbox.every((n) => n['Node Type'].startsWith('Index') && n['Index Name'] === 'webhook_outbox_pending_idx'),
    ).toBe(true);
    // rows read from the outbox, over all loops: one head per department
    expect(outbox.reduce((s, n) => s + n['Actual Rows'] * n['Actual Loops'], 0)).toBe(departments.length);
    expect(plan['Actual Rows']).toBe(departments.length);
  });
});
