import type { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { ValidationError, type FieldError } from '../errors';

/** The CSV of list entries (documented in openapi.yaml and the README); the order is fixed. */
export const ENTRY_COLUMNS = [
  'listType',
  'kind',
  'uscc',
  'idNumber',
  'name',
  'legalRepName',
  'legalRepIdNumber',
  'reason',
  'decisionNo',
  'decidedAt',
  'sourceRef',
  'expiresAt',
] as const;
type EntryColumn = (typeof ENTRY_COLUMNS)[number];
/** Removals name the entry by sourceRef or id (either column may be left out). */
export const REMOVAL_COLUMNS = ['id', 'sourceRef', 'reason', 'decisionNo'] as const;
/** The extra column of a rejects file; accepted and ignored on input, so a corrected rejects file can be sent again. */
export const ERRORS_COLUMN = 'errors';

/** One row of a batch, before the service checks it: a parsed value, or errors found while parsing. */
export interface BatchRow {
  /** 1-based position in the batch (CSV: the data record, header not counted). */
  row: number;
  input?: unknown;
  errors?: FieldError[];
  /** The row as the authority sent it (CSV cells by column), for a rejects file. */
  cells?: Record<string, string>;
}

interface ParsedRecord {
  record?: string[];
  raw?: string;
  skipped?: string;
}

/**
 * Streams the records of a CSV text or byte stream: BOM or none, CRLF or LF, quoted commas and newlines. A record
 * the parser cannot read (a broken quote) becomes a row with an error instead of stopping the file.
 */
async function* csvRecords(source: Readable | string): AsyncGenerator<ParsedRecord> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    raw: true,
    // pushed into the parser's own output, so a skipped record keeps its place among the others
    on_skip: (err, raw) => {
      parser.push({ skipped: err?.message ?? 'could not be parsed', raw: raw ?? '' });
    },
  });
  if (typeof source === 'string') parser.end(source);
  else source.on('error', (e) => parser.destroy(e)).pipe(parser);
  for await (const item of parser as AsyncIterable<
    { record: string[]; info: Info; raw: string } | { skipped: string; raw: string }
  >) {
    if ('skipped' in item) yield { skipped: item.skipped, raw: item.raw };
    else yield { record: item.record, raw: item.raw };
  }
}

/**
 * Rows of a CSV whose header must be exactly `expected` (in that order), or, with `anyOf`, made of known columns.
 * Each data record becomes { row, cells }; a record of the wrong width or broken quoting becomes a rejected row.
 */
export async function* csvRows(
  source: Readable | string,
  header: { exact: readonly string[] } | { known: readonly string[]; required: readonly string[] },
): AsyncGenerator<BatchRow & { cells: Record<string, string> }> {
  let columns: string[] | undefined;
  let row = 0;
  for await (const r of csvRecords(source)) {
    if (!columns) {
      if (!r.record) throw ValidationError.field('header', `the header line could not be parsed: ${r.skipped ?? ''}`);
      columns = checkHeader(r.record, header);
      continue;
    }
    row++;
    if (!r.record) {
      yield {
        row,
        cells: {},
        errors: [{ path: 'row', message: `could not be parsed as CSV (${r.skipped}): ${truncate(r.raw ?? '')}` }],
      };
      continue;
    }
    const values = r.record;
    const cells: Record<string, string> = {};
    columns.forEach((c, i) => (cells[c] = values[i] ?? ''));
    const width = columns.length;
    // a trailing errors column is optional, as are empty trailing cells some spreadsheets drop
    const ok = values.length === width || (columns[width - 1] === ERRORS_COLUMN && values.length === width - 1);
    if (!ok)
      yield { row, cells, errors: [{ path: 'row', message: `has ${values.length} fields; the header has ${width}` }] };
    else yield { row, cells };
  }
  if (!columns) throw ValidationError.field('header', 'the CSV is empty; the first line must be the header');
}

