import type { Knex } from 'knex';
import { recordAudit } from '../audit/audit-store';
import { actorOf, isSupervisorOrAdmin, type CallContext, type Principal } from '../auth/principal';
import { decodeCursor, pageOf } from '../db/pagination';
import type { DepartmentDirectory } from '../departments/department-directory';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors';
import { fieldError } from '../i18n/messages';
import type { ProcedureDeadline } from '../generated/rule-files';
import type { components } from '../generated/openapi';
import { correctEntry, type CorrectionRules } from '../lists/entry-correction';
import { admit, endEntry, revocationOf, TRANSITIONS, type TransitionContext } from '../lists/entry-lifecycle';
import { lockEntry, type EntryRow } from '../lists/list-entry-store';
import type { ListType } from '../rules/rule-types';
import type { LoadedProcedure } from '../rules/procedure-loader';
import type { Clock } from '../time/clock';
import { chinaDate } from '../time/dates';
import type { WorkingDayCalendar } from '../time/working-days';
import { appliedProcedure, citeBasis, lastDayOf, type Anchors } from './procedure-deadlines';
import {
  recordKeyOf,
  type ObjectionRow,
  type ProcedureStore,
  type ProcedureTable,
  type RestorationRow,
} from './procedure-store';
import { newRowId } from '../db/row-id';

type Objection = components['schemas']['Objection'];
type Restoration = components['schemas']['RestorationApplication'];
type Page<T> = { items: T[]; nextCursor: string | null };
type ListQuery = {
  status?: string;
  authority?: string;
  overdue?: boolean;
  entry?: string;
  limit?: number;
  cursor?: string;
};

export interface ProcedureDeps {
  store: ProcedureStore;
  clock: Clock;
  calendar: WorkingDayCalendar;
  departments: DepartmentDirectory;
  procedures: Map<ListType, LoadedProcedure>;
  /** The loaded rules, for a correction decided on an objection (src/lists/entry-correction.ts). */
  correctionRules: CorrectionRules;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const overdue = (status: string, decideBy: string | null, today: string) =>
  status === 'received' && decideBy !== null && decideBy < today;

function toObjection(r: ObjectionRow, today: string): Objection {
  return {
    id: r.id,
    entryId: r.entry_id,
    authority: r.authority,
    listType: r.basis.listType,
    status: r.status,
    receivedAt: iso(r.received_at) as string,
    channel: r.channel,
    grounds: r.grounds,
    statement: r.statement,
    evidence: r.evidence,
    acceptBy: r.accept_by,
    decideBy: r.decide_by,
    overdue: overdue(r.status, r.decide_by, today),
    basis: r.basis,
    decision: r.decision,
    createdAt: iso(r.created_at) as string,
  };
}

function toRestoration(r: RestorationRow, today: string): Restoration {
  return {
    id: r.id,
    entryId: r.entry_id,
    authority: r.authority,
    listType: r.basis.listType,
    status: r.status,
    receivedAt: iso(r.received_at) as string,
    channel: r.channel,
    statement: r.statement,
    commitment: r.commitment,
    evidence: r.evidence,
    eligibleFrom: r.eligible_from,
    decideBy: r.decide_by,
    overdue: overdue(r.status, r.decide_by, today),
    basis: r.basis,
    decision: r.decision,
    createdAt: iso(r.created_at) as string,
  };
}

/**
 * 异议 and 信用修复: recorded by the listing authority or a supervisor's 信用中国 window, decided by the authority,
 * with the deadlines of rules/procedures/ (a step no text gives a deadline for has none, and is never overdue). A
 * decision that changes the entry (an upheld objection's remedy, an approved restoration) goes through the entry
 * lifecycle in the same transaction. Lock order everywhere: the entry, then the record.
 */
export class ProcedureService {
  constructor(private readonly d: ProcedureDeps) {}

  // ---- objections -------------------------------------------------------------------------------------------

