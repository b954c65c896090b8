import { makeIdNumber, personDebtorEntry } from './support/factories';
import { createDb } from '../src/db/knex';
import { startService } from './support/service-process';
import { ADMIN, createTestDatabase, startTestApp, TEST_WEBHOOK_KEY, type TestApp } from './support/test-app';

const LIMIT = 6;
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** Issue 21: person-level checks are a budget per token, audited one by one, and person entries are not public. */
describe('person and officer checks draw on a per-token budget shared by every instance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PERSON_CHECK_LIMIT: String(LIMIT), METRICS_TOKEN } });
  });
  afterAll(() => t.close());

  it('refuses the check past PERSON_CHECK_LIMIT with 429 and Retry-After, on either instance; other tokens keep theirs', async () => {
    const mof = await t.tokenFor('mof');
    const other = t.secondInstance();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT; i++) {
        // Persons and officers, on both instances, spend the one budget.
        const http = i % 2 ? other.http : t.http;
        const res =
          i % 3 === 0
            ? await http.post('/v1/checks/officers').set(mof).send({ idNumber: makeIdNumber(), role: 'director' })
            : await http
                .post('/v1/checks/persons')
                .set(mof)
                .send({ idNumber: makeIdNumber(), scenario: 'consumption' });
        statuses.push(res.status);
      }
      expect(statuses).toEqual(Array(LIMIT).fill(200));
      for (const http of [t.http, other.http]) {
        const refused = await http
          .post('/v1/checks/persons')
          .set(mof)
          .send({ idNumber: makeIdNumber(), scenario: 'consumption' })
          .expect(429);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
      }
      // Concurrent checks of one turn share one statement and still stop at the limit exactly.
      const pboc = await t.tokenFor('pboc');
      const burst = await Promise.all(
        Array.from({ length: LIMIT + 4 }, () =>
          t.http.post('/v1/checks/persons').set(pboc).send({ idNumber: makeIdNumber(), scenario: 'consumption' }),
        ),
      );
      expect(burst.filter((r) => r.status === 200)).toHaveLength(LIMIT);
      expect(burst.filter((r) => r.status === 429)).toHaveLength(4);
      // Enterprise checks take no ID number and spend nothing.
      await t.http.get('/v1/checks/enterprises/91310110666007217T').set(mof).expect(200);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('audits every answered check with department, token id, keyed hash and answer, never the number', async () => {
    const spc = await t.tokenFor('spc');
    const listed = makeIdNumber('1979-03-04');
    await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: listed }))
      .expect(201);
    const cac = await t.tokenFor('cac');
    const clean = makeIdNumber('1981-01-01');
    await t.http.post('/v1/checks/persons').set(cac).send({ idNumber: clean, scenario: 'consumption' }).expect(200);
    const hit = await t.http
      .post('/v1/checks/persons')
      .set(cac)
      .send({ idNumber: listed, scenario: 'consumption' })
      .expect(200);
    await t.http.post('/v1/checks/officers').set(cac).send({ idNumber: listed, role: 'director' }).expect(200);
    await t.app.services.personCheckAudit.flush();
    const rows = await t
      .db('audit_log')
      .where({ action: 'person.checked', actor: 'cac' })
      .orderBy('id')
      .select('token_id', 'entity_type', 'entity_id', 'after', 'request_id');
    expect(rows).toHaveLength(3);
    const [token] = await t.db('api_tokens').where({ department: 'cac' }).select('id');
    for (const r of rows) {
      expect(r.token_id).toBe(token?.id);
      expect(r.entity_type).toBe('person');
      expect(r.entity_id).toMatch(/^[0-9a-f]{64}$/);
      expect(r.request_id).toBeTruthy();
    }
    expect(rows.map((r) => r.after)).toEqual([
      { operation: 'checkPerson', scenario: 'consumption', answer: 'clear' },
      { operation: 'checkPerson', scenario: 'consumption', answer: hit.body.restricted ? 'restricted' : 'clear' },
      { operation: 'checkOfficer', role: 'director', answer: expect.stringMatching(/^(restricted|clear)$/) },
    ]);
    expect(rows[1]?.entity_id).toBe(rows[2]?.entity_id);
    expect(rows[0]?.entity_id).not.toBe(rows[1]?.entity_id);
    expect(JSON.stringify(rows)).not.toContain(listed.slice(6, 14));

    const metrics = (
      await t.http
        .get('/metrics')
        .set({ Authorization: `Bearer ${METRICS_TOKEN}` })
        .expect(200)
    ).text;
    expect(metrics).toMatch(/jp_person_checks_total\{department="cac",kind="person",answer="clear"\} 1\b/);
    expect(metrics).toMatch(
      /jp_person_checks_total\{department="cac",kind="officer",answer="(clear|restricted)"\} 1\b/,
    );
  });
});

