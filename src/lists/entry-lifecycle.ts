import type { Knex } from 'knex';
import { recordAudit, type AuditRecord } from '../audit/audit-store';
import { markDecisionsOfRevokedEntry } from '../checks/basis-revocations';
import { ConflictError } from '../errors';
import type { MessageRef } from '../i18n/messages';
import type { components } from '../generated/openapi';
import { countEntryTransition } from '../metrics/metrics';
import { liftOrdersOfEntry, revokeOrdersOfEntry, type OrderRow } from '../orders/order-store';
import { enqueueOrderEvents } from '../webhooks/outbox';
import { markEntryState, type EntryRow } from './list-entry-store';

/**
 * The one lifecycle of a list entry (issue 18). An entry is in one of four states:
 *
 *   active   在列. Its orders, restrictions and bans are in force. A pending objection (异议) is a FLAG on an active
 *            entry, not a state: no national text suspends a listing while it is disputed (法释〔2017〕7号 Art. 12:
 *            复议期间，不停止原决定的执行), so the measures stay and every check answer relying on it says so.
 *            A correction (更正) is not a state either: the entry stays active, its history shows before and after.
 *   removed  移出, with its ground (performed, term_expired, objection_upheld, …); "restored" (信用修复) is a removal with
 *            ground credit_restored, after which the entry is shown only to its authority and the supervisors.
 *   expired  期满: the term ran out (the expiry job).
 *   revoked  撤销: a wrong listing, void from the start. Its orders become `revoked` (not `lifted`): each department
 *            reverses what it did; every decision record that relied on it is marked.
 *
 * TRANSITIONS is the table: for each transition the states it may start from, the state it leads to, and what it does
 * to the entry's orders, restrictions and bans, which audit action and webhook it writes. The subject index needs no
 * entry here: a trigger on orders notifies it of every subject the orders reach (migration 20261206300000), and an
 * index that over-reports only costs a query. Every caller (single and bulk creation, removal, bulk removal, expiry,
 * the consistency job, corrections, objections, revocation, restoration) asks this table, so no transition is written
 * twice.
 */
export type EntryState = components['schemas']['EntryStatus'];

export type TransitionName =
  | 'list'
  | 'reissue'
  | 'correct'
  | 'object'
  | 'applyForRestoration'
  | 'remove'
  | 'restore'
  | 'expire'
  | 'revoke';

interface TransitionSpec {
  /** States it may start from; a new entry starts from none. */
  from: readonly EntryState[] | 'new';
  to: EntryState;
  /** Who may make it: the authority that listed the entry (or, for object/applyForRestoration, a supervisor window). */
  by: 'authority' | 'authority_or_supervisor' | 'system';
  orders: 'issue' | 'keep' | 'lift' | 'revoke';
  /** restrictions and officer bans: read from the entry's orders while it is active, lifted at its ended_at */
  measures: 'insert' | 'keep' | 'end';
  audit: string;
  webhook: 'order.issued' | 'order.lifted' | 'order.revoked' | null;
  /** decision records that relied on the entry get the append-only basis-revoked mark (and their askers a webhook) */
  marksDecisions: boolean;
  /** A repeat on an entry already in `to` changes nothing (idempotent), rather than refusing. */
  repeatable: boolean;
}

export const TRANSITIONS: Readonly<Record<TransitionName, TransitionSpec>> = {
  list: {
    from: 'new',
    to: 'active',
    by: 'authority',
    orders: 'issue',
    measures: 'insert',
    audit: 'entry.created',
    webhook: 'order.issued',
    marksDecisions: false,
    repeatable: true,
  },
  reissue: {
    from: ['active'],
    to: 'active',
    by: 'system',
    orders: 'issue',
    measures: 'insert',
    audit: 'order.issued',
    webhook: 'order.issued',
    marksDecisions: false,
    repeatable: false,
  },
  correct: {
    from: ['active'],
    to: 'active',
    by: 'authority',
    orders: 'keep',
    measures: 'keep',
    audit: 'entry.corrected',
    webhook: null,
    marksDecisions: false,
    repeatable: false,
  },
  object: {
    from: ['active'],
    to: 'active',
    by: 'authority_or_supervisor',
    orders: 'keep',
    measures: 'keep',
    audit: 'entry.objected',
    webhook: null,
    marksDecisions: false,
    repeatable: false,
  },
  applyForRestoration: {
    from: ['active'],
    to: 'active',
    by: 'authority_or_supervisor',
    orders: 'keep',
    measures: 'keep',
    audit: 'entry.restoration_applied',
    webhook: null,
    marksDecisions: false,
    repeatable: false,
  },
  remove: {
    from: ['active'],
    to: 'removed',
    by: 'authority',
    orders: 'lift',
    measures: 'end',
    audit: 'entry.removed',
    webhook: 'order.lifted',
    marksDecisions: false,
    repeatable: true,
  },
  restore: {
    from: ['active'],
    to: 'removed',
    by: 'authority',
    orders: 'lift',
    measures: 'end',
    audit: 'entry.restored',
    webhook: 'order.lifted',
    marksDecisions: false,
    repeatable: false,
  },
  expire: {
    from: ['active'],
    to: 'expired',
    by: 'system',
    orders: 'lift',
    measures: 'end',
    audit: 'entry.expired',
    webhook: 'order.lifted',
    marksDecisions: false,
    repeatable: true,
  },
  revoke: {
    from: ['active', 'removed', 'expired'],
    to: 'revoked',
    by: 'authority',
    orders: 'revoke',
    measures: 'end',
    audit: 'entry.revoked',
    webhook: 'order.revoked',
    marksDecisions: true,
    repeatable: true,
  },
};

