import type { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { ValidationError, type FieldError } from '../errors';
import { ERRORS_COLUMN } from '../i18n/field-labels';
import { fieldError, type MessageRef } from '../i18n/messages';
import { dateOf, identifierOf, kindOf, listTypeOf, yearsOf } from './cell-values';

/** The columns of a CSV (or workbook) of list entries, by their API names; any order (documented in openapi.yaml). */
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
  'listingGround',
  'termExtensionYears',
] as const;
type EntryColumn = (typeof ENTRY_COLUMNS)[number];
/** Removals name the entry by sourceRef or id (either column may be left out). */
export const REMOVAL_COLUMNS = ['id', 'sourceRef', 'reason', 'decisionNo', 'ground'] as const;
/** The column a header cell names, or undefined: its API name (any case) or one of its Chinese labels. */
function columnNamed(label: string, header: HeaderSpec): string | undefined {
  const l = label.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return [...header.known, ERRORS_COLUMN].find(
    (c) => c.toLowerCase() === l || (header.labels[c] ?? []).some((zh) => zh.normalize('NFKC') === l),
  );
}

/** One row of a batch, before the service checks it: a parsed value, or errors found while parsing. */
export interface BatchRow {
  /** 1-based position in the batch (CSV: the data record, header not counted). */
  row: number;
  input?: unknown;
  errors?: FieldError[];
  /** The row as the authority sent it (CSV cells by column), for a rejects file. */
  cells?: Record<string, string>;
}

export interface ParsedRecord {
  record?: string[];
  raw?: string;
  skipped?: string;
}

/**
 * Streams the records of a CSV text or byte stream: BOM or none, CRLF or LF, quoted commas and newlines. A record
 * the parser cannot read (a broken quote) becomes a row with an error instead of stopping the file.
 */
