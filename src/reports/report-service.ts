import { decodeCursor, pageOf } from '../db/pagination';
import { isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import { ForbiddenError, ValidationError } from '../errors';
import type { DepartmentDirectory } from '../departments/department-directory';
import type { components } from '../generated/openapi';
import { OVERDUE_EXPORT_HEADERS, type Language } from '../i18n/messages';
import type { OutgoingText } from '../identity/id-number';
import type { Clock } from '../time/clock';
import { addDays, chinaDate, endOfChinaDay, isIsoDate } from '../time/dates';
import type { ClearCounter } from '../checks/clear-counter';
import { emptyProcedureCounts } from '../procedures/procedure-store';
import { csvLines, type Cell } from './export-cells';
import type {
  DayRange,
  DeskCounts,
  DeskReasonCount,
  OverdueExportKey,
  OverdueOrder as OverdueOrderRow,
  ReportStore,
} from './report-store';

type FeedbackReport = components['schemas']['FeedbackReport'];
type FeedbackTrend = components['schemas']['FeedbackTrend'];
type OverdueOrder = components['schemas']['OverdueOrder'];
type DeskFigures = components['schemas']['DeskFigures'];

/** What the overdue export needs besides the store: the lists' names (rules/catalog.json) and its page size. */
export interface OverdueExportSetup {
  lists: readonly { code: string; name: string; nameEn: string }[];
  /** Rows per read (OVERDUE_EXPORT_PAGE_ROWS): each page is one chunk of the file, held in memory while written. */
  pageRows: number;
}

/**
 * For supervisors (信用办): which departments implemented, fed back, or are overdue. Every figure tolerates a bounded
 * lag: the store reads it through the read router (the replica when it is serving, src/db/read-router.ts).
 */
export class ReportService {
  constructor(
    private readonly store: ReportStore,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
    private readonly counter: ClearCounter,
    private readonly exportSetup: OverdueExportSetup,
  ) {}

  async feedback(q: { from?: string; to?: string } = {}): Promise<FeedbackReport> {
    const now = this.clock.now();
    const range = dayRange(q, now);
    // This instance's clean-answer counts; other instances' lag by at most their flush interval.
    await this.counter.flush();
    const { counts, byDepartment, byScenario, procedures } = await this.store.feedback(now, chinaDate(now), range);
    return {
      generatedAt: now.toISOString(),
      departments: counts
        .sort((a, b) => a.department.localeCompare(b.department))
        .map((c) => {
          const fedBack = c.implemented + c.not_applicable;
          return {
            department: c.department,
            name: this.departments.find(c.department)?.name,
            issued: c.issued,
            implemented: c.implemented,
            notApplicable: c.not_applicable,
            pending: c.pending,
            overdue: c.overdue,
            escalated: c.escalated,
            lifted: c.lifted,
            revoked: c.revoked,
            feedbackRate:
              fedBack + c.pending === 0 ? null : Math.round((fedBack / (fedBack + c.pending)) * 10_000) / 10_000,
          };
        }),
      desk: {
        departments: deskFigures(byDepartment).map(({ key, ...f }) => ({
          department: key,
          name: this.departments.find(key)?.name,
          ...f,
        })),
        scenarios: deskFigures(byScenario).map(({ key, ...f }) => ({ scenario: key === '' ? null : key, ...f })),
      },
      // every list authority, with zeros when nothing was filed (issue 18)
      procedures: this.departments.all
        .filter((d) => d.authorityFor.length > 0)
        .map((d) => procedures.get(d.code) ?? emptyProcedureCounts(d.code)),
    };
  }

  /** Orders issued and fed back per week, the current week last: the dashboard's trend chart. */
  async trend(q: { weeks?: number; department?: string; from?: string; to?: string }): Promise<FeedbackTrend> {
    if (q.department !== undefined) this.departments.get(q.department);
    const now = this.clock.now();
    const range = dayRange(q, now);
    const lastMonday = monday(range?.to ?? chinaDate(now));
    // from/to: the weeks that hold those days; otherwise `weeks` weeks up to the current one
    const from = range && q.from !== undefined ? monday(range.from) : addDays(lastMonday, -7 * ((q.weeks ?? 12) - 1));
    const weeks = Math.round((Date.parse(lastMonday) - Date.parse(from)) / (7 * 86_400_000)) + 1;
    if (weeks > 104) throw ValidationError.coded('from', 'range_too_long', { max: 104 });
    const rows = await this.store.weekly(from, weeks, q.department);
    const weeksOut = rows.map((r) => ({ weekStart: r.week_start, issued: r.issued, fedBack: r.fed_back }));
    return { generatedAt: now.toISOString(), weeks: weeksOut };
  }

  /** The overdue list: a supervisor sees every department's, a department its own. */
  async overdue(
    ctx: CallContext,
    q: { department?: string; limit?: number; cursor?: string },
  ): Promise<{ items: OverdueOrder[]; total: number; nextCursor: string | null }> {
    const department = this.departmentInScope(ctx.principal, q.department);
    const now = this.clock.now();
    const limit = q.limit ?? 50;
    const { rows, total } = await this.store.overdue({ now, department }, limit, decodeCursor(q.cursor));
    const page = pageOf(rows, limit, (r) => ({ at: r.dueAt.toISOString(), id: r.id }));
    return { items: page.items.map((r) => toOverdueOrder(r, now)), total, nextCursor: page.nextCursor };
  }

  /**
   * The overdue list as one CSV file (GET /v1/reports/overdue/export): the rows of overdue() read to the last page,
   * in its order and scope. The scope is decided here, before anything is read, so a refusal (403 for another
   * department's) is an answer of its own; the chunks are read as they are sent, one page each, so the service
   * holds one page of the file at a time however long it is.
   */
  exportOverdue(
    ctx: CallContext,
    q: { department?: string },
    lang: Language,
  ): { filename: string; chunks: AsyncGenerator<OutgoingText> } {
    const department = this.departmentInScope(ctx.principal, q.department);
    const now = this.clock.now();
    return {
      filename: `overdue-${department ?? 'all'}-${chinaDate(now)}.csv`,
      chunks: this.overdueCsv({ now, department }, lang),
    };
  }

  /**
   * The header line (with the byte order mark Excel needs to read UTF-8), then one chunk per page, each of whole
   * lines. The header waits for the first page: a database that cannot answer is then a 503 before the file
   * begins, not a file cut off after its header. Every page is read at `now` of the request, so an order that
   * falls due meanwhile does not join the file halfway down. The next page is asked for before this one is
   * formatted, so PostgreSQL works on it while this process writes CSV.
   */
  private async *overdueCsv(f: { now: Date; department?: string }, lang: Language): AsyncGenerator<OutgoingText> {
    const { pageRows } = this.exportSetup;
    const lineOf = this.overdueLine(f.now, lang);
    const read = (after?: OverdueExportKey) => {
      const page = this.store.overdueExportPage(f, pageRows, after);
      // read ahead: if the client goes away first, no one awaits it, and its failure must not go unhandled
      page.catch(() => undefined);
      return page;
    };
    let page = await read();
    yield { text: `\uFEFF${csvLines([OVERDUE_EXPORT_HEADERS[lang]])}` };
    for (;;) {
      const next = page.next && read(page.next);
      if (page.rows.length > 0) {
        const usccs = new Set(page.rows.flatMap((r) => (r.subject.kind === 'enterprise' && r.subject.uscc) || []));
        yield { text: csvLines(page.rows.map(lineOf)), usccs };
      }
      if (!next) return;
      page = await next;
    }
  }

  /** The export's columns, as the dashboard's export has them (dashboard/js/pages/overdue.js columns()). */
  private overdueLine(now: Date, lang: Language): (o: OverdueOrderRow) => Cell[] {
    const en = lang === 'en';
    const listNames = new Map(this.exportSetup.lists.map((l) => [l.code, en ? l.nameEn : l.name]));
    const departmentName = (code: string) => {
      const d = this.departments.find(code);
      return d ? (en ? d.nameEn : d.name) : code;
    };
    return (o) => [
      // the last China day the deadline allows: dueAt is the end of that day (Order.dueDate, src/orders/order-view.ts)
      chinaDate(new Date(o.dueAt.getTime() - 1)),
      daysOverdue(o.dueAt, now),
      departmentName(o.department),
      o.subject.name,
      // a person only ever by the masked number (the stored subject has no other)
      (o.subject.kind === 'enterprise' ? o.subject.uscc : o.subject.idNumberMasked) ?? '',
      listNames.get(o.listType) ?? o.listType,
      o.measures.map((m) => (en && m.nameEn ? m.nameEn : m.name)).join('；'),
      Math.min(o.escalationLevel, 2),
      chinaDate(o.issuedAt),
      o.id,
    ];
  }

  private departmentInScope(p: Principal, requested: string | undefined): string | undefined {
    if (requested !== undefined) this.departments.get(requested);
    if (isSupervisorOrAdmin(p)) return requested;
    const own = (p as Extract<Principal, { kind: 'department' }>).department.code;
    if (requested !== undefined && requested !== own) {
      throw ForbiddenError.coded('other_department_orders');
    }
    return own;
  }
}

const monday = (day: string) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));

