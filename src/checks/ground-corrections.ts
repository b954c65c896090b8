import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { EntryRow } from '../lists/list-entry-store';
import { everyMark, markReliedRecords, tellDesks } from './decision-marks';

type Q = Knex | Knex.Transaction;
export type GroundCorrected = components['schemas']['GroundCorrected'];
type QuotedField = GroundCorrected['corrected'][number];

/**
 * The corrected fields a check answer quotes in its grounds (the spec's Ground: "what a desk puts on file"): the
 * decision's number and date, the listed subject's name, and the last day in force (from the entry's expiry).
 */
const QUOTED_IN_GROUNDS: ReadonlySet<string> = new Set<QuotedField>([
  'decisionNo',
  'decidedAt',
  'subjectName',
  'expiresAt',
]);
const quoted = (field: string): field is QuotedField => QUOTED_IN_GROUNDS.has(field);

/**
 * A correction (更正) of a field the answer quoted as its ground is noted on every hit record that relied on the
 * entry (append-only; the record itself is unchanged) and told to its desk: `decision.ground_corrected`, with the
 * corrected fields' names and the correction's reason and decision. A procurement desk files the listing decision's
 * number as the basis of an exclusion; corrected from 沪市监异〔2026〕620号 to 621号, its file cites a decision that
 * does not exist, and it would otherwise never learn. The values are not in the note: the desk reads the entry
 * (GET /v1/list-entries/{entryId}). The listing stood, so this is no mark of a lost basis (a correction that takes the
 * ground away is, src/checks/basis-corrections.ts). A correction of no quoted field notes nothing.
 */
export async function noteCorrectedGrounds(
  trx: Knex.Transaction,
  entry: EntryRow,
  corrected: readonly string[],
  correction: { at: Date; reason: string; decisionNo?: string },
): Promise<number> {
  const fields = corrected.filter(quoted);
  if (fields.length === 0) return 0;
  const rows = await markReliedRecords(trx, 'check_decision_ground_corrections', entry, {
    corrected_at: correction.at,
    reason: correction.reason,
    decision_no: correction.decisionNo ?? null,
    fields,
  });
  const groundCorrected: GroundCorrected = {
    at: correction.at.toISOString(),
    entryId: entry.id,
    reason: correction.reason,
    ...(correction.decisionNo ? { decisionNo: correction.decisionNo } : {}),
    corrected: fields,
  };
  await tellDesks(trx, correction.at, 'decision.ground_corrected', entry.id, rows, { groundCorrected });
  return rows.length;
}

/** Every ground-corrected note of each of these decision records, oldest first. */
export function groundsCorrectedOf(q: Q, decisionIds: readonly string[]): Promise<Map<string, GroundCorrected[]>> {
  return everyMark(q, 'check_decision_ground_corrections', 'corrected_at', decisionIds, (r) => ({
    at: new Date(r.corrected_at).toISOString(),
    entryId: r.entry_id,
    reason: r.reason,
    ...(r.decision_no ? { decisionNo: r.decision_no } : {}),
    // written by noteCorrectedGrounds only, from quoted fields
    corrected: r.fields.filter(quoted),
  }));
}