export async function* csvRecords(source: Readable | string): AsyncGenerator<ParsedRecord> {
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

export interface HeaderSpec {
  known: readonly string[];
  required: readonly string[];
  /** Each column's Chinese labels in this kind of file (src/i18n/field-labels.ts), the first the one messages use. */
  labels: Record<string, readonly string[]>;
  /** Told the header as the file wrote it and the columns it names (a rejects file repeats the file's own header). */
  onHeader?(labels: string[], columns: string[]): void;
}

/**
 * Rows of a CSV (or a workbook's records) whose header names known columns, in any order, by API name or Chinese
 * label. Each data record becomes { row, cells } with cells by column name; a record of the wrong width or broken
 * quoting becomes a rejected row.
 */
export async function* csvRows(
  records: AsyncIterable<ParsedRecord>,
  header: HeaderSpec,
): AsyncGenerator<BatchRow & { cells: Record<string, string> }> {
  let columns: string[] | undefined;
  let row = 0;
  for await (const r of records) {
    if (!columns) {
      if (!r.record) throw ValidationError.coded('header', 'header_unparsable', { why: r.skipped ?? '' });
      columns = checkHeader(r.record, header);
      header.onHeader?.(r.record, columns);
      continue;
    }
    row++;
    if (!r.record) {
      yield {
        row,
        cells: {},
        errors: [fieldError('row', 'row_unparsable', { why: r.skipped ?? '', raw: truncate(r.raw ?? '') })],
      };
      continue;
    }
    const values = r.record;
    const cells: Record<string, string> = {};
    columns.forEach((c, i) => (cells[c] = values[i] ?? ''));
    const width = columns.length;
    // a trailing errors column is optional, as are empty trailing cells some spreadsheets drop
    const ok = values.length === width || (columns[width - 1] === ERRORS_COLUMN && values.length === width - 1);
    if (!ok) yield { row, cells, errors: [fieldError('row', 'row_width', { count: values.length, width })] };
    else yield { row, cells };
  }
  if (!columns) throw ValidationError.coded('header', 'csv_empty');
}

/** The header's columns by API name; unknown, repeated or missing columns refuse the file, naming each. */
function checkHeader(record: string[], header: HeaderSpec): string[] {
  const columns = record.map((label) => columnNamed(label, header));
  const problems: FieldError[] = [];
  record.forEach((label, i) => {
    if (columns[i] === undefined) problems.push(fieldError('header', 'unknown_column', { label: truncate(label) }));
  });
  const named = columns.filter((c): c is string => c !== undefined);
  const both = (column: string) => ({ column, label: `${header.labels[column]?.[0] ?? column}（${column}）` });
  for (const c of new Set(named.filter((c, i) => named.indexOf(c) !== i)))
    problems.push(fieldError('header', 'repeated_column', both(c)));
  for (const c of header.required)
    if (!named.includes(c)) problems.push(fieldError('header', 'missing_column', both(c)));
  if (problems.length) {
    const accepted = header.known.map((c) => [c, ...(header.labels[c] ?? [])].join('/')).join(', ');
    const ref: MessageRef = { code: 'bad_header', params: { accepted }, listErrors: true };
    const english = `header: ${problems.map((p) => p.message).join('; ')}. Columns may come in any order, named by API name or Chinese label: ${accepted}`;
    throw new ValidationError(english, problems, ref);
  }
  return columns as string[];
}

const truncate = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/**
 * A CSV row of an entry, as the JSON body of POST /v1/list-entries. Empty cells are absent values; values are
 * normalised where their meaning is unambiguous (src/batch/cell-values.ts). Without a kind column the identifier
 * filled decides (uscc: enterprise, idNumber: person); cells that do not belong to the row's kind are errors, not
 * silently dropped.
 */
export function entryFromCells(cells: Record<string, string>): { input: unknown; errors: FieldError[] } {
  const v = (c: EntryColumn): string | undefined =>
    cells[c] === undefined || cells[c].trim() === '' ? undefined : cells[c];
  const id = (c: EntryColumn) => mapped(v(c), identifierOf);
  const errors: FieldError[] = [];
  const mustBeEmpty = (c: EntryColumn, code: 'must_be_empty_enterprise_id' | 'must_be_empty_person') =>
    v(c) !== undefined && errors.push(fieldError(c, code));
  const inferred = v('uscc') !== undefined ? 'enterprise' : v('idNumber') !== undefined ? 'person' : undefined;
  const kind = 'kind' in cells ? mapped(v('kind'), kindOf) : inferred;
  let subject: Record<string, unknown>;
  if (kind === 'enterprise') {
    mustBeEmpty('idNumber', 'must_be_empty_enterprise_id');
    const rep =
      v('legalRepName') !== undefined || v('legalRepIdNumber') !== undefined
        ? { name: v('legalRepName'), idNumber: id('legalRepIdNumber') }
        : undefined;
    subject = { kind, uscc: id('uscc'), name: v('name'), ...(rep ? { legalRepresentative: dropUndefined(rep) } : {}) };
  } else if (kind === 'person') {
    for (const c of ['uscc', 'legalRepName', 'legalRepIdNumber'] as const) mustBeEmpty(c, 'must_be_empty_person');
    subject = { kind, idNumber: id('idNumber'), name: v('name') };
  } else {
    errors.push(fieldError('kind', kind === undefined ? 'kind_required' : 'kind_one_of'));
    subject = { kind };
  }
  const input = dropUndefined({
    listType: mapped(v('listType'), listTypeOf),
    subject: dropUndefined(subject),
    reason: v('reason'),
    decisionNo: v('decisionNo'),
    decidedAt: mapped(v('decidedAt'), dateOf),
    sourceRef: v('sourceRef'),
    expiresAt: mapped(v('expiresAt'), dateOf),
    listingGround: mapped(v('listingGround'), (g) => g.trim()),
    termExtensionYears: mapped(v('termExtensionYears'), yearsOf),
  });
  return { input, errors };
}

const mapped = <T>(value: string | undefined, f: (v: string) => T): T | undefined =>
  value === undefined ? undefined : f(value);

/** A CSV row of a removal, as a RemovalBatchItem. */
export function removalFromCells(cells: Record<string, string>): { input: unknown; errors: FieldError[] } {
  const input: Record<string, string> = {};
  for (const c of REMOVAL_COLUMNS) if (cells[c] !== undefined && cells[c] !== '') input[c] = cells[c];
  return { input, errors: [] };
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
