import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import type { EntryRow } from '../lists/list-entry-store';
import { enqueueDecisionEvents } from '../webhooks/outbox';

/** A decision record a mark was just written for, or a correction told of, as its desk's event names it. */
export interface MarkedDecision {
  decision_id: string;
  department: string;
  kind: string;
  checked_at: Date;
  feedback: { caseRef?: string | null; action?: string } | null;
}

/**
 * Which hit records relied on this entry (`d` is check_decisions), as SQL and its bindings: a ground of any measure or
 * ban of the answer. One measure names every entry that grounds it, and its own `entryId` is only the first of them
 * (src/checks/check-service.ts measuresOf); that one is still matched for the records kept before answers carried
 * their grounds. The subject narrows the search to that subject's records (indexed) before the answers are read.
 */
export function reliedOnEntry(entry: Pick<EntryRow, 'id' | 'uscc' | 'person_keys'>): {
  sql: string;
  bindings: Knex.RawBinding[];
} {
  const relied = JSON.stringify([{ grounds: [{ entryId: entry.id }] }]);
  const named = JSON.stringify([{ entryId: entry.id }]);
  return {
    sql: `d.outcome = 'hit'
          and (d.uscc = ? or d.person_key = any(?::text[]))
          and (d.answer->'measures' @> ?::jsonb or d.answer->'bans' @> ?::jsonb
               or d.answer->'measures' @> ?::jsonb or d.answer->'bans' @> ?::jsonb)`,
    bindings: [entry.uscc ?? '', entry.person_keys, relied, relied, named, named],
  };
}

/**
 * Tells the desk of each marked record, by `type`, with the case reference and action it gave in its feedback and
 * the mark under its own key (`basisRevoked`, `basisCorrected`).
 */
export function tellDesks(
  trx: Knex.Transaction,
  at: Date,
  type: 'decision.basis_revoked' | 'decision.basis_corrected' | 'decision.ground_corrected',
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
