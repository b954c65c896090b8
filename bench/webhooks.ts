import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { projectRoot } from '../src/paths';
import { systemClock } from '../src/time/clock';
import { DeliveryStore, DUE_DEPARTMENTS_SQL } from '../src/webhooks/delivery-store';
import { DeliveryWorker } from '../src/webhooks/delivery-worker';
import { HttpSender } from '../src/webhooks/http-sender';
import { SecretBox } from '../src/webhooks/secret-box';
import { signBody, signingKey, standardSignature } from '../src/webhooks/signature';
import { WebhookTargetGuard } from '../src/webhooks/target-guard';
import { secretBoxProvider } from '../src/webhooks/webhook-service';
import { seedOutbox, seedWebhooks } from './webhook-seed';
import { stop } from './service-process';

/** The five departments of the measurement in issue 9 (a 20,000-row import with five departments subscribed). */
const DEPARTMENTS = ['mof', 'ndrc', 'mnr', 'pbc', 'sat'];
const SECRET = 'bench-webhook-secret-0123456789';
/** The key that seals the seeded secrets, as WEBHOOK_SECRET_KEY would be (keys never live in the database). */
const SEAL_KEY = randomBytes(32).toString('base64url');

export interface WebhookBench {
  lines: string[];
  notes: string[];
}

/**
 * Webhook delivery with `events` queued (default 150,000 over five departments) to a receiver process on
 * 127.0.0.1 that answers 204 at once:
 *  - picking the due departments (EXPLAIN ANALYZE of the statement the worker runs) with everything pending;
 *  - events delivered per second by the worker (lease, POST each event signed, record) until the queue is empty,
 *    against the baseline: the same signed bodies POSTed by the same HTTP client, one stream per department,
 *    with no database at all;
 *  - isolation: a department's 100 events while another department's receiver takes 9.5 s per answer.
 */
export async function benchWebhooks(url: string, events: number, log: (m: string) => void): Promise<WebhookBench> {
  const receiver = await startReceiver();
  const db = createDb(url, { max: 10 });
  const guard = new WebhookTargetGuard(['127.0.0.1']);
  try {
    await migrateToLatest(db);
    const box = new SecretBox(SEAL_KEY);
    const base = `http://127.0.0.1:${receiver.port}`;
    const at = new Date();
    await seedWebhooks(db, DEPARTMENTS, (d) => `${base}/${d}`, box.seal(SECRET), at);
    const perDepartment = Math.ceil(events / DEPARTMENTS.length);
    log(`webhooks: queueing ${perDepartment * DEPARTMENTS.length} events for ${DEPARTMENTS.length} departments`);
    await seedOutbox(db, DEPARTMENTS, perDepartment, at);
    const queued = perDepartment * DEPARTMENTS.length;

    const pickMs = await explainMs(db);
    log(`webhooks: picking the due departments takes ${pickMs.toFixed(2)} ms with ${queued} pending`);

    // The baseline is measured before and after the worker's run and averaged: this machine's load drifts.
    log('webhooks: raw POSTs of the same bodies, one stream per department (baseline, first half)');
    const rawBodies = await queuedEvents(db, Math.min(queued, 50_000));
    const raw1 = await rawPosts(guard, base, rawBodies.slice(0, rawBodies.length / 2));

    log(`webhooks: delivering ${queued} events`);
    const worker = new DeliveryWorker({
      store: new DeliveryStore(db),
      clock: systemClock,
      log: pino({ level: 'warn' }),
      secrets: secretBoxProvider(db, SEAL_KEY),
      guard,
    });
    const started = performance.now();
    const result = await worker.drain();
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    const left = Number((await db('webhook_outbox').where({ status: 'pending' }).count({ n: '*' }))[0]?.n);
    if (result.delivered !== queued || left !== 0)
      throw new Error(`delivered ${result.delivered} of ${queued}; ${left} left pending`);
    const rate = queued / seconds;
    // Again with the queue delivered: the probe then walks past the index entries of delivered rows until vacuum.
    const pickAfterMs = await explainMs(db);
    log('webhooks: raw POSTs (baseline, second half)');
    const raw2 = await rawPosts(guard, base, rawBodies.slice(rawBodies.length / 2));
    const raw = {
      posts: raw1.posts + raw2.posts,
      seconds: raw1.seconds + raw2.seconds,
      rate: (raw1.posts + raw2.posts) / (raw1.seconds + raw2.seconds),
    };

    log('webhooks: one department with a receiver that takes 9.5 s per answer, another with 100 events');
    const isolation = await slowNeighbour(db, guard, base);

    const f = (x: number) => Math.round(x).toLocaleString('en-US');
    return {
      lines: [
        `| webhook delivery, events/s with ${f(queued)} queued (${DEPARTMENTS.length} departments) | ${f(rate)} ` +
          `| ${f(raw.rate)} (raw POSTs, no database) | ${((100 * rate) / raw.rate).toFixed(0)}% | |`,
        `| webhook pick of the due departments, ms with ${f(queued)} pending (and once all are delivered) ` +
          `| ${pickMs.toFixed(2)} (${pickAfterMs.toFixed(2)}) | | | O(departments) |`,
        `| webhook isolation: 100 events of one department, s, while another's receiver takes 9.5 s per answer ` +
          `| ${isolation.toFixed(2)} | | | not delayed |`,
      ],
      notes: [
        `webhooks: ${f(queued)} events (${f(perDepartment)} per department, ~${f(await meanBody(db))}-byte bodies) ` +
          `delivered in ${seconds.toFixed(1)} s, ${result.claimed} department leases; baseline ${f(raw.posts)} POSTs ` +
          `in ${raw.seconds.toFixed(1)} s (half before, half after the worker); receiver: a separate Node process on ` +
          '127.0.0.1 answering 204',
      ],
    };
  } finally {
    await db.destroy();
    await stop(receiver.child);
  }
}

