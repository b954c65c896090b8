import { recordAudit } from '../audit/audit-store';
import { actorOf, isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import { decodeCursor, pageOf } from '../db/pagination';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import type { Clock } from '../time/clock';
import type { BasisMarks, Decision, DecisionFilters, DecisionStore } from './decision-store';

type CheckDecision = components['schemas']['CheckDecision'];
type FeedbackInput = components['schemas']['DecisionFeedbackInput'];

function toDecision(r: Decision, marks: BasisMarks): CheckDecision {
  const revoked = marks.revoked.get(r.id);
  const corrected = marks.corrected.get(r.id);
  const groundsCorrected = marks.groundsCorrected.get(r.id);
  return {
    id: r.id,
    kind: r.kind,
    department: r.department,
    ...(r.uscc ? { uscc: r.uscc } : {}),
    ...(r.personMasked ? { idNumberMasked: r.personMasked } : {}),
    scenario: r.scenario ?? r.role,
    outcome: r.outcome,
    answer: r.answer,
    rulesVersion: r.rulesVersion,
    checkedAt: r.checkedAt.toISOString(),
    feedback: r.feedback as CheckDecision['feedback'],
    ...(revoked ? { basisRevoked: revoked } : {}),
    ...(corrected ? { basisCorrected: corrected } : {}),
    ...(groundsCorrected ? { groundsCorrected } : {}),
  };
}

/**
 * Decision records (查询结果留存) and the desk's feedback on hits (嵌入式反馈). A record is visible to the department
 * that asked, supervisors and the administrator; to anyone else it does not exist (404), so ids do not leak.
 */
export class DecisionService {
  constructor(
    private readonly store: DecisionStore,
    private readonly departments: DepartmentDirectory,
    private readonly clock: Clock,
  ) {}

  async get(ctx: CallContext, id: string): Promise<CheckDecision> {
    const row = this.readable(ctx.principal, id, await this.store.find(id));
    return toDecision(row, await this.store.basisMarks([id]));
  }

  async list(
    ctx: CallContext,
    q: DecisionFilters & { limit?: number; cursor?: string },
  ): Promise<{ items: CheckDecision[]; nextCursor: string | null }> {
    const department = this.departmentInScope(ctx.principal, q.department);
    if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to))
      throw ValidationError.coded('to', 'not_after_other', { other: 'from' });
    const limit = q.limit ?? 50;
    const rows = await this.store.list({ ...q, department }, limit, decodeCursor(q.cursor));
    const page = pageOf(rows, limit, (r) => ({ at: r.checkedAt.toISOString(), id: r.id }));
    const marks = await this.store.basisMarks(page.items.map((r) => r.id));
    return { items: page.items.map((r) => toDecision(r, marks)), nextCursor: page.nextCursor };
  }

  async feedback(ctx: CallContext, id: string, input: FeedbackInput): Promise<CheckDecision> {
    const p = ctx.principal;
    if (input.action === 'not_restricted' && !input.reason)
      throw ValidationError.coded('reason', 'reason_for_not_restricted');
    if (input.action === 'restricted' && input.reason) throw ValidationError.coded('reason', 'only_for_not_restricted');
    const now = this.clock.now();
    const feedback = {
      action: input.action,
      reason: input.reason ?? null,
      caseRef: input.caseRef ?? null,
      note: input.note ?? null,
      at: now.toISOString(),
      by: actorOf(p),
    };
    return this.store.transaction(async (trx) => {
      const row = this.readable(p, id, await this.store.findForUpdate(trx, id));
      if (row.department !== actorOf(p)) throw ForbiddenError.coded('decision_not_yours');
      if (row.outcome !== 'hit') throw ConflictError.coded('decision_clear');
      if (row.feedback) throw ConflictError.coded('decision_has_feedback', { action: row.feedback.action });
      const updated = await this.store.setFeedback(trx, id, feedback);
      if (!updated) throw ConflictError.coded('decision_has_feedback', { action: '' });
      await recordAudit(trx, { at: now, requestId: ctx.requestId }, [
        {
          actor: actorOf(p),
          action: 'decision.feedback',
          entityType: 'check_decision',
          entityId: id,
          before: { feedback: null },
          after: { feedback },
        },
      ]);
      return toDecision(updated, await this.store.basisMarks([id], trx));
    });
  }

  /** The record if this principal may read it; otherwise it does not exist (404). */
  private readable(p: Principal, id: string, row: Decision | undefined): Decision {
    if (!row || !(isSupervisorOrAdmin(p) || row.department === actorOf(p)))
      throw NotFoundError.coded('no_decision_id', { id });
    return row;
  }

  /** A department sees its own records; a supervisor or the administrator may name any department, or see all. */
  private departmentInScope(p: Principal, requested: string | undefined): string | undefined {
    if (requested !== undefined && requested !== 'admin' && !this.departments.find(requested))
      throw ValidationError.coded('department', 'unknown_department', { code: requested });
    if (isSupervisorOrAdmin(p)) return requested;
    const own = actorOf(p);
    if (requested !== undefined && requested !== own)
      throw new ForbiddenError(
        "only a supervising department or the administrator may read another department's decisions",
      );
    return own;
  }
}