/**
 * Whether `transition` may start from `state`: 'apply', 'repeat' (already there, and repeats are harmless), or a 409
 * naming the current state and the states it would need.
 */
export function admit(transition: TransitionName, state: EntryState): 'apply' | 'repeat' {
  const spec = TRANSITIONS[transition];
  if (spec.from !== 'new' && spec.from.includes(state)) return 'apply';
  if (spec.repeatable && state === spec.to && spec.from !== 'new') return 'repeat';
  const allowed = spec.from === 'new' ? 'a new sourceRef' : spec.from.join(' or ');
  throw ConflictError.coded('state_conflict', { state, transition, allowed });
}

/** Whether `transition` may start from `state` (jobs ask this and skip, where a request would get the 409). */
export function allows(transition: TransitionName, state: EntryState): boolean {
  const from = TRANSITIONS[transition].from;
  return from !== 'new' && from.includes(state);
}

/**
 * A sourceRef already stored names that entry again: harmless while the entry stands (the stored entry is returned),
 * refused once it is revoked. A wrong listing is never silently listed again; relisting is a new entry with a new
 * sourceRef.
 */
export function relistProblem(existing: Pick<EntryRow, 'status' | 'source_ref'>): MessageRef | undefined {
  if (existing.status !== 'revoked') return undefined;
  return { code: 'revoked_source_ref', params: { sourceRef: existing.source_ref } };
}

/** The stored entry's view in the fields relistProblem reads. */
export const sourceRefState = (e: { status: EntryState; sourceRef: string }) => ({
  status: e.status,
  source_ref: e.sourceRef,
});

export interface TransitionContext {
  actor: string;
  at: Date;
  requestId?: string;
}

/** The revocation record of a request. */
export function revocationOf(input: components['schemas']['RevocationInput'], by: TransitionContext): Revocation {
  return {
    reason: input.reason,
    decisionNo: input.decisionNo,
    revokedAt: by.at.toISOString(),
    revokedBy: by.actor,
    ...(input.objectionId ? { objectionId: input.objectionId } : {}),
  };
}

type Ending = 'remove' | 'restore' | 'expire' | 'revoke';
type Removal = NonNullable<components['schemas']['Removal']>;
type Revocation = NonNullable<components['schemas']['Revocation']>;

/**
 * Ends an entry by one of the ending transitions, on a row the caller has locked (FOR UPDATE), in the caller's
 * transaction: the state and its record, the orders (lifted with the removal's ground, or revoked), restrictions and
 * bans, the audit rows, the webhooks and, for a revocation, the marks on the decision records. Returns the entry as it
 * now is, the orders it changed, and whether anything changed (false for a harmless repeat).
 */
export async function endEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  transition: Ending,
  ctx: TransitionContext,
  record: { removal?: Removal; revocation?: Revocation } = {},
): Promise<{ changed: boolean; entry: EntryRow; orders: OrderRow[] }> {
  if (admit(transition, row.status) === 'repeat') return { changed: false, entry: row, orders: [] };
  const spec = TRANSITIONS[transition];
  const updated = await markEntryState(trx, row.id, spec.to, record, ctx.at);
  const ground = record.removal?.ground ?? null;
  const orders =
    spec.orders === 'revoke'
      ? await revokeOrdersOfEntry(trx, row.id, ctx.at)
      : await liftOrdersOfEntry(trx, row.id, ctx.at, ground);
  const orderAfter =
    spec.orders === 'revoke'
      ? { status: 'revoked', revokedAt: ctx.at.toISOString() }
      : { status: 'lifted', liftedAt: ctx.at.toISOString(), ...(ground ? { ground } : {}) };
  await recordAudit(trx, { at: ctx.at, requestId: ctx.requestId }, [
    {
      actor: ctx.actor,
      action: spec.audit,
      entityType: 'list_entry',
      entityId: row.id,
      before: { status: row.status },
      after: { status: spec.to, ...record },
    },
    ...orders.map(
      (o): AuditRecord => ({
        actor: ctx.actor,
        action: spec.orders === 'revoke' ? 'order.revoked' : 'order.lifted',
        entityType: 'order',
        entityId: o.id,
        before: { status: o.status },
        after: orderAfter,
      }),
    ),
  ]);
  if (spec.webhook === 'order.lifted' || spec.webhook === 'order.revoked')
    await enqueueOrderEvents(trx, spec.webhook, orders, ctx.at, ground);
  if (spec.marksDecisions && record.revocation) await markDecisionsOfRevokedEntry(trx, updated, record.revocation);
  countEntryTransition(transition, row.list_type);
  return { changed: true, entry: updated, orders };
}