/**
 * from/to as China days, both included; one alone runs to today or from the first day there is. Dates the spec let
 * through but the calendar has not (2026-02-30) and a to before from are 400 naming the field.
 */
function dayRange(q: { from?: string; to?: string }, now: Date): DayRange | undefined {
  if (q.from === undefined && q.to === undefined) return undefined;
  for (const f of ['from', 'to'] as const) {
    const v = q[f];
    if (v !== undefined && !isIsoDate(v)) throw ValidationError.coded(f, 'date');
  }
  const from = q.from ?? '2000-01-01';
  const to = q.to ?? chinaDate(now);
  if (to < from) throw ValidationError.coded('to', 'before_other', { other: 'from' });
  return { from, to, since: endOfChinaDay(addDays(from, -1)), until: endOfChinaDay(to) };
}

function toOverdueOrder(r: OverdueOrderRow, now: Date): OverdueOrder {
  const s = r.subject;
  return {
    id: r.id,
    entryId: r.entryId,
    listType: r.listType as OverdueOrder['listType'],
    department: r.department,
    // persons only ever by their masked number; the stored subject is already the masked view
    subject: {
      kind: s.kind,
      name: s.name,
      ...(s.uscc ? { uscc: s.uscc } : {}),
      ...(s.idNumberMasked ? { idNumberMasked: s.idNumberMasked } : {}),
    },
    measures: r.measures.map((m) => ({ code: m.code, name: m.name, ...(m.nameEn ? { nameEn: m.nameEn } : {}) })),
    issuedAt: r.issuedAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    daysOverdue: daysOverdue(r.dueAt, now),
    escalationLevel: Math.min(r.escalationLevel, 2),
  };
}

/** Whole days since the deadline by the service clock: the list's daysOverdue and the export's column alike. */
const daysOverdue = (dueAt: Date, now: Date) => Math.max(0, Math.floor((now.getTime() - dueAt.getTime()) / 86_400_000));

/** Orders and desk feedback are two views of one loop: here the desk's (checks answered, what was done with hits). */
function deskFigures(d: { counts: DeskCounts[]; reasons: DeskReasonCount[] }): (DeskFigures & { key: string })[] {
  return d.counts
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((c) => {
      const fedBack = c.restricted + c.not_restricted;
      const reasons = Object.fromEntries(d.reasons.filter((r) => r.key === c.key).map((r) => [r.reason, r.n]));
      return {
        key: c.key,
        clear: c.clear,
        hits: c.hits,
        fedBack,
        restricted: c.restricted,
        notRestricted: c.not_restricted,
        notRestrictedReasons: reasons,
        pending: c.hits - fedBack,
      };
    });
}
