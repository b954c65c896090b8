import type { Knex } from 'knex';
import { ordersOfEntries, type NewOrderRow, type OrderRow } from '../orders/order-store';
import type { Plan } from '../rules/outcome-planner';
import { entryPersonsOf } from './entry-facts';
import { issueOrders, type IssueContext } from './issue-orders';
import { ConflictError, ForbiddenError } from '../errors';
import { admit, endEntries, TRANSITIONS, type TransitionContext } from './entry-lifecycle';
import type { components } from '../generated/openapi';
import type { ListEntryInput, NormalisedEntry } from './entry-input';
import { findEntriesBySourceRefs, otherActiveEntries, type EntryRow } from './list-entry-store';
import { toListEntry, type ListEntry } from './list-entry-view';
import { differingFields } from './resubmission';
import { INSERT_WRITER } from './row-writer';
import { newRowId } from '../db/row-id';

/** An entry checked and planned, ready to be stored. */
export interface PreparedEntry {
  input: ListEntryInput;
  normalised: NormalisedEntry;
  plan: Plan;
}

export interface WriteContext extends IssueContext {
  authority: string;
  rulesVersion: string;
  /**
   * Whether each result's entry carries its orders (the single endpoint answers with them). A batch answers with ids
   * and states only: building 6–18 order views per entry it then drops was a share of the importer's CPU.
   */
  withOrders?: boolean;
}

/**
 * `conflict`: the sourceRef was stored with other data; nothing was written for this entry, and the fields that
 * differ are named (the caller refuses it with 409, a batch rejects the row).
 */
export type WriteResult =
  | { created: true; entry: ListEntry }
  | { created: false; entry: ListEntry; conflict?: string[] };

/**
 * Stores entries with everything their rules produced (orders, restrictions, bans, audit) in the caller's
 * transaction, with multi-row inserts or, for a batch chunk, COPY (w.writer): one entry or ten thousand take the
 * same number of statements.
 * An entry whose (authority, sourceRef) is already stored is returned as it is, and nothing new is issued; if it
 * says something else than the stored one, the result names the differing fields (a conflict, not a repeat).
 */
export async function writeEntries(
  trx: Knex.Transaction,
  w: WriteContext,
  prepared: PreparedEntry[],
): Promise<WriteResult[]> {
  const rows = prepared.map((p) => ({
    id: newRowId(),
    list_type: p.input.listType,
    authority: w.authority,
    source_ref: p.input.sourceRef,
    subject_kind: p.input.subject.kind,
    uscc: p.normalised.uscc,
    subject_name: p.normalised.subjectName,
    person_keys: p.normalised.personKeys,
    persons: entryPersonsOf(p.normalised.forRules),
    subject: p.normalised.display.subject,
    related_persons: p.normalised.display.relatedPersons,
    reason: p.input.reason,
    decision_no: p.input.decisionNo,
    decided_at: p.input.decidedAt,
    expires_at: p.normalised.forRules.expiresAt,
    listing_ground: p.normalised.forRules.listingGround ?? null,
    rules_version: w.rulesVersion,
    created_by: w.actor,
    created_at: w.at,
    // every column, as stored: a historical record is stored expired, with no orders
    status: p.input.historical ? ('expired' as const) : ('active' as const),
    removal: null,
    revocation: null,
    ended_at: null,
  }));
  const writer = w.writer ?? INSERT_WRITER;
  const inserted = new Map((await writer.entriesIfNew(trx, rows)).map((r) => [r.source_ref, r]));

  // A sourceRef repeated inside one batch is stored once, for its first row.
  const stored = prepared.flatMap((p, i) => {
    const row = inserted.get(p.input.sourceRef);
    return row && row.id === rows[i]?.id ? [{ row, plan: p.plan }] : [];
  });
  // entry.created comes before its orders' order.issued in the audit log (histories read it in that order)
  await writer.audit(
    trx,
    { at: w.at, requestId: w.requestId },
    stored.map(({ row }) => {
      const { orders, ...entry } = toListEntry(row, [], w.at);
      return {
        actor: w.actor,
        action: TRANSITIONS.list.audit,
        entityType: 'list_entry',
        entityId: row.id,
        after: entry,
      };
    }),
  );
  const issued = await issueOrders(
    trx,
    w,
    stored.map(({ row, plan }) => ({ entryId: row.id, listType: row.list_type, plan })),
  );
  const withOrders = w.withOrders ?? true;
  const ordersOf = new Map<string, OrderRow[]>();
  for (const o of withOrders ? issued : []) {
    const own = ordersOf.get(o.entry_id) ?? [];
    own.push(asIssued(o));
    ordersOf.set(o.entry_id, own);
  }
  // the same subject already active on the same list from this authority: stored all the same, but said
  const alsoActive = await otherActiveEntries(
    trx,
    w.authority,
    stored.filter(({ row }) => row.status === 'active').map(({ row }) => row),
  );
  const createdEntries = new Map(
    stored.map(({ row }) => {
      const others = alsoActive.get(row.id);
      const entry = toListEntry(row, withOrders ? (ordersOf.get(row.id) ?? []) : [], w.at);
      return [row.id, others ? { ...entry, alsoActive: others } : entry];
    }),
  );

  // Repeats: read what is stored (also when a concurrent request stored it a moment ago).
  const repeats = prepared
    .filter((p) => !createdEntries.has(inserted.get(p.input.sourceRef)?.id ?? ''))
    .map((p) => p.input.sourceRef);
  const existing = new Map((await findEntriesBySourceRefs(trx, w.authority, repeats)).map((r) => [r.source_ref, r]));
  const existingOrders = new Map<string, OrderRow[]>();
  if (withOrders) {
    for (const o of await ordersOfEntries(
      trx,
      [...existing.values()].map((r) => r.id),
    )) {
      const own = existingOrders.get(o.entry_id) ?? [];
      own.push(o);
      existingOrders.set(o.entry_id, own);
    }
  }

  const seen = new Set<string>();
  return prepared.map((p) => {
    const row = inserted.get(p.input.sourceRef);
    const created = row && createdEntries.get(row.id);
    if (created && !seen.has(row.id)) {
      seen.add(row.id);
      return { created: true, entry: created };
    }
    const stored = (created ? row : existing.get(p.input.sourceRef)) as EntryRow;
    const conflict = differingFields(stored, p);
    const entry = created ?? toListEntry(stored, existingOrders.get(stored.id) ?? [], w.at);
    return conflict.length ? { created: false, entry, conflict } : { created: false, entry };
  });
}

