import { cpSync, mkdtempSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createServices } from '../src/services';
import { primaryOnly } from '../src/db/knex';
import type { LoadedRules } from '../src/rules/rule-loader';
import type { LoadedRule } from '../src/rules/rule-types';
import { createPersonKeyer } from '../src/identity/person-key';
import { calendarStatus } from '../src/time/calendar-status';
import { ManualClock } from '../src/time/clock';
import { FeedbackDeadlines } from '../src/time/feedback-deadline';
import { statutoryHolidays } from '../src/time/statutory-holidays';
import { RuleFileError } from '../src/errors';
import { loadCalendarOverrides, WorkingDayCalendar, type CalendarOverrides } from '../src/time/working-days';
import { rulesDir } from '../src/paths';
import { enterpriseEntry } from './support/factories';
import { ADMIN, startTestApp, type TestApp } from './support/test-app';

type Order = { id: string; department: string; dueAt: string; dueAtProvisional: boolean; measures: { code: string }[] };

/** The calendar of the shipped rules directory, as the service builds it. */
const shipped = () => new WorkingDayCalendar(loadCalendarOverrides(rulesDir));

/** A copy of the rules directory whose override file holds the given years. */
function rulesDirWith(years: CalendarOverrides['years']): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-rules-'));
  cpSync(rulesDir, dir, { recursive: true });
  writeFileSync(path.join(dir, 'calendar', 'overrides.json'), JSON.stringify({ years }));
  return dir;
}

