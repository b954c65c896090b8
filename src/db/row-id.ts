import { v7 as uuidv7 } from 'uuid';

/**
 * The id of a new row of a table that grows with time (entries, orders, outbox events, decision records,
 * objections and applications): a UUIDv7, whose leading bits are the time it was made (ADR 0011).
 *
 * A random (v4) id lands anywhere in its primary key and in every `entry_id`/`order_id` index that names it: at a
 * million entries those indexes are hundreds of megabytes, so each insert dirties a cold page, and after each
 * checkpoint PostgreSQL writes that whole page again into the WAL. A time-ordered id appends at the right edge of the
 * index, where the pages are hot, and right-edge splits leave full pages behind instead of half-empty ones.
 * Ids stay unguessable enough for what they are (not secrets: every read is authorised), and unique across instances.
 */
export function newRowId(): string {
  return uuidv7();
}