describe('person entries are shown to the departments that act on them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a department without an order on a person entry does not see it (list, entry, history); one with an order, the authority and a supervisor do', async () => {
    const spc = await t.tokenFor('spc');
    const id = makeIdNumber('1975-07-07');
    const entry = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ idNumber: id }))
      .expect(201);
    const withOrder = (entry.body.orders as { department: string }[]).map((o) => o.department);
    const list = (await t.http.get('/v1/departments').set(spc).expect(200)).body.items as {
      code: string;
      supervisor?: boolean;
    }[];
    const outsider = list.find((d) => !d.supervisor && d.code !== 'spc' && !withOrder.includes(d.code))?.code;
    const insider = withOrder.find((d) => d !== 'spc');
    expect(outsider).toBeDefined();
    expect(insider).toBeDefined();

    const seen = async (department: string) => {
      const auth = await t.tokenFor(department);
      const res = await t.http.get('/v1/list-entries').query({ listType: 'dishonest_debtor' }).set(auth).expect(200);
      const one = await t.http.get(`/v1/list-entries/${entry.body.id}`).set(auth);
      const history = await t.http.get(`/v1/list-entries/${entry.body.id}/history`).set(auth);
      return {
        listed: (res.body.items as { id: string }[]).some((e) => e.id === entry.body.id),
        one: one.status,
        history: history.status,
      };
    };
    expect(await seen(outsider as string)).toEqual({ listed: false, one: 404, history: 404 });
    expect(await seen(insider as string)).toEqual({ listed: true, one: 200, history: 200 });
    expect(await seen('spc')).toEqual({ listed: true, one: 200, history: 200 });
    expect(await seen('ndrc')).toEqual({ listed: true, one: 200, history: 200 });
    const admin = await t.http.get('/v1/list-entries').query({ listType: 'dishonest_debtor' }).set({
      Authorization: 'Bearer test-admin-token-0123456789abcdef',
    });
    expect((admin.body.items as { id: string }[]).some((e) => e.id === entry.body.id)).toBe(true);
  });
});

describe('the audit of person checks survives a shutdown', () => {
  it('rows buffered when SIGTERM arrives are written before the process exits', async () => {
    const database = await createTestDatabase();
    const db = createDb(database.url, { max: 1 });
    try {
      const s = await startService({
        DATABASE_URL: database.url,
        ID_HASH_KEY: 'test-id-hash-key-0123456789abcdef0123',
        WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
        JOBS_ENABLED: 'false',
        WEBHOOKS_ENABLED: 'false',
      });
      // Without HOST the server listens on every interface (what a container needs).
      const listening = await s.waitForLog(/joint-punishment service listening/);
      expect((listening.address as { address: string }).address).toMatch(/^(::|0\.0\.0\.0)$/);
      const json = { 'Content-Type': 'application/json' };
      const created = await fetch(`${s.base}/v1/departments/mof/tokens`, {
        method: 'POST',
        headers: { ...ADMIN, ...json },
        body: JSON.stringify({ label: 'sigterm' }),
      });
      const mof = { Authorization: `Bearer ${((await created.json()) as { token: string }).token}` };
      const N = 40;
      const answers = await Promise.all(
        Array.from({ length: N }, () =>
          fetch(`${s.base}/v1/checks/persons`, {
            method: 'POST',
            headers: { ...mof, ...json },
            body: JSON.stringify({ idNumber: makeIdNumber(), scenario: 'consumption' }),
          }).then((r) => r.status),
        ),
      );
      expect(answers).toEqual(Array(N).fill(200));
      s.child.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
      const rows = await db('audit_log').where({ action: 'person.checked', actor: 'mof' }).count({ n: '*' });
      expect(Number(rows[0]?.n)).toBe(N);
    } finally {
      await db.destroy();
      await database.drop();
    }
  }, 180_000);
});
