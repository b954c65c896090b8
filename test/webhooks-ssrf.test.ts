import pino from 'pino';
import { loadConfig } from '../src/config';
import { DeliveryStore } from '../src/webhooks/delivery-store';
import { DeliveryWorker } from '../src/webhooks/delivery-worker';
import { WebhookTargetGuard, WebhookTargetRefused } from '../src/webhooks/target-guard';
import { secretBoxProvider } from '../src/webhooks/webhook-service';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { startReceiver } from './support/webhook-receiver';

const SECRET = 'ssrf-test-webhook-secret-0123456789';

/** A resolver the test controls: name → addresses, answered in turn (the last one sticks). */
function fakeDns(answers: Record<string, string[][]>) {
  const calls: Record<string, number> = {};
  return async (host: string) => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const i = Math.min(calls[host] ?? 0, list.length - 1);
    calls[host] = (calls[host] ?? 0) + 1;
    return (list[i] as string[]).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('webhook targets: private, loopback, link-local and metadata addresses are refused', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No allow-list: what a production instance does by default.
    t = await startTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '' } });
  });
  afterAll(() => t.close());

  const refused = [
    'http://localhost:8080/hook',
    'http://2130706433/hook',
    'http://0x7f.0.0.1/hook',
    'http://127.1/hook',
    'http://0177.0.0.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a9fe:a9fe]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://10.1.2.3/hook',
    'http://172.16.0.1/hook',
    'http://192.168.1.10/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'https://224.0.0.1/hook',
  ];

  it.each(refused)('PUT webhook %s → 400 problem+json naming url', async (url) => {
    const res = await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url, secret: SECRET }).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringMatching(/^回调地址被拒绝：/) }]);
    expect(await t.count('webhooks', { department: 'mof' })).toBe(0);
  });

  it('a public address is accepted', async () => {
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(ADMIN)
      .send({ url: 'https://93.184.215.14/hooks', secret: SECRET })
      .expect(200);
    await t.http
      .put('/v1/departments/mof/webhook')
      .set(ADMIN)
      .send({ url: 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/h', secret: SECRET })
      .expect(200);
  });

  it('WEBHOOK_ALLOWED_HOSTS admits what the operator names, and nothing else', async () => {
    const t2 = await startTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: 'localhost, 10.20.0.0/16, [::1]' } });
    try {
      const put = (url: string) => t2.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url, secret: SECRET });
      await put('http://localhost:9/hook').expect(200);
      await put('http://10.20.3.4/hook').expect(200);
      await put('http://[::1]:9/hook').expect(200);
      await put('http://10.21.0.1/hook').expect(400);
      await put('http://127.0.0.1/hook').expect(400);
    } finally {
      await t2.close();
    }
    expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: 'ok.example, 10.0.0.0/99' })).toThrow(
      /WEBHOOK_ALLOWED_HOSTS: "10.0.0.0\/99"/,
    );
  });
});

describe('WebhookTargetGuard', () => {
  it('judges every address a name resolves to: one private answer among public ones refuses it', async () => {
    const guard = new WebhookTargetGuard(
      [],
      fakeDns({ 'mixed.example': [['93.184.215.14', '127.0.0.1']], 'ok.example': [['93.184.215.14']] }),
    );
    await expect(guard.check(new URL('https://mixed.example/h'))).rejects.toThrow(
      /mixed\.example resolves to 127\.0\.0\.1.*loopback/,
    );
    await expect(guard.check(new URL('https://ok.example/h'))).resolves.toBeUndefined();
    await expect(guard.check(new URL('https://nowhere.example/h'))).rejects.toBeInstanceOf(WebhookTargetRefused);
  });

  it('the socket look-up refuses a name that now resolves privately (DNS rebinding)', async () => {
    const guard = new WebhookTargetGuard([], fakeDns({ 'rebind.example': [['93.184.215.14'], ['169.254.169.254']] }));
    await guard.check(new URL('https://rebind.example/h')); // registration: public
    const looked = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guard.lookup('rebind.example', { all: true }, (err, address) => resolve({ err, address })),
    );
    expect(looked.err).toBeInstanceOf(WebhookTargetRefused);
    expect(looked.err?.message).toMatch(/169\.254\.169\.254.*linkLocal/);
  });
});

describe('webhook targets at delivery time', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  const worker = (guard: WebhookTargetGuard) =>
    new DeliveryWorker({
      store: new DeliveryStore(t.db),
      clock: t.clock,
      log: pino({ level: 'silent' }),
      secrets: secretBoxProvider(t.db, t.config.webhookSecretKey),
      guard,
    });

  it('a name that resolved publicly and now resolves to 127.0.0.1 is not called; the attempt says why', async () => {
    const r = await startReceiver(SECRET);
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      // As if registered while rebind.test answered with a public address; now it answers 127.0.0.1.
      const port = new URL(r.url).port;
      await t
        .db('webhooks')
        .where({ department: 'mof' })
        .update({ url: `http://rebind.test:${port}/hooks/orders` });
      const dnsNow = fakeDns({ 'rebind.test': [['127.0.0.1']] });

      const refused = await worker(new WebhookTargetGuard([], dnsNow)).drain();
      expect(refused).toMatchObject({ delivered: 0, failed: 1 });
      expect(r.got).toHaveLength(0);
      const attempt = await t.db('webhook_delivery_attempts').orderBy('id', 'desc').first();
      expect(attempt).toMatchObject({
        status_code: null,
        error: expect.stringMatching(/^refused: rebind\.test resolves to 127\.0\.0\.1/),
      });

      // The same worker with 127.0.0.1 allowed connects: so the connection goes where the guard's look-up said
      // (rebind.test exists in no real DNS).
      t.clock.set(new Date(t.clock.now().getTime() + 3_600_000));
      const allowed = await worker(new WebhookTargetGuard(['127.0.0.1'], dnsNow)).drain();
      expect(allowed).toMatchObject({ delivered: 1, failed: 0 });
      expect(r.got).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('an address literal no longer allowed is refused at delivery too', async () => {
    const r = await startReceiver(SECRET);
    try {
      await t.http.put('/v1/departments/mof/webhook').set(ADMIN).send({ url: r.url, secret: SECRET }).expect(200);
      await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
      const result = await worker(new WebhookTargetGuard([])).drain();
      expect(result).toMatchObject({ delivered: 0, failed: 1 });
      expect(r.got).toHaveLength(0);
      const attempt = await t.db('webhook_delivery_attempts').orderBy('id', 'desc').first();
      expect(attempt?.error).toMatch(/^refused: 127\.0\.0\.1 is not a public address \(loopback\)/);
    } finally {
      await r.close();
    }
  });
});
