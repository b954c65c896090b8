import type { Knex } from 'knex';
import type { components } from '../generated/openapi';
import type { CursorKey } from '../db/pagination';
import type { EntryPerson } from './entry-facts';

type Q = Knex | Knex.Transaction;
const TABLE = 'list_entries';

export interface EntryRow {
  id: string;
  list_type: components['schemas']['ListType'];
  authority: string;
  source_ref: string;
  subject_kind: 'enterprise' | 'person';
  uscc: string | null;
  subject_name: string;
  person_keys: string[];
  subject: components['schemas']['ListEntry']['subject'];
  related_persons: components['schemas']['RelatedPerson'][];
  /** Persons as the rules see them (role, keyed hash, mask, name); null on rows stored before the column existed. */
  persons?: EntryPerson[] | null;
  reason: string;
  decision_no: string;
  decided_at: string;
  expires_at: string | null;
  /** The listing ground the entry was listed under (rules/catalog.json listingGrounds); null when none was named. */
  listing_ground: string | null;
  status: components['schemas']['EntryStatus'];
  removal: components['schemas']['Removal'] | null;
  /** Set once, when the entry is revoked; absent on rows read before the column existed. */
  revocation?: components['schemas']['Revocation'] | null;
  rules_version: string;
  created_by: string;
  created_at: Date;
}

export type NewEntryRow = Omit<EntryRow, 'id' | 'status' | 'removal' | 'revocation' | 'created_at'> & {
  id: string;
  created_at: Date;
  /** Only a historical record is stored as anything but active (expired, with no orders). */
  status?: 'expired';
};

/**
 * Other active entries of the same authority on the same list for the same subject (USCC, or a person's keyed
 * hash) as each given entry: one indexed read for a whole chunk (uscc b-tree, person_keys GIN), matched here.
 */
export async function otherActiveEntries(
  q: Q,
  authority: string,
  entries: Pick<EntryRow, 'id' | 'list_type' | 'subject_kind' | 'uscc' | 'person_keys'>[],
): Promise<Map<string, { id: string; decisionNo: string }[]>> {
  const out = new Map<string, { id: string; decisionNo: string }[]>();
  const usccs = [...new Set(entries.flatMap((e) => (e.subject_kind === 'enterprise' && e.uscc ? [e.uscc] : [])))];
  const keys = [...new Set(entries.flatMap((e) => (e.subject_kind === 'person' ? e.person_keys : [])))];
  if (usccs.length === 0 && keys.length === 0) return out;
  const rows: Pick<EntryRow, 'id' | 'list_type' | 'subject_kind' | 'uscc' | 'person_keys' | 'decision_no'>[] = await q(
    TABLE,
  )
    .select('id', 'list_type', 'subject_kind', 'uscc', 'person_keys', 'decision_no')
    .where({ authority, status: 'active' })
    .where((w) => {
      if (usccs.length) w.orWhere((x) => x.where('subject_kind', 'enterprise').whereIn('uscc', usccs));
      if (keys.length) w.orWhere((x) => x.where('subject_kind', 'person').whereRaw('person_keys && ?::text[]', [keys]));
    })
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
  // by list and subject identifier, so matching stays linear in a chunk of thousands
  const byKey = new Map<string, typeof rows>();
  const keysOf = (e: Pick<EntryRow, 'list_type' | 'subject_kind' | 'uscc' | 'person_keys'>) =>
    e.subject_kind === 'enterprise' ? [`${e.list_type}|${e.uscc}`] : e.person_keys.map((k) => `${e.list_type}|${k}`);
  for (const o of rows) for (const k of keysOf(o)) byKey.set(k, [...(byKey.get(k) ?? []), o]);
  for (const e of entries) {
    const same = new Map(
      keysOf(e)
        .flatMap((k) => byKey.get(k) ?? [])
        .map((o) => [o.id, o]),
    );
    same.delete(e.id);
    if (same.size)
      out.set(
        e.id,
        [...same.values()].map((o) => ({ id: o.id, decisionNo: o.decision_no })),
      );
  }
  return out;
}

/**
 * Inserts the rows whose (authority, source_ref) is not stored yet, in one statement; returns those it inserted.
 * A concurrent insert of the same key waits for the other transaction and is then skipped, never duplicated.
 */
export async function insertEntriesIfNew(q: Q, rows: NewEntryRow[]): Promise<EntryRow[]> {
  if (rows.length === 0) return [];
  const inserted = await q(TABLE)
    .insert(rows.map(storedEntryRow))
    .onConflict(['authority', 'source_ref'])
    .ignore()
    .returning('*');
  return inserted as EntryRow[];
}

/**
 * A new entry row as the table stores it (jsonb columns as JSON text, every column named: the COPY writer too takes
 * these, src/lists/copy-writer.ts).
 */
export function storedEntryRow(row: NewEntryRow): Record<string, unknown> {
  return {
    ...row,
    status: row.status ?? 'active',
    subject: JSON.stringify(row.subject),
    related_persons: JSON.stringify(row.related_persons),
    persons: row.persons ? JSON.stringify(row.persons) : null,
    updated_at: row.created_at,
  };
}

export async function findEntriesBySourceRefs(q: Q, authority: string, sourceRefs: string[]): Promise<EntryRow[]> {
  if (sourceRefs.length === 0) return [];
  return q(TABLE).where({ authority }).whereIn('source_ref', sourceRefs);
}

