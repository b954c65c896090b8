import type { Knex } from 'knex';
import { recordAudit, type AuditContext, type AuditRecord } from '../audit/audit-store';
import { insertOrders, type NewOrderRow, type OrderInsertRow } from '../orders/order-store';
import { enqueueIssuedOrderEvents } from '../webhooks/outbox';
import { insertEntriesIfNew, type EntryRow, type NewEntryRow } from './list-entry-store';

/**
 * How the rows of new entries and their orders reach their tables, in the caller's transaction. The rows are the
 * same either way (built by writeEntries and issueOrders); only the statements differ.
 */
export interface RowWriter {
  /** Stores the entries whose (authority, sourceRef) is not stored yet; returns those it stored. */
  entriesIfNew(trx: Knex.Transaction, rows: NewEntryRow[]): Promise<EntryRow[]>;
  orders(trx: Knex.Transaction, rows: OrderInsertRow[]): Promise<void>;
  audit(trx: Knex.Transaction, ctx: AuditContext, records: AuditRecord[]): Promise<void>;
  /** order.issued events for the departments with a webhook (src/webhooks/outbox.ts). */
  issuedEvents(trx: Knex.Transaction, orders: NewOrderRow[], at: Date): Promise<void>;
}

/** Multi-row INSERTs: the single-entry endpoints and the consistency job's repair (a few rows each). */
export const INSERT_WRITER: RowWriter = {
  entriesIfNew: insertEntriesIfNew,
  orders: insertOrders,
  audit: recordAudit,
  issuedEvents: (trx, orders, at) => enqueueIssuedOrderEvents(trx, orders, at),
};