  async createObjection(
    ctx: CallContext,
    entryId: string,
    input: components['schemas']['ObjectionInput'],
  ): Promise<{ created: boolean; objection: Objection }> {
    const now = this.d.clock.now();
    const received = this.receivedAt(input.receivedAt, now);
    return this.d.store.transaction(async (trx) => {
      const entry = await this.lockEntryToRecord(trx, ctx.principal, entryId, 'object');
      const proc = this.procedureOf(entry);
      const anchors: Anchors = { decided_at: entry.decided_at, receipt: chinaDate(received) };
      if (anchors.receipt < entry.decided_at)
        throw ValidationError.coded('receivedAt', 'received_before_decision', { decidedAt: entry.decided_at });
      const window = proc.objection.window;
      const windowEnd = lastDayOf(window, anchors, this.d.calendar);
      if (windowEnd && window.deadline && anchors.receipt > windowEnd)
        throw UnprocessableError.coded(
          'objection_window_closed',
          {
            ...deadlineParams(window.deadline),
            decidedAt: entry.decided_at,
            end: windowEnd,
            basis: citeBasis(window.basis),
          },
          [fieldError('receivedAt', 'objection_window_closed_field', { end: windowEnd })],
        );
      const acceptBy = lastDayOf(proc.objection.accept, anchors, this.d.calendar);
      const decideBy = lastDayOf(proc.objection.decide, { ...anchors, accept_by: acceptBy }, this.d.calendar);
      const basis = appliedProcedure(proc, [
        ['objection.window', proc.objection.window],
        ['objection.accept', proc.objection.accept],
        ['objection.decide', proc.objection.decide],
      ]);
      const { created, row } = await this.d.store.insertOnce(trx, 'objections', {
        id: newRowId(),
        entry_id: entry.id,
        authority: entry.authority,
        received_at: received,
        channel: input.channel,
        grounds: input.grounds,
        statement: input.statement,
        evidence: input.evidence ?? [],
        accept_by: acceptBy,
        decide_by: decideBy,
        basis,
        recorded_by: actorOf(ctx.principal),
        created_at: now,
      });
      if (created)
        await this.audit(trx, ctx, now, entry.id, TRANSITIONS.object.audit, null, {
          objectionId: row.id,
          channel: row.channel,
          grounds: row.grounds,
          receivedAt: received.toISOString(),
          decideBy,
        });
      return { created, objection: toObjection(row, chinaDate(now)) };
    });
  }

  async decideObjection(
    ctx: CallContext,
    id: string,
    input: components['schemas']['ObjectionDecisionInput'],
  ): Promise<Objection> {
    checkObjectionDecision(input);
    const now = this.d.clock.now();
    return this.d.store.transaction(async (trx) => {
      const { entry, record } = await this.lockForDecision(trx, ctx.principal, 'objections', id);
      const decision = {
        outcome: input.outcome,
        reason: input.reason,
        ...(input.decisionNo ? { decisionNo: input.decisionNo } : {}),
        ...(input.remedy ? { remedy: input.remedy } : {}),
        inTime: record.decide_by === null ? null : chinaDate(now) <= record.decide_by,
        at: now.toISOString(),
        by: actorOf(ctx.principal),
      };
      if (record.status !== 'received') return this.repeatOrConflict(record, decision, toObjection);
      const by: TransitionContext = { actor: actorOf(ctx.principal), at: now, requestId: ctx.requestId };
      if (input.remedy === 'revocation') {
        const revocation = revocationOf(
          { reason: input.reason, decisionNo: input.decisionNo as string, objectionId: id },
          by,
        );
        await endEntry(trx, entry, 'revoke', by, { revocation });
      } else if (input.remedy === 'correction') {
        const why = { reason: input.reason, decisionNo: input.decisionNo, objectionId: id };
        await correctEntry(
          trx,
          entry,
          input.correction as components['schemas']['CorrectionChanges'],
          why,
          by,
          this.d.correctionRules,
          'correction',
        );
      }
      const row = await this.d.store.setDecision(trx, 'objections', id, input.outcome, decision, now);
      await this.audit(
        trx,
        ctx,
        now,
        entry.id,
        'objection.decided',
        { objectionId: id, status: 'received' },
        {
          objectionId: id,
          status: input.outcome,
          decision,
        },
      );
      return toObjection(row, chinaDate(now));
    });
  }

