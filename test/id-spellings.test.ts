import { containsIdNumber, redactIdNumbers } from '../src/identity/id-number';
import { textProblem } from '../src/input/text-guard';
import { enterpriseEntry, makeIdNumber, makeUscc } from './support/factories';
import { idNumberWithFirstGeneration, idSpellings } from './support/fuzz';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 21: one normalisation before every ID guard, so no spelling of a number gets past any of them. */
describe('ID numbers in any spelling', () => {
  // its 15-digit form must not also be a registration number, which is left alone on purpose (1 in 10 are)
  const id = idNumberWithFirstGeneration(() => makeIdNumber('1949-12-31'));
  const spellings = idSpellings(id);
  /** The digits of the birth date and sequence, in the spelling's own characters, as a reader would pick them out. */
  const middleOf = (spelled: string) => {
    const chars = [...spelled].filter((c) => !/[\s\p{Pd}\p{Cf}\p{M}]/u.test(c));
    const start = spelled.startsWith('姓名') ? 2 : 0;
    return chars.slice(start + 6, start + 14).join('');
  };

  it.each(spellings.map((s) => [JSON.stringify(s), s]))('%s is found, refused as free text and masked', (_, s) => {
    expect(containsIdNumber(s)).toBe(true);
    expect(textProblem('name', s)).toMatch(/citizen ID number/);
    const redacted = redactIdNumbers(`{"name":"${s}"}`);
    expect(redacted).not.toContain(middleOf(s));
    expect(redacted.split('*').length - 1).toBeGreaterThanOrEqual(8);
  });

  it('masks an ID number that is also a valid USCC, except where it stands as a USCC', () => {
    const both = '110105198202203404'; // a valid ID number (1982-02-20) that passes the USCC checks too
    expect(redactIdNumbers(`{"name":"${both}"}`)).toBe('{"name":"110105***********4"}');
    expect(redactIdNumbers(`{"uscc":"${both}"}`)).toBe(`{"uscc":"${both}"}`);
    expect(redactIdNumbers(`/v1/checks/enterprises/${both}`)).toBe(`/v1/checks/enterprises/${both}`);
  });

  it('leaves alone what is not an ID number: USCCs, phone numbers, dates, a wrong check character', () => {
    const uscc = makeUscc();
    const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    for (const text of [
      uscc,
      `统一社会信用代码 ${uscc}`,
      '电话 138-0013-8000',
      '2026-03-02T02:00:00.000Z',
      `${wrong.slice(0, 6)} ${wrong.slice(6, 14)} ${wrong.slice(14)}`,
      '张三，一二三',
      '(2026)测01执1号',
    ]) {
      expect({ text, found: containsIdNumber(text) }).toEqual({ text, found: false });
      expect(redactIdNumbers(text)).toBe(text);
    }
  });

  describe('through the API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('a subject name or a reason holding any spelling is 400 naming the field, and nothing is stored', async () => {
      const samr = await t.tokenFor('samr');
      const before = await t.count('list_entries');
      for (const s of spellings) {
        const entry = enterpriseEntry();
        (entry.subject as { name: string }).name = `上海${s}有限公司`;
        const res = await t.http.post('/v1/list-entries').set(samr).send(entry).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(JSON.stringify(res.body.errors)).toContain('subject.name');
        const reason = await t.http
          .post('/v1/list-entries')
          .set(samr)
          .send(enterpriseEntry({ reason: `当事人 ${s}` }))
          .expect(400);
        expect(JSON.stringify(reason.body.errors)).toContain('reason');
        expect(res.text).not.toContain(s);
      }
      expect(await t.count('list_entries')).toBe(before);
    });
  });
});
