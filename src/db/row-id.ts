import { randomFillSync } from 'node:crypto';

/**
 * The id of a new row of a table that grows with time (entries, orders, outbox events, decision records,
 * objections and applications): a UUIDv7, whose leading bits are the time it was made (ADR 0011).
 *
 * A random (v4) id lands anywhere in its primary key and in every `entry_id`/`order_id` index that names it: at a
 * million entries those indexes are hundreds of megabytes, so each insert dirties a cold page, and after each
 * checkpoint PostgreSQL writes that whole page again into the WAL. A time-ordered id appends at the right edge of the
 * index, where the pages are hot, and right-edge splits leave full pages behind instead of half-empty ones.
 * Ids stay unguessable enough for what they are (not secrets: every read is authorised), and unique across instances.
 *
 * The layout and order are those of the `uuid` package's v7 (RFC 9562 §5.7 with the 32-bit counter of §6.2 method 1,
 * seeded at random each millisecond), written here because that function made ~1 KB of garbage per id (a random
 * slice, a byte array, a string of 20 pieces): an import makes 18 ids an entry, and they were a tenth of the
 * importer's garbage (ADR 0011, "Made here"). test/unit/row-id.test.ts holds it to the package's own checks.
 */
export function newRowId(): string {
  if (random + 6 > pool.length) {
    randomFillSync(pool);
    random = 0;
  }
  const now = Date.now();
  if (now > msecs) {
    msecs = now;
    // 31 bits, so the counter can go a long way within one millisecond before it carries into the next
    seq = ((pool[random] as number) & 0x7f) * 0x1000000 + (pool[random + 1] as number) * 0x10000;
    seq += (pool[random + 2] as number) * 0x100 + (pool[random + 3] as number);
    random += 4;
  } else if (++seq > 0xffffffff) {
    // the counter ran out (or the clock stepped back): borrow the next millisecond, as the package does
    seq = 0;
    msecs++;
  }
  // unix_ts_ms, 48 bits: the first group is its top 32, the second its low 16
  put(0, Math.floor(msecs / 0x10000), 8);
  text[8] = DASH;
  put(9, msecs & 0xffff, 4);
  text[13] = DASH;
  // version 7, then the counter's top 12 bits (rand_a)
  put(14, 0x7000 | ((seq >>> 20) & 0x0fff), 4);
  text[18] = DASH;
  // variant 10, then the counter's next 14 bits
  put(19, 0x8000 | ((seq >>> 6) & 0x3fff), 4);
  text[23] = DASH;
  // the counter's last 6 bits, then 42 random bits (rand_b)
  put(24, ((seq & 0x3f) << 2) | ((pool[random] as number) & 0x03), 2);
  for (let i = 1; i < 6; i++) put(24 + 2 * i, pool[random + i] as number, 2);
  random += 6;
  return text.toString('latin1');
}

const DASH = 0x2d;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** One id's text, rewritten for each: toString copies it into the one string the caller keeps. */
const text = Buffer.alloc(36);
/** Random bytes, 10 at most an id, refilled when used up: one call into the system's generator per ~1,000 ids. */
const pool = Buffer.alloc(6144);
let random = pool.length;
let msecs = -1;
let seq = 0;

/** `digits` lowercase hex digits of `value` (≤ 32 bits) into text at `at`, most significant first. */
function put(at: number, value: number, digits: number): void {
  for (let i = digits - 1; i >= 0; i--) {
    text[at + i] = HEX[value & 0xf] as number;
    value >>>= 4;
  }
}
