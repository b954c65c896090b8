import { ValidationError } from '../errors';
import type { Call, Handlers } from '../http/operation';
import { countEntryRows } from '../metrics/metrics';
import { collectRows, rowsFromCsv, rowsFromJson, withCsvPaths, type BatchKind } from './batch-input';
import { MAX_HTTP_ROWS, summaryOf, type BatchService } from './batch-service';
import type { BatchRow } from './csv-rows';

/** The request's rows, from a JSON array or a CSV text; anything else is a 415. */
async function rowsOf(body: unknown, call: Call, kind: BatchKind): Promise<{ rows: BatchRow[]; csv: boolean }> {
  const type = call.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') {
    if (typeof body !== 'string' || body.length === 0)
      throw ValidationError.field('body', 'is required: a CSV whose first line is the header');
    return { rows: await collectRows(rowsFromCsv(kind, body), MAX_HTTP_ROWS), csv: true };
  }
  if (type === 'application/json' || type?.endsWith('+json')) {
    if (!Array.isArray(body)) throw ValidationError.field('body', 'must be a JSON array of rows');
    return { rows: rowsFromJson(body), csv: false };
  }
  throw new UnsupportedMediaError(
    `send application/json (an array of rows) or text/csv, not ${type || 'no Content-Type'}`,
  );
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
      return { status: 200, body: { summary, results: got.csv ? results.map(withCsvPaths) : results } };
    },
    removeListEntriesBatch: async ({ body }, call) => {
      const got = await rowsOf(body, call, 'removals');
      const results = await batch.remove(call, got.rows);
      return {
        status: 200,
        body: { summary: summaryOf(results, ['removed', 'unchanged', 'rejected'] as const), results },
      };
    },
  } satisfies Partial<Handlers>;
}