  async getObjection(ctx: CallContext, id: string): Promise<Objection> {
    const row = await this.d.store.find('objections', id);
    if (!row || !this.mayRead(ctx.principal, row.authority))
      throw NotFoundError.coded('no_record_id', { what: 'objection', id });
    return toObjection(row, chinaDate(this.d.clock.now()));
  }

  listObjections(ctx: CallContext, q: ListQuery): Promise<Page<Objection>> {
    return this.list(ctx, 'objections', q, toObjection);
  }

  // ---- credit restoration --------------------------------------------------------------------------------------

  async createRestoration(
    ctx: CallContext,
    entryId: string,
    input: components['schemas']['RestorationInput'],
  ): Promise<{ created: boolean; application: Restoration }> {
    const now = this.d.clock.now();
    const received = this.receivedAt(input.receivedAt, now);
    return this.d.store.transaction(async (trx) => {
      const entry = await this.lockEntryToRecord(trx, ctx.principal, entryId, 'applyForRestoration');
      const proc = this.procedureOf(entry);
      const r = proc.restoration;
      if (!r.allowed)
        throw UnprocessableError.coded(
          'restoration_not_allowed',
          { list: entry.list_type, basis: citeBasis(r.notAllowedBasis ?? []) },
          [fieldError('entry', 'restoration_not_allowed_field')],
        );
      const anchors: Anchors = { decided_at: entry.decided_at, receipt: chinaDate(received) };
      const eligibleFrom = lastDayOf(r.eligibleAfter, anchors, this.d.calendar) ?? entry.decided_at;
      if (anchors.receipt < eligibleFrom)
        throw UnprocessableError.coded(
          'restoration_too_early',
          { ...deadlineParams(r.eligibleAfter.deadline), eligibleFrom, basis: citeBasis(r.eligibleAfter.basis) },
          [fieldError('receivedAt', 'restoration_too_early_field', { eligibleFrom })],
        );
      const decide = input.channel === 'credit_china' && r.decideViaCreditChina ? r.decideViaCreditChina : r.decide;
      const decideBy = lastDayOf(decide, anchors, this.d.calendar);
      const basis = appliedProcedure(proc, [
        ['restoration.eligibleAfter', r.eligibleAfter],
        [decide === r.decide ? 'restoration.decide' : 'restoration.decideViaCreditChina', decide],
      ]);
      const { created, row } = await this.d.store.insertOnce(trx, 'restoration_applications', {
        id: newRowId(),
        entry_id: entry.id,
        authority: entry.authority,
        received_at: received,
        channel: input.channel,
        statement: input.statement,
        commitment: input.commitment,
        evidence: input.evidence ?? [],
        eligible_from: eligibleFrom,
        decide_by: decideBy,
        basis,
        recorded_by: actorOf(ctx.principal),
        created_at: now,
      });
      if (created)
        await this.audit(trx, ctx, now, entry.id, TRANSITIONS.applyForRestoration.audit, null, {
          applicationId: row.id,
          channel: row.channel,
          receivedAt: received.toISOString(),
          decideBy,
        });
      return { created, application: toRestoration(row, chinaDate(now)) };
    });
  }

