import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
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

type MarksTable = 'check_decision_basis_revocations' | 'check_decision_basis_corrections';
type MarkRow<T extends MarksTable> = Knex.ResolveTableType<Tables[T]>;

/**
 * The first mark of each of these decision records in an append-only marks table, by the mark's time (`at`) then its
 * entry, as `toMark` reads its row: a record relying on several entries may carry several marks, and shows its first.
 */
export async function firstMarks<T extends MarksTable, M>(
  q: Knex | Knex.Transaction,
  table: T,
  at: keyof MarkRow<T> & string,
  decisionIds: readonly string[],
  toMark: (row: MarkRow<T>) => M,
): Promise<Map<string, M>> {
  if (decisionIds.length === 0) return new Map();
  const rows = (await q(table)
    .whereIn('decision_id', decisionIds)
    .orderBy([{ column: at }, { column: 'entry_id' }])) as MarkRow<T>[];
  const out = new Map<string, M>();
  for (const r of rows) if (!out.has(r.decision_id)) out.set(r.decision_id, toMark(r));
  return out;
}
