import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  type: string;
  orderId: string;
  /** webhook-signature verified by the standardwebhooks package (id, timestamp and body; 5-minute tolerance). */
  standardOk: boolean;
  /** The deprecated X-Signature (body only) verified. */
  legacyOk: boolean;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

export type Answer = 'ok' | 'fail' | 'hang';

/** The standardwebhooks key for a department secret that is not in whsec_ form: its UTF-8 bytes, base64. */
export function standardSecret(secret: string): string {
  return secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/**
 * A receiver on 127.0.0.1 that verifies what it gets the way a department would. `respond` decides each answer
 * ('fail' = 500, 'hang' = never, 'ok' = 204) and may take its time (a promise) to play a slow receiver.
 */
export async function startReceiver(secret: string) {
  const got: Received[] = [];
  const verifier = new Webhook(standardSecret(secret));
  let respond: (n: number, r: Received) => Answer | Promise<Answer> = () => 'ok';
  const waiters: { n: number; resolve: () => void }[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { id: string; type: string; data: { order: { id: string } } };
      let standardOk = false;
      try {
        verifier.verify(raw, req.headers as Record<string, string>);
        standardOk = true;
      } catch {
        standardOk = false;
      }
      const legacyOk =
        req.headers['x-signature'] === `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      const r: Received = {
        id: body.id,
        type: body.type,
        orderId: body.data.order.id,
        standardOk,
        legacyOk,
        headers: req.headers,
        raw,
      };
      got.push(r);
      const count = ++n;
      for (const w of waiters.filter((x) => x.n <= count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      void Promise.resolve(respond(count, r)).then((what) => {
        if (what === 'hang') return;
        res.statusCode = what === 'ok' ? 204 : 500;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/orders`,
    got,
    setResponder(f: (n: number, r: Received) => Answer | Promise<Answer>) {
      respond = f;
    },
    /** Resolves when the receiver has had `count` requests in all. */
    received: (count: number) =>
      new Promise<void>((resolve) => {
        if (n >= count) return resolve();
        waiters.push({ n: count, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
