import type { Knex } from 'knex';
import type { PlannedBan, PlannedRestriction } from '../rules/outcome-planner';

type Q = Knex | Knex.Transaction;

/**
 * The write side of checks: one row per measure and reached subject, one per ban and reached person.
 * Checks read these through partial indexes on the active rows and never run the rules engine.
 */
export async function insertRestrictions(q: Q, entryId: string, listType: string, orderIdOf: (department: string) => string, rows: PlannedRestriction[]): Promise<void> {
  if (rows.length === 0) return;
  await q('restrictions').insert(
    rows.map((r) => ({
      entry_id: entryId,
      order_id: orderIdOf(r.department),
      subject_kind: r.subjectKind,
      uscc: r.uscc,
      person_key: r.personKey,
      measure_code: r.measureCode,
      measure_name: r.measureName,
      measure_name_en: r.measureNameEn,
      department: r.department,
      list_type: listType,
      scenarios: r.scenarios,
      basis: r.basis,
      until: r.until,
    })),
  );
}

export async function insertBans(q: Q, entryId: string, listType: string, orderIdOf: (department: string) => string, rows: PlannedBan[]): Promise<void> {
  if (rows.length === 0) return;
  await q('officer_bans').insert(
    rows.map((b) => ({
      entry_id: entryId,
      order_id: orderIdOf(b.department),
      person_key: b.personKey,
      person_masked: b.personMasked,
      reached_as: b.reachedAs,
      roles: b.roles,
      code: b.code,
      reason: b.reason,
      reason_en: b.reasonEn,
      basis: b.basis,
      list_type: listType,
      enterprise_uscc: b.enterpriseUscc,
      until: b.until,
    })),
  );
}

/** Ends every restriction and ban of an entry; returns how many of each were lifted. */
export async function liftRestrictionsOfEntry(q: Q, entryId: string, at: Date): Promise<{ restrictions: number; bans: number }> {
  const restrictions = await q('restrictions').where({ entry_id: entryId, status: 'active' }).update({ status: 'lifted', lifted_at: at });
  const bans = await q('officer_bans').where({ entry_id: entryId, status: 'active' }).update({ status: 'lifted', lifted_at: at });
  return { restrictions, bans };
}
