import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 21: the large-batch slots are per authority, so one authority's slow uploads refuse no one else's. */
describe('large batch uploads', () => {
  let t: TestApp;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    server = t.app.express.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  /** A POST announcing a 2 MB JSON body; `body` is what is sent of it now (the rest never, unless complete). */
  const post = (auth: string, body: string, length = body.length) => {
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/v1/list-entries/batch',
      headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': String(length) },
    });
    const answered = new Promise<number>((resolve) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode as number);
      });
      // a request this test cuts off (or the server closes after answering) ends here
      req.on('error', () => resolve(-1));
    });
    req.write(body);
    return { req, answered };
  };

  it('a third slow upload of one authority is 503; another authority is read meanwhile', async () => {
    const samr = (await t.tokenFor('samr')).Authorization;
    const spc = (await t.tokenFor('spc')).Authorization;
    const slow = [post(samr, '[', 2_000_000), post(samr, '[', 2_000_000)];
    await new Promise((r) => setTimeout(r, 300)); // both are being read
    const third = post(samr, '[', 2_000_000);
    expect(await third.answered).toBe(503);
    // spc's large (2 MB of white space around an empty array) batch is read and answered
    const big = `[${' '.repeat(2_000_000)}]`;
    const other = post(spc, big);
    other.req.end();
    expect(await other.answered).not.toBe(503);
    for (const s of slow) s.req.destroy();
    third.req.destroy();
  });
});
