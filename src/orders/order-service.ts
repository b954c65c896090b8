import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { decodeCursor, pageOf } from '../db/pagination';
import { recordAudit } from '../audit/audit-store';
import { actingDepartment, actorOf, isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { problemFromError } from '../http/problem';
import type { Clock } from '../time/clock';
import { endOfChinaDay } from '../time/dates';
import type { ListedOrderRow, OrderRow, OrderSort, OrderStore } from './order-store';
import { correctableUntil, toListedOrder, type Order, type OrderViewContext } from './order-view';

type FeedbackInput = components['schemas']['FeedbackInput'];
type StoredFeedback = NonNullable<components['schemas']['Feedback']>;
type BatchItem = components['schemas']['BatchFeedbackItem'];
type BatchResult = components['schemas']['BatchFeedbackResult'];

export interface OrderListQuery {
  status?: string;
  overdue?: boolean;
  department?: string;
  sort?: OrderSort;
  uscc?: string;
  subject?: string;
  listType?: string;
  dueFrom?: string;
  dueTo?: string;
  limit?: number;
  cursor?: string;
}

/** 实施—反馈: departments read the orders addressed to them and say what they did. */
export class OrderService {
  constructor(
    private readonly db: Db,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
    private readonly view: OrderViewContext,
    /** Browsing (list, get) reads where the store says (the read router); feedback in a transaction on the primary. */
    private readonly store: OrderStore,
  ) {}

  async list(ctx: CallContext, q: OrderListQuery): Promise<{ items: Order[]; nextCursor: string | null }> {
    const department = this.departmentInScope(ctx.principal, q.department);
    if (q.dueFrom && q.dueTo && q.dueFrom > q.dueTo)
      throw ValidationError.coded('dueTo', 'before_other', { other: 'dueFrom' });
    const limit = q.limit ?? 50;
    const now = this.clock.now();
    const filters = {
      department,
      status: q.status,
      overdue: q.overdue,
      uscc: q.uscc,
      subject: q.subject,
      listType: q.listType,
      // dueDate is the China day of dueAt, and dueAt is the end of that day (24:00): (start of dueFrom, end of dueTo]
      ...(q.dueFrom ? { dueFrom: new Date(endOfChinaDay(q.dueFrom).getTime() - 86_400_000 + 1) } : {}),
      ...(q.dueTo ? { dueTo: new Date(endOfChinaDay(q.dueTo).getTime() + 1) } : {}),
      now,
    };
    const { rows, keyOf } = await this.store.page(filters, q.sort ?? 'urgency', limit, decodeCursor(q.cursor));
    const page = pageOf(rows, limit, keyOf);
    return { items: page.items.map((r) => toListedOrder(r, now, this.view)), nextCursor: page.nextCursor };
  }

  async get(ctx: CallContext, id: string): Promise<Order> {
    const row = await this.store.find(id);
    if (!row) throw NotFoundError.coded('no_order_id', { id });
    this.requireReader(ctx.principal, row);
    return toListedOrder(row, this.clock.now(), this.view);
  }

  async feedback(ctx: CallContext, id: string, input: FeedbackInput): Promise<Order> {
    requireReason(input, '');
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const row = await this.lockOwnOrder(trx, ctx.principal, id);
      const p = ctx.principal;
      if (row.status === 'lifted') throw ConflictError.coded('order_lifted');
      if (row.status === 'revoked') throw ConflictError.coded('order_revoked');
      if (row.status !== 'issued') throw ConflictError.coded('order_has_final_feedback', { status: row.status });

      const feedback = feedbackOf(input, now, actorOf(p));
      const updated = await this.store.recordFeedback(trx, id, feedback, now);
      await recordAudit(trx, { at: now, requestId: ctx.requestId }, [
        {
          actor: actorOf(p),
          action: 'order.feedback',
          entityType: 'order',
          entityId: id,
          before: { status: row.status },
          after: { status: updated.status, feedback },
        },
      ]);
      return toListedOrder({ ...row, ...updated }, now, this.view);
    });
  }

  /** The order locked for a change of its feedback, refused unless the caller is the department it is addressed to. */
  private async lockOwnOrder(trx: Knex.Transaction, p: Principal, id: string) {
    const row = await this.store.lock(trx, id);
    if (!row) throw NotFoundError.coded('no_order_id', { id });
    this.requireAddressee(p, row);
    return row;
  }

  /**
   * Up to 500 feedbacks: each applied on its own transaction exactly as the single call, so one refused order
   * (another department's, already fed back, lifted) leaves the others applied; a result per item, in order.
   * A database failure is not an answer about one order: it fails the call (503), and what was applied stays.
   */
  async feedbackBatch(
    ctx: CallContext,
    items: BatchItem[],
  ): Promise<{ applied: number; failed: number; results: BatchResult[] }> {
    const results: BatchResult[] = [];
    for (const [i, { orderId, ...input }] of items.entries()) {
      try {
        requireReason(input, `items[${i}].`);
        results.push({ orderId, status: 200, order: await this.feedback(ctx, orderId, input) });
      } catch (err) {
        const problem = problemFromError(err);
        if (problem.status >= 500) throw err;
        results.push({ orderId, status: problem.status, problem });
      }
    }
    const applied = results.filter((r) => r.status === 200).length;
    return { applied, failed: results.length - applied, results };
  }

  /**
   * The department that fed back may correct its feedback within 5 working days of first giving it (so corrections
   * do not stretch the window); audited with before and after. The same correction again changes nothing.
   */
  async correct(ctx: CallContext, id: string, input: FeedbackInput): Promise<Order> {
    requireReason(input, '');
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const row = await this.lockOwnOrder(trx, ctx.principal, id);
      const p = ctx.principal;
      const before = row.feedback;
      if (row.status === 'lifted' || row.status === 'revoked')
        throw ConflictError.coded('order_feedback_stays', { status: row.status });
      if (!before || row.status === 'issued') throw ConflictError.coded('order_no_feedback_yet');
      if (before.by !== actorOf(p)) throw ForbiddenError.coded('feedback_not_yours');
      const until = correctableUntil(before, this.view.calendar);
      if (now.getTime() >= until.getTime())
        throw ConflictError.coded('feedback_window_closed', { until: until.toISOString() });
      const after = { ...feedbackOf(input, now, actorOf(p)), firstAt: before.firstAt ?? before.at };
      const same = (['outcome', 'reason', 'note', 'caseRef'] as const).every((k) => (before[k] ?? null) === after[k]);
      if (same) return toListedOrder(row, now, this.view);
      const updated = await this.store.recordFeedback(trx, id, after, now);
      await recordAudit(trx, { at: now, requestId: ctx.requestId }, [
        {
          actor: actorOf(p),
          action: 'order.feedback_corrected',
          entityType: 'order',
          entityId: id,
          before: { status: row.status, feedback: before },
          after: { status: updated.status, feedback: after },
        },
      ]);
      return toListedOrder({ ...row, ...updated }, now, this.view);
    });
  }

  private requireAddressee(p: Principal, row: OrderRow): void {
    if (p.kind !== 'department' || p.department.code !== row.department)
      throw ForbiddenError.coded('order_not_addressee');
  }

  /** A department sees its own orders; a supervisor or the administrator may look at any department's, or all. */
  private departmentInScope(p: Principal, requested: string | undefined): string | undefined {
    if (requested !== undefined) this.departments.get(requested);
    if (isSupervisorOrAdmin(p)) return requested ?? (p.kind === 'department' ? p.department.code : undefined);
    const own = actingDepartment(p);
    if (requested !== undefined && requested !== own)
      throw new ForbiddenError(
        "only a supervising department or the administrator may read another department's orders",
      );
    return own;
  }

  private requireReader(p: Principal, row: ListedOrderRow): void {
    if (isSupervisorOrAdmin(p)) return;
    if (
      p.kind === 'department' &&
      (p.department.code === row.department || this.departments.isAuthorityFor(p.department.code, row.list_type))
    )
      return;
    throw ForbiddenError.coded('order_other_department');
  }
}

/** not_applicable says why (issue 20); `other` says what in the note; implemented gives no reason. */
function requireReason(input: FeedbackInput, at: string): void {
  if (input.outcome === 'not_applicable' && !input.reason)
    throw ValidationError.coded(`${at}reason`, 'reason_for_not_applicable');
  if (input.outcome === 'implemented' && input.reason)
    throw ValidationError.coded(`${at}reason`, 'only_for_not_applicable');
  if (input.reason === 'other' && !input.note?.trim()) throw ValidationError.coded(`${at}note`, 'note_for_other');
}

function feedbackOf(input: FeedbackInput, now: Date, by: string): StoredFeedback {
  return {
    outcome: input.outcome,
    ...(input.reason ? { reason: input.reason } : {}),
    note: input.note ?? null,
    caseRef: input.caseRef ?? null,
    at: now.toISOString(),
    by,
  };
}
