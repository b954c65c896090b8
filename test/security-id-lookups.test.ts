import { idCheckChar, maskIdNumber } from '../src/identity/id-number';
import { startTestApp, type TestApp } from './support/test-app';
import { makeIdNumber, personDebtorEntry } from './support/factories';

/** Every ID number a mask could stand for, born in the given years, in the order an attacker would try them. */
function* candidatesOf(masked: string, fromYear: number, toYear: number): Generator<string> {
  const area = masked.slice(0, 6);
  const check = masked.slice(17);
  for (let day = Date.UTC(fromYear, 0, 1); day < Date.UTC(toYear + 1, 0, 1); day += 86_400_000) {
    const birth = new Date(day).toISOString().slice(0, 10).replace(/-/g, '');
    for (let seq = 0; seq < 1000; seq++) {
      const first17 = `${area}${birth}${String(seq).padStart(3, '0')}`;
      if (idCheckChar(first17) === check) yield first17 + check;
    }
  }
}

describe('a masked ID number cannot be turned back into the full one', () => {
  it('the mask keeps only the address code and the check character: ~33,000 candidates per birth year', () => {
    const id = makeIdNumber('1980-05-17');
    const masked = maskIdNumber(id);
    expect(masked).toBe(`${id.slice(0, 6)}***********${id.slice(17)}`);
    let perYear = 0;
    for (const _ of candidatesOf(masked, 1980, 1980)) perYear += 1;
    // 366 days × 1,000 sequences / 11 check characters; over a century of birth dates ≈ 3.3 million.
    expect(perYear).toBeGreaterThan(32_000);
    expect(perYear).toBeLessThan(35_000);
  });

  describe('the enumeration attack on GET /v1/list-entries?idNumber=', () => {
    const LIMIT = 25;
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { ID_LOOKUP_LIMIT: String(LIMIT), ID_LOOKUP_WINDOW_SECONDS: '3600' } });
    });
    afterAll(() => t.close());

    it('is refused (429, Retry-After) after the per-token limit, long before it finds the number, and every try is audited', async () => {
      const spc = await t.tokenFor('spc');
      const target = makeIdNumber('1980-05-17');
      const listed = await t.http
        .post('/v1/list-entries')
        .set(spc)
        .send(personDebtorEntry({ idNumber: target }))
        .expect(201);
      const masked = listed.body.subject.idNumberMasked as string;

      const curious = await t.tokenFor('mof');
      let requests = 0;
      let found: string | undefined;
      let refused: { status: number; retryAfter?: string; type?: string } | undefined;
      for (const candidate of candidatesOf(masked, 1950, 2000)) {
        requests += 1;
        const res = await t.http.get('/v1/list-entries').query({ idNumber: candidate }).set(curious);
        if (res.status === 429) {
          refused = { status: res.status, retryAfter: res.headers['retry-after'], type: res.headers['content-type'] };
          break;
        }
        expect(res.status).toBe(200);
        if (res.body.items.length) {
          found = candidate;
          break;
        }
      }
      expect(found).toBeUndefined();
      expect(refused?.type).toMatch(/^application\/problem\+json/);
      expect(requests).toBe(LIMIT + 1);
      expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
      expect(Number(refused?.retryAfter)).toBeLessThanOrEqual(3600);

      const rows = await t
        .db('audit_log')
        .where({ action: 'person.looked_up' })
        .select('actor', 'token_id', 'entity_type', 'entity_id', 'after', 'request_id');
      expect(rows).toHaveLength(LIMIT);
      for (const r of rows) {
        expect(r.actor).toBe('mof');
        expect(r.token_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.entity_type).toBe('person');
        expect(r.entity_id).toMatch(/^[0-9a-f]{64}$/);
        expect(r.request_id).toBeTruthy();
      }
      expect(JSON.stringify(rows)).not.toMatch(/\d{17}[\dX]/);

      // Another token has its own budget; the same token gets its budget back once the window has passed.
      await t.http.get('/v1/list-entries').query({ idNumber: target }).set(spc).expect(200);
      t.clock.set(new Date(t.clock.now().getTime() + 3601_000));
      await t.http.get('/v1/list-entries').query({ idNumber: target }).set(curious).expect(200);
    });

    it('spelling the parameter %69dNumber is the same look-up: limited, audited, never echoed', async () => {
      const dept = await t.tokenFor('pboc');
      const id = makeIdNumber('1966-06-06');
      const before = await t.count('audit_log', { action: 'person.looked_up', actor: 'pboc' });
      const res = await t.http.get(`/v1/list-entries?%69dNumber=${id}`).set(dept).expect(200);
      expect(res.text).not.toContain(id);
      expect(await t.count('audit_log', { action: 'person.looked_up', actor: 'pboc' })).toBe(before + 1);
    });
  });
});
