import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { EntryRow } from '../lists/list-entry-store';
import { firstMarks, type MarkedDecision, tellDesks } from './decision-marks';

type Q = Knex | Knex.Transaction;
type Revocation = NonNullable<components['schemas']['Revocation']>;
export type BasisRevoked = components['schemas']['BasisRevoked'];

/**
 * Marks every decision record whose answer relied on the revoked entry (a measure or ban grounded on it) with an
 * append-only row, and tells each asking department by `decision.basis_revoked`, with the case reference its desk
 * gave in its feedback: a procurement desk that excluded a bidder on a wrong listing learns it. The records themselves
 * are never changed. The subject narrows the search to that subject's records (indexed) before the answers are read.
 * A repeat marks nothing twice (primary key) and announces nothing twice.
 */
export async function markDecisionsOfRevokedEntry(
  trx: Knex.Transaction,
  entry: EntryRow,
  revocation: Revocation,
): Promise<number> {
  // a ground of any measure or ban of the answer: one measure names every entry that grounds it, and its own
  // `entryId` is only the first of them (src/checks/check-service.ts measuresOf); that one is still matched for the
  // records kept before answers carried their grounds
  const relied = JSON.stringify([{ grounds: [{ entryId: entry.id }] }]);
  const named = JSON.stringify([{ entryId: entry.id }]);
  const { rows } = await trx.raw<{ rows: MarkedDecision[] }>(
    `with marked as (
       insert into check_decision_basis_revocations (decision_id, entry_id, revoked_at, reason, decision_no)
       select d.id, ?, ?, ?, ? from check_decisions d
        where d.outcome = 'hit'
          and (d.uscc = ? or d.person_key = any(?::text[]))
          and (d.answer->'measures' @> ?::jsonb or d.answer->'bans' @> ?::jsonb
               or d.answer->'measures' @> ?::jsonb or d.answer->'bans' @> ?::jsonb)
       on conflict do nothing
       returning decision_id)
     select m.decision_id, d.department, d.kind, d.checked_at, d.feedback
       from marked m join check_decisions d on d.id = m.decision_id`,
    [
      entry.id,
      revocation.revokedAt,
      revocation.reason,
      revocation.decisionNo,
      entry.uscc ?? '',
      entry.person_keys,
      relied,
      relied,
      named,
      named,
    ],
  );
  await tellDesks(trx, new Date(revocation.revokedAt), 'decision.basis_revoked', entry.id, rows, {
    basisRevoked: { at: revocation.revokedAt, reason: revocation.reason, decisionNo: revocation.decisionNo },
  });
  return rows.length;
}

/** The first basis-revoked mark of each of these decision records. */
export function basisRevokedOf(q: Q, decisionIds: string[]): Promise<Map<string, BasisRevoked>> {
  return firstMarks(q, 'check_decision_basis_revocations', 'revoked_at', decisionIds, (r) => ({
    at: new Date(r.revoked_at).toISOString(),
    reason: r.reason,
    decisionNo: r.decision_no,
    entryId: r.entry_id,
  }));
}
