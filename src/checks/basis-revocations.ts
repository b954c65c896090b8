import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { EntryRow } from '../lists/list-entry-store';
import { firstMarks, markReliedRecords, tellDesks } from './decision-marks';

type Q = Knex | Knex.Transaction;
type Revocation = NonNullable<components['schemas']['Revocation']>;
export type BasisRevoked = components['schemas']['BasisRevoked'];

/**
 * Marks every decision record whose answer relied on the revoked entry (a measure or ban grounded on it) with an
 * append-only row, and tells each asking department by `decision.basis_revoked`, with the case reference its desk
 * gave in its feedback: a procurement desk that excluded a bidder on a wrong listing learns it. The records themselves
 * are never changed. A repeat marks nothing twice (primary key) and announces nothing twice.
 */
export async function markDecisionsOfRevokedEntry(
  trx: Knex.Transaction,
  entry: EntryRow,
  revocation: Revocation,
): Promise<number> {
  const rows = await markReliedRecords(trx, 'check_decision_basis_revocations', entry, {
    revoked_at: revocation.revokedAt,
    reason: revocation.reason,
    decision_no: revocation.decisionNo,
  });
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
