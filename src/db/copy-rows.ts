import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BoundedCache } from '../util/bounded-cache';

/**
 * Writes row objects into a table with `COPY … FROM STDIN` (text format) on the transaction's own connection: the
 * bulk path of batch ingestion (src/lists/copy-writer.ts). Generic on purpose: a row is an object keyed by column
 * name, its values as the stores hand them to knex (node-postgres's binding rules: a string is sent as it is, so a
 * jsonb value arrives already JSON-encoded; an array becomes a PostgreSQL array; another object is JSON; a Date its
 * instant). A store that changes what its rows hold changes nothing here.
 *
 * The columns are those of the first stored row; every row must name the same ones (COPY has no per-row DEFAULT).
 * Triggers fire as for an INSERT (row and statement level, transition tables included).
 */
export async function copyRows<T extends object>(
  trx: Knex.Transaction,
  table: string,
  rows: readonly T[],
  /** Each row as stored, made while the COPY streams: a chunk's serialised rows never exist all at once. */
  stored: (row: T) => object = (row) => row,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(stored(rows[0] as T));
  // the transaction's connection: knex hands it out, and releases nothing, inside a transaction
  const conn = (await trx.client.acquireConnection()) as pg.PoolClient;
  const sql = `copy ${quoted(table)} (${columns.map((c) => quoted(c)).join(', ')}) from stdin`;
  await pipeline(
    Readable.from(copyText(table, rows, columns, stored), { objectMode: false }),
    conn.query(copyFrom(sql)),
  );
}

/**
 * The text format's lines, encoded as they are made into buffers of ~64 KB (one stream write each). A row's line is
 * one string, written into the buffer at once: joining 500 lines into one string and encoding it made the string
 * twice (the joined one, flattened for encoding) before its bytes, and was a fifth of the importer's garbage.
 */
function* copyText<T>(
  table: string,
  rows: readonly T[],
  columns: readonly string[],
  stored: (row: T) => object,
): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = stored(rows[i] as T) as Record<string, unknown>;
    if (ownKeyCount(row) !== columns.length)
      throw new Error(`copyRows(${table}): row ${i} has other columns than ${columns.join(', ')}`);
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      const v = row[columns[c] as string];
      if (v === undefined) throw new Error(`copyRows(${table}): row ${i} has no value for column ${columns[c]}`);
      line += (c ? '\t' : '') + field(v);
    }
    line += '\n';
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (used + 3 * line.length > buf.length) {
      if (used) yield buf.subarray(0, used);
      buf = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, 3 * line.length));
      used = 0;
    }
    used += buf.write(line, used);
  }
  if (used) yield buf.subarray(0, used);
}

const BUFFER_BYTES = 64 * 1024;

/**
 * How many keys a row has, without the array Object.keys makes for each of them: counting was ~4% of the importer's
 * garbage (a chunk COPYs ~20,000 rows). The rows are plain objects built by the stores, with no inherited keys.
 */
function ownKeyCount(row: object): number {
  let n = 0;
  for (const _ in row) n++;
  return n;
}

/** One field of the text format: \N for null, else the bound text with backslash, tab and line breaks escaped. */
function field(v: unknown): string {
  if (v === null) return '\\N';
  const s = bound(v);
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (ch) => ESCAPES[ch] as string) : s;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value as node-postgres would bind it as a parameter (its utils.prepareValue), as text. */
function bound(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return isoOf(v);
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return arrayLiteral(v);
  return JSON.stringify(v);
}

/**
 * Date.toISOString, remembering the last few instants: a chunk's rows share a handful (its issue time, its orders'
 * due dates), and formatting each again was a visible share of the serialisation.
 */
const isoKept = new BoundedCache<number, string>(64);
const isoOf = (d: Date): string => isoKept.get(d.getTime(), () => d.toISOString());

/** A PostgreSQL array literal: every element quoted, null as NULL, nested arrays for more dimensions. */
function arrayLiteral(a: readonly unknown[]): string {
  const parts = a.map((e) => {
    if (e === null || e === undefined) return 'NULL';
    if (Array.isArray(e)) return arrayLiteral(e);
    return `"${bound(e).replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
  });
  return `{${parts.join(',')}}`;
}

/** A table or column name, schema-qualified or not, as a quoted SQL identifier. */
function quoted(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}
