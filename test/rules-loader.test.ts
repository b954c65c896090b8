import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rulesDir } from '../src/paths';
import { loadRules, RuleFileError } from '../src/rules/rule-loader';

/**
 * Every rule file is checked at load: a broken one stops start-up naming the file and the field.
 * Each case copies rules/ to a temporary directory, breaks one thing in one file, and expects that file and field.
 */
type Json = Record<string, any>;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function brokenCopy(file: string, mutate: (data: Json) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-rules-'));
  dirs.push(dir);
  cpSync(rulesDir, dir, { recursive: true });
  const target = path.join(dir, file);
  const data = JSON.parse(readFileSync(target, 'utf8')) as Json;
  mutate(data);
  writeFileSync(target, JSON.stringify(data, null, 2));
  return dir;
}

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

describe('loading rules/', () => {
  it('loads every rule file of the repository', () => {
    const loaded = loadRules(rulesDir);
    expect(loaded.files.map((f) => path.basename(f.file))).toEqual(['ndrc-2015-2045.json', 'ndrc-2016-141.json', 'officer-bans.json']);
    expect(loaded.rules).toHaveLength(48);
    expect(loaded.catalog.listingGrounds).toHaveLength(12);
  });

  // [case, file, mutation, expected field, expected problem]
  const cases: [string, string, (d: Json) => void, string, RegExp][] = [
    ['a measure with no legal basis', MEMO_141, (d) => delete d.rules[3].event.params.basis, 'rules[3].event.params.basis', /required/],
    ['an officer ban with no legal basis', BANS, (d) => delete d.rules[2].event.params.basis, 'rules[2].event.params.basis', /required/],
    ['an empty basis list', MEMO_2045, (d) => (d.rules[1].event.params.basis = []), 'rules[1].event.params.basis', /fewer than 1/],
    ['a basis with a blank document', MEMO_2045, (d) => (d.rules[0].event.params.basis[0].document = '  '), 'rules[0].event.params.basis[0].document', /legal or policy basis/],
    ['a basis with a blank article', MEMO_141, (d) => (d.rules[5].event.params.basis[1].article = ' '), 'rules[5].event.params.basis[1].article', /article/],
    ['an unknown department', MEMO_141, (d) => (d.rules[7].event.params.department = 'ministry_of_magic'), 'rules[7].event.params.department', /unknown department "ministry_of_magic"/],
    ['an unknown department on an officer ban', BANS, (d) => (d.rules[0].event.params.department = 'saic'), 'rules[0].event.params.department', /unknown department "saic"/],
    ['an unknown scenario', MEMO_2045, (d) => (d.rules[2].event.params.scenarios = ['land_transfer', 'space_travel']), 'rules[2].event.params.scenarios[1]', /unknown scenario "space_travel"/],
    ['inForce.until before inForce.from', BANS, (d) => (d.rules[3].event.params.inForce = { from: '2024-07-01', until: '2024-06-30' }), 'rules[3].event.params.inForce.until', /before inForce.from \(2024-07-01\)/],
    ['an inForce date that is not a date', BANS, (d) => (d.rules[4].event.params.inForce.from = '2024-13-01'), 'rules[4].event.params.inForce.from', /format "date"/],
    ['an unknown list in a condition', MEMO_141, (d) => (d.rules[0].conditions.all[0].value = 'red_list'), 'rules[0].conditions.all[0].value', /unknown listType "red_list"/],
    ['an unknown subject kind in a condition', BANS, (d) => (d.rules[2].conditions.all[1].value = 'company'), 'rules[2].conditions.all[1].value', /unknown subjectKind "company"/],
    [
      'a rule that can match a list its memorandum does not declare',
      MEMO_141,
      (d) => (d.rules[1].conditions.all[0] = { fact: 'listType', operator: 'in', value: ['dishonest_debtor', 'serious_violation'] }),
      'rules[1].conditions',
      /serious_violation, which memorandum.lists does not declare/,
    ],
    ['a fixed duration without a start', MEMO_2045, (d) => (d.rules[0].event.params.duration = { type: 'fixed', years: 3 }), 'rules[0].event.params.duration.from', /required/],
    ['an event of no known type', MEMO_2045, (d) => (d.rules[0].event.type = 'reward'), 'rules[0].event', /must be in oneOf/],
    ['a measure code used twice', MEMO_141, (d) => (d.rules[1].event.params.code = 'gsr18-bidding'), 'rules[1].event.params.code', /already used in .*ndrc-2015-2045\.json/],
    ['an officer ban on an unknown role', BANS, (d) => (d.rules[1].event.params.roles = ['chairman']), 'rules[1].event.params.roles[0]', /allowed values/],
    ['a memorandum on an unknown list', BANS, (d) => d.memorandum.lists.push('red_list'), 'memorandum.lists[3]', /unknown list type "red_list"/],
    ['a department holding duties for an unknown list', 'departments.json', (d) => d.departments[1].authorityFor.push('red_list'), 'departments[1].authorityFor[1]', /unknown list type/],
    ['a listing ground of an unknown list', 'catalog.json', (d) => (d.listingGrounds[0].list = 'red_list'), 'listingGrounds[0].list', /unknown list type/],
    ['a listing ground with inForce.until before from', 'catalog.json', (d) => (d.listingGrounds[7].inForce.until = '2015-01-01'), 'listingGrounds[7].inForce.until', /before inForce.from/],
    ['a listing ground whose extension range is inverted', 'catalog.json', (d) => (d.listingGrounds[1].term.extension = { minYears: 3, maxYears: 1 }), 'listingGrounds[1].term.extension.maxYears', /below minYears/],
    ['a listing ground with no basis', 'catalog.json', (d) => delete d.listingGrounds[2].basis, 'listingGrounds[2].basis', /required/],
    ['a duplicate listing ground', 'catalog.json', (d) => (d.listingGrounds[2].code = d.listingGrounds[1].code), 'listingGrounds[2].code', /duplicate ground/],
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
