import { AccessPolicy, declaredOperations, type AccessInput } from '../src/auth/access';
import type { Principal } from '../src/auth/principal';
import { openapiDefinition } from '../src/http/definition';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, personDebtorEntry } from './support/factories';

/**
 * The object-level access matrix: every endpoint that takes an id or a department, called by every kind of caller.
 * Who is admitted at all comes from the operation's x-access in openapi/openapi.yaml (the README's generated table),
 * evaluated here with the same AccessPolicy; each row adds only what its x-access-note says the service narrows
 * (its own order, the entry it listed), so the matrix follows the declarations and cannot drift from them.
 * Callers: no token, an unknown token, admin, the entry's list authority (samr), the other list authority (spc),
 * the supervisor (ndrc), the order's addressee (mof), and a department with nothing to do with the entry.
 */
type Caller = 'none' | 'bogus' | 'admin' | 'authority' | 'otherAuthority' | 'supervisor' | 'addressee' | 'unrelated';
const CALLERS: Caller[] = [
  'none',
  'bogus',
  'admin',
  'authority',
  'otherAuthority',
  'supervisor',
  'addressee',
  'unrelated',
];

interface Row {
  operationId: string;
  name: string;
  /** The request as the access policy sees it (for grants that read a field, e.g. params.code). */
  input: () => AccessInput;
  call: (t: TestApp, auth: Record<string, string>) => Promise<{ status: number; body: unknown }>;
  /** The status of an admitted caller. */
  ok: number;
  /** x-access-note: of the callers x-access admits, only these get `ok` (the service refuses the rest, 403). */
  narrowedTo?: Caller[];
  /** x-access-note: what particular admitted callers get instead (e.g. 404 where the row does not exist for them). */
  statusFor?: () => Partial<Record<Caller, number>>;
  /** x-access-note: admitted callers outside narrowedTo to whom the record does not exist get 404, not 403. */
  hiddenFrom?: Caller[];
}

