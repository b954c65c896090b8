import pino from 'pino';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DeliveryStore } from '../src/webhooks/delivery-store';
import { DeliveryWorker } from '../src/webhooks/delivery-worker';
import { WebhookTargetGuard } from '../src/webhooks/target-guard';
import { secretBoxProvider } from '../src/webhooks/webhook-service';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { startReceiver as receiver } from './support/webhook-receiver';

describe('webhooks', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let mof: { Authorization: string };
  const SECRET = 'mof-webhook-secret-0123456789';

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-03-02T02:00:00Z') });
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
  });
  afterAll(() => t.close());
  // Each test registers the webhooks it needs and finds an empty queue, whatever the test before it left behind.
  beforeEach(async () => {
    t.clock.set(new Date('2026-03-02T02:00:00Z'));
    await t.db.raw('truncate webhook_delivery_attempts, webhook_outbox, webhooks');
  });

  it('PUT /v1/departments/{code}/webhook: the department or the administrator; the secret is never returned', async () => {
    const res = await t.http
      .put('/v1/departments/mof/webhook')
      .set(mof)
      .send({ url: 'http://127.0.0.1:9/x', secret: SECRET })
      .expect(200);
    expect(res.body).toEqual({
      department: 'mof',
      url: 'http://127.0.0.1:9/x',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(samr)
      .send({ url: 'http://127.0.0.1:9/x', secret: SECRET })
      .expect(403);
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(ADMIN)
      .send({ url: 'ftp://127.0.0.1/x', secret: SECRET })
      .expect(400);
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(ADMIN)
      .send({ url: 'http://127.0.0.1:9/x', secret: 'short' })
      .expect(400);
    await t.http
      .put('/v1/departments/nope/webhook')
      .set(ADMIN)
      .send({ url: 'http://127.0.0.1:9/x', secret: SECRET })
      .expect(404);
    const stored = await t.db('webhooks').where({ department: 'mof' }).first();
    expect(stored?.secret_sealed).not.toContain(SECRET);
    expect(JSON.stringify(await t.db('audit_log').where({ action: 'webhook.set' }))).not.toContain(SECRET);
  });

  it('queues events only for departments with a webhook, from its registration on', async () => {
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(ADMIN)
      .send({ url: 'http://127.0.0.1:9/x', secret: SECRET })
      .expect(200);
    const created = (await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201)).body;
    const orderOf = (d: string) =>
      (created.orders as { id: string; department: string }[]).find((o) => o.department === d)?.id as string;
    expect(orderOf('mnr')).toBeDefined();
    expect(await t.count('webhook_outbox', { order_id: orderOf('mof'), type: 'order.issued' })).toBe(1);
    expect(await t.count('webhook_outbox', { order_id: orderOf('mnr') })).toBe(0);

    await t.http
      .put('/v1/departments/mnr/webhook')
      .set(ADMIN)
      .send({ url: 'http://127.0.0.1:9/mnr', secret: SECRET })
      .expect(200);
    await t.http
      .post(`/v1/list-entries/${created.id}/removal`)
      .set(samr)
      .send({ reason: '信用修复', decisionNo: '测移〔2026〕9号' })
      .expect(200);
    expect(
      await t
        .db('webhook_outbox')
        .where({ order_id: orderOf('mnr') })
        .pluck('type'),
    ).toEqual(['order.lifted']);
  });

  it('a receiver that fails three times and then succeeds gets every event, signed, in order', async () => {
    const r = await receiver(SECRET);
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      r.setResponder((n) => (n <= 3 ? 'fail' : 'ok'));
      const entries: string[] = [];
      for (let i = 0; i < 3; i++)
        entries.push((await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201)).body.id);
      await t.http
        .post(`/v1/list-entries/${entries[0]}/removal`)
        .set(samr)
        .send({ reason: '信用修复', decisionNo: '测移〔2026〕1号' })
        .expect(200);
      const expected: { id: string; type: string; order_id: string }[] = await t
        .db('webhook_outbox')
        .where({ department: 'mof' })
        .orderBy('seq')
        .select('id', 'type', 'order_id');
      expect(expected.map((e) => e.type)).toEqual(['order.issued', 'order.issued', 'order.issued', 'order.lifted']);

      // Bounded: each round either delivers or backs off; the clock is moved past the backoff, never slept.
      for (let round = 0; round < 20; round++) {
        await t.app.deliveries.drain();
        if ((await t.db('webhook_outbox').where({ department: 'mof', status: 'pending' })).length === 0) break;
        t.clock.set(new Date(t.clock.now().getTime() + 3_600_000));
      }
      expect(r.got.slice(0, 3).every((g) => g.id === expected[0]?.id)).toBe(true); // the head event retried, the rest waited
      const firstDelivery = new Map<string, number>();
      r.got.forEach((g, i) => firstDelivery.has(g.id) || firstDelivery.set(g.id, i));
      expect([...firstDelivery.keys()]).toEqual(expected.map((e) => e.id));
      expect(r.got.every((g) => g.standardOk && g.legacyOk)).toBe(true);
      expect(r.got.find((g) => g.type === 'order.lifted')?.orderId).toBe(expected[3]?.order_id);
      const log = await t
        .db('webhook_delivery_attempts')
        .whereIn(
          'event_id',
          expected.map((e) => e.id),
        )
        .orderBy('id');
      expect(log.map((a) => a.status_code)).toEqual([500, 500, 500, 204, 204, 204, 204]);
      expect(await t.db('webhook_outbox').where({ id: expected[0]?.id }).first()).toMatchObject({
        status: 'delivered',
        attempts: 4,
      });
    } finally {
      await r.close();
    }
  });

  it('an event being delivered when the worker stops is delivered again by the next worker; nothing is lost', async () => {
    const r = await receiver(SECRET);
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      r.setResponder(() => 'hang');
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const pending: { id: string }[] = await t
        .db('webhook_outbox')
        .where({ department: 'mof', status: 'pending' })
        .orderBy('seq')
        .select('id');
      expect(pending).toHaveLength(2);

      const first = new DeliveryWorker({
        store: new DeliveryStore(t.db),
        clock: t.clock,
        log: pino({ level: 'silent' }),
        secrets: secretBoxProvider(t.db, t.config.webhookSecretKey),
        guard: new WebhookTargetGuard(['127.0.0.1']),
      });
      const arrived = r.received(1);
      first.start(10);
      await arrived; // the POST is at the receiver, unanswered
      await first.stop();
      expect(await t.db('webhook_outbox').where({ id: pending[0]?.id }).first()).toMatchObject({
        status: 'pending',
        attempts: 0,
      });

      // "restart": another worker (the app's own) picks everything up
      r.setResponder(() => 'ok');
      await t.app.deliveries.drain();
      expect(await t.db('webhook_outbox').where({ department: 'mof', status: 'pending' })).toHaveLength(0);
      const ids = r.got.map((g) => g.id);
      expect(ids[0]).toBe(pending[0]?.id);
      expect(ids.filter((id) => id === pending[0]?.id)).toHaveLength(2); // at least once: re-sent with the same id
      expect([...new Set(ids)]).toEqual(pending.map((p) => p.id));
      expect(r.got.every((g) => g.standardOk)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('Standard Webhooks signature over id, time and body; whsec_ secrets decode; old timestamps fail', async () => {
    const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const r = await receiver(whsec);
    const late = await receiver(whsec);
    try {
      const tooShort = { url: 'https://93.184.215.14/x', secret: 'whsec_c2hvcnQ=' };
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send(tooShort).expect(400);
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: whsec }).expect(200);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const [event] = await t.db('webhook_outbox').where({ department: 'mof', status: 'pending' }).pluck('id');
      await t.app.deliveries.drain();
      expect(r.got).toHaveLength(1);
      const got = r.got[0] as (typeof r.got)[0];
      expect(got.standardOk).toBe(true);
      expect(got.headers['webhook-id']).toBe(event);
      expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
      // the timestamp is signed: the same delivery with another timestamp does not verify
      const replayed = {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-signature': String(got.headers['webhook-signature']),
        'webhook-timestamp': String(Number(got.headers['webhook-timestamp']) - 1),
      };
      const original = { ...replayed, 'webhook-timestamp': String(got.headers['webhook-timestamp']) };
      expect(() => new Webhook(whsec).verify(got.raw, original)).not.toThrow();
      expect(() => new Webhook(whsec).verify(got.raw, replayed)).toThrow(WebhookVerificationError);

      // a delivery signed 6 minutes ago (a worker whose wall clock says so) is refused by the receiver's library
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: late.url, secret: whsec }).expect(200);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const stale = new DeliveryWorker({
        store: new DeliveryStore(t.db),
        clock: t.clock,
        log: pino({ level: 'silent' }),
        secrets: secretBoxProvider(t.db, t.config.webhookSecretKey),
        guard: new WebhookTargetGuard(['127.0.0.1']),
        wallClock: () => new Date(Date.now() - 6 * 60_000),
      });
      await stale.drain();
      expect(late.got).toHaveLength(1);
      expect(late.got[0]?.standardOk).toBe(false);
    } finally {
      await r.close();
      await late.close();
    }
  });
});