  async decideRestoration(
    ctx: CallContext,
    id: string,
    input: components['schemas']['RestorationDecisionInput'],
  ): Promise<Restoration> {
    const now = this.d.clock.now();
    return this.d.store.transaction(async (trx) => {
      const { entry, record } = await this.lockForDecision(trx, ctx.principal, 'restoration_applications', id);
      const decision = {
        outcome: input.outcome,
        reason: input.reason,
        decisionNo: input.decisionNo,
        inTime: record.decide_by === null ? null : chinaDate(now) <= record.decide_by,
        at: now.toISOString(),
        by: actorOf(ctx.principal),
      };
      if (record.status !== 'received') return this.repeatOrConflict(record, decision, toRestoration);
      if (input.outcome === 'approved') {
        const by: TransitionContext = { actor: actorOf(ctx.principal), at: now, requestId: ctx.requestId };
        const removal = {
          reason: input.reason,
          decisionNo: input.decisionNo,
          removedAt: now.toISOString(),
          removedBy: by.actor,
          ground: 'credit_restored' as const,
        };
        await endEntry(trx, entry, 'restore', by, { removal });
      }
      const row = await this.d.store.setDecision(trx, 'restoration_applications', id, input.outcome, decision, now);
      await this.audit(
        trx,
        ctx,
        now,
        entry.id,
        'restoration.decided',
        { applicationId: id, status: 'received' },
        {
          applicationId: id,
          status: input.outcome,
          decision,
        },
      );
      return toRestoration(row, chinaDate(now));
    });
  }

  async getRestoration(ctx: CallContext, id: string): Promise<Restoration> {
    const row = await this.d.store.find('restoration_applications', id);
    if (!row || !this.mayRead(ctx.principal, row.authority))
      throw NotFoundError.coded('no_record_id', { what: 'restoration application', id });
    return toRestoration(row, chinaDate(this.d.clock.now()));
  }

  listRestorations(ctx: CallContext, q: ListQuery): Promise<Page<Restoration>> {
    return this.list(ctx, 'restoration_applications', q, toRestoration);
  }

  // ---- shared ----------------------------------------------------------------------------------------------------

  private procedureOf(entry: EntryRow): LoadedProcedure {
    const proc = this.d.procedures.get(entry.list_type);
    // rule-loader refuses to start without a procedure for every list, so this is a broken deployment, not input
    if (!proc) throw new Error(`no procedure for the ${entry.list_type} list`);
    return proc;
  }

  /** receivedAt may not lie in the future (a minute of clock skew is allowed). */
  private receivedAt(value: string, now: Date): Date {
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1900)
      throw ValidationError.coded('receivedAt', 'date_time');
    if (at.getTime() > now.getTime() + 60_000) throw ValidationError.coded('receivedAt', 'in_future');
    return at;
  }

  /**
   * The entry an objection or application is recorded against, locked: recorded by its listing authority or by a
   * supervisor receiving it for the authority (the 信用中国 window); the lifecycle decides whether its state allows it.
   */
  private async lockEntryToRecord(
    trx: Knex.Transaction,
    p: Principal,
    entryId: string,
    transition: 'object' | 'applyForRestoration',
  ): Promise<EntryRow> {
    const entry = await lockEntry(trx, entryId);
    if (!entry) throw NotFoundError.coded('no_entry_id', { id: entryId });
    // Entries are public to departments (a restored one is not, and takes nothing more: the lifecycle refuses it)
    if (p.kind !== 'department' || !this.mayRead(p, entry.authority))
      throw ForbiddenError.coded('records_not_authority', { authority: entry.authority });
    admit(transition, entry.status);
    return entry;
  }

  /** The record and its entry, both locked (entry first, as every writer of the entry does), by its authority only. */
  private async lockForDecision<T extends ProcedureTable>(trx: Knex.Transaction, p: Principal, table: T, id: string) {
    const what = table === 'objections' ? 'objection' : 'restoration application';
    const seen = await this.d.store.findInTransaction(trx, table, id);
    if (!seen || !this.mayRead(p, seen.authority)) throw NotFoundError.coded('no_record_id', { what, id });
    if (p.kind !== 'department' || p.department.code !== seen.authority)
      throw ForbiddenError.coded('decides_not_authority', { authority: seen.authority, what });
    const entry = (await lockEntry(trx, seen.entry_id)) as EntryRow;
    const record = (await this.d.store.findInTransaction(trx, table, id, { forUpdate: true })) as NonNullable<
      typeof seen
    >;
    return { entry, record };
  }

