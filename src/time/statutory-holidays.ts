import { getLunarDate, getSolarDateFromLunar, getSolarTermDate } from 'chinese-days';
import { addDays, type IsoDate } from './dates';

/**
 * The days off that 《全国年节及纪念日放假办法》 (as revised 2024-11-10) gives every citizen, for a year no State
 * Council notice covers yet:
 *   第二条 元旦 1 day (1 Jan); 春节 4 (农历除夕, 正月初一至初三); 清明 1 (the solar term's day); 劳动节 2 (1–2 May);
 *          端午 1 (五月初五); 中秋 1 (八月十五); 国庆 3 (1–3 Oct);
 *   第六条 a holiday on a Saturday or Sunday is made up on the next working day.
 * The yearly notice also moves days around (调休) and may add a few; this is only the floor the law guarantees, so a
 * deadline counted on it is provisional until the notice is added to rules/calendar/overrides.json.
 *
 * Lunar and solar-term dates come from chinese-days, never from a typed table.
 */
export function statutoryHolidays(year: number): ReadonlySet<IsoDate> {
  let days = cache.get(year);
  if (!days) {
    days = compute(year);
    cache.set(year, days);
  }
  return days;
}

const cache = new Map<number, ReadonlySet<IsoDate>>();

function compute(year: number): ReadonlySet<IsoDate> {
  const springFestival = lunarToSolar(year, 1, 1);
  const festival: IsoDate[] = [
    `${year}-01-01`,
    addDays(springFestival, -1), // 除夕: the last day of the twelfth month, whether it is the 29th or the 30th
    springFestival,
    addDays(springFestival, 1),
    addDays(springFestival, 2),
    qingming(year),
    `${year}-05-01`,
    `${year}-05-02`,
    lunarToSolar(year, 5, 5),
    lunarToSolar(year, 8, 15),
    `${year}-10-01`,
    `${year}-10-02`,
    `${year}-10-03`,
  ].sort();
  const off = new Set<IsoDate>(festival);
  // 第六条: each holiday on a weekend is made up on the next day that is neither a weekend nor already off.
  for (const day of festival) {
    if (!isWeekend(day)) continue;
    let substitute = addDays(day, 1);
    while (isWeekend(substitute) || off.has(substitute)) substitute = addDays(substitute, 1);
    off.add(substitute);
  }
  return off;
}

export function isWeekend(date: IsoDate): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

/**
 * chinese-days reads and formats dates in the process's local time zone; giving it local noon of the day keeps the
 * answer on the right calendar day whatever TZ the service runs in.
 */
export function localNoon(date: IsoDate): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12);
}

function lunarToSolar(lunarYear: number, month: number, day: number): IsoDate {
  const solar = getSolarDateFromLunar(localNoon(`${lunarYear}-${pad(month)}-${pad(day)}`)).date;
  // Guard against a library answer for the wrong day: convert back and compare. getLunarDate counts days from an
  // instant at midnight in China, so it is given noon China time of the day, not local noon.
  const back = getLunarDate(new Date(Date.parse(`${solar}T12:00:00+08:00`)));
  if (back.lunarYear !== lunarYear || back.lunarMon !== month || back.lunarDay !== day || back.isLeap) {
    throw new Error(`lunar ${lunarYear}-${month}-${day} converted to ${solar}, which converts back differently`);
  }
  return solar;
}

/** 清明: the day of the solar term 清明 (pure_brightness), early April. */
function qingming(year: number): IsoDate {
  // The package formats a UTC-midnight date with local getters: west of UTC that prints the day before.
  const shift = new Date(Date.UTC(2000, 0, 1)).getDate() === 1 ? 0 : 1;
  return addDays(getSolarTermDate(year, 4, 'pure_brightness'), shift);
}

const pad = (n: number) => String(n).padStart(2, '0');
