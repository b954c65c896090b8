import { Writable } from 'node:stream';
import { createLogger } from '../src/logger';
import { startTestApp, type TestApp } from './support/test-app';
import { enterpriseEntry, makeIdNumber, personDebtorEntry } from './support/factories';

const FULL_ID = /(?<![0-9])\d{17}[\dX](?![0-9])/;

describe('hostile input and what comes back', () => {
  let t: TestApp;
  const lines: string[] = [];
  let samr: { Authorization: string };
  let spc: { Authorization: string };
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await startTestApp({ log: createLogger('info', sink) });
    samr = await t.tokenFor('samr');
    spc = await t.tokenFor('spc');
  });
  afterAll(() => t.close());

  it('no full ID number in problem instance, 404 detail, CSV errors or the access log, whatever the spelling', async () => {
    const id = makeIdNumber('1983-03-03');
    const bad = await t.http.get(`/v1/list-entries?idNumber=${id}&cursor=bad`).set(spc).expect(400);
    expect(bad.text).not.toContain(id);
    expect(bad.body.instance).toBe('/v1/list-entries');
    expect(bad.body.errors).toEqual([{ path: 'cursor', message: '翻页游标无效：请使用上一页返回的 nextCursor' }]);

    const encoded = [...id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    for (const path of [`/v1/${id}`, `/v1/${encoded}`, `/v1/list-entries/${id}/x`]) {
      const res = await t.http.get(path).set(spc);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(id);
    }

    const csv = `listType,${id}\n${id},x\n`;
    const csvRes = await t.http.post('/v1/list-entries/batch').set(samr).set('Content-Type', 'text/csv').send(csv);
    expect(csvRes.status).toBeLessThan(500);
    expect(csvRes.text).not.toContain(id);

    await t.http.get(`/v1/list-entries?%69dNumber=${encoded}`).set(spc).expect(200);
    await t.http.get(`/v1/list-entries?idNumber=${id}`).set(spc).expect(200);
    const logged = lines.join('');
    expect(logged).toContain('/v1/list-entries');
    expect(logged).not.toContain(id);
    expect(logged).not.toMatch(FULL_ID);
  });

  it('an ID number typed into free text is refused, naming the field', async () => {
    const id = makeIdNumber('1990-01-01');
    const entry = enterpriseEntry({ reason: `法定代表人身份证号${id}拒不履行` });
    const res = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(400);
    expect(res.body.errors).toEqual([{ path: 'reason', message: expect.stringContaining('含有居民身份证号码') }]);
    expect(res.text).not.toContain(id);

    const fullWidth = [...id]
      .map((c) => (c === 'X' ? 'Ｘ' : String.fromCharCode(c.charCodeAt(0) - 48 + 0xff10)))
      .join('');
    const named = await t.http
      .post('/v1/list-entries')
      .set(spc)
      .send(personDebtorEntry({ sourceRef: `ref-${fullWidth}` }));
    expect(named.status).toBe(400);
    expect(named.body.errors.map((e: { path: string }) => e.path)).toContain('sourceRef');

    const label = await t.http
      .post('/v1/departments/mof/tokens')
      .set({ Authorization: 'Bearer test-admin-token-0123456789abcdef' })
      .send({ label: `for ${id}` })
      .expect(400);
    expect(label.body.errors[0].path).toBe('label');

    const batch = await t.http
      .post('/v1/list-entries/batch')
      .set(samr)
      .send([enterpriseEntry(), enterpriseEntry({ decisionNo: `号${id}` })])
      .expect(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'rejected']);
    expect(batch.body.results[1].errors[0].path).toBe('decisionNo');
    expect(batch.text).not.toContain(id);
  });

  it('NUL, lone surrogates, year 0000, malformed %-escapes and crafted cursors are 400 naming the field', async () => {
    const cases: Array<
      [
        string,
        () => Promise<{ status: number; body: { errors?: { path: string }[] }; headers: Record<string, string> }>,
        string,
      ]
    > = [
      [
        'NUL',
        () =>
          t.http
            .post('/v1/list-entries')
            .set(samr)
            .send(enterpriseEntry({ reason: 'a\u0000b' })),
        'reason',
      ],
      [
        'lone surrogate',
        () =>
          t.http
            .post('/v1/list-entries')
            .set(samr)
            .send(enterpriseEntry({ decisionNo: 'x\ud800y' })),
        'decisionNo',
      ],
      [
        'year 0000',
        () =>
          t.http
            .post('/v1/list-entries')
            .set(samr)
            .send(enterpriseEntry({ decidedAt: '0000-01-01' })),
        'decidedAt',
      ],
      ['malformed %', () => t.http.get('/v1/list-entries/%E0%A4%A').set(spc), 'path'],
      [
        'crafted cursor (bad uuid)',
        () =>
          t.http
            .get('/v1/list-entries')
            .query({
              cursor: Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '-'.repeat(36)])).toString('base64url'),
            })
            .set(spc),
        'cursor',
      ],
      [
        'crafted cursor (year 275760)',
        () =>
          t.http
            .get('/v1/orders')
            .query({
              cursor: Buffer.from(
                JSON.stringify(['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
              ).toString('base64url'),
            })
            .set(spc),
        'cursor',
      ],
      [
        'crafted cursor (year 0000)',
        () =>
          t.http
            .get('/v1/list-entries')
            .query({
              cursor: Buffer.from(
                JSON.stringify(['0000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
              ).toString('base64url'),
            })
            .set(spc),
        'cursor',
      ],
      ['NUL in query', () => t.http.get('/v1/list-entries?status=a%00').set(spc), 'status'],
    ];
    for (const [name, send] of cases) {
      const res = await send();
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors?.map((e) => e.path)).toContain(cases.find((c) => c[0] === name)?.[2]);
    }
  });

  it('a batch with a lone surrogate in one sourceRef rejects that row only and writes the others', async () => {
    const rows = Array.from({ length: 5 }, () => enterpriseEntry());
    (rows[3] as { sourceRef: string }).sourceRef = 'bad-\udc00';
    const res = await t.http.post('/v1/list-entries/batch').set(samr).send(rows).expect(200);
    expect(res.body.summary).toEqual({ created: 4, unchanged: 0, rejected: 1 });
    expect(res.body.results[3].errors[0].path).toBe('sourceRef');
    expect(res.text).not.toMatch(/insert into|select |\$\d/i);
  });

  it('X-Request-Id is kept only when well-formed, and never when it hides an ID number', async () => {
    const id = makeIdNumber('1970-07-07');
    const kept = await t.http.get('/v1/departments').set(spc).set('X-Request-Id', 'desk-42.abc').expect(200);
    expect(kept.headers['x-request-id']).toBe('desk-42.abc');
    for (const given of [`req-${id}`, 'a', 'x'.repeat(65), '<script>alert(1)</script>']) {
      const res = await t.http.get('/v1/departments').set(spc).set('X-Request-Id', given).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('/v1 answers are not cached or sniffed; /docs has a content security policy', async () => {
    for (const res of [
      await t.http.get('/v1/departments').set(spc),
      await t.http.get('/v1/list-entries/nope').set(spc),
      await t.http.get('/v1/departments'),
    ]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    const docs = await t.http.get('/docs/');
    expect(docs.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('audit_log is append-only in the database: UPDATE, DELETE and TRUNCATE fail', async () => {
    expect(await t.count('audit_log')).toBeGreaterThan(0);
    await expect(t.db('audit_log').update({ actor: 'someone-else' })).rejects.toThrow(/append-only/);
    await expect(t.db('audit_log').del()).rejects.toThrow(/append-only/);
    await expect(t.db.raw('truncate audit_log')).rejects.toThrow(/append-only/);
    await t
      .db('audit_log')
      .insert({ occurred_at: new Date(), actor: 'test', action: 'test.inserted', entity_type: 'x', entity_id: '1' });
  });
});
