import DataLoader from 'dataloader';
import type { Db } from '../db/knex';
import { ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { idNumberProblem, maskIdNumber } from '../identity/id-number';
import type { PersonKeyer } from '../identity/person-key';
import { usccProblem } from '../identity/uscc';
import type { CitationLookup } from '../rules/citations';
import type { BasisStrength, Catalog, Citation, ListType, OfficerRole } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import { activeBansOfPersons, activeRestrictionsOfEnterprises, type BanHit, type RestrictionHit } from './check-store';

type EnterpriseCheck = components['schemas']['EnterpriseCheck'];
type OfficerCheck = components['schemas']['OfficerCheck'];

/**
 * Checks that arrive in the same turn of the event loop share one database statement. setImmediate runs after
 * Node has read every request that was ready, so under load one statement answers many concurrent checks (fewer
 * round trips and plans); a lone check waits for nothing. No caching: each statement reads the committed state.
 */
function batched<Hit>(read: (keys: readonly string[]) => Promise<Map<string, Hit[]>>): DataLoader<string, Hit[]> {
  return new DataLoader(
    async (keys) => {
      const found = await read(keys);
      return keys.map((k) => found.get(k) ?? []);
    },
    { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
  );
}

/** Real-time answers for procurement systems and registration desks. Never runs the rules engine. */
export class CheckService {
  private readonly scenarios: Set<string>;
  private readonly restrictionsOf: DataLoader<string, RestrictionHit[]>;
  private readonly bansOf: DataLoader<string, BanHit[]>;

  constructor(
    db: Db,
    private readonly keyOf: PersonKeyer,
    private readonly clock: Clock,
    catalog: Catalog,
    /** the rules' citations, so answers quote each basis with its version and text (issue 14) */
    private readonly cite?: CitationLookup,
  ) {
    this.scenarios = new Set(catalog.scenarios.map((s) => s.code));
    this.restrictionsOf = batched((usccs) => activeRestrictionsOfEnterprises(db, usccs));
    this.bansOf = batched((personKeys) => activeBansOfPersons(db, personKeys));
  }

  async enterprise(uscc: string, scenario: string | undefined): Promise<EnterpriseCheck> {
    const problem = usccProblem(uscc);
    if (problem) throw ValidationError.field('uscc', problem);
    if (scenario !== undefined && !this.scenarios.has(scenario)) throw ValidationError.field('scenario', `unknown scenario "${scenario}"; known: ${[...this.scenarios].join(', ')}`);
    const now = this.clock.now();
    const today = chinaDate(now);
    const hits = (await this.restrictionsOf.load(uscc)).filter((h) => inForce(h.until, today) && (!scenario || h.scenarios.includes(scenario)));
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
        ...this.citationsOf(h.measure_code, h.basis),
        until: h.until,
      })),
      checkedAt: now.toISOString(),
    };
  }

  /** Additive fields: the stored "document article" strings resolved to citations, and the basis strength. */
  private citationsOf(code: string, basis: string[]): { citations?: Citation[]; basisStrength?: BasisStrength } {
    if (!this.cite) return {};
    const strength = this.cite.strength(code);
    return { citations: this.cite.citations(code, basis), ...(strength ? { basisStrength: strength } : {}) };
  }

  async officer(idNumber: string, role: OfficerRole): Promise<OfficerCheck> {
    const problem = idNumberProblem(idNumber);
    if (problem) throw ValidationError.field('idNumber', problem);
    const now = this.clock.now();
    const today = chinaDate(now);
    const hits = (await this.bansOf.load(this.keyOf(idNumber))).filter((h) => inForce(h.until, today) && h.roles.includes(role));
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
        ...this.citationsOf(h.code, h.basis),
        until: h.until,
      })),
      checkedAt: now.toISOString(),
    };
  }
}

/** A term ends at the end of its `until` day (dates are 'YYYY-MM-DD', so string order is date order). */
const inForce = (until: string | null, today: string) => until === null || until >= today;
