import type { Knex } from 'knex';
import type { AuditRecord } from '../audit/audit-store';
import { markDecisionsOfRevokedEntry } from '../checks/basis-revocations';
import { ConflictError, type FieldError } from '../errors';
import { fieldError, type MessageRef } from '../i18n/messages';
import type { components } from '../generated/openapi';
import { countEntryTransition } from '../metrics/metrics';
import type { OrderRecord } from '../db/tables';
import { liftOrdersOfEntries, revokeOrdersOfEntries } from '../orders/order-store';
import { enqueueEndedOrderEvents } from '../webhooks/outbox';
import { markEntriesEnded, type EntryRow } from './list-entry-store';
import { INSERT_WRITER, type RowWriter } from './row-writer';

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
  webhook: 'order.issued' | 'order.lifted' | 'order.revoked' | 'order.amended' | null;
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
    // for the orders whose measures' terms a corrected date moves (src/lists/order-terms.ts); every order in force
    // also hears of any correction as order.entry_corrected (src/lists/correction-notices.ts)
    webhook: 'order.amended',
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
 * `credit_restored` is the ground an approved restoration application removes an entry with (src/procedures/
 * procedure-service.ts), once the days on the list its text requires have passed; the entry is then shown only to
 * its authority and the supervisors. A plain removal (single, batch or file) naming it would do both with no
 * application and no such check, so it is refused, naming `ground`.
 */
export function removalGroundProblem(ground: string | undefined): FieldError | undefined {
  return ground === 'credit_restored' ? fieldError('ground', 'restoration_ground_field') : undefined;
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
  /** How the audit rows are written: INSERTs unless said (a batch removal's chunk: COPY, src/lists/copy-writer.ts). */
  writer?: Pick<RowWriter, 'audit'>;
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

/** How an entry ends: its row, locked by the caller (FOR UPDATE), and the record of its removal or revocation. */
export interface EntryEnding {
  row: EntryRow;
  record?: { removal?: Removal; revocation?: Revocation };
}

export interface EndResult {
  /** false for a harmless repeat (the entry was already where the transition leads) */
  changed: boolean;
  /** the entry as it now is */
  entry: EntryRow;
  /** the orders this call lifted or revoked, as they were stored before (measures not rebuilt) */
  orders: OrderRecord[];
}

/**
 * Ends an entry by one of the ending transitions, in the caller's transaction (endEntries with one entry). A state the
 * transition may not start from is a 409.
 */
export async function endEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  transition: Ending,
  ctx: TransitionContext,
  record: EntryEnding['record'] = {},
): Promise<EndResult> {
  return (await endEntries(trx, transition, ctx, [{ row, record }]))[0] as EndResult;
}

/**
 * Ends entries by one of the ending transitions, on rows the caller has locked, in the caller's transaction: their
 * state and its record, their orders (lifted with each removal's ground, or revoked), restrictions and bans, the audit
 * rows, the webhooks and, for a revocation, the marks on the decision records. Set-based: a batch removal's chunk of
 * 1,000 entries is a few statements, not a few per entry (one at a time it ran at ~390 removals/s; issue 23).
 * One result per ending, in order; an entry named twice is ended once, and its later endings are repeats. A state
 * the transition may not start from throws (409) before anything is written: callers that want per-row refusals
 * (the batch) ask `admit` first.
 */
export async function endEntries(
  trx: Knex.Transaction,
  transition: Ending,
  ctx: TransitionContext,
  endings: readonly EntryEnding[],
): Promise<EndResult[]> {
  const spec = TRANSITIONS[transition];
  const applied = new Map<string, EntryEnding>();
  for (const e of endings)
    if (!applied.has(e.row.id) && admit(transition, e.row.status) === 'apply') applied.set(e.row.id, e);
  if (applied.size === 0) return endings.map((e) => ({ changed: false, entry: e.row, orders: [] }));

  const ending = [...applied.values()];
  const updated = await markEntriesEnded(
    trx,
    spec.to as Exclude<EntryState, 'active'>,
    ctx.at,
    ending.map(({ row, record }) => ({ id: row.id, ...record })),
  );
  const groundOf = (e: EntryEnding) => e.record?.removal?.ground ?? null;
  const orders =
    spec.orders === 'revoke'
      ? await revokeOrdersOfEntries(trx, [...applied.keys()], ctx.at)
      : await liftOrdersOfEntries(
          trx,
          ending.map((e) => ({ entryId: e.row.id, ground: groundOf(e) })),
          ctx.at,
        );
  const ordersOf = new Map<string, OrderRecord[]>();
  for (const o of orders) {
    const own = ordersOf.get(o.entry_id);
    if (own) own.push(o);
    else ordersOf.set(o.entry_id, [o]);
  }

  await (ctx.writer ?? INSERT_WRITER).audit(
    trx,
    { at: ctx.at, requestId: ctx.requestId },
    ending.flatMap((e) => endingAudit(spec, ctx, e, ordersOf.get(e.row.id) ?? [], groundOf(e))),
  );
  if (spec.webhook === 'order.lifted' || spec.webhook === 'order.revoked') {
    // each order announced with its entry's ground (a removal names why, e.g. credit_restored)
    const groundOfEntry = new Map(ending.map((e) => [e.row.id, groundOf(e)]));
    await enqueueEndedOrderEvents(trx, spec.webhook, orders, ctx.at, (o) => groundOfEntry.get(o.entry_id) ?? null);
  }
  for (const e of ending) {
    const entry = updated.get(e.row.id) as EntryRow;
    if (spec.marksDecisions && e.record?.revocation) await markDecisionsOfRevokedEntry(trx, entry, e.record.revocation);
    countEntryTransition(transition, e.row.list_type);
  }

  const reported = new Set<string>();
  return endings.map((e) => {
    const entry = updated.get(e.row.id) ?? e.row;
    if (applied.get(e.row.id) !== e || reported.has(e.row.id)) return { changed: false, entry, orders: [] };
    reported.add(e.row.id);
    return { changed: true, entry, orders: ordersOf.get(e.row.id) ?? [] };
  });
}

/** The entry's audit row, then one per order it lifted or revoked. */
function endingAudit(
  spec: TransitionSpec,
  ctx: TransitionContext,
  { row, record }: EntryEnding,
  orders: readonly OrderRecord[],
  ground: string | null,
): AuditRecord[] {
  const orderAfter =
    spec.orders === 'revoke'
      ? { status: 'revoked', revokedAt: ctx.at.toISOString() }
      : { status: 'lifted', liftedAt: ctx.at.toISOString(), ...(ground ? { ground } : {}) };
  return [
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
  ];
}
