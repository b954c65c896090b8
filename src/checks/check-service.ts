import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { actorOf, type CallContext } from '../auth/principal';
import type { Db } from '../db/knex';
import { ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { idNumberProblem, maskIdNumber } from '../identity/id-number';
import { countCheck, countDecisionRecord, countPersonCheck } from '../metrics/metrics';
import type { PersonKeyer } from '../identity/person-key';
import { usccProblem } from '../identity/uscc';
import type { CitationLookup } from '../rules/citations';
import type { BasisStrength, Catalog, Citation, ListType, OfficerRole } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import {
  activeBansOfPersons,
  activeRestrictionsOfEnterprises,
  activeRestrictionsOfPersons,
  type BanHit,
  type PersonRestrictionHit,
  type RestrictionHit,
} from './check-store';
import type { ClearCounter } from './clear-counter';
import type { PersonCheckAudit } from './person-check-audit';
import type { PersonCheckBudget } from './person-check-budget';
import { pendingObjectionsOf } from '../lists/pending-objections';
import { insertDecisions, type CheckKind, type NewDecisionRow } from './decision-store';
import { enterpriseKey, personKey, type SubjectIndex } from './subject-index';

type EnterpriseCheck = components['schemas']['EnterpriseCheck'];
type OfficerCheck = components['schemas']['OfficerCheck'];
type PersonCheck = components['schemas']['PersonCheck'];

/** What checks need besides the database: the index that answers the common case, and the evidence they leave. */
export interface CheckEvidence {
  index: SubjectIndex;
  counter: ClearCounter;
  rulesVersion: string;
  /** Person-level checks (persons, officers) spend a per-token budget and are each audited. */
  budget: PersonCheckBudget;
  audit: PersonCheckAudit;
}

/** The subject of a decision record, as stored (never a full ID number). */
type DecisionSubject = Pick<NewDecisionRow, 'uscc' | 'person_key' | 'person_masked' | 'scenario' | 'role'>;

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
  private readonly personRestrictionsOf: DataLoader<string, PersonRestrictionHit[]>;
  private readonly bansOf: DataLoader<string, BanHit[]>;
  /** Decision records of hits answered in the same turn share one INSERT and one commit (each answer waits for it). */
  private readonly record: DataLoader<NewDecisionRow, void>;

  constructor(
    private readonly db: Db,
    private readonly keyOf: PersonKeyer,
    private readonly clock: Clock,
    catalog: Catalog,
    private readonly evidence: CheckEvidence,
    /** the rules' citations, so answers quote each basis with its version and text (issue 14) */
    private readonly cite?: CitationLookup,
  ) {
    this.scenarios = new Set(catalog.scenarios.map((s) => s.code));
    this.restrictionsOf = batched((usccs) => activeRestrictionsOfEnterprises(db, usccs));
    this.personRestrictionsOf = batched((personKeys) => activeRestrictionsOfPersons(db, personKeys));
    this.bansOf = batched((personKeys) => activeBansOfPersons(db, personKeys));
    this.record = new DataLoader(
      async (rows) => {
        await insertDecisions(db, rows);
        return rows.map(() => undefined);
      },
      { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
    );
  }

  async enterprise(
    ctx: CallContext,
    uscc: string,
    scenario: string | undefined,
    record = false,
  ): Promise<EnterpriseCheck> {
    const problem = usccProblem(uscc);
    if (problem) throw ValidationError.field('uscc', problem);
    this.requireScenario(scenario);
    const now = this.clock.now();
    const today = chinaDate(now);
    // Never-listed subjects (almost every bidder) are answered from the in-process index, without a query.
    const found = this.evidence.index.surelyClear(enterpriseKey(uscc)) ? [] : await this.restrictionsOf.load(uscc);
    const hits = found.filter((h) => inForce(h.until, today) && (!scenario || h.scenarios.includes(scenario)));
    const answer: EnterpriseCheck = {
      uscc,
      scenario: scenario ?? null,
      restricted: hits.length > 0,
      measures: await this.flagObjections(hits.map((h) => ({ ...this.measureOf(h), scenarios: h.scenarios }))),
      checkedAt: now.toISOString(),
    };
    const subject = { uscc, person_key: null, person_masked: null, scenario: scenario ?? null, role: null };
    return this.leaveEvidence(ctx, 'enterprise', subject, answer, answer.restricted, record, now);
  }

  /** One restriction as both checks answer it: the measure, who applies it, on which entry, its basis and term. */
  private measureOf(h: Omit<RestrictionHit, 'uscc'>) {
    return {
      code: h.measure_code,
      name: h.measure_name,
      nameEn: h.measure_name_en,
      department: h.department,
      listType: h.list_type as ListType,
      entryId: h.entry_id,
      basis: h.basis,
      ...this.citationsOf(h.measure_code, h.basis),
      until: h.until,
    };
  }

  /** Restrictions on a person in one scenario (consumption, exit_entry, financing, …). */
  async person(ctx: CallContext, idNumber: string, scenario: string, record = false): Promise<PersonCheck> {
    const problem = idNumberProblem(idNumber);
    if (problem) throw ValidationError.field('idNumber', problem);
    this.requireScenario(scenario);
    await this.evidence.budget.take(callerOf(ctx));
    const now = this.clock.now();
    const today = chinaDate(now);
    const key = this.keyOf(idNumber);
    const found = this.evidence.index.surelyClear(personKey(key)) ? [] : await this.personRestrictionsOf.load(key);
    const hits = found.filter((h) => inForce(h.until, today) && h.scenarios.includes(scenario));
    const masked = maskIdNumber(idNumber);
    const answer: PersonCheck = {
      idNumberMasked: masked,
      scenario,
      restricted: hits.length > 0,
      measures: await this.flagObjections(hits.map((h) => this.measureOf(h))),
      checkedAt: now.toISOString(),
    };
    const subject = { uscc: null, person_key: key, person_masked: masked, scenario, role: null };
    return this.leaveEvidence(ctx, 'person', subject, answer, answer.restricted, record, now);
  }

  async officer(ctx: CallContext, idNumber: string, role: OfficerRole, record = false): Promise<OfficerCheck> {
    const problem = idNumberProblem(idNumber);
    if (problem) throw ValidationError.field('idNumber', problem);
    await this.evidence.budget.take(callerOf(ctx));
    const now = this.clock.now();
    const today = chinaDate(now);
    const key = this.keyOf(idNumber);
    const found = this.evidence.index.surelyClear(personKey(key)) ? [] : await this.bansOf.load(key);
    const hits = found.filter((h) => inForce(h.until, today) && h.roles.includes(role));
    const answer: OfficerCheck = {
      idNumberMasked: maskIdNumber(idNumber),
      role,
      eligible: hits.length === 0,
      bans: await this.flagObjections(
        hits.map((h) => ({
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
      ),
      checkedAt: now.toISOString(),
    };
    const subject = { uscc: null, person_key: key, person_masked: answer.idNumberMasked ?? null, scenario: null, role };
    return this.leaveEvidence(ctx, 'officer', subject, answer, !answer.eligible, record, now);
  }

  /**
   * A measure or ban resting on an entry with an objection pending says so (`objection: {status: pending, since}`): it
   * stays in force (no national text suspends it), but the desk must know the listing is disputed. Read only for hits.
   */
  private async flagObjections<T extends { entryId: string }>(items: T[]): Promise<T[]> {
    if (items.length === 0) return items;
    const pending = await pendingObjectionsOf(
      this.db,
      items.map((i) => i.entryId),
    );
    if (pending.size === 0) return items;
    return items.map((i) => {
      const since = pending.get(i.entryId);
      return since ? { ...i, objection: { status: 'pending' as const, since: since.toISOString() } } : i;
    });
  }

  /** Additive fields: the stored "document article" strings resolved to citations, and the basis strength. */
  private citationsOf(code: string, basis: string[]): { citations?: Citation[]; basisStrength?: BasisStrength } {
    if (!this.cite) return {};
    const strength = this.cite.strength(code);
    return { citations: this.cite.citations(code, basis), ...(strength ? { basisStrength: strength } : {}) };
  }

  /** One audit row per person-level check (buffered, see PersonCheckAudit) and the per-department metric. */
  private auditPersonCheck(ctx: CallContext, kind: CheckKind, subject: DecisionSubject, hit: boolean, at: Date): void {
    const p = ctx.principal;
    const department = actorOf(p);
    countPersonCheck(department, kind, hit);
    this.evidence.audit.record({
      at,
      requestId: ctx.requestId ?? null,
      tokenId: p.kind === 'department' ? p.tokenId : null,
      actor: department,
      action: 'person.checked',
      entityType: 'person',
      entityId: subject.person_key as string,
      after: {
        operation: kind === 'person' ? 'checkPerson' : 'checkOfficer',
        ...(subject.scenario ? { scenario: subject.scenario } : {}),
        ...(subject.role ? { role: subject.role } : {}),
        answer: hit ? 'restricted' : 'clear',
      },
    });
  }

  private requireScenario(scenario: string | undefined): void {
    if (scenario === undefined || this.scenarios.has(scenario)) return;
    const known = [...this.scenarios].join(', ');
    throw ValidationError.field('scenario', `unknown scenario "${scenario}"; known: ${known}`);
  }

  /**
   * A hit (and a clean answer asked with record=true) is stored before the answer leaves, carrying its decisionId;
   * any other clean answer is only counted.
   */
  private async leaveEvidence<A extends { decisionId?: string }>(
    ctx: CallContext,
    kind: CheckKind,
    subject: DecisionSubject,
    answer: A,
    hit: boolean,
    record: boolean,
    now: Date,
  ): Promise<A> {
    const department = actorOf(ctx.principal);
    countCheck(kind, subject.scenario ?? subject.role, hit);
    if (subject.person_key) this.auditPersonCheck(ctx, kind, subject, hit, now);
    if (!hit && !record) {
      this.evidence.counter.count(department, kind, subject.scenario ?? subject.role, chinaDate(now));
      return answer;
    }
    answer.decisionId = randomUUID();
    await this.record.load({
      id: answer.decisionId,
      kind,
      department,
      ...subject,
      outcome: hit ? 'hit' : 'clear',
      answer,
      rules_version: this.evidence.rulesVersion,
      checked_at: now,
    });
    countDecisionRecord(kind, hit);
    return answer;
  }
}

/** Whose budget a person check spends: the token's (a department's), or the administrator's. */
function callerOf(ctx: CallContext): string {
  const p = ctx.principal;
  return p.kind === 'department' ? p.tokenId : actorOf(p);
}

/** A term ends at the end of its `until` day (dates are 'YYYY-MM-DD', so string order is date order). */
const inForce = (until: string | null, today: string) => until === null || until >= today;