export async function findEntry(q: Q, id: string, opts: { forUpdate?: boolean } = {}): Promise<EntryRow | undefined> {
  const query = q(TABLE).where({ id }).first();
  return opts.forUpdate ? query.forUpdate() : query;
}

/**
 * Locks the entries named by id, or by the authority's sourceRef, in id order: two transactions locking overlapping
 * sets take the locks in the same order and cannot deadlock.
 */
export async function lockEntries(q: Q, authority: string, ids: string[], sourceRefs: string[]): Promise<EntryRow[]> {
  return q(TABLE)
    .where((w) => {
      if (sourceRefs.length) w.orWhere((x) => x.where({ authority }).whereIn('source_ref', sourceRefs));
      if (ids.length) w.orWhereIn('id', ids);
    })
    .orderBy('id')
    .forUpdate();
}

export interface EntryFilters {
  uscc?: string;
  personKey?: string;
  listType?: string;
  status?: string;
  /**
   * A department that neither supervises nor is the administrator: person entries only where it listed them or
   * holds an order on them (a name and a masked ID number are personal data; see ListEntryService.personVisible).
   */
  personsVisibleTo?: string;
  /** Credit-restored entries are hidden (公示 stops, 令第36号 Art. 3) except those of this authority; undefined: shown. */
  restoredVisibleTo?: string | null;
  /** Part of the subject's name: found through the GIN index of its character pairs, then re-checked as a substring. */
  name?: string;
  sourceRef?: string;
}

export async function searchEntries(q: Q, f: EntryFilters, limit: number, after?: CursorKey): Promise<EntryRow[]> {
  const query = q(TABLE).select('*');
  if (f.uscc) query.where('uscc', f.uscc);
  if (f.personKey) query.whereRaw('person_keys @> ?::text[]', [[f.personKey]]);
  if (f.listType) query.where('list_type', f.listType);
  if (f.status) query.where('status', f.status);
  const viewer = f.personsVisibleTo;
  if (viewer) {
    query.where((w) =>
      w
        .where('subject_kind', 'enterprise')
        .orWhere('authority', viewer)
        .orWhereExists((o) =>
          o.select(1).from('orders').whereRaw('orders.entry_id = list_entries.id').where('orders.department', viewer),
        ),
    );
  }
  if (f.restoredVisibleTo !== undefined)
    query.where((w) => {
      w.whereRaw("not (status = 'removed' and coalesce(removal->>'ground', '') = 'credit_restored')");
      if (f.restoredVisibleTo) w.orWhere('authority', f.restoredVisibleTo);
    });
  if (f.name) {
    query.whereRaw('name_pairs @> entry_name_pairs(?)', [f.name]);
    query.whereRaw('strpos(entry_name_normal(subject_name), entry_name_normal(?)) > 0', [f.name]);
  }
  if (f.sourceRef) query.where('source_ref', f.sourceRef);
  if (after) query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.at, after.id]);
  return query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
}

/** Sets an entry's state and the record of how it got there (removal or revocation); the old removal is kept. */
export async function markEntryState(
  q: Q,
  id: string,
  status: EntryRow['status'],
  record: { removal?: components['schemas']['Removal']; revocation?: components['schemas']['Revocation'] },
  at: Date,
): Promise<EntryRow> {
  const [row] = await q(TABLE)
    .where({ id })
    .update({
      status,
      ...(record.removal ? { removal: JSON.stringify(record.removal) } : {}),
      ...(record.revocation ? { revocation: JSON.stringify(record.revocation) } : {}),
      updated_at: at,
    })
    .returning('*');
  return row as EntryRow;
}

/** The descriptive columns a correction may change (identity columns are not among them). */
export type CorrectableColumns = Partial<
  Pick<EntryRow, 'subject_name' | 'subject' | 'reason' | 'decision_no' | 'decided_at' | 'expires_at'>
>;

export async function updateEntryDescription(q: Q, id: string, set: CorrectableColumns, at: Date): Promise<EntryRow> {
  const [row] = await q(TABLE)
    .where({ id })
    .update({ ...set, ...(set.subject ? { subject: JSON.stringify(set.subject) } : {}), updated_at: at })
    .returning('*');
  return row as EntryRow;
}

/** Active entries after an id, in id order (the consistency job's walk; see keysetBatches). */
export async function activeEntriesAfter(q: Q, after: string, limit: number): Promise<EntryRow[]> {
  return q(TABLE).where('status', 'active').where('id', '>', after).orderBy('id').limit(limit);
}

/** Active entries whose last listed day is before `today`, after an id, in id order (the expiry job's walk). */
export async function termEndedEntriesAfter(
  q: Q,
  today: string,
  after: string,
  limit: number,
): Promise<{ id: string }[]> {
  const query = q(TABLE).select('id').where('status', 'active').where('expires_at', '<', today);
  return query.where('id', '>', after).orderBy('id').limit(limit);
}

export interface ListedEnterprise {
  id: string;
  uscc: string | null;
  subject_name: string;
  decided_at: string;
}

/** Active entries of one list decided within [from, until], after an id, in id order. */
export async function activeEntriesDecidedBetween(
  q: Q,
  listType: EntryRow['list_type'],
  decided: [string, string],
  after: string,
  limit: number,
): Promise<ListedEnterprise[]> {
  return q(TABLE)
    .select('id', 'uscc', 'subject_name', 'decided_at')
    .where({ list_type: listType, status: 'active' })
    .whereBetween('decided_at', decided)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit);
}
