import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables';
import { historyOf, type AuditEvent } from '../audit/audit-store';
import type { Db } from '../db/knex';
import type { CursorKey } from '../db/pagination';
import type { ReadRouter } from '../db/read-router';
import type { ListEntryRecord } from '../db/tables';
import type { components } from '../generated/openapi';
import { ordersOfEntries, type OrderRow } from '../orders/order-store';
import type { EntryPerson } from './entry-facts';
import { pendingObjectionsOf } from './pending-objections';

type Q = Knex | Knex.Transaction;
const TABLE = 'list_entries';

/** The jsonb columns, whose shape the store gives (what the API took, stored as given; persons as the rules see them). */
type JsonColumns = 'subject' | 'related_persons' | 'persons' | 'removal' | 'revocation';

/** An entry as this service works with it: its row (src/db/tables.ts) with the jsonb columns given their shapes. */
export interface EntryRow extends Omit<ListEntryRecord, JsonColumns | 'updated_at' | 'name_pairs'> {
  subject: components['schemas']['ListEntry']['subject'];
  related_persons: components['schemas']['RelatedPerson'][];
  /** Persons as the rules see them (role, keyed hash, mask, name); null on rows stored before the column existed. */
  persons: EntryPerson[] | null;
  removal: components['schemas']['Removal'] | null;
  /** Set once, when the entry is revoked. */
  revocation: components['schemas']['Revocation'] | null;
}

/** A row as read (select *): the jsonb columns as stored are the shapes EntryRow names (written only from those). */
const entryOf = (r: ListEntryRecord): EntryRow => r as EntryRow;

/**
 * A new entry's row, every column as `select *` reads it back: the writers return the rows they stored without
 * reading them (insertedRows). Only a historical record is stored as anything but active (expired, with no orders).
 */
export type NewEntryRow = EntryRow & {
  status: 'active' | 'expired';
  removal: null;
  revocation: null;
  ended_at: null;
};

/*
 * Module functions, not EntryStore methods, each taking the caller's `trx`: what the writers call inside their own
 * transaction, on the primary by construction. insertEntriesIfNew and storedEntryRow (the RowWriters,
 * src/lists/row-writer.ts), otherActiveEntries and findEntriesBySourceRefs (writeEntries), lockEntry and lockEntries
 * (the service, batch removals, the expiry and consistency jobs, the procedures), markEntriesEnded (endEntries,
 * src/lists/entry-lifecycle.ts) and updateEntryDescription (correctEntry). As methods they would thread an EntryStore
 * through the lifecycle and writer modules and every writer for no change of server.
 */

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
  // The entries naming the subjects first, probed key by key (the USCC b-tree, the person keys' GIN index), then
  // filtered by authority and state. As one statement on a table without statistics (autovacuum off, or a first
  // load) PostgreSQL ANDed the status and authority indexes into it and read every active entry of the authority
  // (6.5 s a court chunk at 1M; 566 ms at 100,000), and `person_keys && <1,000 keys>` alone became a sequential scan
  // (1.4 s at 100,000). Per-key subqueries that cannot be flattened (OFFSET 0) inside a MATERIALIZED lookup stay
  // probes whatever the statistics say: 119 ms for 1,000 USCCs and 1,000 person keys at 100,000 entries unanalysed.
  // JIT off: on a table without statistics the estimate alone made PostgreSQL compile this query (~0.5 s).
  await q.raw('set local jit = off');
  const COLUMNS = 'id, list_type, subject_kind, uscc, person_keys, decision_no, authority, status, created_at';
  const { rows } = await q.raw<{
    rows: Pick<EntryRow, 'id' | 'list_type' | 'subject_kind' | 'uscc' | 'person_keys' | 'decision_no'>[];
  }>(
    `with named as materialized (
       select e.* from unnest(?::text[]) as u(key),
              lateral (select ${COLUMNS} from list_entries
                        where subject_kind = 'enterprise' and uscc = u.key offset 0) e
       union
       select e.* from unnest(?::text[]) as k(key),
              lateral (select ${COLUMNS} from list_entries
                        where subject_kind = 'person' and person_keys @> array[k.key] offset 0) e)
     select id, list_type, subject_kind, uscc, decision_no,
            -- an enterprise is matched by its USCC: its person keys would only be parsed and dropped
            case when subject_kind = 'person' then person_keys else '{}' end as person_keys
       from named
      where authority = ? and status = 'active'
      order by created_at, id`,
    [usccs, keys, authority],
  );
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
    .returning('id');
  return insertedRows(rows, inserted);
}

/**
 * The rows a statement inserted (it returned their ids), which are what `select *` would read back: the writers
 * return ids only and keep the rows they built. Reading every column back (jsonb, arrays, dates) and building the
 * objects again was ~5% of the importer's CPU with its garbage; test/batch-copy.test.ts holds the two equal.
 */