/** The pick statement's own execution time (EXPLAIN ANALYZE, rolled back: it locks rows). */
async function explainMs(db: Db): Promise<number> {
  const trx = await db.transaction();
  try {
    await trx.raw(`explain (analyze) ${DUE_DEPARTMENTS_SQL}`, { now: new Date(), limit: 16, busy: [] }); // warm
    const { rows } = await trx.raw(`explain (analyze, format json) ${DUE_DEPARTMENTS_SQL}`, {
      now: new Date(),
      limit: 16,
      busy: [],
    });
    return (rows[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]?.['Execution Time'] as number;
  } finally {
    await trx.rollback();
  }
}

interface QueuedEvent {
  id: string;
  department: string;
  type: string;
  occurred_at: Date;
  data: unknown;
}

/** The first `count` events, read before the baseline's clock runs (the baseline has no database). */
async function queuedEvents(db: Db, count: number): Promise<QueuedEvent[]> {
  return db('webhook_outbox').orderBy('seq').limit(count).select('id', 'department', 'type', 'occurred_at', 'data');
}

/**
 * The baseline: what the worker does per event without the database: the body serialised, signed (both headers)
 * and POSTed by the same HTTP client, one sequential stream per department.
 */
async function rawPosts(
  guard: WebhookTargetGuard,
  base: string,
  events: QueuedEvent[],
): Promise<{ rate: number; posts: number; seconds: number }> {
  const sender = new HttpSender(guard);
  const stop = new AbortController().signal;
  const key = signingKey(SECRET);
  const streams = DEPARTMENTS.map((d) => events.filter((e) => e.department === d));
  const started = performance.now();
  await Promise.all(
    streams.map(async (stream) => {
      for (const e of stream) {
        const body = JSON.stringify({
          id: e.id,
          type: e.type,
          occurredAt: new Date(e.occurred_at).toISOString(),
          data: e.data,
        });
        const headers = {
          'Content-Type': 'application/json',
          ...standardSignature(key, e.id, new Date(), body),
          'X-Signature': signBody(body, SECRET),
        };
        const r = await sender.post(`${base}/${e.department}`, headers, body, stop, 10_000);
        if (!r.ok) throw new Error(`baseline POST failed: ${r.error}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  sender.close();
  return { rate: events.length / seconds, posts: events.length, seconds };
}

/**
 * Seconds from the worker's start until a department's 100 events are all delivered, while another department's
 * receiver answers after 9.5 s (each of its 3 events). Before this design: 39 s (issue 9), with a round waiting for
 * its slowest receiver.
 */
async function slowNeighbour(db: Db, guard: WebhookTargetGuard, base: string): Promise<number> {
  const at = new Date();
  await db('webhooks')
    .update({ url: db.raw(`? || '/slow/' || department`, [base]) })
    .where({ department: 'sat' });
  await seedOutbox(db, ['sat'], 3, at);
  await seedOutbox(db, ['mof'], 100, at);
  const worker = new DeliveryWorker({
    store: new DeliveryStore(db),
    clock: systemClock,
    log: pino({ level: 'silent' }),
    secrets: secretBoxProvider(db, SEAL_KEY),
    guard,
  });
  const started = performance.now();
  worker.start(50);
  try {
    for (;;) {
      const left = Number(
        (await db('webhook_outbox').where({ department: 'mof', status: 'pending' }).count({ n: '*' }))[0]?.n,
      );
      if (left === 0) return (performance.now() - started) / 1000;
      if (performance.now() - started > 60_000) throw new Error('the fast department was not served within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await worker.stop();
  }
}

async function meanBody(db: Db): Promise<number> {
  const row = await db('webhook_outbox')
    .avg({ n: db.raw('octet_length(data::text)') })
    .first();
  return Number(row?.n ?? 0) + 100;
}

async function startReceiver(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench/webhook-receiver.ts')], {
    cwd: projectRoot,
    env: { ...process.env, SLOW_MS: '9500' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, port };
}
