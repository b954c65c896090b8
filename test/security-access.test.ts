import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import pino from 'pino';
import { createApp } from '../src/app';
import { primaryOnly } from '../src/db/knex';
import { createHttpServer } from '../src/http/http-server';
import { createPersonKeyer } from '../src/identity/person-key';
import { ManualClock } from '../src/time/clock';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry } from './support/factories';

describe('who sees what, and tokens that can be listed, revoked and expire', () => {
  let t: TestApp;
  const wall = new ManualClock(new Date('2026-11-22T00:00:00Z'));
  beforeAll(async () => {
    t = await startTestApp({ wallClock: wall });
  });
  afterAll(() => t.close());

  it('an entry shows a department only its own orders; the list authority, a supervisor and the administrator see all', async () => {
    const samr = await t.tokenFor('samr');
    const entry = enterpriseEntry();
    const created = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const all = (created.body.orders as { department: string }[]).map((o) => o.department).sort();
    expect(all).toEqual(expect.arrayContaining(['mof', 'mnr']));

    const mof = await t.tokenFor('mof');
    const viaId = await t.http.get(`/v1/list-entries/${created.body.id}`).set(mof).expect(200);
    expect(viaId.body.orders.map((o: { department: string }) => o.department)).toEqual(['mof']);
    const viaUscc = await t.http
      .get('/v1/list-entries')
      .query({ uscc: entry.subject.kind === 'enterprise' ? entry.subject.uscc : '' })
      .set(mof)
      .expect(200);
    expect(viaUscc.body.items[0].orders.map((o: { department: string }) => o.department)).toEqual(['mof']);

    const cac = await t.tokenFor('cac');
    const none = await t.http.get(`/v1/list-entries/${created.body.id}`).set(cac).expect(200);
    expect(none.body.orders.filter((o: { department: string }) => o.department !== 'cac')).toEqual([]);

    for (const who of [samr, await t.tokenFor('ndrc'), ADMIN]) {
      const res = await t.http.get(`/v1/list-entries/${created.body.id}`).set(who).expect(200);
      expect(res.body.orders.map((o: { department: string }) => o.department).sort()).toEqual(all);
    }
  });

  it('a token remembered as valid is forgotten when its row changes, whoever changes it (here: plain SQL)', async () => {
    const made = await t.http.post('/v1/departments/mof/tokens').set(ADMIN).send({ label: 'sql' }).expect(201);
    const mof = { Authorization: `Bearer ${made.body.token}` };
    await t.http.get('/v1/orders').set(mof).expect(200);
    await t.http.get('/v1/orders').set(mof).expect(200); // now answered from the remembered token
    // Not through the API, so nothing in this process knows of it but the notification the trigger sends.
    await t.db('api_tokens').where({ id: made.body.id }).update({ revoked_at: new Date() });
    expect(await t.app.subjectIndex.sync()).toBe(true);
    await t.http.get('/v1/orders').set(mof).expect(401);
  });

  it('tokens are listed without the token, revoked at once on every instance, and audited with their id', async () => {
    const made = await t.http.post('/v1/departments/mof/tokens').set(ADMIN).send({ label: 'procurement' }).expect(201);
    expect(new Date(made.body.expiresAt).getTime() - wall.now().getTime()).toBe(365 * 24 * 3600 * 1000);
    const mof = { Authorization: `Bearer ${made.body.token}` };
    await t.http.get('/v1/orders').set(mof).expect(200);

    // A second instance on the same database, as in production behind a load balancer.
    const other = createApp({
      config: t.config,
      databases: primaryOnly(t.db),
      rules: t.rules,
      keyOf: createPersonKeyer('test-id-hash-key-0123456789abcdef0123'),
      clock: t.clock,
      wallClock: wall,
      log: pino({ level: 'silent' }),
    });
    const otherHttp = supertest(other.express);
    await otherHttp.get('/v1/orders').set(mof).expect(200);
    try {
      const listed = await t.http.get('/v1/departments/mof/tokens').set(ADMIN).expect(200);
      const mine = listed.body.items.find((i: { id: string }) => i.id === made.body.id);
      expect(mine).toMatchObject({
        id: made.body.id,
        department: 'mof',
        label: 'procurement',
        revokedAt: null,
        expiresAt: made.body.expiresAt,
      });
      expect(mine.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
      await t.http.get('/v1/departments/mof/tokens').set(mof).expect(403);

      await t.http.delete(`/v1/departments/mof/tokens/${made.body.id}`).set(ADMIN).expect(204);
      await t.http.get('/v1/orders').set(mof).expect(401);
      await otherHttp.get('/v1/orders').set(mof).expect(401);
    } finally {
      await other.close();
    }
    await t.http.delete(`/v1/departments/mof/tokens/${made.body.id}`).set(ADMIN).expect(204);
    await t.http.delete(`/v1/departments/mnr/tokens/${made.body.id}`).set(ADMIN).expect(404);

    const audit = await t.db('audit_log').where({ entity_id: made.body.id }).orderBy('id').select('action', 'actor');
    expect(audit).toEqual([
      { action: 'token.created', actor: 'admin' },
      { action: 'token.revoked', actor: 'admin' },
    ]);

    // A department's own writes name the token that made them.
    const samrToken = await t.http.post('/v1/departments/samr/tokens').set(ADMIN).send({}).expect(201);
    const entry = await t.http
      .post('/v1/list-entries')
      .set({ Authorization: `Bearer ${samrToken.body.token}` })
      .send(enterpriseEntry())
      .expect(201);
    const row = await t
      .db('audit_log')
      .where({ entity_id: entry.body.id, action: 'entry.created' })
      .first('actor', 'token_id');
    expect(row).toEqual({ actor: 'samr', token_id: samrToken.body.id });
  });

  it('a token stops working at its expiresAt (real time, not the service clock)', async () => {
    const expiresAt = new Date(wall.now().getTime() + 24 * 3600 * 1000).toISOString();
    const made = await t.http.post('/v1/departments/mof/tokens').set(ADMIN).send({ expiresAt }).expect(201);
    expect(made.body.expiresAt).toBe(expiresAt);
    const mof = { Authorization: `Bearer ${made.body.token}` };
    await t.http.get('/v1/orders').set(mof).expect(200);
    t.clock.advanceDays(400);
    await t.http.get('/v1/orders').set(mof).expect(200);
    wall.advanceDays(1);
    await t.http.get('/v1/orders').set(mof).expect(401);
    await t.http.post('/v1/departments/mof/tokens').set(ADMIN).send({ expiresAt: '2000-01-01T00:00:00Z' }).expect(400);
  });

  it('an address that keeps failing authentication is refused with 429 and Retry-After; a valid token from it is not', async () => {
    const freshWall = new ManualClock(new Date('2026-11-22T00:00:00Z'));
    const fresh = await startTestApp({ wallClock: freshWall });
    try {
      const good = await fresh.tokenFor('mof');
      let status = 0;
      let tries = 0;
      while (status !== 429 && tries < 100) {
        tries += 1;
        status = (await fresh.http.get('/v1/orders').set('Authorization', `Bearer guess-${tries}`)).status;
      }
      expect(tries).toBe(21);
      const limited = await fresh.http.get('/v1/orders').set('Authorization', 'Bearer guess-next');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      // the guesser's failures never lock out a department behind the same address (issue 21)
      await fresh.http.get('/v1/orders').set(good).expect(200);
      freshWall.set(new Date(freshWall.now().getTime() + 61_000));
      expect((await fresh.http.get('/v1/orders').set('Authorization', 'Bearer guess-later')).status).toBe(401);
    } finally {
      await fresh.close();
    }
  });
});

describe('connections and bodies', () => {
  let t: TestApp;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    server = createHttpServer(t.app.express, {
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      keepAliveTimeoutMs: 200,
      checkIntervalMs: 50,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  /** Opens a raw connection, writes `first`, then waits; resolves with what the server said and when it hung up. */
  const trickle = (first: string, waitMs: number) =>
    new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1', () => socket.write(first));
      let text = '';
      socket.on('data', (d) => (text += String(d)));
      const timer = setTimeout(() => socket.destroy(), waitMs);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, closedAfterMs: Date.now() - started });
      });
    });

  it('a slow-header connection is cut after headersTimeout', async () => {
    const res = await trickle('GET /v1/departments HTTP/1.1\r\nHost: x\r\n', 3000);
    expect(res.closedAfterMs).toBeLessThan(2000);
    expect(res.text).toMatch(/^HTTP\/1.1 408/);
  });

  it('an unauthenticated large batch is refused on its headers, before its body is read', async () => {
    const res = await trickle(
      `POST /v1/list-entries/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 47185920\r\n\r\n[`,
      3000,
    );
    expect(res.text).toMatch(/^HTTP\/1.1 401/);
    expect(res.text).toContain('application/problem+json');
  });

  it('the administrator and departments that are no list authority are refused before the body too', async () => {
    const mof = await t.tokenFor('mof');
    for (const auth of [ADMIN.Authorization, mof.Authorization]) {
      const res = await trickle(
        `POST /v1/list-entries/batch HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: text/csv\r\nContent-Length: 47185920\r\n\r\nlistType`,
        3000,
      );
      expect(res.text).toMatch(/^HTTP\/1.1 403/);
    }
  });
});