const asIssued = (o: NewOrderRow): OrderRow => ({
  ...o,
  status: 'issued',
  feedback: null,
  lifted_at: null,
  revoked_at: null,
  end_ground: null,
});

type RemovalInput = components['schemas']['RemovalInput'];
type Remover = TransitionContext & { authority: string | null };

/**
 * The one removal decision, for single and batch removal, on an entry locked by the caller: only the authority that
 * listed it may remove it; the lifecycle table decides the rest (a removed entry is left as it is, a repeat is
 * harmless; an expired or revoked one is 409 naming its state). Returns the entry as it now is and whether this call
 * removed it; refusals are thrown. The ground is stored with the removal when given (old removals have none).
 */
export async function removeEntry(
  trx: Knex.Transaction,
  row: EntryRow,
  by: Remover,
  input: RemovalInput,
): Promise<{ removed: boolean; entry: EntryRow }> {
  const [result] = await removeEntries(trx, by, [{ row, input }]);
  if (!result || 'refused' in result) throw result?.refused;
  return result;
}

/**
 * removeEntry for a batch chunk, set-based (endEntries): one result per item, in order, a refusal as the error a single
 * removal would throw. An entry named twice is removed by the first and unchanged by the rest, as one at a time.
 */
export async function removeEntries(
  trx: Knex.Transaction,
  by: Remover,
  items: readonly { row: EntryRow; input: RemovalInput }[],
): Promise<({ removed: boolean; entry: EntryRow } | { refused: ForbiddenError | ConflictError })[]> {
  const removing = new Set<string>();
  type Decision =
    | { refused: ForbiddenError | ConflictError }
    | { row: EntryRow; removal?: ReturnType<typeof removalOf> };
  const decided = items.map(({ row, input }): Decision => {
    // an entry an earlier item of this call removes is seen as removed
    const state = removing.has(row.id) ? 'removed' : row.status;
    if (by.authority !== row.authority) return { refused: ForbiddenError.coded('not_entry_authority_removal') };
    try {
      if (admit('remove', state) === 'repeat') return { row };
    } catch (e) {
      if (e instanceof ConflictError) return { refused: e };
      throw e;
    }
    removing.add(row.id);
    return { row, removal: removalOf(input, by) };
  });
  const endings = decided.flatMap((d) =>
    'removal' in d && d.removal ? [{ row: d.row, record: { removal: d.removal } }] : [],
  );
  const ended = new Map((await endEntries(trx, 'remove', by, endings)).map((r) => [r.entry.id, r]));
  return decided.map((d) => {
    if ('refused' in d) return d;
    return { removed: d.removal !== undefined, entry: ended.get(d.row.id)?.entry ?? d.row };
  });
}

const removalOf = (input: RemovalInput, by: Remover) => ({
  reason: input.reason,
  decisionNo: input.decisionNo,
  removedAt: by.at.toISOString(),
  removedBy: by.actor,
  ...(input.ground ? { ground: input.ground } : {}),
});
