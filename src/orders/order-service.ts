import type { Db } from '../db/knex';
import { decodeCursor, pageOf } from '../db/pagination';
import { recordAudit } from '../audit/audit-store';
import { actingDepartment, actorOf, isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type { components } from '../generated/openapi';
import type { Clock } from '../time/clock';
import { findOrder, listOrders, recordFeedback, type OrderRow } from './order-store';
import { toOrder, type Order } from './order-view';

/** 实施—反馈: departments read the orders addressed to them and say what they did. */
export class OrderService {
  constructor(
    private readonly db: Db,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
  ) {}

  async list(
    ctx: CallContext,
    q: { status?: string; overdue?: boolean; department?: string; limit?: number; cursor?: string },
  ): Promise<{ items: Order[]; nextCursor: string | null }> {
    const department = this.departmentInScope(ctx.principal, q.department);
    const limit = q.limit ?? 50;
    const now = this.clock.now();
    const rows = await listOrders(
      this.db,
      { department, status: q.status, overdue: q.overdue, now },
      limit,
      decodeCursor(q.cursor),
    );
    const page = pageOf(rows, limit, (r) => ({ at: new Date(r.issued_at).toISOString(), id: r.id }));
    return { items: page.items.map((r) => toOrder(r, now)), nextCursor: page.nextCursor };
  }

  async get(ctx: CallContext, id: string): Promise<Order> {
    const row = await findOrder(this.db, id);
    if (!row) throw new NotFoundError(`no order with id ${id}`);
    this.requireReader(ctx.principal, row);
    return toOrder(row, this.clock.now());
  }

  async feedback(ctx: CallContext, id: string, input: components['schemas']['FeedbackInput']): Promise<Order> {
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const row = await findOrder(trx, id, { forUpdate: true });
      if (!row) throw new NotFoundError(`no order with id ${id}`);
      const p = ctx.principal;
      if (p.kind !== 'department' || p.department.code !== row.department)
        throw new ForbiddenError('only the department the order is addressed to may feed back on it');
      if (row.status === 'lifted')
        throw new ConflictError('the order has been lifted; there is nothing left to feed back on');
      if (row.status === 'revoked')
        throw new ConflictError('the order is revoked (its entry was a wrong listing): reverse what was done instead');
      if (row.status !== 'issued') throw new ConflictError(`the order already has its final feedback (${row.status})`);

      const feedback = {
        outcome: input.outcome,
        note: input.note ?? null,
        caseRef: input.caseRef ?? null,
        at: now.toISOString(),
        by: actorOf(p),
      };
      const updated = await recordFeedback(trx, id, feedback, now);
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
      return toOrder(updated, now);
    });
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

  private requireReader(p: Principal, row: OrderRow): void {
    if (isSupervisorOrAdmin(p)) return;
    if (
      p.kind === 'department' &&
      (p.department.code === row.department || this.departments.isAuthorityFor(p.department.code, row.list_type))
    )
      return;
    throw new ForbiddenError('this order is addressed to another department');
  }
}
