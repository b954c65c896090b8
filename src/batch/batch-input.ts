import type { Readable } from 'node:stream';
import { ValidationError, type FieldError } from '../errors';
import { COLUMN_LABELS, csvPathOf, fieldNamerOf, REMOVAL_COLUMN_LABELS } from '../i18n/field-labels';
import { localiseFieldError, type Language } from '../i18n/messages';
import {
  csvRecords,
  csvRows,
  type HeaderSpec,
  type ParsedRecord,
  ENTRY_COLUMNS,
  entryFromCells,
  REMOVAL_COLUMNS,
  removalFromCells,
  type BatchRow,
} from './csv-rows';

export type BatchKind = 'entries' | 'removals';

/**
 * Rows of a CSV (or a workbook's records) of entries or removals, streamed; parse and shape errors stay with their
 * row. `onHeader` hears the header as the file wrote it.
 */
export async function* rowsFromCsv(
  kind: BatchKind,
  source: Readable | string | AsyncIterable<ParsedRecord>,
  onHeader?: HeaderSpec['onHeader'],
): AsyncGenerator<BatchRow> {
  const header: HeaderSpec =
    kind === 'entries'
      ? {
          known: ENTRY_COLUMNS,
          required: ['listType', 'name', 'reason', 'decisionNo', 'decidedAt', 'sourceRef'],
          labels: COLUMN_LABELS,
        }
      : { known: REMOVAL_COLUMNS, required: ['reason', 'decisionNo'], labels: REMOVAL_COLUMN_LABELS };
  const shape = kind === 'entries' ? entryFromCells : removalFromCells;
  const records = typeof source === 'string' || 'pipe' in source ? csvRecords(source) : source;
  for await (const r of csvRows(records, { ...header, onHeader })) {
    if (r.errors) {
      yield r;
      continue;
    }
    const { input, errors } = shape(r.cells);
    yield { row: r.row, cells: r.cells, input, ...(errors.length ? { errors } : {}) };
  }
}

/** Rows of a JSON array: the n-th element is row n. */
export function rowsFromJson(items: unknown[]): BatchRow[] {
  return items.map((input, i) => ({ row: i + 1, input }));
}

/** Error paths of a CSV row, as the CSV's column names (subject.uscc → uscc). */
export function withCsvPaths<R extends { errors?: FieldError[] }>(result: R): R {
  return result.errors ? { ...result, errors: result.errors.map((e) => ({ ...e, path: csvPathOf(e.path) })) } : result;
}

/** How each kind of batch names its fields: made once, not per row. */
const NAMERS = {
  entries: fieldNamerOf('createListEntriesBatch'),
  removals: fieldNamerOf('removeListEntriesBatch'),
} as const;

/** A row's result as the caller reads it: each error message in `lang`, without its code, its field named as `kind` names it. */
export function localisedRow<R extends { errors?: FieldError[] }>(result: R, lang: Language, kind: BatchKind): R {
  const label = NAMERS[kind];
  return result.errors
    ? { ...result, errors: result.errors.map((e) => localiseFieldError(e, lang, label(e.path))) }
    : result;
}

/** Collects at most `max` rows; more is a 400 for the whole batch (the CLI has no limit). */
export async function collectRows(rows: AsyncIterable<BatchRow>, max: number): Promise<BatchRow[]> {
  const out: BatchRow[] = [];
  for await (const r of rows) {
    if (out.length >= max) throw ValidationError.coded('body', 'too_many_rows', { max });
    out.push(r);
  }
  return out;
}
