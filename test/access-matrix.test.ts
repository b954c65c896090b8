import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, personDebtorEntry } from './support/factories';

/**
 * The object-level access matrix: every endpoint that takes an id or a department, called by every kind of caller,
 * against README "Who may do what":
 *   administrator — tokens, every department's orders, the feedback report, jobs and proposals;
 *   list authority (samr, spc) — add/remove entries on its lists, read the orders its entries produced;
 *   any department — departments, entries (with only its own orders), rules, checks, its own orders and feedback;
 *   supervisor (ndrc) — also any department's orders and the feedback report.
 * Callers: no token, an unknown token, admin, the entry's list authority (samr), the other list authority (spc),
 * the supervisor (ndrc), the order's addressee (mof), and a department with nothing to do with the entry.
 * (When the "one shape" issue lands its x-access declarations in openapi.yaml, this table should be read from them.)
 */
type Caller = 'none' | 'bogus' | 'admin' | 'authority' | 'otherAuthority' | 'supervisor' | 'addressee' | 'unrelated';
const CALLERS: Caller[] = ['none', 'bogus', 'admin', 'authority', 'otherAuthority', 'supervisor', 'addressee', 'unrelated'];

interface Row {
  name: string;
  call: (t: TestApp, auth: Record<string, string>) => Promise<{ status: number; body: unknown }>;
  /** Expected status per authenticated caller; none/bogus are always 401. */
  allowed: Partial<Record<Caller, number>>;
  denied?: number;
}

describe('access matrix: every endpoint with an id or a department × every kind of caller', () => {
  let t: TestApp;
  const headers = {} as Record<Caller, Record<string, string>>;
  let entry: { id: string; orders: { id: string; department: string }[]; subject: { uscc: string } };
  let order: { id: string; department: string };
  let unrelated: string;

  beforeAll(async () => {
    t = await startTestApp();
    const samr = await t.tokenFor('samr');
    const created = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    entry = created.body;
    order = entry.orders.find((o) => o.department === 'mof') as { id: string; department: string };
    unrelated = (t.rules.departments.find((d) => !d.supervisor && d.authorityFor.length === 0 && !entry.orders.some((o) => o.department === d.code)) as { code: string }).code;
    headers.none = {};
    headers.bogus = { Authorization: 'Bearer jp_unknown-token-for-the-matrix' };
    headers.admin = ADMIN;
    headers.authority = samr;
    headers.otherAuthority = await t.tokenFor('spc');
    headers.supervisor = await t.tokenFor('ndrc');
    headers.addressee = await t.tokenFor('mof');
    headers.unrelated = await t.tokenFor(unrelated);
  });
  afterAll(() => t.close());

  const rows: Row[] = [
    { name: 'POST /v1/departments/{code}/tokens', call: (t, a) => t.http.post('/v1/departments/mof/tokens').set(a).send({}), allowed: { admin: 201 } },
    { name: 'GET /v1/departments/{code}/tokens', call: (t, a) => t.http.get('/v1/departments/mof/tokens').set(a), allowed: { admin: 200 } },
    {
      name: 'DELETE /v1/departments/{code}/tokens/{id}',
      call: async (t, a) => {
        const made = await t.http.post('/v1/departments/cac/tokens').set(ADMIN).send({}).expect(201);
        return t.http.delete(`/v1/departments/cac/tokens/${made.body.id}`).set(a);
      },
      allowed: { admin: 204 },
    },
    { name: 'PUT /v1/departments/{code}/webhook', call: (t, a) => t.http.put('/v1/departments/mof/webhook').set(a).send({ url: 'http://127.0.0.1:9/mof', secret: 'matrix-webhook-secret-0123456789' }), allowed: { admin: 200, addressee: 200 } },
    { name: 'GET /v1/list-entries/{id}', call: (t, a) => t.http.get(`/v1/list-entries/${entry.id}`).set(a), allowed: { admin: 200, authority: 200, otherAuthority: 200, supervisor: 200, addressee: 200, unrelated: 200 } },
    { name: 'GET /v1/list-entries?uscc=', call: (t, a) => t.http.get('/v1/list-entries').query({ uscc: entry.subject.uscc }).set(a), allowed: { admin: 200, authority: 200, otherAuthority: 200, supervisor: 200, addressee: 200, unrelated: 200 } },
    { name: 'GET /v1/orders/{id}', call: (t, a) => t.http.get(`/v1/orders/${order.id}`).set(a), allowed: { admin: 200, authority: 200, supervisor: 200, addressee: 200 } },
    { name: 'GET /v1/orders?department=', call: (t, a) => t.http.get('/v1/orders').query({ department: 'mof' }).set(a), allowed: { admin: 200, supervisor: 200, addressee: 200 } },
    { name: 'GET /v1/reports/feedback', call: (t, a) => t.http.get('/v1/reports/feedback').set(a), allowed: { admin: 200, supervisor: 200 } },
    { name: 'GET /v1/checks/enterprises/{uscc}', call: (t, a) => t.http.get(`/v1/checks/enterprises/${entry.subject.uscc}`).set(a), allowed: { admin: 200, authority: 200, otherAuthority: 200, supervisor: 200, addressee: 200, unrelated: 200 } },
    { name: 'GET /v1/serious-violation-proposals', call: (t, a) => t.http.get('/v1/serious-violation-proposals').set(a), allowed: { admin: 200, authority: 200 } },
    { name: 'GET /v1/jobs', call: (t, a) => t.http.get('/v1/jobs').set(a), allowed: { admin: 200 } },
    // State changes last, and the permitted caller after every refused one.
    { name: 'POST /v1/orders/{id}/feedback', call: (t, a) => t.http.post(`/v1/orders/${order.id}/feedback`).set(a).send({ outcome: 'implemented' }), allowed: { addressee: 200 } },
    { name: 'POST /v1/list-entries/{id}/removal', call: (t, a) => t.http.post(`/v1/list-entries/${entry.id}/removal`).set(a).send({ reason: '已整改', decisionNo: '撤〔2026〕1号' }), allowed: { authority: 200 } },
    { name: 'POST /v1/list-entries (a list the caller is not authority for)', call: (t, a) => t.http.post('/v1/list-entries').set(a).send(personDebtorEntry()), allowed: { otherAuthority: 201 } },
  ];

  it('answers every cell as the README says', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const row of rows) {
      const order = [...CALLERS].sort((a, b) => Number(row.allowed[a] !== undefined) - Number(row.allowed[b] !== undefined));
      for (const caller of order) {
        const expected = caller === 'none' || caller === 'bogus' ? 401 : row.allowed[caller] ?? row.denied ?? 403;
        const res = await row.call(t, headers[caller]);
        got.push(`${row.name} as ${caller}: ${res.status}`);
        want.push(`${row.name} as ${caller}: ${expected}`);
      }
    }
    expect(got).toEqual(want);
  });

  it('through an entry, each department sees only its own orders', async () => {
    const seen = async (caller: Caller) => ((await t.http.get(`/v1/list-entries/${entry.id}`).set(headers[caller])).body as { orders: { department: string }[] }).orders.map((o) => o.department).sort();
    const all = entry.orders.map((o) => o.department).sort();
    expect(await seen('admin')).toEqual(all);
    expect(await seen('authority')).toEqual(all);
    expect(await seen('supervisor')).toEqual(all);
    expect(await seen('addressee')).toEqual(['mof']);
    expect(await seen('otherAuthority')).toEqual([]);
    expect(await seen('unrelated')).toEqual([]);
  });
});