  /** A decided record: the same decision again is a harmless repeat (200), a different one 409 naming the state. */
  private repeatOrConflict<R extends ObjectionRow | RestorationRow, V>(
    record: R,
    decision: { outcome: string; reason: string; decisionNo?: string; remedy?: string },
    view: (r: R, today: string) => V,
  ): V {
    const was = record.decision as { outcome: string; reason: string; decisionNo?: string; remedy?: string } | null;
    const same =
      was &&
      was.outcome === decision.outcome &&
      was.reason === decision.reason &&
      was.decisionNo === decision.decisionNo &&
      was.remedy === decision.remedy;
    if (!same) throw ConflictError.coded('already_decided', { status: record.status });
    return view(record, chinaDate(this.d.clock.now()));
  }

  /** The listing authority, supervisors and the administrator; to other departments these records do not exist. */
  private mayRead(p: Principal, authority: string): boolean {
    return isSupervisorOrAdmin(p) || (p.kind === 'department' && p.department.code === authority);
  }

  private async list<T extends ProcedureTable, V>(
    ctx: CallContext,
    table: T,
    q: ListQuery,
    view: (r: T extends 'objections' ? ObjectionRow : RestorationRow, today: string) => V,
  ): Promise<Page<V>> {
    const p = ctx.principal;
    if (q.authority !== undefined) this.d.departments.get(q.authority);
    let authority = q.authority;
    if (!isSupervisorOrAdmin(p)) {
      const own = p.kind === 'department' ? p.department : undefined;
      if (!own || own.authorityFor.length === 0) throw ForbiddenError.coded('procedure_records_readers');
      if (authority !== undefined && authority !== own.code) throw ForbiddenError.coded('own_procedure_records_only');
      authority = own.code;
    }
    const limit = q.limit ?? 50;
    const today = chinaDate(this.d.clock.now());
    const filters = { status: q.status, authority, entry: q.entry, overdue: q.overdue, today };
    const rows = await this.d.store.list(table, filters, limit, decodeCursor(q.cursor));
    const page = pageOf(rows, limit, recordKeyOf(filters));
    return { items: page.items.map((r) => view(r as never, today)), nextCursor: page.nextCursor };
  }

  private audit(
    trx: Knex.Transaction,
    ctx: CallContext,
    at: Date,
    entryId: string,
    action: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return recordAudit(trx, { at, requestId: ctx.requestId }, [
      { actor: actorOf(ctx.principal), action, entityType: 'list_entry', entityId: entryId, before, after },
    ]);
  }
}

/** A procedure deadline as message params (none: counted from the listing decision itself). */
function deadlineParams(d: ProcedureDeadline | null | undefined): Record<string, string | number> {
  return d ? { amount: d.amount, unit: d.unit, from: d.from } : {};
}

/** An upheld objection names its remedy, and the remedy what it needs; the other outcomes name none. */
function checkObjectionDecision(input: components['schemas']['ObjectionDecisionInput']): void {
  if (input.outcome === 'upheld') {
    if (!input.remedy) throw ValidationError.coded('remedy', 'remedy_needed');
    if (input.remedy === 'revocation' && !input.decisionNo)
      throw ValidationError.coded('decisionNo', 'revocation_needs_decision_no');
    if (input.remedy === 'correction' && !input.correction)
      throw ValidationError.coded('correction', 'correction_needs_fields');
    if (input.remedy === 'revocation' && input.correction)
      throw ValidationError.coded('correction', 'correction_only_with_correction');
    return;
  }
  if (input.remedy) throw ValidationError.coded('remedy', 'only_when_upheld', { outcome: input.outcome });
  if (input.correction) throw ValidationError.coded('correction', 'only_when_upheld', { outcome: input.outcome });
}
