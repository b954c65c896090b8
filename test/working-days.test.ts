import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuleFileError } from '../src/rules/rule-loader';
import type { LoadedRules } from '../src/rules/rule-loader';
import type { LoadedRule } from '../src/rules/rule-types';
import { FeedbackDeadlines } from '../src/time/feedback-deadline';
import { CalendarNotCoveredError, loadCalendarOverrides, WorkingDayCalendar } from '../src/time/working-days';
import { rulesDir } from '../src/paths';
import { enterpriseEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

type Order = { department: string; dueAt: string; measures: { code: string }[] };

// The calendar every path gets (createServices builds it the same way from config.rulesDir).
const calendar = new WorkingDayCalendar(loadCalendarOverrides(rulesDir));
const addWorkingDays = (date: string, n: number) => calendar.addWorkingDays(date, n);
const calendarLastYear = () => calendar.lastYear;

describe('working days on the statutory calendar', () => {
  it('counts across the 2026 Spring Festival and its two make-up Saturdays', () => {
    // Friday 13 Feb; Sat 14 Feb is a make-up working day; 15–23 Feb are the holiday; Sat 28 Feb works again.
    expect(addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(addWorkingDays('2026-02-13', 2)).toBe('2026-02-24');
    expect(addWorkingDays('2026-02-13', 6)).toBe('2026-02-28');
    expect(addWorkingDays('2026-02-13', 10)).toBe('2026-03-05');
  });

  it('counts across National Day 2026 and the make-up Saturday 10 October', () => {
    expect(addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
    expect(addWorkingDays('2026-09-30', 7)).toBe('2026-10-15');
    // the make-up Sunday before the holiday counts too
    expect(addWorkingDays('2026-09-19', 1)).toBe('2026-09-20');
  });

  it('refuses to count past the last covered year instead of guessing', () => {
    expect(calendarLastYear()).toBe(2026);
    expect(() => addWorkingDays('2026-12-24', 10)).toThrow(CalendarNotCoveredError);
    expect(() => addWorkingDays('2026-12-24', 10)).toThrow(/covers years up to 2026/);
  });

  it('takes a year from the override file, which extends coverage; the shipped file adds none', () => {
    expect(loadCalendarOverrides(rulesDir).years).toEqual({});
    // FICTIONAL dates, only to exercise the mechanism (not a State Council notice): Friday 1 and Monday 4 Jan off, Saturday 9 Jan on.
    const cal = new WorkingDayCalendar({ years: { '2027': { notice: 'test fixture', holidays: ['2027-01-01', '2027-01-04'], workdays: ['2027-01-09'] } } });
    expect(cal.lastYear).toBe(2027);
    expect(cal.isWorkday('2027-01-04')).toBe(false);
    expect(cal.isWorkday('2027-01-09')).toBe(true);
    expect(cal.isWorkday('2027-01-10')).toBe(false);
    expect(cal.addWorkingDays('2026-12-31', 1)).toBe('2027-01-05');
    expect(() => cal.addWorkingDays('2027-12-30', 5)).toThrow(CalendarNotCoveredError);
  });

  it('validates the override file against its schema and for sense', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-cal-'));
    mkdirSync(path.join(dir, 'calendar'));
    copyFileSync(path.join(rulesDir, 'calendar', 'overrides.schema.json'), path.join(dir, 'calendar', 'overrides.schema.json'));
    const write = (data: unknown) => writeFileSync(path.join(dir, 'calendar', 'overrides.json'), JSON.stringify(data));
    write({ years: { '2027': { notice: 'x', holidays: ['2027-13-01'], workdays: [] } } });
    expect(() => loadCalendarOverrides(dir)).toThrow(RuleFileError);
    write({ years: { '2027': { notice: 'x', holidays: [], workdays: ['2027-01-05'] } } }); // a Tuesday
    expect(() => loadCalendarOverrides(dir)).toThrow(/weekday/);
    write({ years: { '2027': { notice: 'x', holidays: ['2028-01-03'], workdays: [] } } });
    expect(() => loadCalendarOverrides(dir)).toThrow(/not in 2027/);
    write({ years: { '2027': { notice: 'x', holidays: ['2027-01-01', '2027-01-04'], workdays: ['2027-01-09'] } } });
    expect(loadCalendarOverrides(dir).years['2027']?.workdays).toEqual(['2027-01-09']);
  });

  it('gives an order the shortest period of its measures, the default for measures without one', () => {
    const rule = (code: string, n?: number) => ({ event: { type: 'measure', params: { code, ...(n ? { feedbackDueWorkingDays: n } : {}) } } }) as unknown as LoadedRule;
    const d = new FeedbackDeadlines([rule('a', 5), rule('b', 20), rule('c')], 10, new WorkingDayCalendar());
    expect(d.workingDaysFor([{ code: 'b' }])).toBe(20);
    expect(d.workingDaysFor([{ code: 'b' }, { code: 'c' }])).toBe(10);
    expect(d.workingDaysFor([{ code: 'a' }, { code: 'b' }])).toBe(5);
    expect(d.dueAt(new Date('2026-02-13T02:00:00Z'), [{ code: 'a' }]).toISOString()).toBe('2026-02-27T16:00:00.000Z');
  });
});

describe('order deadlines through the API (real database)', () => {
  let t: TestApp;
  let samr: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ now: new Date('2026-02-13T02:00:00Z') });
    samr = await t.tokenFor('samr');
  });
  afterAll(() => t.close());

  it('issued on the Friday before the Spring Festival: due at the end of 5 March (10 working days)', async () => {
    t.clock.set(new Date('2026-02-13T02:00:00Z'));
    const res = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry()).expect(201);
    const orders = res.body.orders as Order[];
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) expect(o.dueAt).toBe('2026-03-05T16:00:00.000Z');
  });

  it('issued the day before National Day: the make-up Saturday counts, due at the end of 20 October', async () => {
    t.clock.set(new Date('2026-09-30T03:00:00Z'));
    const res = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry({ decidedAt: '2026-09-29' })).expect(201);
    for (const o of res.body.orders as Order[]) expect(o.dueAt).toBe('2026-10-20T16:00:00.000Z');
  });

  it('refuses with 503 when the deadline would fall in a year the calendar does not cover', async () => {
    t.clock.set(new Date('2026-12-24T03:00:00Z'));
    const res = await t.http.post('/v1/list-entries').set(samr).send(enterpriseEntry({ decidedAt: '2026-12-23' })).expect(503);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(/covers years up to 2026/);
    expect(Number((await t.db('list_entries').where('decided_at', '2026-12-23').count({ n: '*' }))[0]?.n)).toBe(0);
  });

  it('uses a rule\'s own feedbackDueWorkingDays for the order that holds its measure', async () => {
    const rules: LoadedRules = structuredClone(t.rules);
    const r = rules.rules.find((x) => x.event.params.code === 'gsr18-government-procurement') as LoadedRule;
    (r.event.params as { feedbackDueWorkingDays?: number }).feedbackDueWorkingDays = 5;
    const t2 = await startTestApp({ now: new Date('2026-02-13T02:00:00Z'), rules });
    try {
      const res = await t2.http.post('/v1/list-entries').set(await t2.tokenFor('samr')).send(enterpriseEntry()).expect(201);
      const orders = res.body.orders as Order[];
      expect(orders.find((o) => o.department === 'mof')?.dueAt).toBe('2026-02-27T16:00:00.000Z');
      expect(orders.find((o) => o.department === 'mnr')?.dueAt).toBe('2026-03-05T16:00:00.000Z');
    } finally {
      await t2.close();
    }
  });
});
