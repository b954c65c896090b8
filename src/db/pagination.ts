import { ValidationError } from '../errors';

/**
 * Keyset pagination on (timestamp, id), newest first: stable under inserts, and as cheap on page 1,000 as on page 1.
 */
export interface CursorKey {
  at: string;
  id: string;
  /** for an order made of two keysets one after the other (orders by urgency): which one the cursor is in */
  phase?: 0 | 1;
}

function encodeCursor(key: CursorKey): string {
  const parts = key.phase === undefined ? [key.at, key.id] : [key.at, key.id, key.phase];
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const [at, id, phase] = Array.isArray(parts) && parts.length <= 3 ? parts : [];
    // Exactly the shapes encodeCursor writes (toISOString, a UUID): anything else would reach PostgreSQL as a cast
    // error (year 0000 parses in JavaScript; PostgreSQL has no year 0).
    if (
      typeof at === 'string' &&
      typeof id === 'string' &&
      ISO_INSTANT.test(at) &&
      !at.startsWith('0000') &&
      !Number.isNaN(Date.parse(at)) &&
      UUID.test(id) &&
      (phase === undefined || phase === 0 || phase === 1)
    )
      return phase === undefined ? { at, id } : { at, id, phase };
  } catch {
    // fall through
  }
  throw ValidationError.coded('cursor', 'not_a_cursor');
}

/** Given limit+1 rows, the page and the cursor of the next one. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => CursorKey,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
