import { ValidationError } from '../errors';
import type { Call, Handlers } from '../http/operation';
import { countEntryRows } from '../metrics/metrics';
import { collectRows, localisedRow, rowsFromCsv, rowsFromJson, withCsvPaths, type BatchKind } from './batch-input';
import { MAX_HTTP_ROWS, summaryOf, type BatchService } from './batch-service';
import { XLSX_TYPE } from './batch-paths';
import type { BatchRow } from './csv-rows';
import { decodeText, encodingOf, type FileEncoding } from './text-decoding';
import { workbookRecords } from './workbook-records';

/**
 * The request's rows, from a JSON array, a CSV (decoded by its declared charset, else by its bytes) or an Excel
 * workbook's first sheet; anything else is a 415.
 */
async function rowsOf(body: unknown, call: Call, kind: BatchKind): Promise<{ rows: BatchRow[]; csv: boolean }> {
  const [mediaType, ...params] = (call.contentType ?? '').split(';');
  const type = mediaType?.trim().toLowerCase();
  if (type === 'text/csv' || type === XLSX_TYPE) {
    if (typeof body !== 'string' || body.length === 0)
      throw ValidationError.coded('body', type === XLSX_TYPE ? 'body_required_xlsx' : 'body_required_csv');
    // bytesAsString handed the body on as one latin1 character per byte
    const bytes = Buffer.from(body, 'latin1');
    const records = type === XLSX_TYPE ? workbookRecords(bytes) : decodeText(bytes, declaredCharset(params)).text;
    return { rows: await collectRows(rowsFromCsv(kind, records), MAX_HTTP_ROWS), csv: true };
  }
  if (type === 'application/json' || type?.endsWith('+json')) {
    if (!Array.isArray(body)) throw ValidationError.coded('body', 'body_not_array');
    return { rows: rowsFromJson(body), csv: false };
  }
  throw new UnsupportedMediaError(
    `send application/json (an array of rows), text/csv or an .xlsx workbook (${XLSX_TYPE}), not ${type || 'no Content-Type'}`,
  );
}

function declaredCharset(params: string[]): FileEncoding | undefined {
  const charset = params
    .map((p) => p.trim().split('='))
    .find(([k]) => k?.trim().toLowerCase() === 'charset')?.[1]
    ?.replace(/"/g, '');
  return charset ? encodingOf(charset) : undefined;
}

class UnsupportedMediaError extends Error {
  override readonly name = 'UnsupportedMediaError';
}

export function batchHandlers(batch: BatchService) {
  return {
    createListEntriesBatch: async ({ body }, call) => {
      const got = await rowsOf(body, call, 'entries');
      const results = await batch.ingest(call, got.rows);
      countEntryRows('batch', got.rows, results);
      const summary = summaryOf(results, ['created', 'unchanged', 'rejected'] as const);
      const shown = (got.csv ? results.map(withCsvPaths) : results).map((r) =>
        localisedRow(r, call.language, 'entries'),
      );
      return { status: 200, headers: { 'Content-Language': call.language }, body: { summary, results: shown } };
    },
    removeListEntriesBatch: async ({ body }, call) => {
      const got = await rowsOf(body, call, 'removals');
      const results = await batch.remove(call, got.rows);
      return {
        status: 200,
        headers: { 'Content-Language': call.language },
        body: {
          summary: summaryOf(results, ['removed', 'unchanged', 'rejected'] as const),
          results: results.map((r) => localisedRow(r, call.language, 'removals')),
        },
      };
    },
  } satisfies Partial<Handlers>;
}
