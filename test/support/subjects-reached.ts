import type { Knex } from 'knex';

/**
 * The subject-index keys the restrictions and bans in force reach, as the views `restrictions` and `officer_bans`
 * derive them (ADR 0012), sorted: what subjects_in_force must hold, no more and no fewer (migration 20261206300000).
 */
export async function reachedSubjectKeys(db: Knex): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { k: string }[] }>(
    `select 'u' || uscc as k from restrictions where status = 'active' and uscc is not null
     union select 'p' || person_key from restrictions where status = 'active' and person_key is not null
     union select 'p' || person_key from officer_bans where status = 'active' order by 1`,
  );
  return rows.map((r) => r.k);
}

/** The keys subjects_in_force holds, in the same order. */
export const storedSubjectKeys = (db: Knex): Promise<string[]> =>
  db('subjects_in_force').orderBy('subject_key').pluck('subject_key');