export function insertedRows(rows: readonly NewEntryRow[], inserted: readonly { id: string }[]): EntryRow[] {
  const ids = new Set(inserted.map((r) => r.id));
  return rows.filter((r) => ids.has(r.id));
}

/**
 * A new entry row as the table stores it (jsonb columns as JSON text, every column named: the COPY writer too takes
 * these, src/lists/copy-writer.ts).
 */
export function storedEntryRow(row: NewEntryRow): Knex.ResolveTableType<Tables['list_entries'], 'insert'> {
  return {
    ...row,
    subject: JSON.stringify(row.subject),
    related_persons: JSON.stringify(row.related_persons),
    persons: row.persons ? JSON.stringify(row.persons) : null,
    updated_at: row.created_at,
  };
}

/**
 * Which of these sourceRefs the authority has stored: the COPY writer's lookup before it writes a chunk
 * (src/lists/copy-writer.ts). Only the keys: a chunk asks for ~1,000, almost always new.
 */
export async function storedSourceRefs(q: Q, authority: string, sourceRefs: string[]): Promise<Set<string>> {
  if (sourceRefs.length === 0) return new Set();
  const { rows } = await q.raw<{ rows: { source_ref: string }[] }>(bySourceRef('source_ref'), [sourceRefs, authority]);
  return new Set(rows.map((r) => r.source_ref));
}

export async function findEntriesBySourceRefs(q: Q, authority: string, sourceRefs: string[]): Promise<EntryRow[]> {
  if (sourceRefs.length === 0) return [];
  const { rows } = await q.raw<{ rows: ListEntryRecord[] }>(bySourceRef('*'), [sourceRefs, authority]);
  return rows.map(entryOf);
}

/**
 * An authority's entries by sourceRef, one probe of the (authority, source_ref) key per sourceRef: a subquery that
 * cannot be flattened (OFFSET 0) stays a probe whatever the statistics say. As `source_ref = any(<1,000 keys>)` on a
 * table never analysed (autovacuum off, or a first load) PostgreSQL took the authority alone from the index and
 * filtered every entry of the authority: 423 ms a chunk at 120,000 entries, growing with the table, against 2 ms.
 */
const bySourceRef = (columns: string) =>
  `select e.* from unnest(?::text[]) as r(source_ref),
          lateral (select ${columns} from list_entries
                    where authority = ? and source_ref = r.source_ref offset 0) e`;

async function findEntry(q: Q, id: string): Promise<EntryRow | undefined> {
  const row = await q(TABLE).where({ id }).first();
  return row && entryOf(row);
}

/** One entry locked in the caller's writing transaction. */
export async function lockEntry(trx: Knex.Transaction, id: string): Promise<EntryRow | undefined> {
  return (await lockEntriesById(trx, [id]))[0];
}

/** Locks these entries in id order (see lockEntries); those that no longer exist are left out. */
export async function lockEntriesById(trx: Knex.Transaction, ids: readonly string[]): Promise<EntryRow[]> {
  if (ids.length === 0) return [];
  const rows = await trx(TABLE)
    .whereRaw('id = any(?::uuid[])', [[...ids]])
    .orderBy('id')
    .forUpdate()
    .select('*');
  return rows.map(entryOf);
}

/**
 * Locks the entries named by id, or by the authority's sourceRef, in id order: two transactions locking overlapping
 * sets take the locks in the same order and cannot deadlock.
 */
export async function lockEntries(q: Q, authority: string, ids: string[], sourceRefs: string[]): Promise<EntryRow[]> {
  if (ids.length === 0 && sourceRefs.length === 0) return [];
  // the sourceRefs' ids by key probes (bySourceRef says why), then every row by its primary key, in id order
  const { rows } = await q.raw<{ rows: ListEntryRecord[] }>(
    `select * from list_entries where id = any(array(${bySourceRef('id')}) || ?::uuid[]) order by id for update`,
    [sourceRefs, authority, ids],
  );
  return rows.map(entryOf);
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

async function searchEntries(q: Q, f: EntryFilters, limit: number, after?: CursorKey): Promise<EntryRow[]> {
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
          o
            .select(q.raw('1'))
            .from('orders')
            .whereRaw('orders.entry_id = list_entries.id')
            .where('orders.department', viewer),
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
  const rows = await query
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit + 1);
  return rows.map(entryOf);
}

/**
 * Ends these entries: their new state, each one's removal or revocation record where it has one (a record not given
 * stays as it was), and ended_at the first time an entry leaves active (when its restrictions and bans were lifted;
 * a later revocation keeps it). One statement for one entry or a chunk; returns the rows as they now are, by id.
 */
