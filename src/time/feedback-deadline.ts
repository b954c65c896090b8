import { chinaDate, endOfChinaDay } from './dates';
import type { WorkingDayCalendar } from './working-days';

export interface OrderDeadline {
  dueAt: Date;
  provisional: boolean;
}

/**
 * When an order's feedback is due: N working days after the day it was issued, to the end of that China day.
 * N is per rule (the optional `feedbackDueWorkingDays` of a measure or ban in the rule files), the configured
 * default otherwise.
 *
 * One order bundles every measure of one entry for one department and is answered once, so it takes the SHORTEST
 * period among its measures (each measure without its own N counting the default): answered by then, no measure's
 * deadline is missed. Taking the longest would let the department answer one measure later than its rule says.
 */
export class FeedbackDeadlines {
  private readonly byCode: Map<string, number>;

  constructor(
    rules: readonly { event: { params: { code: string } } }[],
    private readonly defaultWorkingDays: number,
    private readonly calendar: WorkingDayCalendar,
  ) {
    this.byCode = new Map();
    for (const r of rules) {
      const n = (r.event.params as { feedbackDueWorkingDays?: number }).feedbackDueWorkingDays;
      if (n !== undefined) this.byCode.set(r.event.params.code, n);
    }
  }

  workingDaysFor(measures: readonly { code: string }[]): number {
    if (measures.length === 0) return this.defaultWorkingDays;
    return Math.min(...measures.map((m) => this.byCode.get(m.code) ?? this.defaultWorkingDays));
  }

  /** The deadline, and whether it was counted on the law's holidays alone (a year without its notice). */
  deadlineOf(issuedAt: Date, measures: readonly { code: string }[]): OrderDeadline {
    const d = this.calendar.deadline(chinaDate(issuedAt), this.workingDaysFor(measures));
    return { dueAt: endOfChinaDay(d.date), provisional: d.provisional };
  }

  dueAt(issuedAt: Date, measures: readonly { code: string }[]): Date {
    return this.deadlineOf(issuedAt, measures).dueAt;
  }
}
