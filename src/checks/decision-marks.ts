import type { Knex } from 'knex';
import { enqueueDecisionEvents } from '../webhooks/outbox';

/** A decision record a mark was just written for (a revoked or a corrected entry), as its desk's event names it. */
export interface MarkedDecision {
  decision_id: string;
  department: string;
  kind: string;
  checked_at: Date;
  feedback: { caseRef?: string | null; action?: string } | null;
}

/**
 * Tells the desk of each marked record, by `type`, with the case reference and action it gave in its feedback and
 * the mark under its own key (`basisRevoked`, `basisCorrected`).
 */
export function tellDesks(
  trx: Knex.Transaction,
  at: Date,
  type: 'decision.basis_revoked' | 'decision.basis_corrected',
  entryId: string,
  marked: readonly MarkedDecision[],
  mark: Record<string, unknown>,
): Promise<void> {
  return enqueueDecisionEvents(
    trx,
    at,
    marked.map((r) => ({
      department: r.department,
      data: {
        decisionId: r.decision_id,
        kind: r.kind,
        checkedAt: new Date(r.checked_at).toISOString(),
        entryId,
        caseRef: r.feedback?.caseRef ?? null,
        deskAction: r.feedback?.action ?? null,
        ...mark,
      },
    })),
    type,
  );
}
