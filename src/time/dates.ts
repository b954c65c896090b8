/**
 * Calendar dates (YYYY-MM-DD) as the regulations count them: in China Standard Time (UTC+8, no DST).
 */
const CST_OFFSET_MS = 8 * 3600_000;

export type IsoDate = string;

/** The calendar date in China at this instant. */
export function chinaDate(at: Date): IsoDate {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function isIsoDate(value: string): boolean {
  // Year 0000 parses in JavaScript but PostgreSQL has no year 0 (22008): not a calendar date here either.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value.startsWith('0000')) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Same month and day N years later; 29 February falls back to 28 February. */
export function addYears(date: IsoDate, years: number): IsoDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** The instant at which a China calendar day ends (24:00 CST). */
export function endOfChinaDay(date: IsoDate): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - CST_OFFSET_MS + 86_400_000);
}
