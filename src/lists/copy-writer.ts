import type { Knex } from 'knex';
import { auditRowOf, auditTokenOf } from '../audit/audit-store';
import { copyRows } from '../db/copy-rows';
import { issuedOrderEvents, outboxRowOf } from '../webhooks/outbox';
import { storedEntryRow, storedSourceRefs, type EntryRow, type NewEntryRow } from './list-entry-store';
import type { RowWriter } from './row-writer';

/**
 * The bulk path of batch ingestion (API and CLI): every table written with COPY (src/db/copy-rows.ts) instead of
 * multi-row INSERTs, in the chunk's one transaction, from the very rows the INSERT path writes.
 *
 * Entries are COPYed straight into list_entries, after one lookup of which sourceRefs the authority has stored
 * already (copyEntriesIfNew): COPY has no ON CONFLICT, and a staging table with `INSERT … SELECT … ON CONFLICT`
 * (what this did before) was about half of what an import cost PostgreSQL beyond a plain COPY of the same rows, in
 * catalog writes, a second heap and a second pass (ADR 0013). The children are COPYed straight into their tables: they belong to entries inserted by
 * this transaction only. COPY fires the same triggers as INSERT (row and statement level, with transition tables:
 * the order counts and subjects in force are kept as before).
 */
export const COPY_WRITER: RowWriter = {
  entriesIfNew: copyEntriesIfNew,
  orders: (trx, rows) => copyRows(trx, 'orders', rows),
  audit: (trx, ctx, records) => copyRows(trx, 'audit_log', records, auditRowOf(ctx, auditTokenOf(ctx))),
  issuedEvents: async (trx, orders, at) =>
    copyRows(trx, 'webhook_outbox', await issuedOrderEvents(trx, orders, at), outboxRowOf(at)),
};

/**
 * Stores the rows whose (authority, sourceRef) is not stored yet, and returns them. A sourceRef repeated inside one
 * chunk is stored for its first row. Another writer may store one of these sourceRefs between the lookup and the
 * COPY (a concurrent chunk or request): the COPY then waits for that writer's commit and fails on the unique key,
 * so it runs in a savepoint, and the lookup is made again and sees the row. Each round finds at least one more row
 * stored, so the loop ends.
 */
async function copyEntriesIfNew(trx: Knex.Transaction, rows: NewEntryRow[]): Promise<EntryRow[]> {
  if (rows.length === 0) return [];
  const seen = new Set<string>();
  const first = rows.filter((r) => !seen.has(r.source_ref) && seen.add(r.source_ref));
  // all rows of a chunk are of one authority
  const authority = (first[0] as NewEntryRow).authority;
  const sourceRefs = first.map((r) => r.source_ref);
  let storedBefore = -1;
  for (;;) {
    const stored = await storedSourceRefs(trx, authority, sourceRefs);
    const fresh = stored.size ? first.filter((r) => !stored.has(r.source_ref)) : first;
    if (fresh.length === 0) return [];
    await trx.raw('savepoint copy_entries');
    try {
      await copyRows(trx, 'list_entries', fresh, storedEntryRow);
      await trx.raw('release savepoint copy_entries');
      return fresh;
    } catch (e) {
      // a lookup that sees no more than the last one would loop (a snapshot older than the other writer's commit)
      if (!isSourceRefTaken(e) || stored.size <= storedBefore) throw e;
      storedBefore = stored.size;
      await trx.raw('rollback to savepoint copy_entries');
    }
  }
}

const SOURCE_REF_KEY = 'list_entries_authority_source_ref_unique';

/** The unique key on (authority, source_ref) refused a row: another writer stored that sourceRef first. */
const isSourceRefTaken = (e: unknown): boolean => {
  const err = e as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === SOURCE_REF_KEY;
};
