import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { EntryRow } from '../lists/list-entry-store';
import { firstMarks, type MarkedDecision, tellDesks } from './decision-marks';

type Q = Knex | Knex.Transaction;
export type BasisCorrected = components['schemas']['BasisCorrected'];

/** The correction, as its mark and event tell it. */
export interface TermsCorrection {
  at: Date;
  reason: string;
  decisionNo?: string;
  /** The corrected decision date, when the correction moved it. */
  decidedAt?: string;
}

/**
 * Marks every decision record whose answer relied on this entry only through measures or bans that, as the
 * correction has just made the entry, were not in force on the day of the check:
 * - their terms, as moved (`until`), ended before it: an expiry corrected from 2027-01-31 back to 2026-06-30 says that
 *   a bidder excluded in October had no listing in force on this entry;
 * - or the decision, as dated now (`decidedAt`), came after it: a listing decided on 2026-03-20 and typed as
 *   2026-02-10 was answered as in force to a check on 2026-03-02, before it was decided.
 * As a revocation's mark (src/checks/basis-revocations.ts), the record is not changed: an append-only row, and the
 * asking department is told by `decision.basis_corrected` with its case reference. A record that also relied on a
 * measure of this entry whose term still covers its day is not marked, nor one answered `asOf` another moment.
 * Several marks of one record, one a correction, are kept (primary key with the time of the correction).
 */
export async function markDecisionsOfCorrectedBasis(
  trx: Knex.Transaction,
  entry: EntryRow,
  until: Record<string, string | null>,
  correction: TermsCorrection,
): Promise<number> {
  const relied = JSON.stringify([{ entryId: entry.id }]);
  const { rows } = await trx.raw<{ rows: MarkedDecision[] }>(
    `with relied as (
       select d.id, d.checked_at, i.item->>'code' as code
         from check_decisions d
         cross join lateral jsonb_array_elements(
           coalesce(d.answer->'measures', '[]'::jsonb) || coalesce(d.answer->'bans', '[]'::jsonb)) i(item)
        where d.outcome = 'hit'
          and (d.uscc = ? or d.person_key = any(?::text[]))
          and jsonb_typeof(d.answer->'asOf') is distinct from 'string'
          and (i.item->'grounds' @> ?::jsonb or i.item->>'entryId' = ?)),
     voided as (
       select r.id
         from relied r left join jsonb_each_text(?::jsonb) u(code, until) on u.code = r.code
        group by r.id
       having bool_or(?::text > to_char(r.checked_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD'))
           or bool_and(u.until is not null
                       and u.until < to_char(r.checked_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD'))),
     marked as (
       insert into check_decision_basis_corrections
         (decision_id, entry_id, corrected_at, reason, decision_no, until, decided_at)
       select v.id, ?, ?, ?, ?, ?::jsonb, ?::date from voided v
       on conflict do nothing
       returning decision_id)
     select m.decision_id, d.department, d.kind, d.checked_at, d.feedback
       from marked m join check_decisions d on d.id = m.decision_id`,
    [
      entry.uscc ?? '',
      entry.person_keys,
      relied,
      entry.id,
      JSON.stringify(until),
      correction.decidedAt ?? null,
      entry.id,
      correction.at,
      correction.reason,
      correction.decisionNo ?? null,
      JSON.stringify(until),
      correction.decidedAt ?? null,
    ],
  );
  const basisCorrected: BasisCorrected = {
    at: correction.at.toISOString(),
    entryId: entry.id,
    reason: correction.reason,
    ...(correction.decisionNo ? { decisionNo: correction.decisionNo } : {}),
    until,
    ...(correction.decidedAt ? { decidedAt: correction.decidedAt } : {}),
  };
  await tellDesks(trx, correction.at, 'decision.basis_corrected', entry.id, rows, { basisCorrected });
  return rows.length;
}

/** The first basis-corrected mark of each of these decision records. */
export function basisCorrectedOf(q: Q, decisionIds: string[]): Promise<Map<string, BasisCorrected>> {
  return firstMarks(q, 'check_decision_basis_corrections', 'corrected_at', decisionIds, (r) => ({
    at: new Date(r.corrected_at).toISOString(),
    entryId: r.entry_id,
    reason: r.reason,
    ...(r.decision_no ? { decisionNo: r.decision_no } : {}),
    until: r.until,
    ...(r.decided_at ? { decidedAt: r.decided_at } : {}),
  }));
}