export async function markEntriesEnded(
  q: Q,
  status: Exclude<EntryRow['status'], 'active'>,
  at: Date,
  entries: readonly {
    id: string;
    removal?: components['schemas']['Removal'];
    revocation?: components['schemas']['Revocation'];
  }[],
): Promise<Map<string, EntryRow>> {
  // one JSON array of the entries: a record not given is null there, and the row keeps its own
  const { rows } = await q.raw<{ rows: ListEntryRecord[] }>(
    `update list_entries e
        set status = ?, updated_at = ?, ended_at = coalesce(e.ended_at, ?),
            removal = coalesce(x.removal, e.removal), revocation = coalesce(x.revocation, e.revocation)
       from jsonb_to_recordset(?::jsonb) as x(id uuid, removal jsonb, revocation jsonb)
      where e.id = x.id
      returning e.*`,
    [status, at, at, JSON.stringify(entries)],
  );
  return new Map(rows.map((r) => [r.id, entryOf(r)]));
}

/** The descriptive columns a correction may change (identity columns are not among them). */
export type CorrectableColumns = Partial<
  Pick<EntryRow, 'subject_name' | 'subject' | 'persons' | 'reason' | 'decision_no' | 'decided_at' | 'expires_at'>
>;

export async function updateEntryDescription(q: Q, id: string, set: CorrectableColumns, at: Date): Promise<EntryRow> {
  const [row] = await q(TABLE)
    .where({ id })
    .update({
      ...set,
      ...(set.subject ? { subject: JSON.stringify(set.subject) } : {}),
      ...(set.persons ? { persons: JSON.stringify(set.persons) } : {}),
      updated_at: at,
    })
    .returning('*');
  return entryOf(row as ListEntryRecord);
}

/** An entry with its orders and the since of its pending objection, read on one server. */
export interface EntryWithOrders {
  row: EntryRow;
  orders: OrderRow[];
  pending: Map<string, Date>;
}

/**
 * The entries, each method on the server it needs: browsing (one entry to read, its history, a search page) through
 * the read router, each read whole on one server (entry, orders and objection flag agree); the jobs' walks on the
 * primary, since what they find is then changed. Writes are the module functions above, on the caller's `trx`.
 */
export class EntryStore {
  constructor(private readonly h: { primary: Db; reads: ReadRouter }) {}

  /** One entry to read (GET), with its orders and pending objection: lag-tolerant. */
  read(id: string): Promise<EntryWithOrders | undefined> {
    return this.h.reads.read(async (db) => {
      const row = await findEntry(db, id);
      if (!row) return undefined;
      return { row, orders: await ordersOfEntries(db, [id]), pending: await pendingObjectionsOf(db, [id]) };
    });
  }

  /**
   * An entry's audit history: lag-tolerant. `seen` says, from the entry (undefined: none) and its orders, the orders
   * whose records the caller sees, or throws to refuse; the history is read on the same server.
   */
  history(id: string, seen: (row: EntryRow | undefined, orders: OrderRow[]) => string[]): Promise<AuditEvent[]> {
    return this.h.reads.read(async (db) => {
      const row = await findEntry(db, id);
      const orderIds = seen(row, row ? await ordersOfEntries(db, [id]) : []);
      return historyOf(db, id, orderIds);
    });
  }

  /**
   * A page of entries (limit+1 rows: the caller knows there is a next page) with the orders and pending objections
   * of the first `limit`, the page shown: lag-tolerant.
   */
  search(
    f: EntryFilters,
    limit: number,
    after: CursorKey | undefined,
  ): Promise<{ rows: EntryRow[]; orders: OrderRow[]; pending: Map<string, Date> }> {
    return this.h.reads.read(async (db) => {
      const rows = await searchEntries(db, f, limit, after);
      const ids = rows.slice(0, limit).map((r) => r.id);
      return { rows, orders: await ordersOfEntries(db, ids), pending: await pendingObjectionsOf(db, ids) };
    });
  }

  /** Active entries after an id, in id order (the consistency job's walk; see keysetBatches); on the primary. */
  async activeAfter(after: string, limit: number): Promise<EntryRow[]> {
    const rows = await this.h
      .primary(TABLE)
      .where('status', 'active')
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit);
    return rows.map(entryOf);
  }

  /** Active entries whose last listed day is before `today`, after an id, in id order (the expiry job's walk). */
  termEndedAfter(today: string, after: string, limit: number): Promise<{ id: string }[]> {
    const query = this.h.primary(TABLE).select('id').where('status', 'active').where('expires_at', '<', today);
    return query.where('id', '>', after).orderBy('id').limit(limit);
  }

  /** Active entries of one list decided within [from, until], after an id, in id order (the proposals job's walk). */
  activeDecidedBetween(
    listType: EntryRow['list_type'],
    decided: [string, string],
    after: string,
    limit: number,
  ): Promise<ListedEnterprise[]> {
    return this.h
      .primary(TABLE)
      .select('id', 'uscc', 'subject_name', 'decided_at')
      .where({ list_type: listType, status: 'active' })
      .whereBetween('decided_at', decided)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit);
  }
}

export interface ListedEnterprise {
  id: string;
  uscc: string | null;
  subject_name: string;
  decided_at: string;
}
