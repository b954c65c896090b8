import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import type { EntryRow } from '../lists/list-entry-store';
import { type DecisionEventType, enqueueDecisionEvents } from '../webhooks/outbox';

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
 * Writes one append-only row into a marks table for every hit record that relied on the entry (reliedOnEntry), with
 * the mark's own columns (`mark`, the same for every record), and returns the records marked now: a record marked
 * before (primary key) is neither marked nor returned again, so a repeat tells no desk twice.
 */
export async function markReliedRecords(
  trx: Knex.Transaction,
  table: 'check_decision_basis_revocations' | 'check_decision_ground_corrections',
  entry: Pick<EntryRow, 'id' | 'uscc' | 'person_keys'>,
  mark: Record<string, Knex.RawBinding>,
): Promise<MarkedDecision[]> {
  const relied = reliedOnEntry(entry);
  const columns = Object.keys(mark);
  const { rows } = await trx.raw<{ rows: MarkedDecision[] }>(
    `with marked as (
       insert into ?? (decision_id, entry_id, ${columns.map(() => '??').join(', ')})
       select d.id, ?, ${columns.map(() => '?').join(', ')} from check_decisions d
        where ${relied.sql}
       on conflict do nothing
       returning decision_id)
     select m.decision_id, d.department, d.kind, d.checked_at, d.feedback
       from marked m join check_decisions d on d.id = m.decision_id`,
    [table, ...columns, entry.id, ...Object.values(mark), ...relied.bindings],
  );
  return rows;
}

/**
 * Tells the desk of each marked record, by `type`, with the case reference and action it gave in its feedback and
 * the mark under its own key (`basisRevoked`, `basisCorrected`, `groundCorrected`).
 */
export function tellDesks(
  trx: Knex.Transaction,
  at: Date,
  type: DecisionEventType,
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

type MarksTable =
  | 'check_decision_basis_revocations'
  | 'check_decision_basis_corrections'
  | 'check_decision_ground_corrections';
type MarkRow<T extends MarksTable> = Knex.ResolveTableType<Tables[T]>;

/**
 * Every mark of each of these decision records in an append-only marks table, oldest first (by the mark's time, `at`,
 * then its entry), as `toMark` reads its row.
 */
export async function everyMark<T extends MarksTable, M>(
  q: Knex | Knex.Transaction,
  table: T,
  at: keyof MarkRow<T> & string,
  decisionIds: readonly string[],
  toMark: (row: MarkRow<T>) => M,
): Promise<Map<string, M[]>> {
  const out = new Map<string, M[]>();
  if (decisionIds.length === 0) return out;
  const rows = (await q(table)
    .whereIn('decision_id', decisionIds)
    .orderBy([{ column: at }, { column: 'entry_id' }])) as MarkRow<T>[];
  for (const r of rows) {
    const marks = out.get(r.decision_id);
    if (marks) marks.push(toMark(r));
    else out.set(r.decision_id, [toMark(r)]);
  }
  return out;
}

/**
 * The first mark of each of these decision records (everyMark's first): a record relying on several entries may
 * carry several marks, and shows its first.
 */
export async function firstMarks<T extends MarksTable, M>(
  q: Knex | Knex.Transaction,
  table: T,
  at: keyof MarkRow<T> & string,
  decisionIds: readonly string[],
  toMark: (row: MarkRow<T>) => M,
): Promise<Map<string, M>> {
  const every = await everyMark(q, table, at, decisionIds, toMark);
  return new Map([...every].map(([id, marks]) => [id, marks[0] as M]));
}