describe('access matrix: every endpoint with an id or a department × every kind of caller', () => {
  let t: TestApp;
  const headers = {} as Record<Caller, Record<string, string>>;
  let entry: { id: string; orders: { id: string; department: string }[]; subject: { uscc: string } };
  let order: { id: string; department: string };
  let unrelated: string;
  /** A person entry of the courts' list (spc, the "otherAuthority" here) and the departments with an order on it. */
  let personEntry: { id: string; orders: { department: string }[] };
  /** A hit the addressee (mof) asked for, so kept as its decision record. */
  let decisionId: string;
  // issue 18: an objection and a restoration application to read and decide, on their own entries
  let anomaly: { id: string };
  let objectionId: string;
  let applicationId: string;
  let n = 0;
  const NOT_INVOLVED: Caller[] = ['otherAuthority', 'addressee', 'unrelated'];

  beforeAll(async () => {
    // unauthenticated calls per row (no token, an unknown token): more than the default failures a minute
    t = await startTestApp({ env: { AUTH_FAILURE_LIMIT: '1000' } });
    const samr = await t.tokenFor('samr');
    const created = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    entry = created.body;
    order = entry.orders.find((o) => o.department === 'mof') as { id: string; department: string };
    unrelated = (
      t.rules.departments.find(
        (d) => !d.supervisor && d.authorityFor.length === 0 && !entry.orders.some((o) => o.department === d.code),
      ) as { code: string }
    ).code;
    headers.none = {};
    headers.bogus = { Authorization: 'Bearer jp_unknown-token-for-the-matrix' };
    headers.admin = ADMIN;
    headers.authority = samr;
    headers.otherAuthority = await t.tokenFor('spc');
    headers.supervisor = await t.tokenFor('ndrc');
    headers.addressee = await t.tokenFor('mof');
    headers.unrelated = await t.tokenFor(unrelated);
    personEntry = (
      await t.http.post('/v1/list-entries').set(headers.otherAuthority).send(personDebtorEntry()).expect(201)
    ).body;
    const hit = await t.http.get(`/v1/checks/enterprises/${entry.subject.uscc}`).set(headers.addressee).expect(200);
    expect(hit.body.restricted).toBe(true);
    decisionId = hit.body.decisionId;
    anomaly = (
      await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send(enterpriseEntry({ listType: 'abnormal_operations', decidedAt: '2026-02-20' }))
        .expect(201)
    ).body;
    const received = { receivedAt: '2026-03-01T00:00:00Z', channel: 'authority' };
    objectionId = (
      await t.http
        .post(`/v1/list-entries/${entry.id}/objections`)
        .set(samr)
        .send({ ...received, grounds: ['inaccurate'], statement: '矩阵异议' })
        .expect(201)
    ).body.id;
    applicationId = (
      await t.http
        .post(`/v1/list-entries/${anomaly.id}/restoration-applications`)
        .set(samr)
        .send({ ...received, statement: '矩阵申请', commitment: true })
        .expect(201)
    ).body.id;
  }, 120_000);

  const CODES: Record<Exclude<Caller, 'none' | 'bogus' | 'admin'>, () => string> = {
    authority: () => 'samr',
    otherAuthority: () => 'spc',
    supervisor: () => 'ndrc',
    addressee: () => 'mof',
    unrelated: () => unrelated,
  };
  /** A person entry: its listing authority, supervisors, the administrator and departments with an order see it. */
  const personEntryStatus = (): Partial<Record<Caller, number>> => {
    const out: Partial<Record<Caller, number>> = {};
    for (const [caller, code] of Object.entries(CODES) as [keyof typeof CODES, () => string][]) {
      const sees = ['spc', 'ndrc'].includes(code()) || personEntry.orders.some((o) => o.department === code());
      if (!sees) out[caller] = 404;
    }
    return out;
  };
  afterAll(() => t.close());

  const none = (): AccessInput => ({ params: {}, query: {}, body: undefined });
  const AUTHORITY_OR_SUPERVISOR_OR_ADDRESSEE: Caller[] = ['admin', 'authority', 'supervisor', 'addressee'];
  const rows: Row[] = [
    {
      operationId: 'createDepartmentToken',
      name: 'POST /v1/departments/{code}/tokens',
      input: () => ({ params: { code: 'mof' } }),
      call: (t, a) => t.http.post('/v1/departments/mof/tokens').set(a).send({}),
      ok: 201,
    },
    {
      operationId: 'listDepartmentTokens',
      name: 'GET /v1/departments/{code}/tokens',
      input: () => ({ params: { code: 'mof' } }),
      call: (t, a) => t.http.get('/v1/departments/mof/tokens').set(a),
      ok: 200,
    },
    {
      operationId: 'revokeDepartmentToken',
      name: 'DELETE /v1/departments/{code}/tokens/{id}',
      input: () => ({ params: { code: 'cac' } }),
      call: async (t, a) => {
        const made = await t.http.post('/v1/departments/cac/tokens').set(ADMIN).send({}).expect(201);
        return t.http.delete(`/v1/departments/cac/tokens/${made.body.id}`).set(a);
      },
      ok: 204,
    },
    {
      operationId: 'putDepartmentWebhook',
      name: 'PUT /v1/departments/{code}/webhook',
      input: () => ({ params: { code: 'mof' } }),
      call: (t, a) =>
        t.http
          .put('/v1/departments/mof/webhook')
          .set(a)
          .send({ url: 'http://127.0.0.1:9/mof', secret: 'matrix-webhook-secret-0123456789' }),
      ok: 200,
    },
    {
      operationId: 'getListEntry',
      name: 'GET /v1/list-entries/{id}',
      input: none,
      call: (t, a) => t.http.get(`/v1/list-entries/${entry.id}`).set(a),
      ok: 200,
    },
    {
      operationId: 'getListEntryHistory',
      name: 'GET /v1/list-entries/{id}/history',
      input: none,
      call: (t, a) => t.http.get(`/v1/list-entries/${entry.id}/history`).set(a),
      ok: 200,
    },
    {
      operationId: 'listListEntries',
      name: 'GET /v1/list-entries?uscc=',
      input: none,
      call: (t, a) => t.http.get('/v1/list-entries').query({ uscc: entry.subject.uscc }).set(a),
      ok: 200,
    },
    {
      operationId: 'getOrder',
      name: 'GET /v1/orders/{id}',
      input: none,
      call: (t, a) => t.http.get(`/v1/orders/${order.id}`).set(a),
      ok: 200,
      narrowedTo: AUTHORITY_OR_SUPERVISOR_OR_ADDRESSEE,
    },
    {
      operationId: 'listOrders',
      name: 'GET /v1/orders?department=',
      input: () => ({ query: { department: 'mof' } }),
      call: (t, a) => t.http.get('/v1/orders').query({ department: 'mof' }).set(a),
      ok: 200,
      narrowedTo: ['admin', 'supervisor', 'addressee'],
    },
    {
      operationId: 'getFeedbackReport',
      name: 'GET /v1/reports/feedback',
      input: none,
      call: (t, a) => t.http.get('/v1/reports/feedback').set(a),
      ok: 200,
    },
    {
      operationId: 'checkEnterprise',
      name: 'GET /v1/checks/enterprises/{uscc}',
      input: none,
      call: (t, a) => t.http.get(`/v1/checks/enterprises/${entry.subject.uscc}`).set(a),
      ok: 200,
    },
    {
      operationId: 'checkEnterprises',
      name: 'POST /v1/checks/enterprises',
      input: none,
      call: (t, a) =>
        t.http
          .post('/v1/checks/enterprises')
          .set(a)
          .send({ usccs: [entry.subject.uscc] }),
      ok: 200,
    },
    // Every department may send a batch; each item is judged as the single call would (here: an unknown order).
    {
      operationId: 'submitOrderFeedbackBatch',
      name: 'POST /v1/orders/feedback (an unknown order)',
      input: none,
      call: (t, a) =>
        t.http
          .post('/v1/orders/feedback')
          .set(a)
          .send({ items: [{ orderId: '00000000-0000-4000-8000-000000000000', outcome: 'implemented' }] }),
      ok: 200,
    },
    {
      operationId: 'listSeriousViolationProposals',
      name: 'GET /v1/serious-violation-proposals',
      input: none,
      call: (t, a) => t.http.get('/v1/serious-violation-proposals').set(a),
      ok: 200,
    },
    // A record no caller asked for: to everyone x-access admits, it does not exist (404, per the x-access-note).
    {
      operationId: 'getCheckDecision',
      name: 'GET /v1/checks/decisions/{id} (unknown)',
      input: none,
      call: (t, a) => t.http.get('/v1/checks/decisions/00000000-0000-4000-8000-000000000000').set(a),
      ok: 404,
    },
    {
      operationId: 'postCheckDecisionFeedback',
      name: 'POST /v1/checks/decisions/{id}/feedback (unknown)',
      input: none,
      call: (t, a) =>
        t.http
          .post('/v1/checks/decisions/00000000-0000-4000-8000-000000000000/feedback')
          .set(a)
          .send({ action: 'restricted' }),
      ok: 404,
    },
    // Person entries (issue 21): to a department neither listing nor acting on them, they do not exist.
    {
      operationId: 'getListEntry',
      name: 'GET /v1/list-entries/{id} (a person entry)',
      input: none,
      call: (t, a) => t.http.get(`/v1/list-entries/${personEntry.id}`).set(a),
      ok: 200,
      statusFor: personEntryStatus,
    },
    {
      operationId: 'getListEntryHistory',
      name: 'GET /v1/list-entries/{id}/history (a person entry)',
      input: none,
      call: (t, a) => t.http.get(`/v1/list-entries/${personEntry.id}/history`).set(a),
      ok: 200,
      statusFor: personEntryStatus,
    },
    // Person-level checks: every department and the administrator, each within its token's budget.
    {
      operationId: 'checkPerson',
      name: 'POST /v1/checks/persons',
      input: none,
      call: (t, a) =>
        t.http.post('/v1/checks/persons').set(a).send({ idNumber: '11010519491231002X', scenario: 'consumption' }),
      ok: 200,
    },
    {
      operationId: 'checkOfficer',
      name: 'POST /v1/checks/officers',
      input: none,
      call: (t, a) =>
        t.http.post('/v1/checks/officers').set(a).send({ idNumber: '11010519491231002X', role: 'director' }),
      ok: 200,
    },
    {
      operationId: 'listJobs',
      name: 'GET /v1/jobs',
      input: none,
      call: (t, a) => t.http.get('/v1/jobs').set(a),
      ok: 200,
    },
    // Objections and restoration applications (issue 18): recorded by the authority or the supervisor's window,
    // decided by the authority; to departments other than these they do not exist.
    {
      operationId: 'getObjection',
      name: 'GET /v1/objections/{id}',
      input: none,
      call: (t, a) => t.http.get(`/v1/objections/${objectionId}`).set(a),
      ok: 200,
      narrowedTo: ['admin', 'authority', 'supervisor'],
      hiddenFrom: NOT_INVOLVED,
    },
    {
      operationId: 'getRestorationApplication',
      name: 'GET /v1/restoration-applications/{id}',
      input: none,
      call: (t, a) => t.http.get(`/v1/restoration-applications/${applicationId}`).set(a),
      ok: 200,
      narrowedTo: ['admin', 'authority', 'supervisor'],
      hiddenFrom: NOT_INVOLVED,
    },
    // State changes last, and the permitted caller after every refused one.
    // A real hit of mof's: mof feeds back; those who may read it are told no (403, declared); to others it is 404.
    {
      operationId: 'postCheckDecisionFeedback',
      name: "POST /v1/checks/decisions/{id}/feedback (mof's hit)",
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/checks/decisions/${decisionId}/feedback`)
          .set(a)
          .send({ action: 'restricted', caseRef: 'M-1' }),
      ok: 200,
      statusFor: () => ({ admin: 403, supervisor: 403, authority: 404, otherAuthority: 404, unrelated: 404 }),
    },
    {
      operationId: 'createObjection',
      name: 'POST /v1/list-entries/{id}/objections',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/list-entries/${entry.id}/objections`)
          .set(a)
          .send({
            receivedAt: '2026-03-01T00:00:00Z',
            channel: 'authority',
            grounds: ['other'],
            statement: `异议${++n}`,
          }),
      ok: 201,
      narrowedTo: ['authority', 'supervisor'],
    },
    {
      operationId: 'createRestorationApplication',
      name: 'POST /v1/list-entries/{id}/restoration-applications',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/list-entries/${anomaly.id}/restoration-applications`)
          .set(a)
          .send({
            receivedAt: '2026-03-01T00:00:00Z',
            channel: 'authority',
            statement: `申请${++n}`,
            commitment: true,
          }),
      ok: 201,
      narrowedTo: ['authority', 'supervisor'],
    },
    {
      operationId: 'decideObjection',
      name: 'POST /v1/objections/{id}/decision',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/objections/${objectionId}/decision`)
          .set(a)
          .send({ outcome: 'rejected', reason: '理由不成立' }),
      ok: 200,
      narrowedTo: ['authority'],
      hiddenFrom: NOT_INVOLVED,
    },
    {
      operationId: 'decideRestorationApplication',
      name: 'POST /v1/restoration-applications/{id}/decision',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/restoration-applications/${applicationId}/decision`)
          .set(a)
          .send({ outcome: 'refused', reason: '未履行', decisionNo: '驳〔2026〕1号' }),
      ok: 200,
      narrowedTo: ['authority'],
      hiddenFrom: NOT_INVOLVED,
    },
    {
      operationId: 'correctListEntry',
      name: 'POST /v1/list-entries/{id}/corrections',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/list-entries/${anomaly.id}/corrections`)
          .set(a)
          .send({ reason: '名称有误', changes: { subjectName: '更正后名称有限公司' } }),
      ok: 200,
      narrowedTo: ['authority'],
    },
    {
      operationId: 'revokeListEntry',
      name: 'POST /v1/list-entries/{id}/revocation',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/list-entries/${anomaly.id}/revocation`)
          .set(a)
          .send({ reason: '错误列入', decisionNo: '撤〔2026〕9号' }),
      ok: 200,
      narrowedTo: ['authority'],
    },
    {
      operationId: 'submitOrderFeedback',
      name: 'POST /v1/orders/{id}/feedback',
      input: none,
      call: (t, a) => t.http.post(`/v1/orders/${order.id}/feedback`).set(a).send({ outcome: 'implemented' }),
      ok: 200,
      narrowedTo: ['addressee'],
    },
    {
      operationId: 'correctOrderFeedback',
      name: 'POST /v1/orders/{id}/feedback/correction',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/orders/${order.id}/feedback/correction`)
          .set(a)
          .send({ outcome: 'not_applicable', reason: 'already_restricted' }),
      ok: 200,
      narrowedTo: ['addressee'],
    },
    {
      operationId: 'removeListEntry',
      name: 'POST /v1/list-entries/{id}/removal',
      input: none,
      call: (t, a) =>
        t.http
          .post(`/v1/list-entries/${entry.id}/removal`)
          .set(a)
          .send({ reason: '已整改', decisionNo: '撤〔2026〕1号' }),
      ok: 200,
      narrowedTo: ['authority'],
    },
    {
      operationId: 'createListEntry',
      name: 'POST /v1/list-entries (a dishonest-debtor entry)',
      input: () => ({ body: { listType: 'dishonest_debtor' } }),
      call: (t, a) => t.http.post('/v1/list-entries').set(a).send(personDebtorEntry()),
      ok: 201,
    },
  ];

  it('covers every operation that takes an id, a code or a department', () => {
    const takesOne = declaredOperations(openapiDefinition())
      .filter((op) => /\{(id|code|uscc)\}/.test(op.path) || ['listOrders', 'listListEntries'].includes(op.operationId))
      .map((op) => op.operationId)
      .sort();
    const covered = new Set(rows.map((r) => r.operationId));
    expect(takesOne.filter((id) => !covered.has(id))).toEqual([]);
  });

  it('answers every cell as the declared x-access (and its note) says', async () => {
    const policy = new AccessPolicy(declaredOperations(openapiDefinition()));
    const department = (code: string): Principal => ({
      kind: 'department',
      department: t.rules.departments.find((d) => d.code === code) as never,
      tokenId: 'matrix',
    });
    const principals: Record<Exclude<Caller, 'none' | 'bogus'>, Principal> = {
      admin: { kind: 'admin' },
      authority: department('samr'),
      otherAuthority: department('spc'),
      supervisor: department('ndrc'),
      addressee: department('mof'),
      unrelated: department(unrelated),
    };
    const admitted = (row: Row, caller: Exclude<Caller, 'none' | 'bogus'>) => {
      try {
        policy.check(row.operationId, principals[caller], row.input());
        return true;
      } catch {
        return false;
      }
    };
    const got: string[] = [];
    const want: string[] = [];
    for (const row of rows) {
      const expected = (caller: Caller) => {
        if (caller === 'none' || caller === 'bogus') return 401;
        if (!admitted(row, caller)) return 403;
        if (row.narrowedTo?.includes(caller) ?? true) return row.statusFor?.()[caller] ?? row.ok;
        return row.hiddenFrom?.includes(caller) ? 404 : 403;
      };
      // Refused callers first, so a state change is attempted by everyone else before the one who may make it.
      const order = [...CALLERS].sort((a, b) => Number(expected(a) === row.ok) - Number(expected(b) === row.ok));
      for (const caller of order) {
        const res = await row.call(t, headers[caller]);
        got.push(`${row.name} as ${caller}: ${res.status}`);
        want.push(`${row.name} as ${caller}: ${expected(caller)}`);
      }
    }
    expect(got).toEqual(want);
    // The declarations say something: admin-only operations refuse every department, and so on.
    expect(want).toContain('GET /v1/departments/{code}/tokens as supervisor: 403');
    expect(want).toContain('PUT /v1/departments/{code}/webhook as addressee: 200');
    expect(want).toContain('POST /v1/list-entries (a dishonest-debtor entry) as authority: 403');
    expect(want).toContain("POST /v1/checks/decisions/{id}/feedback (mof's hit) as supervisor: 403");
    expect(want).toContain('GET /v1/list-entries/{id} (a person entry) as supervisor: 200');
    expect(want.filter((w) => /\(a person entry\) as \w+: 404/.test(w)).length).toBeGreaterThan(0);
  });

  it('through an entry, each department sees only its own orders', async () => {
    const seen = async (caller: Caller) =>
      (
        (await t.http.get(`/v1/list-entries/${entry.id}`).set(headers[caller])).body as {
          orders: { department: string }[];
        }
      ).orders
        .map((o) => o.department)
        .sort();
    const all = entry.orders.map((o) => o.department).sort();
    expect(await seen('admin')).toEqual(all);
    expect(await seen('authority')).toEqual(all);
    expect(await seen('supervisor')).toEqual(all);
    expect(await seen('addressee')).toEqual(['mof']);
    expect(await seen('otherAuthority')).toEqual([]);
    expect(await seen('unrelated')).toEqual([]);
  });
});