describe('working days on the statutory calendar', () => {
  it('counts across the 2026 Spring Festival and its two make-up Saturdays', () => {
    // Friday 13 Feb; Sat 14 Feb is a make-up working day; 15–23 Feb are the holiday; Sat 28 Feb works again.
    const cal = shipped();
    expect(cal.addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-13', 2)).toBe('2026-02-24');
    expect(cal.addWorkingDays('2026-02-13', 6)).toBe('2026-02-28');
    expect(cal.addWorkingDays('2026-02-13', 10)).toBe('2026-03-05');
    expect(cal.deadline('2026-02-13', 10).provisional).toBe(false);
  });

  it('counts across National Day 2026 and the make-up Saturday 10 October', () => {
    const cal = shipped();
    expect(cal.addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-09-30', 3)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-09-30', 7)).toBe('2026-10-15');
    // the make-up Sunday before the holiday counts too
    expect(cal.addWorkingDays('2026-09-19', 1)).toBe('2026-09-20');
  });

  it('past the official years, takes the holidays the law fixes, lunar dates from the library', () => {
    // 2031 is far beyond any notice: 春节 falls on 23 Jan 2031, 端午 on 24 Jun, 中秋 on 1 Oct (with National Day).
    const days = [...statutoryHolidays(2031)].sort();
    expect(days).toEqual([
      '2031-01-01', // 元旦 (Wednesday)
      '2031-01-22',
      '2031-01-23',
      '2031-01-24',
      '2031-01-25', // 除夕, 正月初一至初三 (the 25th is a Saturday)
      '2031-01-27', // 第六条: the Saturday holiday made up on Monday
      '2031-04-05',
      '2031-04-07', // 清明 on a Saturday, made up on Monday
      '2031-05-01',
      '2031-05-02',
      '2031-06-24', // 端午
      '2031-10-01',
      '2031-10-02',
      '2031-10-03', // 国庆; 中秋 falls on 1 October this year
    ]);
    expect(statutoryHolidays(2031).size).toBe(14);
  });

  it('never refuses to count: past the official calendar a deadline is provisional', () => {
    const cal = shipped();
    // Monday 20 Jan 2031: 21 Jan counts, 22–27 Jan are off (Spring Festival, weekend, made-up Saturday).
    expect(cal.deadline('2031-01-20', 10)).toEqual({ date: '2031-02-07', provisional: true });
    expect(cal.isOfficialYear(2031)).toBe(false);
    expect(cal.isWorkday('2031-01-27')).toBe(false);
    expect(cal.isWorkday('2031-01-28')).toBe(true);
  });

  it("takes a year from the override file, which makes it official and wins over the law's floor", () => {
    // FICTIONAL dates, only to exercise the mechanism (not a State Council notice).
    const cal = new WorkingDayCalendar({
      years: { '2031': { notice: 'test fixture', holidays: ['2031-01-21'], workdays: ['2031-01-25'] } },
    });
    expect(cal.isOfficialYear(2031)).toBe(true);
    expect(cal.isWorkday('2031-01-21')).toBe(false);
    expect(cal.isWorkday('2031-01-23')).toBe(true);
    expect(cal.isWorkday('2031-01-25')).toBe(true);
    expect(cal.deadline('2031-01-20', 1)).toEqual({ date: '2031-01-22', provisional: false });
    // a count that runs into the next year without a notice is provisional again
    expect(cal.deadline('2031-12-30', 5).provisional).toBe(true);
  });

  it('says when the official calendar ends, with a warning 60 days before and after', () => {
    const cal = new WorkingDayCalendar({ years: { '2031': { notice: 'fixture', holidays: [], workdays: [] } } });
    const at = (iso: string) => calendarStatus(cal, new ManualClock(new Date(iso)));
    expect(at('2031-06-01T04:00:00Z')).toEqual({ officialUntil: '2031-12-31', daysLeft: 213 });
    const near = at('2031-11-15T04:00:00Z');
    expect(near).toMatchObject({ officialUntil: '2031-12-31', daysLeft: 46 });
    expect(near.warning).toMatch(/ends on 2031-12-31.*overrides\.json/);
    expect(at('2032-01-05T04:00:00Z').warning).toMatch(/ended on 2031-12-31/);
  });

  it('validates the override file against its schema and for sense', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-cal-'));
    mkdirSync(path.join(dir, 'calendar'));
    copyFileSync(
      path.join(rulesDir, 'calendar', 'overrides.schema.json'),
      path.join(dir, 'calendar', 'overrides.schema.json'),
    );
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
    const rule = (code: string, n?: number) =>
      ({
        event: { type: 'measure', params: { code, ...(n ? { feedbackDueWorkingDays: n } : {}) } },
      }) as unknown as LoadedRule;
    const d = new FeedbackDeadlines([rule('a', 5), rule('b', 20), rule('c')], 10, shipped());
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
    const res = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ decidedAt: '2026-09-29' }))
      .expect(201);
    for (const o of res.body.orders as Order[]) expect(o.dueAt).toBe('2026-10-20T16:00:00.000Z');
  });

  it('accepts a listing decided in December whose deadline falls in the next year, official or not', async () => {
    t.clock.set(new Date('2026-12-24T03:00:00Z'));
    const res = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ decidedAt: '2026-12-23' }))
      .expect(201);
    const orders = res.body.orders as Order[];
    expect(orders.length).toBeGreaterThan(0);
    const expected = t.app.calendar.deadline('2026-12-24', 10);
    expect(expected.date > '2027-01-01').toBe(true);
    for (const o of orders) {
      expect(o.dueAt).toBe(`${expected.date}T16:00:00.000Z`);
      // provisional exactly when 2027 has no State Council notice in this calendar (package or override file)
      expect(o.dueAtProvisional).toBe(!t.app.calendar.isOfficialYear(2027));
    }
  });

  it('far past the official calendar: 201, a deadline on the statutory holidays, marked provisional', async () => {
    t.clock.set(new Date('2031-01-20T03:00:00Z'));
    const res = await t.http
      .post('/v1/list-entries')
      .set(samr)
      .send(enterpriseEntry({ decidedAt: '2031-01-17' }))
      .expect(201);
    for (const o of res.body.orders as Order[]) {
      expect(o).toMatchObject({ dueAt: '2031-02-07T16:00:00.000Z', dueAtProvisional: true });
    }
    const stored = await t.db('orders').where({ entry_id: res.body.id });
    expect(stored.every((o: { due_at_provisional: boolean }) => o.due_at_provisional)).toBe(true);
  });

  it('RULES_DIR with an override year is the calendar the API counts on', async () => {
    // FICTIONAL 2027 (not a notice): 1 and 4 Jan off, Saturday 9 Jan works. It wins over the package and the law.
    const dir = rulesDirWith({
      '2027': { notice: 'test fixture', holidays: ['2027-01-01', '2027-01-04'], workdays: ['2027-01-09'] },
    });
    const t2 = await startTestApp({ now: new Date('2026-12-24T03:00:00Z'), env: { RULES_DIR: dir } });
    try {
      const res = await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('samr'))
        .send(enterpriseEntry({ decidedAt: '2026-12-23' }))
        .expect(201);
      // 25, 28, 29, 30, 31 Dec; 5, 6, 7, 8 Jan; Saturday 9 Jan is the tenth working day
      for (const o of res.body.orders as Order[])
        expect(o).toMatchObject({ dueAt: '2027-01-09T16:00:00.000Z', dueAtProvisional: false });
      const ready = await t2.http.get('/readyz').expect(200);
      expect(ready.body.calendar.officialUntil >= '2027-12-31').toBe(true);
    } finally {
      await t2.close();
    }
  });

  it('when the notice is added, provisional deadlines are recomputed, audited, and never moved earlier', async () => {
    // its own database: only this test's orders are provisional there
    const t = await startTestApp({ now: new Date('2031-01-20T03:00:00Z') });
    try {
      const samr = await t.tokenFor('samr');
      const res = await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send(enterpriseEntry({ decidedAt: '2031-01-17' }))
        .expect(201);
      const first = (res.body.orders as Order[])[0] as Order;
      expect(first).toMatchObject({ dueAt: '2031-02-07T16:00:00.000Z', dueAtProvisional: true });
      const other = await t.http
        .post('/v1/list-entries')
        .set(samr)
        .send(enterpriseEntry({ decidedAt: '2031-01-17' }))
        .expect(201);
      const otherOrder = (other.body.orders as Order[])[0] as Order;
      const orders = (res.body.orders as Order[]).length + (other.body.orders as Order[]).length;

      // The running service, restarted on the same database with a (FICTIONAL) 2031 notice that gives a longer break:
      // 22 Jan – 2 Feb off. The count from 20 Jan: 21 Jan, 3–7 Feb, 10–13 Feb: due 13 Feb, later than given.
      const longer = rulesDirWith({
        '2031': { notice: 'test fixture', holidays: dates('2031-01-22', '2031-02-02'), workdays: [] },
      });
      const later = appOn(t, longer);
      expect(await later.jobs.run('recompute-provisional-deadlines')).toMatchObject({
        outcome: 'succeeded',
        counts: { confirmed: orders, moved: orders },
      });
      const moved = await t.http.get(`/v1/orders/${first.id}`).set(ADMIN).expect(200);
      expect(moved.body).toMatchObject({ dueAt: '2031-02-13T16:00:00.000Z', dueAtProvisional: false });
      const audit = await t.db('audit_log').where({ entity_id: first.id, action: 'order.deadline_recomputed' });
      expect(audit).toHaveLength(1);
      expect(audit[0]?.before).toEqual({ dueAt: '2031-02-07T16:00:00.000Z', dueAtProvisional: true });
      expect(audit[0]?.after).toMatchObject({ dueAt: '2031-02-13T16:00:00.000Z', dueAtProvisional: false });
      // a second run finds nothing to do
      expect(await later.jobs.run('recompute-provisional-deadlines')).toMatchObject({ counts: { checked: 0 } });

      // A notice that makes the count SHORTER (no Spring Festival break at all) never moves a deadline earlier.
      await t
        .db('orders')
        .where({ id: otherOrder.id })
        .update({ due_at: new Date('2031-02-07T16:00:00Z'), due_at_provisional: true });
      const shorter = rulesDirWith({ '2031': { notice: 'test fixture', holidays: [], workdays: ['2031-01-25'] } });
      expect(await appOn(t, shorter).jobs.run('recompute-provisional-deadlines')).toMatchObject({
        counts: { confirmed: 1, moved: 0 },
      });
      const kept = await t.http.get(`/v1/orders/${otherOrder.id}`).set(ADMIN).expect(200);
      expect(kept.body).toMatchObject({ dueAt: '2031-02-07T16:00:00.000Z', dueAtProvisional: false });
    } finally {
      await t.close();
    }
  });

  it("uses a rule's own feedbackDueWorkingDays for the order that holds its measure", async () => {
    const rules: LoadedRules = structuredClone(t.rules);
    const r = rules.rules.find((x) => x.event.params.code === 'gsr18-government-procurement') as LoadedRule;
    (r.event.params as { feedbackDueWorkingDays?: number }).feedbackDueWorkingDays = 5;
    const t2 = await startTestApp({ now: new Date('2026-02-13T02:00:00Z'), rules });
    try {
      const res = await t2.http
        .post('/v1/list-entries')
        .set(await t2.tokenFor('samr'))
        .send(enterpriseEntry())
        .expect(201);
      const orders = res.body.orders as Order[];
      expect(orders.find((o) => o.department === 'mof')?.dueAt).toBe('2026-02-27T16:00:00.000Z');
      expect(orders.find((o) => o.department === 'mnr')?.dueAt).toBe('2026-03-05T16:00:00.000Z');
    } finally {
      await t2.close();
    }
  });
});

/** Every date from..to inclusive. */
function dates(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** Another instance of the service (its services: the jobs) on the same database, from another RULES_DIR. */
function appOn(t: TestApp, dir: string) {
  const config = { ...t.config, rulesDir: dir };
  const keyOf = createPersonKeyer('test-id-hash-key-0123456789abcdef0123');
  return createServices(config, {
    databases: primaryOnly(t.db),
    rules: t.rules,
    keyOf,
    clock: t.clock,
    log: pino({ level: 'silent' }),
  });
}
