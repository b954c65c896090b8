import type { Db } from '../db/knex';
import { ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { idNumberProblem, maskIdNumber } from '../identity/id-number';
import type { PersonKeyer } from '../identity/person-key';
import { usccProblem } from '../identity/uscc';
import type { Catalog, ListType, OfficerRole } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import { bansOfPerson, restrictionsOfEnterprise } from './check-store';

type EnterpriseCheck = components['schemas']['EnterpriseCheck'];
type OfficerCheck = components['schemas']['OfficerCheck'];

/** Real-time answers for procurement systems and registration desks. Never runs the rules engine. */
export class CheckService {
  private readonly scenarios: Set<string>;

  constructor(
    private readonly db: Db,
    private readonly keyOf: PersonKeyer,
    private readonly clock: Clock,
    catalog: Catalog,
  ) {
    this.scenarios = new Set(catalog.scenarios.map((s) => s.code));
  }

  async enterprise(uscc: string, scenario: string | undefined): Promise<EnterpriseCheck> {
    const problem = usccProblem(uscc);
    if (problem) throw ValidationError.field('uscc', problem);
    if (scenario !== undefined && !this.scenarios.has(scenario)) throw ValidationError.field('scenario', `unknown scenario "${scenario}"; known: ${[...this.scenarios].join(', ')}`);
    const now = this.clock.now();
    const hits = await restrictionsOfEnterprise(this.db, uscc, chinaDate(now), scenario);
    return {
      uscc,
      scenario: scenario ?? null,
      restricted: hits.length > 0,
      measures: hits.map((h) => ({
        code: h.measure_code,
        name: h.measure_name,
        nameEn: h.measure_name_en,
        department: h.department,
        listType: h.list_type as ListType,
        entryId: h.entry_id,
        scenarios: h.scenarios,
        basis: h.basis,
        until: h.until,
      })),
      checkedAt: now.toISOString(),
    };
  }

  async officer(idNumber: string, role: OfficerRole): Promise<OfficerCheck> {
    const problem = idNumberProblem(idNumber);
    if (problem) throw ValidationError.field('idNumber', problem);
    const now = this.clock.now();
    const hits = await bansOfPerson(this.db, this.keyOf(idNumber), role, chinaDate(now));
    return {
      idNumberMasked: maskIdNumber(idNumber),
      role,
      eligible: hits.length === 0,
      bans: hits.map((h) => ({
        code: h.code,
        reason: h.reason,
        reasonEn: h.reason_en,
        basis: h.basis,
        listType: h.list_type as ListType,
        entryId: h.entry_id,
        ...(h.enterprise_uscc ? { enterpriseUscc: h.enterprise_uscc } : {}),
        roles: h.roles as OfficerRole[],
        until: h.until,
      })),
      checkedAt: now.toISOString(),
    };
  }
}
