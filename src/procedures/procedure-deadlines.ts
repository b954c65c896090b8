import type { ProcedureBasisRef, ProcedureDeadline, ProcedureStep } from '../generated/rule-files';
import type { components } from '../generated/openapi';
import type { LoadedProcedure } from '../rules/procedure-loader';
import { addDays, addYears, type IsoDate } from '../time/dates';
import type { WorkingDayCalendar } from '../time/working-days';

export type AppliedProcedure = components['schemas']['AppliedProcedure'];
type AppliedStep = AppliedProcedure['steps'][number];

/** The days a deadline counts from: the listing decision, the day received, the acceptance deadline. */
export interface Anchors {
  decided_at: IsoDate;
  receipt: IsoDate;
  accept_by?: IsoDate | null;
}

/**
 * The last day of a step, or null when no text gives one (then nothing is ever overdue). A period starts the day
 * after its anchor (民法典 Art. 201: 开始的当日不计入), so 30 days from a decision on 1 March end on 31 March; working
 * days are counted on the one working-day calendar.
 */
export function lastDayOf(
  step: Pick<ProcedureStep, 'deadline'> | undefined,
  anchors: Anchors,
  calendar: WorkingDayCalendar,
): IsoDate | null {
  const d: ProcedureDeadline | null | undefined = step?.deadline;
  if (!d) return null;
  const from = anchors[d.from];
  if (!from) return null;
  switch (d.unit) {
    case 'working_days':
      return calendar.addWorkingDays(from, d.amount);
    case 'calendar_days':
      return addDays(from, d.amount);
    case 'years':
      return addYears(from, d.amount);
    case 'months':
      return addMonths(from, d.amount);
  }
}

function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, day] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

const basisOf = (b: ProcedureBasisRef) => ({
  document: b.document,
  article: b.article,
  grade: b.grade,
  source: b.source,
  ...(b.quote ? { quote: b.quote } : {}),
});

/** A step as answers show it: its deadline, or why none is given, and its bases with their grade. */
function appliedStep(name: string, step: ProcedureStep): AppliedStep {
  return {
    step: name,
    deadline: step.deadline,
    ...(step.notGiven ? { notGiven: step.notGiven } : {}),
    basis: step.basis.map(basisOf),
  };
}

export function appliedProcedure(p: LoadedProcedure, steps: [string, ProcedureStep | undefined][]): AppliedProcedure {
  return {
    listType: p.listType as AppliedProcedure['listType'],
    authority: p.authority,
    steps: steps.flatMap(([name, step]) => (step ? [appliedStep(name, step)] : [])),
  };
}

/** "第十六条 of 企业经营异常名录管理暂行办法…" for messages. */
export const citeBasis = (basis: ProcedureBasisRef[]) =>
  basis.map((b) => `${b.document} ${b.article} (${b.grade})`).join('; ');
