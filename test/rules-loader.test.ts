import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { rulesDir } from '../src/paths';
import { loadRules, RuleFileError } from '../src/rules/rule-loader';
import { brokenCopy, type Json } from './support/rule-copies';

/**
 * Every rule file is checked at load: a broken one stops start-up naming the file and the field.
 * Each case copies rules/ to a temporary directory, breaks one thing in one file, and expects that file and field.
 */
function failureOf(dir: string): RuleFileError {
  try {
    loadRules(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(RuleFileError);
    return e as RuleFileError;
  }
  throw new Error('the broken rules loaded');
}

const MEMO_141 = 'memoranda/ndrc-2016-141.json';
const MEMO_2045 = 'memoranda/ndrc-2015-2045.json';
const BANS = 'memoranda/officer-bans.json';
const OPINION = 'memoranda/opinion-2016.json';

describe('loading rules/', () => {
  it('loads every rule file of the repository', () => {
    const loaded = loadRules(rulesDir);
    expect(loaded.files.map((f) => path.basename(f.file))).toEqual([
      'ndrc-2015-2045.json',
      'ndrc-2016-141.json',
      'officer-bans.json',
      'opinion-2016.json',
    ]);
    expect(loaded.rules).toHaveLength(53);
    expect(loaded.catalog.listingGrounds).toHaveLength(12);
  });

  // [case, file, mutation, expected field, expected problem]
  const cases: [string, string, (d: Json) => void, string, RegExp][] = [
    ['a measure with no legal basis', MEMO_141, (d) => delete d.rules[3].basis, 'rules[3].basis', /fewer than 1/],
    ['an officer ban with no legal basis', BANS, (d) => delete d.rules[2].basis, 'rules[2].basis', /fewer than 1/],
    ['an empty basis list', MEMO_2045, (d) => (d.rules[1].basis = []), 'rules[1].basis', /fewer than 1/],
    [
      'a basis naming an unknown document version',
      MEMO_2045,
      (d) => (d.rules[0].basis[0].version = 'no-such-law@1999'),
      'rules[0].basis[0].version',
      /unknown document version "no-such-law@1999"/,
    ],
    [
      'a basis with a blank article',
      MEMO_141,
      (d) => (d.rules[5].basis[1].article = ' '),
      'rules[5].basis[1].article',
      /article/,
    ],
    [
      'a quote from a version whose text is not held',
      BANS,
      (d) => (d.rules[1].basis[0].text = '三年内不得担任'),
      'rules[1].basis[0].text',
      /whose text is not held/,
    ],
    [
      'an unknown department',
      MEMO_141,
      (d) => (d.rules[7].department = 'ministry_of_magic'),
      'rules[7].department',
      /unknown department "ministry_of_magic"/,
    ],
    [
      'an unknown department on an officer ban',
      BANS,
      (d) => (d.rules[0].department = 'saic'),
      'rules[0].department',
      /unknown department "saic"/,
    ],
    [
      'a department named as a signatory it is not',
      MEMO_141,
      (d) => (d.rules[0].departmentAsNamed = '民航局'),
      'rules[0].departmentAsNamed',
      /"民航局" is not among the memorandum's signatories/,
    ],
    [
      'a department named by a law that does not name it',
      BANS,
      (d) => (d.rules[2].departmentAsNamed = '市场监督管理部门'),
      'rules[2].departmentAsNamed',
      /not named in the quoted basis text/,
    ],
    [
      'a department named by a policy that names none',
      OPINION,
      (d) => (d.rules[0].departmentAsNamed = '民政部'),
      'rules[0].departmentAsNamed',
      /not named in the quoted basis text/,
    ],
    [
      'a verified rule citing an article not checked',
      MEMO_2045,
      (d) => (d.rules[0].provenance = 'verified'),
      'rules[0].provenance',
      /basis\[1\] cites an article not checked/,
    ],
    [
      'a research note left in the citation (issue 20: it belongs in `gap`)',
      MEMO_2045,
      (d) => {
        d.rules[0].basis[1].article = '2014年文本第十八条的对应条款（修订后条号未核对）';
        delete d.rules[0].basis[1].gap;
      },
      'rules[0].basis[1].article',
      /holds a research note: move it to `gap`/,
    ],
    [
      'a research note quoted as text',
      OPINION,
      (d) => (d.rules[0].basis[0].text = '（类别标题；各项原文未读到）'),
      'rules[0].basis[0].text',
      /holds a research note/,
    ],
    [
      'appliesTo on a measure',
      MEMO_2045,
      (d) => (d.rules[0].appliesTo = ['state_owned_company']),
      'rules[0].appliesTo',
      /for officer bans only/,
    ],
    [
      'an unknown scenario',
      MEMO_2045,
      (d) => (d.rules[2].scenarios = ['land_transfer', 'space_travel']),
      'rules[2].scenarios[1]',
      /unknown scenario "space_travel"/,
    ],
    ['a measure without scenarios', MEMO_2045, (d) => delete d.rules[0].scenarios, 'rules[0].scenarios', /required/],
    [
      'inForce.until before inForce.from',
      BANS,
      (d) => (d.rules[3].inForce = { from: '2024-07-01', until: '2024-06-30' }),
      'rules[3].inForce.until',
      /before inForce.from \(2024-07-01\)/,
    ],
    [
      'an inForce date that is not a date',
      BANS,
      (d) => (d.rules[4].inForce.from = '2024-13-01'),
      'rules[4].inForce.from',
      /format "date"/,
    ],
    [
      'an unknown list in a condition',
      MEMO_141,
      (d) => (d.rules[0].when.listType = 'red_list'),
      'rules[0].when.listType',
      /unknown listType "red_list"/,
    ],
    [
      'an unknown list in the file defaults',
      MEMO_141,
      (d) => (d.defaults.when.listType = 'red_list'),
      'defaults.when.listType',
      /unknown listType "red_list"/,
    ],
    [
      'an unknown subject kind in a condition',
      BANS,
      (d) => (d.rules[2].when.subjectKind = 'company'),
      'rules[2].when.subjectKind',
      /unknown subjectKind "company"/,
    ],
    ['a rule with no condition', BANS, (d) => delete d.rules[0].when, 'rules[0].when', /needs a condition/],
    [
      'a rule that can match a list its memorandum does not declare',
      MEMO_141,
      (d) => (d.rules[1].when = { listType: ['dishonest_debtor', 'serious_violation'] }),
      'rules[1].when',
      /serious_violation, which memorandum.lists does not declare/,
    ],
    [
      'a fixed duration without a start',
      MEMO_2045,
      (d) => (d.rules[0].duration = { type: 'fixed', years: 3 }),
      'rules[0].duration.from',
      /required/,
    ],
    ['a rule of no known kind', MEMO_2045, (d) => (d.rules[0].kind = 'reward'), 'rules[0].kind', /allowed values/],
    [
      'a measure code used twice',
      MEMO_141,
      (d) => (d.rules[1].code = 'gsr18-bidding'),
      'rules[1].code',
      /already used in .*ndrc-2015-2045\.json/,
    ],
    [
      'an officer ban on an unknown role',
      BANS,
      (d) => (d.rules[1].roles = ['chairman']),
      'rules[1].roles[0]',
      /allowed values/,
    ],
    [
      'a signatory list that does not match its count',
      MEMO_141,
      (d) => d.memorandum.signatoryNames.push('民航局'),
      'memorandum.signatoryNames',
      /lists 45 names but signatories is 44/,
    ],
    [
      'a memorandum on an unknown list',
      BANS,
      (d) => d.memorandum.lists.push('red_list'),
      'memorandum.lists[3]',
      /unknown list type "red_list"/,
    ],
    [
      'a department holding duties for an unknown list',
      'departments.json',
      (d) => d.departments[1].authorityFor.push('red_list'),
      'departments[1].authorityFor[1]',
      /unknown list type/,
    ],
    [
      'a listing ground of an unknown list',
      'catalog.json',
      (d) => (d.listingGrounds[0].list = 'red_list'),
      'listingGrounds[0].list',
      /unknown list type/,
    ],
    [
      'a listing ground with inForce.until before from',
      'catalog.json',
      (d) => (d.listingGrounds[7].inForce.until = '2015-01-01'),
      'listingGrounds[7].inForce.until',
      /before inForce.from/,
    ],
    [
      'a listing ground whose extension range is inverted',
      'catalog.json',
      (d) => (d.listingGrounds[1].term.extension = { minYears: 3, maxYears: 1 }),
      'listingGrounds[1].term.extension.maxYears',
      /below minYears/,
    ],
    [
      'a listing ground with no basis',
      'catalog.json',
      (d) => delete d.listingGrounds[2].basis,
      'listingGrounds[2].basis',
      /required/,
    ],
    [
      'a duplicate listing ground',
      'catalog.json',
      (d) => (d.listingGrounds[2].code = d.listingGrounds[1].code),
      'listingGrounds[2].code',
      /duplicate ground/,
    ],
    [
      'a transition to an unknown list',
      'catalog.json',
      (d) => (d.transitions[0].to = 'red_list'),
      'transitions[0].to',
      /unknown list type/,
    ],
    [
      'a document version used twice',
      'documents.json',
      (d) => (d.documents[1].versions[1].id = 'gsr@2014'),
      'documents[1].versions[1].id',
      /duplicate version id/,
    ],
  ];

  it.each(cases)('refuses %s, naming the file and the field', (_name, file, mutate, field, problem) => {
    const err = failureOf(brokenCopy(file, mutate));
    expect(err.file.endsWith(file)).toBe(true);
    expect(err.field).toBe(field);
    expect(err.problem).toMatch(problem);
    expect(err.message).toContain(`${field}: `);
  });

  it('refuses a rule file that is not JSON', () => {
    const dir = brokenCopy(BANS, () => undefined);
    writeFileSync(path.join(dir, BANS), '{ "memorandum": ');
    const err = failureOf(dir);
    expect(err.file.endsWith(BANS)).toBe(true);
    expect(err.problem).toMatch(/not valid JSON/);
  });
});
