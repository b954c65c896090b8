import type { Knex } from 'knex';
import { auditRowOf, auditTokenOf } from '../audit/audit-store';
import { copyRows } from '../db/copy-rows';
import { orderEventsOf, outboxRowOf } from '../webhooks/outbox';
import { departmentsWithWebhooks } from '../webhooks/webhook-store';
import { insertedRows, storedEntryRow, type EntryRow, type NewEntryRow } from './list-entry-store';
import type { RowWriter } from './row-writer';

/**
 * The bulk path of batch ingestion (API and CLI): every table written with COPY (src/db/copy-rows.ts) instead of
 * multi-row INSERTs, in the chunk's one transaction, from the very rows the INSERT path writes.
 *
 * Entries go through a staging table: COPY into a temp table (`on commit drop`), then ONE
 * `INSERT … SELECT … ON CONFLICT (authority, source_ref) DO NOTHING RETURNING id`. What it returns is what this
 * transaction stored: an entry already stored (or stored a moment ago by a concurrent chunk, whose commit the
 * INSERT waits for) is not returned, so writeEntries builds no orders, audit rows or events
 * for it. The children are therefore COPYed straight into their tables: they belong to entries inserted by this
 * transaction only, and a second staging table per child table, joined to the inserted ids, would write every
 * child row twice to select all of them. COPY fires the same triggers as INSERT (row and statement level, with
 * transition tables: the order counts and subjects in force are kept as before).
 */
export const COPY_WRITER: RowWriter = {
  entriesIfNew: copyEntriesIfNew,
  orders: (trx, rows) => copyRows(trx, 'orders', rows),
  audit: (trx, ctx, records) => copyRows(trx, 'audit_log', records, auditRowOf(ctx, auditTokenOf(ctx))),
  issuedEvents: async (trx, orders, at) => {
    if (orders.length === 0) return;
    // only departments with a webhook get events (src/webhooks/outbox.ts says why)
    const receivers = await departmentsWithWebhooks(trx);
    const events = orderEventsOf(
      'order.issued',
      orders.filter((o) => receivers.has(o.department)),
      at,
    );
    await copyRows(trx, 'webhook_outbox', events, outboxRowOf(at));
  },
};

const STAGE = 'stage_list_entries';

async function copyEntriesIfNew(trx: Knex.Transaction, rows: NewEntryRow[]): Promise<EntryRow[]> {
  if (rows.length === 0) return [];
  // A sourceRef repeated inside one chunk is stored for its first row: the repeats never reach the table.
  const seen = new Set<string>();
  const first = rows.filter((r) => !seen.has(r.source_ref) && seen.add(r.source_ref));
  const names = Object.keys(storedEntryRow(first[0] as NewEntryRow))
    .map((c) => `"${c}"`)
    .join(', ');
  // Dropped after use (and at commit at the latest), so a second call in one transaction starts empty.
  await trx.raw(`create temp table ${STAGE} (like list_entries including defaults) on commit drop`);
  await copyRows(trx, STAGE, first, storedEntryRow);
  const inserted = await trx.raw<{ rows: { id: string }[] }>(
    `insert into list_entries (${names}) select ${names} from ${STAGE}
       on conflict (authority, source_ref) do nothing returning id`,
  );
  await trx.raw(`drop table ${STAGE}`);
  return insertedRows(first, inserted.rows);
}
