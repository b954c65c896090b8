import type { Clock } from './clock';
import { chinaDate, type IsoDate } from './dates';
import type { WorkingDayCalendar } from './working-days';

/** Warn this long before the official calendar ends: time for the State Council notice to be added. */
const CALENDAR_WARNING_DAYS = 60;

export interface CalendarStatus {
  officialUntil: IsoDate | null;
  daysLeft: number | null;
  warning?: string;
}

/** How long the official calendar lasts from today, with a warning when it ends within 60 days (or has ended). */
export function calendarStatus(calendar: WorkingDayCalendar, clock: Clock): CalendarStatus {
  const today = chinaDate(clock.now());
  const officialUntil = calendar.officialUntil(today);
  if (officialUntil === null) {
    return { officialUntil, daysLeft: null, warning: warningText(today, null) };
  }
  const daysLeft = Math.round((Date.parse(officialUntil) - Date.parse(today)) / 86_400_000);
  return {
    officialUntil,
    daysLeft,
    ...(daysLeft <= CALENDAR_WARNING_DAYS ? { warning: warningText(today, officialUntil) } : {}),
  };
}

function warningText(today: IsoDate, until: IsoDate | null): string {
  const after =
    until === null
      ? 'no official calendar covers today'
      : until < today
        ? `the official calendar ended on ${until}`
        : `the official calendar ends on ${until}`;
  return (
    `${after}: deadlines past it are counted on the statutory holidays alone and marked provisional; add the ` +
    `State Council holiday notice of the next year to rules/calendar/overrides.json (README: Working days)`
  );
}
