import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rulesDir } from '../src/paths';
import { citationsOn } from '../src/rules/citations';
import { loadRules } from '../src/rules/rule-loader';
import { articlesOf, quoteProblems } from './support/basis-texts';
import { brokenCopy, type Json } from './support/rule-copies';

/**
 * Every basis that quotes a text quotes it exactly, from the version it names, and the quote mentions the measure;
 * every basis citing a law whose text is held (rules/texts/laws/) quotes it. Breaking one quote must fail.
 */
const ruleOf = (d: Json, code: string) => d.rules.find((r: Json) => r.code === code);

describe('quoted bases', () => {
  it('every quote is in the version it cites and mentions its measure', () => {
    expect(quoteProblems(loadRules(rulesDir), rulesDir)).toEqual([]);
  });

  it('reads the articles of a law text', () => {
    const articles = articlesOf(readFileSync(path.join(rulesDir, 'texts/laws/公司法(2023-12-29).md'), 'utf8'));
    expect(articles.get('第一百七十八条')).toContain(
      '（五）个人因所负数额较大债务到期未清偿被人民法院列为失信被执行人。',
    );
    expect(articles.has('第二百六十六条')).toBe(true);
    expect(articles.has('第二百六十七条')).toBe(false);
  });

  it.each([
    [
      'an article the version does not have',
      'memoranda/officer-bans.json',
      (d: Json) => (ruleOf(d, 'cl2023-178-5-officer-ban').basis[0].article = '第二百九十九条'),
      /company-law@2023 has no 第二百九十九条/,
    ],
    [
      'a quote from the other version of the law',
      'memoranda/officer-bans.json',
      (d: Json) => (ruleOf(d, 'cl2023-178-5-officer-ban').basis[0].text = '（五）个人所负数额较大的债务到期未清偿。'),
      /the quote is not in company-law@2023 第一百七十八条/,
    ],
    [
      'a quote that does not mention the measure',
      'memoranda/ndrc-2015-2045.json',
      (d: Json) => (ruleOf(d, 'gsr18-honors').keywords = ['招标投标']),
      /mentions none of 招标投标/,
    ],
    [
      'a law cited without its text',
      'memoranda/officer-bans.json',
      (d: Json) => delete ruleOf(d, 'mer12-4-legal-representative-ban').basis[0].text,
      /cites mer@2021 第十二条第（四）项 without quoting it/,
    ],
    [
      'a memorandum item misquoted',
      'memoranda/ndrc-2016-141.json',
      (d: Json) => (ruleOf(d, 'd141-enterprise-bonds').basis[0].text = '限制失信被执行人发行公司债券。'),
      /the quote is not in texts\/memoranda\/141-findings.md/,
    ],
  ])('fails on %s', (_name, file, mutate, problem) => {
    const dir = brokenCopy(file, mutate);
    expect(quoteProblems(loadRules(dir), dir).join('\n')).toMatch(problem);
  });

  it('a decision is answered with the version in force on its date', () => {
    const rule = loadRules(rulesDir).rules.find((r) => r.event.params.code === 'gsr18-government-procurement');
    const on = (date: string) =>
      citationsOn(rule?.event.params.basis ?? [], date).map((c) => `${c.document} ${c.article}`);
    expect(on('2024-04-30')).toEqual(['企业信息公示暂行条例（2014） 第十八条', '发改财金〔2015〕2045号 联合惩戒措施']);
    expect(on('2024-05-01')).toEqual([
      '企业信息公示暂行条例（2024年修订，国务院令第777号） 2014年文本第十八条的对应条款',
      '发改财金〔2015〕2045号 联合惩戒措施',
    ]);
  });
});
