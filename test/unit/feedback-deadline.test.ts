import { FeedbackDeadlines } from '../../src/time/feedback-deadline';
import { WorkingDayCalendar } from '../../src/time/working-days';

// The package calendar alone (no overrides file); 2026-03-02 is a Monday with no holiday in the next three weeks.
const calendar = new WorkingDayCalendar();
const rules = [
  { event: { params: { code: 'fast', feedbackDueWorkingDays: 3 } } },
  { event: { params: { code: 'plain' } } },
];
const deadlines = new FeedbackDeadlines(rules, 10, calendar);
const issued = new Date('2026-03-02T02:00:00Z'); // 10:00 China time, Monday

describe('FeedbackDeadlines', () => {
  it("takes a rule's own working days, the default otherwise, and the shortest of an order's measures", () => {
    expect(deadlines.workingDaysFor([{ code: 'plain' }])).toBe(10);
    expect(deadlines.workingDaysFor([{ code: 'fast' }])).toBe(3);
    expect(deadlines.workingDaysFor([{ code: 'plain' }, { code: 'fast' }])).toBe(3);
    expect(deadlines.workingDaysFor([])).toBe(10);
  });

  it('is due at the end of the China day N working days after issue, weekends not counted', () => {
    // Monday + 3 working days = Thursday 2026-03-05, 24:00 China time = 16:00 UTC
    expect(deadlines.dueAt(issued, [{ code: 'fast' }]).toISOString()).toBe('2026-03-05T16:00:00.000Z');
    // Monday + 10 working days = Monday 2026-03-16
    expect(deadlines.dueAt(issued, [{ code: 'plain' }]).toISOString()).toBe('2026-03-16T16:00:00.000Z');
    // issued late on Sunday UTC = Monday in China: counting starts from the China date
    expect(deadlines.dueAt(new Date('2026-03-01T17:00:00Z'), [{ code: 'fast' }]).toISOString()).toBe(
      '2026-03-05T16:00:00.000Z',
    );
  });
});
