import { ADMIN, startTestApp, type TestApp } from './support/test-app';

/** Issue 21: a date-time the validator took and PostgreSQL refused was a 500; now it is a 400 naming the field. */
describe('date-times outside what PostgreSQL takes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const outOfRange = [
    '0000-01-01T00:00:00Z',
    '2026-03-01T00:00:00+23:59',
    '2026-03-01T00:00:00+16:00',
    `2026-03-01T00:00:00.${'1'.repeat(221)}Z`,
  ];

  it.each(outOfRange)('GET /v1/checks/decisions?from=%s and ?to= are 400 naming the parameter', async (value) => {
    const mof = await t.tokenFor('mof');
    for (const name of ['from', 'to']) {
      const res = await t.http
        .get('/v1/checks/decisions')
        .query({ [name]: value })
        .set(mof)
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain(name);
    }
  });

  it.each(outOfRange)(
    'POST /v1/departments/{code}/tokens with expiresAt %s is 400 naming expiresAt, nothing made',
    async (value) => {
      const before = await t.count('api_tokens');
      const res = await t.http
        .post('/v1/departments/mof/tokens')
        .set(ADMIN)
        .send({ label: 'x', expiresAt: value })
        .expect(400);
      expect(JSON.stringify(res.body.errors)).toContain('expiresAt');
      expect(await t.count('api_tokens')).toBe(before);
    },
  );

  it('the edges PostgreSQL does take still pass: offset ±15:59, nine fractional digits', async () => {
    const mof = await t.tokenFor('mof');
    await t.http.get('/v1/checks/decisions').query({ from: '2026-01-01T00:00:00+15:59' }).set(mof).expect(200);
    await t.http.get('/v1/checks/decisions').query({ to: '2026-01-01T00:00:00.123456789-15:00' }).set(mof).expect(200);
  });
});
