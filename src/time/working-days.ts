import { readdirSync } from 'node:fs';
import path from 'node:path';
import { findWorkday } from 'chinese-days';
import type { IsoDate } from './dates';

/**
 * 工作日 arithmetic on China's statutory calendar (holidays and make-up working days, from the chinese-days
 * package). Beyond the last year the calendar covers we refuse rather than guess: a deadline computed on
 * weekends alone would be wrong around every Spring Festival and National Day.
 */
export class CalendarNotCoveredError extends Error {
  override readonly name = 'CalendarNotCoveredError';
  constructor(
    readonly date: IsoDate,
    readonly lastYear: number,
  ) {
    super(`the working-day calendar covers years up to ${lastYear}; ${date} is beyond it, so no deadline can be computed`);
  }
}

function lastCoveredYear(): number {
  const dir = path.join(path.dirname(require.resolve('chinese-days')), 'years');
  const years = readdirSync(dir)
    .map((f) => /^(\d{4})\.json$/.exec(f)?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number);
  return Math.max(...years);
}

const LAST_YEAR = lastCoveredYear();

export function calendarLastYear(): number {
  return LAST_YEAR;
}

/** The Nth working day after `date` (N ≥ 1). */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  const result = findWorkday(n, date);
  if (Number(result.slice(0, 4)) > LAST_YEAR) throw new CalendarNotCoveredError(result, LAST_YEAR);
  return result;
}
