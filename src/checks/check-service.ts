import DataLoader from 'dataloader';
import { actorOf, type CallContext } from '../auth/principal';
import type { Db } from '../db/knex';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ValidationError } from '../errors';
import type { components } from '../generated/openapi';
import { idNumberProblemCode, maskIdNumber } from '../identity/id-number';
import { countCheck, countDecisionRecord, countPersonCheck } from '../metrics/metrics';
import type { PersonKeyer } from '../identity/person-key';
import { usccProblemCode } from '../identity/uscc';
import type { CitationLookup } from '../rules/citations';
import type { Catalog, ListType, OfficerRole } from '../rules/rule-types';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { CheckStore, AsOfWindow, BanHit, PersonRestrictionHit, RestrictionHit } from './check-store';
import type { ClearCounter } from './clear-counter';
import type { PersonCheckAudit } from './person-check-audit';
import type { PersonCheckBudget } from './person-check-budget';
import { pendingObjectionsOf } from '../lists/pending-objections';
import type { CheckKind, DecisionStore, NewDecisionRow } from './decision-store';
import { groundsOf, type GroundNames } from './grounds';
import { enterpriseKey, personKey, type SubjectIndex } from './subject-index';
import { newRowId } from '../db/row-id';

type EnterpriseCheck = components['schemas']['EnterpriseCheck'];
type OfficerCheck = components['schemas']['OfficerCheck'];
type PersonCheck = components['schemas']['PersonCheck'];
type CheckMeasure = components['schemas']['CheckMeasure'];
type OfficerBan = components['schemas']['OfficerBan'];
type OrganisationKind = components['schemas']['OrganisationKind'];

/** What checks need besides the database: the index that answers the common case, and the evidence they leave. */
export interface CheckEvidence {
  index: SubjectIndex;
  counter: ClearCounter;
  rulesVersion: string;
  /** Person-level checks (persons, officers) spend a per-token budget and are each audited. */
  budget: PersonCheckBudget;
  audit: PersonCheckAudit;
}

/** The stores a check reads and writes, and the primary for what it reads of the lists' procedures. */
export interface CheckStores {
  primary: Db;
  checks: CheckStore;
  decisions: DecisionStore;
}

/** The subject of a decision record, as stored (never a full ID number). */
type DecisionSubject = Pick<NewDecisionRow, 'uscc' | 'person_key' | 'person_masked' | 'scenario' | 'role'>;

/** The moment a check answers for: now, or an asOf day (any moment of it) or instant. */
interface Moment {
  /** the asOf as asked, or null */
  asked: string | null;
  /** the China day whose terms (`until`) count */
  day: string;
  window?: AsOfWindow;
}

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

/** Real-time answers for procurement systems and registration desks. Never runs the rules engine (ADR 0004). */
export class CheckService {
  private readonly scenarios: Set<string>;
  private readonly restrictionsOf: DataLoader<string, RestrictionHit[]>;
  private readonly personRestrictionsOf: DataLoader<string, PersonRestrictionHit[]>;
  private readonly bansOf: DataLoader<string, BanHit[]>;
  /** Decision records of hits answered in the same turn share one INSERT and one commit (each answer waits for it). */
  private readonly record: DataLoader<NewDecisionRow, void>;
  private readonly names: GroundNames;

