import { idNumberProblem, maskIdNumber } from '../src/identity/id-number';
import { usccProblem } from '../src/identity/uscc';
import { makeIdNumber, makeUscc, withWrongCheck } from './support/factories';

describe('统一社会信用代码 (GB 32100)', () => {
  it.each([
    '91310110666007217T',
    '91310115591693856A',
    '91350100M000100Y43',
    '91440101MA5CJQ4N59',
    '913502000728319549',
    '123502001549897397',
    '9135021359498494XQ',
  ])('accepts the published valid code %s', (code) => expect(usccProblem(code)).toBeNull());

  it('rejects a wrong position-18 check character', () => {
    expect(usccProblem('91310110666007217A')).toMatch(/check character/);
  });

  it('rejects a code whose embedded organisation-code check fails even when position 18 is recomputed', () => {
    // 91350203M0001QAY9B passes the inner check but fails position 18 (brief §7.1); here the inner check is broken instead.
    expect(usccProblem('913101106660072189')).toMatch(/organisation code|check character/);
    expect(usccProblem('91350203M0001QAY9B')).toMatch(/position 18/);
  });

  it('rejects letters outside the GB 32100 set and wrong lengths', () => {
    expect(usccProblem('91310110666007217')).toMatch(/18 characters/);
    expect(usccProblem('9131011066600721IT')).toMatch(/characters outside/);
  });

  it('factory codes are valid and a changed check character is not', () => {
    for (let i = 0; i < 200; i++) {
      const c = makeUscc();
      expect(usccProblem(c)).toBeNull();
      expect(usccProblem(withWrongCheck(c))).not.toBeNull();
    }
  });
});

describe('公民身份号码 (GB 11643)', () => {
  it.each(['11010519491231002X', '440524188001010014'])('accepts the specimen %s', (id) =>
    expect(idNumberProblem(id)).toBeNull(),
  );

  it('accepts a lowercase x check character', () => expect(idNumberProblem('11010519491231002x')).toBeNull());

  it('rejects a wrong check character and impossible birth dates', () => {
    expect(idNumberProblem('110101199003077777')).toMatch(/check character/);
    expect(idNumberProblem('110105194902300021')).toMatch(/birth date/);
  });

  it('masks the birth date and sequence, keeping the address code and the last four', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105***********X');
  });

  it('factory numbers are valid', () => {
    for (let i = 0; i < 200; i++) expect(idNumberProblem(makeIdNumber())).toBeNull();
  });
});
