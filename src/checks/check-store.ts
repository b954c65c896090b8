import type { Knex } from 'knex';

/**
 * Reads restrictions and bans in force through the partial indexes on active rows: the cost depends on how many
 * measures one subject has, not on how many entries the lists hold.
 */
export interface RestrictionHit {
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

export async function restrictionsOfEnterprise(q: Knex, uscc: string, today: string, scenario: string | undefined): Promise<RestrictionHit[]> {
  const query = q('restrictions')
    .select('measure_code', 'measure_name', 'measure_name_en', 'department', 'list_type', 'entry_id', 'scenarios', 'basis', 'until')
    .where({ uscc, status: 'active' })
    .whereNotNull('uscc')
    .where((w) => w.whereNull('until').orWhere('until', '>=', today));
  if (scenario) query.whereRaw('? = any(scenarios)', [scenario]);
  return query.orderBy([{ column: 'department' }, { column: 'measure_code' }]);
}

export interface BanHit {
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

export async function bansOfPerson(q: Knex, personKey: string, role: string, today: string): Promise<BanHit[]> {
  return q('officer_bans')
    .select('code', 'reason', 'reason_en', 'basis', 'list_type', 'entry_id', 'enterprise_uscc', 'roles', 'until')
    .where({ person_key: personKey, status: 'active' })
    .whereRaw('? = any(roles)', [role])
    .where((w) => w.whereNull('until').orWhere('until', '>=', today))
    .orderBy('code');
}