  constructor(
    private readonly stores: CheckStores,
    private readonly keyOf: PersonKeyer,
    private readonly clock: Clock,
    catalog: Catalog,
    departments: DepartmentDirectory,
    private readonly evidence: CheckEvidence,
    /** the rules' citations, provenance and reach, so answers quote each basis with its version and text */
    private readonly cite: CitationLookup,
  ) {
    this.scenarios = new Set(catalog.scenarios.map((s) => s.code));
    const listNames = new Map(catalog.lists.map((l) => [l.code as string, l.name]));
    this.names = {
      listType: (code) => listNames.get(code) ?? code,
      department: (code) => departments.find(code)?.name ?? code,
    };
    const { checks, decisions } = stores;
    this.restrictionsOf = batched((usccs) => checks.restrictionsOfEnterprises(usccs));
    this.personRestrictionsOf = batched((personKeys) => checks.restrictionsOfPersons(personKeys));
    this.bansOf = batched((personKeys) => checks.bansOfPersons(personKeys));
    this.record = new DataLoader(
      async (rows) => {
        await decisions.insert(rows);
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
    asOf?: string,
  ): Promise<EnterpriseCheck> {
    const problem = usccProblemCode(uscc);
    if (problem) throw ValidationError.coded('uscc', problem);
    this.requireScenario(scenario);
    return this.answerEnterprise(ctx, uscc, scenario, record, this.momentOf(asOf));
  }

  /**
   * Every bidder of one tender in one call: the answers are the single check's, in order. The reads of all
   * subjects share one statement (the loaders batch them) and the hits' decision records one INSERT.
   */
  async enterprises(
    ctx: CallContext,
    input: components['schemas']['EnterpriseChecksInput'],
  ): Promise<{ items: EnterpriseCheck[] }> {
    input.usccs.forEach((uscc, i) => {
      const problem = usccProblemCode(uscc);
      if (problem) throw ValidationError.coded(`usccs[${i}]`, problem);
    });
    this.requireScenario(input.scenario);
    const moment = this.momentOf(input.asOf);
    // As of an earlier moment the loaders (current rows only) do not apply: one history read for every bidder.
    const readAt = new Date();
    const history = moment.window
      ? await this.stores.checks.restrictionsOfEnterprises(input.usccs, moment.window)
      : undefined;
    const items = await Promise.all(
      input.usccs.map((uscc) =>
        this.answerEnterprise(
          ctx,
          uscc,
          input.scenario,
          input.record ?? false,
          moment,
          history && {
            rows: history.get(uscc) ?? [],
            asOfData: readAt,
          },
        ),
      ),
    );
    return { items };
  }

  private async answerEnterprise(
    ctx: CallContext,
    uscc: string,
    scenario: string | undefined,
    record: boolean,
    moment: Moment,
    /** the subject's rows as of moment.window, already read with the other bidders' */
    history?: { rows: RestrictionHit[]; asOfData: Date },
  ): Promise<EnterpriseCheck> {
    const now = this.clock.now();
    const read =
      history ??
      (await this.read(enterpriseKey(uscc), moment, (w) =>
        w
          ? this.stores.checks.restrictionsOfEnterprises([uscc], w).then((m) => m.get(uscc) ?? [])
          : this.restrictionsOf.load(uscc),
      ));
    const hits = read.rows.filter((h) => inForce(h.until, moment.day) && (!scenario || h.scenarios.includes(scenario)));
    const measures = this.measuresOf(hits);
    const answer: EnterpriseCheck = {
      uscc,
      scenario: scenario ?? null,
      restricted: measures.length > 0,
      measures: await this.flagObjections(measures),
      ...this.freshness(now, moment, read.asOfData),
    };
    const subject = { uscc, person_key: null, person_masked: null, scenario: scenario ?? null, role: null };
    return this.leaveEvidence(ctx, 'enterprise', subject, answer, answer.restricted, record, now);
  }

  /** Restrictions on a person in one scenario (consumption, exit_entry, financing, …). */
  async person(
    ctx: CallContext,
    input: { idNumber: string; scenario: string; record?: boolean; asOf?: string },
  ): Promise<PersonCheck> {
    const { idNumber, scenario } = input;
    const problem = idNumberProblemCode(idNumber);
    if (problem) throw ValidationError.coded('idNumber', problem);
    this.requireScenario(scenario);
    // the request's moment is when it arrived, not when its turn at the budget came (concurrent checks share one
    // budget statement)
    const moment = this.momentOf(input.asOf);
    const now = this.clock.now();
    await this.evidence.budget.take(callerOf(ctx));
    const key = this.keyOf(idNumber);
    const masked = maskIdNumber(idNumber);
    const read = await this.read(personKey(key), moment, (w) =>
      w
        ? this.stores.checks.restrictionsOfPersons([key], w).then((m) => m.get(key) ?? [])
        : this.personRestrictionsOf.load(key),
    );
    const hits = read.rows.filter((h) => inForce(h.until, moment.day) && h.scenarios.includes(scenario));
    const measures = this.measuresOf(hits, masked);
    const answer: PersonCheck = {
      idNumberMasked: masked,
      scenario,
      restricted: measures.length > 0,
      measures: await this.flagObjections(measures),
      ...this.freshness(now, moment, read.asOfData),
    };
    const subject = { uscc: null, person_key: key, person_masked: masked, scenario, role: null };
    return this.leaveEvidence(ctx, 'person', subject, answer, answer.restricted, input.record ?? false, now);
  }

  async officer(
    ctx: CallContext,
    input: {
      idNumber: string;
      role: OfficerRole;
      record?: boolean;
      asOf?: string;
      organisationKind?: OrganisationKind;
    },
  ): Promise<OfficerCheck> {
    const { idNumber, role, organisationKind } = input;
    const problem = idNumberProblemCode(idNumber);
    if (problem) throw ValidationError.coded('idNumber', problem);
    // the request's moment is when it arrived, not when its turn at the budget came (concurrent checks share one
    // budget statement)
    const moment = this.momentOf(input.asOf);
    const now = this.clock.now();
    await this.evidence.budget.take(callerOf(ctx));
    const key = this.keyOf(idNumber);
    const read = await this.read(personKey(key), moment, (w) =>
      w ? this.stores.checks.bansOfPersons([key], w).then((m) => m.get(key) ?? []) : this.bansOf.load(key),
    );
    // A ban that reaches only some kinds of organisation (state-owned companies, financial institutions, social
    // organisations …) is left out when the desk says the organisation at hand is of another kind.
    const reaches = (code: string) => {
      const kinds = this.cite.appliesTo(code);
      return !organisationKind || !kinds || kinds.includes(organisationKind);
    };
    const hits = read.rows.filter((h) => inForce(h.until, moment.day) && h.roles.includes(role) && reaches(h.code));
    const bans = this.bansFrom(hits);
    const answer: OfficerCheck = {
      idNumberMasked: maskIdNumber(idNumber),
      role,
      eligible: bans.length === 0,
      bans: await this.flagObjections(bans),
      ...this.freshness(now, moment, read.asOfData),
      ...(organisationKind ? { organisationKind } : {}),
    };
    const subject = { uscc: null, person_key: key, person_masked: answer.idNumberMasked ?? null, scenario: null, role };
    return this.leaveEvidence(ctx, 'officer', subject, answer, !answer.eligible, input.record ?? false, now);
  }

  /**
   * Now: never-listed subjects (almost every bidder) are answered from the in-process index without a query, as
   * fresh as the index (asOfData = what it has seen); others from PostgreSQL (asOfData = the read). As of an earlier
   * moment: always PostgreSQL, from the rows' history (the index knows only what is in force).
   */
  private async read<Row>(
    key: string,
    moment: Moment,
    load: (window?: AsOfWindow) => Promise<Row[]>,
  ): Promise<{ rows: Row[]; asOfData: Date }> {
    const index = this.evidence.index;
    if (!moment.window && index.surelyClear(key)) return { rows: [], asOfData: new Date(index.seenUntil) };
    const asOfData = new Date();
    return { rows: await load(moment.window), asOfData };
  }

  private freshness(now: Date, moment: Moment, asOfData: Date) {
    return {
      checkedAt: now.toISOString(),
      asOf: moment.asked,
      asOfData: asOfData.toISOString(),
      rulesVersion: this.evidence.rulesVersion,
    };
  }

  /**
   * One measure per code, with every entry that grounds it (the same company listed three times is one measure
   * with three grounds). The stored basis strings of each entry (resolved on its decision date) are merged in order.
   */
  private measuresOf(hits: readonly Omit<RestrictionHit, 'uscc'>[], personMasked?: string): CheckMeasure[] {
    return byCode(hits, (h) => h.measure_code).map((group) => {
      const [h] = group as [Omit<RestrictionHit, 'uscc'>];
      const basis = mergedBasis(group);
      return {
        code: h.measure_code,
        name: h.measure_name,
        nameEn: h.measure_name_en,
        department: h.department,
        listType: h.list_type as ListType,
        entryId: h.entry_id,
        // a person check asks about one scenario, and the answer is about that one
        ...(personMasked === undefined ? { scenarios: h.scenarios } : {}),
        basis,
        ...this.citationsOf(h.measure_code, basis),
        grounds: groundsOf(group, this.names, personMasked, this.cite.reach(h.measure_code)),
        until: latestUntil(group),
      };
    });
  }

  private bansFrom(hits: readonly BanHit[]): OfficerBan[] {
    return byCode(hits, (h) => h.code).map((group) => {
      const [h] = group as [BanHit];
      const basis = mergedBasis(group);
      const appliesTo = this.cite.appliesTo(h.code);
      return {
        code: h.code,
        reason: h.reason,
        reasonEn: h.reason_en,
        basis,
        listType: h.list_type as ListType,
        entryId: h.entry_id,
        ...(h.enterprise_uscc ? { enterpriseUscc: h.enterprise_uscc } : {}),
        roles: h.roles as OfficerRole[],
        ...this.citationsOf(h.code, basis),
        ...(appliesTo ? { appliesTo } : {}),
        grounds: groundsOf(group, this.names),
        until: latestUntil(group),
      };
    });
  }

  /**
   * A measure or ban resting on an entry with an objection pending says so (`objection: {status: pending, since}`): it
   * stays in force (no national text suspends it), but the desk must know the listing is disputed. Read only for hits;
   * any of its grounds counts (the earliest pending objection's receipt).
   */
  private async flagObjections<T extends { entryId: string; grounds: { entryId: string }[] }>(
    items: T[],
  ): Promise<T[]> {
    if (items.length === 0) return items;
    const pending = await pendingObjectionsOf(
      this.stores.primary,
      items.flatMap((i) => i.grounds.map((g) => g.entryId)),
    );
    if (pending.size === 0) return items;
    return items.map((i) => {
      const since = i.grounds
        .map((g) => pending.get(g.entryId))
        .filter((d): d is Date => d !== undefined)
        .sort((x, y) => x.getTime() - y.getTime())[0];
      return since ? { ...i, objection: { status: 'pending' as const, since: since.toISOString() } } : i;
    });
  }

  /** The stored "document article" strings resolved to citations, the basis strength and its status. */
  private citationsOf(code: string, basis: string[]) {
    const strength = this.cite.strength(code);
    const status = this.cite.status(code);
    return {
      citations: this.cite.citations(code, basis),
      ...(strength ? { basisStrength: strength } : {}),
      ...(status ? { basisStatus: status } : {}),
    };
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
    throw ValidationError.coded('scenario', 'unknown_scenario', { scenario, known });
  }

  /**
   * asOf: a China day answers for any moment of that day (a bid opened that day was opened while any of them was in
   * force); an instant answers for that instant. Not in the future: the history does not reach there.
   */
  private momentOf(asOf: string | undefined): Moment {
    const now = this.clock.now();
    if (asOf === undefined) return { asked: null, day: chinaDate(now) };
    if (/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
      const from = new Date(`${asOf}T00:00:00+08:00`);
      if (Number.isNaN(from.getTime()) || chinaDate(from) !== asOf) throw ValidationError.coded('asOf', 'not_a_date');
      if (asOf > chinaDate(now)) throw ValidationError.coded('asOf', 'in_future');
      return { asked: asOf, day: asOf, window: { from, to: new Date(from.getTime() + 86_400_000) } };
    }
    const at = new Date(asOf);
    if (Number.isNaN(at.getTime())) throw ValidationError.coded('asOf', 'date_or_time');
    if (at.getTime() > now.getTime()) throw ValidationError.coded('asOf', 'in_future');
    return { asked: asOf, day: chinaDate(at), window: { from: at, to: new Date(at.getTime() + 1) } };
  }

  /**
   * A hit (and a clean answer asked with record=true) is stored before the answer leaves, carrying its decisionId;
   * any other clean answer is only counted. The record keeps the answer as given, asOf included.
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
    answer.decisionId = newRowId();
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

/** Rows grouped by code, in first-seen order (the store orders them by department, code, decision date). */
function byCode<T>(rows: readonly T[], codeOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const code = codeOf(row);
    const group = groups.get(code);
    if (group) group.push(row);
    else groups.set(code, [row]);
  }
  return [...groups.values()];
}

function mergedBasis(rows: readonly { basis: string[] }[]): string[] {
  return [...new Set(rows.flatMap((r) => r.basis))];
}

/** The measure lasts as long as its longest-lasting ground: null (while listed) beats any date. */
function latestUntil(rows: readonly { until: string | null }[]): string | null {
  let latest: string | null = '';
  for (const r of rows) {
    if (r.until === null) return null;
    if (latest !== null && r.until > latest) latest = r.until;
  }
  return latest || null;
}

/** A term ends at the end of its `until` day (dates are 'YYYY-MM-DD', so string order is date order). */
const inForce = (until: string | null, today: string) => until === null || until >= today;
