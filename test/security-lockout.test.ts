import os from 'node:os';
import { loadConfig } from '../src/config';
import { startService } from './support/service-process';
import { ADMIN, createTestDatabase, startTestApp, TEST_WEBHOOK_KEY, type TestApp } from './support/test-app';

const LIMIT = 3;
const bad = (n: number) => ({ Authorization: `Bearer not-a-token-${n}-0123456789abcdef` });

/** Issue 21: the failed-authentication limit hurts the guesser only. */
describe('failed authentications from one address', () => {
  describe('without TRUST_PROXY (the default): the address is the connection', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { AUTH_FAILURE_LIMIT: String(LIMIT) } });
    });
    afterAll(() => t.close());

    it('past the limit, unknown tokens get 429; valid department and administrator tokens from the same address still work', async () => {
      const mof = await t.tokenFor('mof');
      for (let i = 0; i < LIMIT; i++) await t.http.get('/v1/me').set(bad(i)).expect(401);
      const refused = await t.http.get('/v1/me').set(bad(99)).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      await t.http.get('/v1/me').set(mof).expect(200);
      await t.http.get('/v1/me').set(ADMIN).expect(200);
      // a token created after the lock-out (not remembered by anything yet) works too, and so does a batch upload
      const samr = await t.tokenFor('samr');
      await t.http.get('/v1/me').set(samr).expect(200);
      await t.http
        .post('/v1/list-entries/batch')
        .set(samr)
        .send({ items: [] })
        .expect((r) => {
          expect(r.status).not.toBe(429);
          expect(r.status).not.toBe(401);
        });
      // no token at all is not a guess: 401, as before
      await t.http.get('/v1/me').expect(401);
      // X-Forwarded-For is not believed: a guesser cannot pose as another address
      await t.http.get('/v1/me').set(bad(100)).set('X-Forwarded-For', '203.0.113.77').expect(429);
    });
  });

  describe('with TRUST_PROXY naming the load balancer: the address is the client it reports', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { AUTH_FAILURE_LIMIT: String(LIMIT), TRUST_PROXY: 'loopback' } });
    });
    afterAll(() => t.close());

    it('one client behind the gateway locks out only itself', async () => {
      const guesser = { 'X-Forwarded-For': '203.0.113.5' };
      const neighbour = { 'X-Forwarded-For': '203.0.113.6' };
      for (let i = 0; i < LIMIT; i++) await t.http.get('/v1/me').set(guesser).set(bad(i)).expect(401);
      await t.http.get('/v1/me').set(guesser).set(bad(50)).expect(429);
      // another client behind the same gateway still gets plain 401s for its own mistakes
      await t.http.get('/v1/me').set(neighbour).set(bad(51)).expect(401);
      const mof = await t.tokenFor('mof');
      await t.http.get('/v1/me').set(guesser).set(mof).expect(200);
    });
  });

  it('TRUST_PROXY accepts hops, addresses, ranges and presets; refuses "true" and nonsense, naming the variable', () => {
    const base = { ADMIN_TOKEN: 'x'.repeat(20) };
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, loopback, 192.0.2.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
      '192.0.2.1',
    ]);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'gateway.example' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig(base).host).toBeUndefined();
    expect(loadConfig({ ...base, HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...base, HOST: '[::1]' }).host).toBe('::1');
    expect(() => loadConfig({ ...base, HOST: 'not a host' })).toThrow(/HOST/);
  });
});

describe('HOST: the address the HTTP server listens on', () => {
  it('HOST=127.0.0.1 answers on loopback only; the log names the address', async () => {
    const database = await createTestDatabase();
    try {
      const s = await startService({
        DATABASE_URL: database.url,
        ID_HASH_KEY: 'test-id-hash-key-0123456789abcdef0123',
        WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
        JOBS_ENABLED: 'false',
        WEBHOOKS_ENABLED: 'false',
        HOST: '127.0.0.1',
      });
      try {
        const line = await s.waitForLog(/joint-punishment service listening/);
        expect(line.address).toMatchObject({ address: '127.0.0.1' });
        const port = (line.address as { port: number }).port;
        const external = Object.values(os.networkInterfaces())
          .flat()
          .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
        if (external) {
          const res = await fetch(`http://${external}:${port}/healthz`).catch((e: Error) => e);
          expect(res instanceof Response).toBe(false);
        } else console.info('no non-loopback IPv4 interface here: only the bound address was checked');
        expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
      } finally {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    } finally {
      await database.drop();
    }
  }, 180_000);
});
