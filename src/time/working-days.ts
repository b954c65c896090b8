import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isWorkday as packageIsWorkday } from 'chinese-days';
import type { CalendarOverrides } from './calendar-overrides';
import { addDays, type IsoDate } from './dates';
import { isWeekend, localNoon, statutoryHolidays } from './statutory-holidays';

export { loadCalendarOverrides, type CalendarOverrides } from './calendar-overrides';

/**
 * 工作日 arithmetic on China's statutory calendar. A year is OFFICIAL when its State Council notice is known: from
 * the chinese-days package, or from rules/calendar/overrides.json for years the notice came out after the package.
 * Past the official years the count never stops (a listing is a legal decision taken elsewhere and its orders must
 * be issued): it uses the holidays the law itself fixes (statutory-holidays.ts) and weekends, and says the result is
 * provisional, so that the deadline can be recomputed once the notice is added.
 */
export interface Deadline {
  date: IsoDate;
  /** Some day counted lies in a year without its State Council notice. */
  provisional: boolean;
}

function packageYears(): number[] {
  const dir = path.join(path.dirname(require.resolve('chinese-days')), 'years');
  return readdirSync(dir)
    .map((f) => /^(\d{4})\.json$/.exec(f)?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

const PACKAGE_YEARS = new Set(packageYears());

/** Longest deadline we count, in calendar days: a guard for the loop, far beyond 60 working days. */
const MAX_SPAN_DAYS = 366;

export class WorkingDayCalendar {
  private readonly overrides = new Map<number, { holidays: Set<IsoDate>; workdays: Set<IsoDate> }>();
  /** The last year of the unbroken run of official years that starts with the package's. */
  readonly lastYear: number;

  constructor(overrides: CalendarOverrides = { years: {} }) {
    for (const [year, y] of Object.entries(overrides.years)) {
      this.overrides.set(Number(year), { holidays: new Set(y.holidays), workdays: new Set(y.workdays) });
    }
    let last = Math.max(...PACKAGE_YEARS);
    while (this.isOfficialYear(last + 1)) last++;
    this.lastYear = last;
  }

  /** The year's holidays and make-up working days are those of its State Council notice. */
  isOfficialYear(year: number): boolean {
    return this.overrides.has(year) || PACKAGE_YEARS.has(year);
  }

  /**
   * The last day of the official calendar that runs on from `today`: the end of the last year of the unbroken run
   * of official years from today's year. When today's year has no notice, the end of the last official year before.
   */
  officialUntil(today: IsoDate): IsoDate | null {
    let year = Number(today.slice(0, 4));
    if (!this.isOfficialYear(year)) {
      const before = [...PACKAGE_YEARS, ...this.overrides.keys()].filter((y) => y < year);
      return before.length ? `${Math.max(...before)}-12-31` : null;
    }
    while (this.isOfficialYear(year + 1)) year++;
    return `${year}-12-31`;
  }

  isWorkday(date: IsoDate): boolean {
    const year = Number(date.slice(0, 4));
    const o = this.overrides.get(year);
    if (o) return o.workdays.has(date) || (!o.holidays.has(date) && !isWeekend(date));
    if (PACKAGE_YEARS.has(year)) return packageIsWorkday(localNoon(date));
    return !isWeekend(date) && !statutoryHolidays(year).has(date);
  }

  /** The Nth working day after `date` (N ≥ 1; `date` itself does not count), and whether it is provisional. */
  deadline(date: IsoDate, n: number): Deadline {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a positive integer, got ${n}`);
    let day = date;
    let counted = 0;
    let provisional = false;
    for (let i = 0; i < MAX_SPAN_DAYS; i++) {
      day = addDays(day, 1);
      provisional ||= !this.isOfficialYear(Number(day.slice(0, 4)));
      if (this.isWorkday(day) && ++counted === n) return { date: day, provisional };
    }
    throw new RangeError(`${n} working days after ${date} is more than ${MAX_SPAN_DAYS} calendar days away`);
  }

  /** The Nth working day after `date` (N ≥ 1); `date` itself does not count. */
  addWorkingDays(date: IsoDate, n: number): IsoDate {
    return this.deadline(date, n).date;
  }
}