function checkHeader(
  record: string[],
  header: { exact: readonly string[] } | { known: readonly string[]; required: readonly string[] },
): string[] {
  const got = record[record.length - 1] === ERRORS_COLUMN ? record.slice(0, -1) : record;
  if ('exact' in header) {
    if (got.length !== header.exact.length || got.some((c, i) => c !== header.exact[i])) {
      throw ValidationError.field(
        'header',
        `the header must be exactly ${header.exact.join(',')}; got ${record.join(',')}`,
      );
    }
  } else {
    const unknown = got.filter((c) => !header.known.includes(c));
    const missing = header.required.filter((c) => !got.includes(c));
    if (unknown.length || missing.length || new Set(got).size !== got.length) {
      throw ValidationError.field(
        'header',
        `the header may hold ${header.known.join(', ')} (each once) and must hold ${header.required.join(', ')}; got ${record.join(',')}`,
      );
    }
  }
  return record;
}

const truncate = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Field paths of the JSON form, as the CSV's column names. */
const CSV_PATHS: Record<string, EntryColumn> = {
  'subject.kind': 'kind',
  'subject.uscc': 'uscc',
  'subject.idNumber': 'idNumber',
  'subject.name': 'name',
  'subject.legalRepresentative': 'legalRepName',
  'subject.legalRepresentative.name': 'legalRepName',
  'subject.legalRepresentative.idNumber': 'legalRepIdNumber',
};
export const csvPathOf = (path: string): string => CSV_PATHS[path] ?? (path === 'subject' ? 'kind' : path);

/**
 * A CSV row of an entry, as the JSON body of POST /v1/list-entries. Empty cells are absent values. Cells that do
 * not belong to the row's kind are errors, not silently dropped.
 */
export function entryFromCells(cells: Record<string, string>): { input: unknown; errors: FieldError[] } {
  const v = (c: EntryColumn): string | undefined => (cells[c] === undefined || cells[c] === '' ? undefined : cells[c]);
  const errors: FieldError[] = [];
  const mustBeEmpty = (c: EntryColumn, why: string) =>
    v(c) !== undefined && errors.push({ path: c, message: `must be empty ${why}` });
  const kind = v('kind');
  let subject: Record<string, unknown>;
  if (kind === 'enterprise') {
    mustBeEmpty('idNumber', 'for an enterprise (a legal representative goes in legalRepName and legalRepIdNumber)');
    const rep =
      v('legalRepName') !== undefined || v('legalRepIdNumber') !== undefined
        ? { name: v('legalRepName'), idNumber: v('legalRepIdNumber') }
        : undefined;
    subject = { kind, uscc: v('uscc'), name: v('name'), ...(rep ? { legalRepresentative: dropUndefined(rep) } : {}) };
  } else if (kind === 'person') {
    for (const c of ['uscc', 'legalRepName', 'legalRepIdNumber'] as const) mustBeEmpty(c, 'for a person');
    subject = { kind, idNumber: v('idNumber'), name: v('name') };
  } else {
    if (kind === undefined) errors.push({ path: 'kind', message: 'is required' });
    else errors.push({ path: 'kind', message: 'must be one of: enterprise, person' });
    subject = { kind };
  }
  const input = dropUndefined({
    listType: v('listType'),
    subject: dropUndefined(subject),
    reason: v('reason'),
    decisionNo: v('decisionNo'),
    decidedAt: v('decidedAt'),
    sourceRef: v('sourceRef'),
    expiresAt: v('expiresAt'),
  });
  return { input, errors };
}

/** A CSV row of a removal, as a RemovalBatchItem. */
export function removalFromCells(cells: Record<string, string>): { input: unknown; errors: FieldError[] } {
  const input: Record<string, string> = {};
  for (const c of REMOVAL_COLUMNS) if (cells[c] !== undefined && cells[c] !== '') input[c] = cells[c];
  return { input, errors: [] };
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
