import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { isWorkday as packageIsWorkday } from 'chinese-days';
import { RuleFileError } from '../errors';
import { addDays, type IsoDate } from './dates';

/**
 * 工作日 arithmetic on China's statutory calendar: holidays and make-up working days (调休上班) from the chinese-days
 * package, plus rules/calendar/overrides.json for years whose State Council notice came out after the package.
 * Beyond the last year covered we refuse rather than guess: a deadline counted on weekends alone would be wrong
 * around every Spring Festival and National Day.
 */
export class CalendarNotCoveredError extends Error {
  override readonly name = 'CalendarNotCoveredError';
  constructor(
    readonly date: IsoDate,
    readonly lastYear: number,
  ) {
    super(`the working-day calendar covers years up to ${lastYear}; ${date} is beyond it, so no deadline can be computed (add the year's State Council holiday notice to rules/calendar/overrides.json)`);
  }
}

export interface OverrideYear {
  notice: string;
  source?: string;
  holidays: IsoDate[];
  workdays: IsoDate[];
}

export interface CalendarOverrides {
  years: Record<string, OverrideYear>;
}

function packageYears(): number[] {
  const dir = path.join(path.dirname(require.resolve('chinese-days')), 'years');
  return readdirSync(dir)
    .map((f) => /^(\d{4})\.json$/.exec(f)?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

const PACKAGE_YEARS = packageYears();
const PACKAGE_FIRST = PACKAGE_YEARS[0] ?? Infinity;
const PACKAGE_LAST = PACKAGE_YEARS[PACKAGE_YEARS.length - 1] ?? -Infinity;

/** Longest deadline we count, in calendar days: a guard for the loop, far beyond 60 working days. */
const MAX_SPAN_DAYS = 366;

const isWeekend = (date: IsoDate) => {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
};

export class WorkingDayCalendar {
  private readonly overrides = new Map<number, { holidays: Set<IsoDate>; workdays: Set<IsoDate> }>();
  /** The last year of the unbroken run of covered years that starts with the package's first year. */
  readonly lastYear: number;

  constructor(overrides: CalendarOverrides = { years: {} }) {
    for (const [year, y] of Object.entries(overrides.years)) {
      this.overrides.set(Number(year), { holidays: new Set(y.holidays), workdays: new Set(y.workdays) });
    }
    let last = PACKAGE_LAST;
    while (this.overrides.has(last + 1)) last++;
    this.lastYear = last;
  }

  covers(year: number): boolean {
    return this.overrides.has(year) || (year >= PACKAGE_FIRST && year <= PACKAGE_LAST);
  }

  isWorkday(date: IsoDate): boolean {
    const year = Number(date.slice(0, 4));
    const o = this.overrides.get(year);
    if (o) return o.workdays.has(date) || (!o.holidays.has(date) && !isWeekend(date));
    if (!this.covers(year)) throw new CalendarNotCoveredError(date, this.lastYear);
    return packageIsWorkday(date);
  }

  /** The Nth working day after `date` (N ≥ 1); `date` itself does not count. */
  addWorkingDays(date: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a positive integer, got ${n}`);
    let day = date;
    let counted = 0;
    for (let i = 0; i < MAX_SPAN_DAYS; i++) {
      day = addDays(day, 1);
      if (this.isWorkday(day) && ++counted === n) return day;
    }
    throw new RangeError(`${n} working days after ${date} is more than ${MAX_SPAN_DAYS} calendar days away`);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/**
 * Reads rules/calendar/overrides.json, checked against its JSON Schema and for sense: each date in its own year,
 * no date both a holiday and a working day, make-up working days on weekends only.
 */
export function loadCalendarOverrides(rulesDir: string): CalendarOverrides {
  const dir = path.join(rulesDir, 'calendar');
  const file = path.join(dir, 'overrides.json');
  const display = path.relative(process.cwd(), file) || file;
  // A rules directory without a calendar folder (e.g. a test fixture) has no overrides.
  if (!existsSync(file)) return { years: {} };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleFileError(display, '', `cannot be read as JSON: ${(e as Error).message}`);
  }
  const schema = JSON.parse(readFileSync(path.join(dir, 'overrides.schema.json'), 'utf8')) as { $id: string };
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  if (!validate(data)) {
    const err = validate.errors?.[0];
    throw new RuleFileError(display, (err?.instancePath ?? '').split('/').filter(Boolean).join('.'), err?.message ?? 'is invalid');
  }
  const overrides = data as CalendarOverrides;
  for (const [year, y] of Object.entries(overrides.years)) {
    for (const [list, dates] of [
      ['holidays', y.holidays],
      ['workdays', y.workdays],
    ] as const) {
      dates.forEach((d, i) => {
        const field = `years.${year}.${list}[${i}]`;
        if (!d.startsWith(`${year}-`)) throw new RuleFileError(display, field, `${d} is not in ${year}`);
        if (list === 'workdays' && !isWeekend(d)) throw new RuleFileError(display, field, `${d} is a weekday; make-up working days fall on weekends`);
        if (list === 'workdays' && y.holidays.includes(d)) throw new RuleFileError(display, field, `${d} is also listed as a holiday`);
      });
    }
  }
  return overrides;
}
