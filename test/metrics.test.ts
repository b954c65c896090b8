import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { endOfChinaYear } from '../src/metrics/db-gauges';
import { startMetricsServer } from '../src/metrics';
import { loadCalendarOverrides, WorkingDayCalendar } from '../src/time/working-days';
import { enterpriseEntry, makeIdNumber, personDebtorEntry, withWrongCheck } from './support/factories';
import { parseSamples, sampleValue } from './support/prometheus-text';
import { startTestApp, type TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const SCRAPER = { Authorization: `Bearer ${METRICS_TOKEN}` };
/** Anything shaped like a 公民身份号码 (17 digits and a check character) or a 统一社会信用代码 (18 characters). */
const ID_NUMBER_SHAPE = /\d{17}[\dXx]/;
const USCC_SHAPE = /[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}/;

describe('GET /metrics', () => {
  let t: TestApp;
  let samr: { Authorization: string };
  let mof: { Authorization: string };
  const scrape = async () => (await t.http.get('/metrics').set(SCRAPER).expect(200)).text;

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
  });
  afterAll(() => t.close());

  it('answers only the metrics token: 401 problem+json without it, with a wrong one or a department one', async () => {
    const none = await t.http.get('/metrics').expect(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.text).not.toMatch(/jp_/);
    await t.http
      .get('/metrics')
      .set({ Authorization: `Bearer ${METRICS_TOKEN}x` })
      .expect(401);
    await t.http.get('/metrics').set(samr).expect(401);
    const ok = await t.http.get('/metrics').set(SCRAPER).expect(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toMatch(/^process_cpu_seconds_total /m);
    expect(ok.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts checks by kind, scenario and answer, and times requests by operation id and status class', async () => {
    const entry = enterpriseEntry();
    const uscc = (entry.subject as { uscc: string }).uscc;
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    const before = await scrape();
    const at = (text: string, labels: Record<string, string>) => sampleValue(text, 'jp_checks_total', labels);

    await t.http.get(`/v1/checks/enterprises/${uscc}`).set(mof).expect(200);
    await t.http.get(`/v1/checks/enterprises/${uscc}?scenario=government_procurement`).set(mof).expect(200);
    await t.http.get('/v1/checks/enterprises/91310110666007217T').set(mof).expect(200);
    await t.http.post('/v1/checks/officers').set(mof).send({ idNumber: makeIdNumber(), role: 'director' }).expect(200);
    await t.http.get(`/v1/checks/enterprises/${uscc}`).expect(401);
    await t.http.get('/v1/no-such-thing').set(mof).expect(404);

    const after = await scrape();
    const moved = (labels: Record<string, string>) => at(after, labels) - at(before, labels);
    expect(moved({ kind: 'enterprise', scenario: 'any', answer: 'restricted' })).toBe(1);
    expect(moved({ kind: 'enterprise', scenario: 'government_procurement', answer: 'restricted' })).toBe(1);
    expect(moved({ kind: 'enterprise', scenario: 'any', answer: 'clear' })).toBe(1);
    expect(moved({ kind: 'officer', scenario: 'director', answer: 'clear' })).toBe(1);
    // each restricted answer left a decision record (issue 11); clean answers without record=true are only counted
    const records = (text: string, answer: string) =>
      sampleValue(text, 'jp_decision_records_total', { kind: 'enterprise', answer });
    expect(records(after, 'restricted') - records(before, 'restricted')).toBe(2);
    expect(records(after, 'clear') - records(before, 'clear')).toBe(0);

    const requests = (text: string, operation: string, cls: string) =>
      sampleValue(text, 'jp_http_request_duration_seconds_count', { operation, status_class: cls });
    expect(requests(after, 'checkEnterprise', '2xx') - requests(before, 'checkEnterprise', '2xx')).toBe(3);
    expect(requests(after, 'checkEnterprise', '4xx') - requests(before, 'checkEnterprise', '4xx')).toBe(1);
    expect(requests(after, 'checkOfficer', '2xx') - requests(before, 'checkOfficer', '2xx')).toBe(1);
    expect(requests(after, 'unmatched', '4xx') - requests(before, 'unmatched', '4xx')).toBe(1);
    expect(
      sampleValue(after, 'jp_http_request_duration_seconds_bucket', {
        operation: 'checkEnterprise',
        status_class: '2xx',
        le: '+Inf',
      }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('counts list entries by list, source and result', async () => {
    const before = await scrape();
    const entry = enterpriseEntry();
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(200);
    const badId = enterpriseEntry({ legalRepId: withWrongCheck(makeIdNumber(), '0123456789X') });
    await t.http.post('/v1/list-entries').set(samr).send(badId).expect(400);
    const batch = [
      enterpriseEntry(),
      entry,
      { ...enterpriseEntry(), decidedAt: 'yesterday' },
      { ...enterpriseEntry(), listType: 'no_such_list' },
    ];
    const res = await t.http.post('/v1/list-entries/batch').set(samr).send(batch).expect(200);
    expect(res.body.summary).toEqual({ created: 1, unchanged: 1, rejected: 2 });

    const after = await scrape();
    const moved = (labels: Record<string, string>) =>
      sampleValue(after, 'jp_list_entries_total', labels) - sampleValue(before, 'jp_list_entries_total', labels);
    expect(moved({ list: 'serious_violation', source: 'api', result: 'created' })).toBe(1);
    expect(moved({ list: 'serious_violation', source: 'api', result: 'unchanged' })).toBe(1);
    expect(moved({ list: 'serious_violation', source: 'api', result: 'rejected' })).toBe(1);
    expect(moved({ list: 'serious_violation', source: 'batch', result: 'created' })).toBe(1);
    expect(moved({ list: 'serious_violation', source: 'batch', result: 'unchanged' })).toBe(1);
    expect(moved({ list: 'serious_violation', source: 'batch', result: 'rejected' })).toBe(1);
    // a list type the caller made up is never a label
    expect(moved({ list: 'unknown', source: 'batch', result: 'rejected' })).toBe(1);
    expect(after).not.toMatch(/no_such_list/);
  });

  it('refreshes orders by department and state, the webhook backlog and job successes from the database', async () => {
    t.clock.set(new Date('2026-03-02T02:00:00Z'));
    await t.subscribe(['ndrc']);
    const created = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const orders = created.body.orders as { id: string; department: string }[];
    const answered = orders.find((o) => o.department === 'mof') as { id: string };
    await t.http.post(`/v1/orders/${answered.id}/feedback`).set(mof).send({ outcome: 'implemented' }).expect(200);

    const state = async (status: string) => {
      await t.app.metrics?.refresh();
      const text = await scrape();
      return { text, n: sampleValue(text, 'jp_orders', { status }) };
    };
    const total = await t.count('orders');
    const issued = await t.count('orders', { status: 'issued' });
    const first = await state('issued');
    expect(first.n).toBe(issued);
    expect(sampleValue(first.text, 'jp_orders', { status: 'implemented' })).toBe(
      await t.count('orders', { status: 'implemented' }),
    );
    expect(sampleValue(first.text, 'jp_orders')).toBe(total);
    expect(sampleValue(first.text, 'jp_orders', { department: 'mof', status: 'implemented' })).toBeGreaterThanOrEqual(
      1,
    );
    // every department has a series for every state, 0 where it has no such order: revoked too (none here)
    for (const status of ['issued', 'overdue', 'escalated', 'implemented', 'not_applicable', 'lifted', 'revoked'])
      expect(first.text).toMatch(new RegExp(`^jp_orders\\{department="mca",status="${status}"\\} \\d+$`, 'm'));
    expect(first.text).toMatch(/^jp_orders\{department="mca",status="revoked"\} 0$/m);
    expect(sampleValue(first.text, 'jp_db_up')).toBe(1);
    expect(sampleValue(first.text, 'jp_webhook_events_pending', { department: 'ndrc' })).toBe(
      await t.count('webhook_outbox', { department: 'ndrc', status: 'pending' }),
    );
    expect(sampleValue(first.text, 'jp_webhook_events_pending', { department: 'ndrc' })).toBeGreaterThan(0);

    // ndrc's receiver (a closed port) refuses: the attempt is counted, and its event is now failing
    const failedBefore = sampleValue(first.text, 'jp_webhook_deliveries_total', {
      department: 'ndrc',
      outcome: 'failed',
    });
    expect((await t.app.deliveries.drain()).failed).toBeGreaterThan(0);
    const failing = await state('issued');
    expect(sampleValue(failing.text, 'jp_webhook_deliveries_total', { department: 'ndrc', outcome: 'failed' })).toBe(
      failedBefore + 1,
    );
    expect(sampleValue(failing.text, 'jp_webhook_events_failing', { department: 'ndrc' })).toBe(1);

    // a day after every deadline: the orders without feedback are overdue, then escalated by the job
    t.clock.set(new Date('2026-04-30T02:00:00Z'));
    const overdue = await state('overdue');
    expect(overdue.n).toBe(issued);
    expect(sampleValue(overdue.text, 'jp_orders', { status: 'issued' })).toBe(0);
    expect(
      sampleValue(overdue.text, 'jp_webhook_oldest_pending_age_seconds', { department: 'ndrc' }),
    ).toBeGreaterThanOrEqual(59 * 86400);

    expect((await t.app.jobs.run('escalate-overdue')).outcome).toBe('succeeded');
    const escalated = await state('escalated');
    expect(escalated.n).toBe(issued);
    expect(sampleValue(escalated.text, 'jp_orders', { status: 'overdue' })).toBe(0);
    expect(sampleValue(escalated.text, 'jp_orders')).toBe(total);
    expect(
      sampleValue(escalated.text, 'jp_job_run_duration_seconds_count', {
        job: 'escalate-overdue',
        outcome: 'succeeded',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(escalated.text, 'jp_job_last_success_timestamp_seconds', { job: 'escalate-overdue' })).toBe(
      new Date('2026-04-30T02:00:00Z').getTime() / 1000,
    );
  });

  it('reports the database pool and the calendar', async () => {
    const text = await scrape();
    const names = new Set(parseSamples(text).map((s) => s.name));
    for (const n of ['jp_db_pool_connections', 'jp_db_pool_waiting', 'jp_calendar_covered_until_timestamp_seconds'])
      expect(names).toContain(n);
    const { lastYear } = new WorkingDayCalendar(loadCalendarOverrides(t.config.rulesDir));
    expect(sampleValue(text, 'jp_calendar_covered_until_timestamp_seconds')).toBe(endOfChinaYear(lastYear));
    expect(new Date(endOfChinaYear(lastYear) * 1000).toISOString()).toBe(`${lastYear}-12-31T16:00:00.000Z`);
  });

  it('carries no ID number and no USCC after traffic that sent both', async () => {
    const idNumber = makeIdNumber();
    const person = personDebtorEntry({ idNumber });
    await t.http
      .post('/v1/list-entries')
      .set(await t.tokenFor('spc'))
      .send(person)
      .expect(201);
    await t.http.post('/v1/checks/officers').set(mof).send({ idNumber, role: 'legal_representative' }).expect(200);
    await t.http.get(`/v1/list-entries?idNumber=${idNumber}`).set(mof).expect(200);
    const entry = enterpriseEntry();
    await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201);
    await t.http
      .get(`/v1/checks/enterprises/${(entry.subject as { uscc: string }).uscc}`)
      .set(mof)
      .expect(200);
    await t.app.metrics?.refresh();
    const text = await scrape();
    expect(text).not.toContain(idNumber);
    expect(text).not.toContain((entry.subject as { uscc: string }).uscc);
    const labelValues = parseSamples(text).flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => ID_NUMBER_SHAPE.test(v) || USCC_SHAPE.test(v))).toEqual([]);
  });
});

describe('metrics off, and the loopback listener', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('without METRICS_TOKEN, /metrics is not served on the API port', async () => {
    expect(t.app.metrics).toBeUndefined();
    await t.http.get('/metrics').expect(404);
  });

  it('METRICS_PORT serves GET /metrics only, on loopback, with the token when one is set', async () => {
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', token: METRICS_TOKEN });
    try {
      const { address, port } = server.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path, headers }, (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on('error', reject);
        });
      expect((await get('/metrics')).status).toBe(401);
      const ok = await get('/metrics', SCRAPER);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatch(/# TYPE jp_checks_total counter/);
      expect((await get('/v1/checks/officers', SCRAPER)).status).toBe(404);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
