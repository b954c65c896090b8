import type { Db } from '../db/knex';
import { queryPrepared } from '../db/prepared';

/**
 * Reads restrictions and bans in force for many subjects in one statement, through the partial indexes on active
 * rows: the cost depends on how many measures the asked subjects have, not on how many entries the lists hold.
 * Terms (`until`) and scenario or role filters are applied by the caller, per request.
 */
export interface RestrictionHit {
  uscc: string;
  measure_code: string;
  measure_name: string;
  measure_name_en: string;
  department: string;
  list_type: string;
  entry_id: string;
  scenarios: string[];
  basis: string[];
  until: string | null;
}

export interface PersonRestrictionHit extends Omit<RestrictionHit, 'uscc'> {
  person_key: string;
}

export interface BanHit {
  person_key: string;
  code: string;
  reason: string;
  reason_en: string;
  basis: string[];
  list_type: string;
  entry_id: string;
  enterprise_uscc: string | null;
  roles: string[];
  until: string | null;
}

const RESTRICTIONS_OF_ENTERPRISES = `
  select uscc, measure_code, measure_name, measure_name_en, department, list_type, entry_id, scenarios, basis, until
    from restrictions
   where uscc = any($1::text[]) and status = 'active' and uscc is not null
   order by uscc, department, measure_code`;

const RESTRICTIONS_OF_PERSONS = `
  select person_key, measure_code, measure_name, measure_name_en, department, list_type, entry_id, scenarios, basis, until
    from restrictions
   where person_key = any($1::text[]) and status = 'active' and person_key is not null
   order by person_key, department, measure_code`;

const BANS_OF_PERSONS = `
  select person_key, code, reason, reason_en, basis, list_type, entry_id, enterprise_uscc, roles, until
    from officer_bans
   where person_key = any($1::text[]) and status = 'active'
   order by person_key, code`;

export async function activeRestrictionsOfEnterprises(
  db: Db,
  usccs: readonly string[],
): Promise<Map<string, RestrictionHit[]>> {
  return groupBy(
    await queryPrepared<RestrictionHit>(db, 'checks.restrictions-of-enterprises', RESTRICTIONS_OF_ENTERPRISES, [usccs]),
    (r) => r.uscc,
  );
}

export async function activeRestrictionsOfPersons(
  db: Db,
  personKeys: readonly string[],
): Promise<Map<string, PersonRestrictionHit[]>> {
  const name = 'checks.restrictions-of-persons';
  return groupBy(
    await queryPrepared<PersonRestrictionHit>(db, name, RESTRICTIONS_OF_PERSONS, [personKeys]),
    (r) => r.person_key,
  );
}

export async function activeBansOfPersons(db: Db, personKeys: readonly string[]): Promise<Map<string, BanHit[]>> {
  return groupBy(
    await queryPrepared<BanHit>(db, 'checks.bans-of-persons', BANS_OF_PERSONS, [personKeys]),
    (r) => r.person_key,
  );
}

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}
