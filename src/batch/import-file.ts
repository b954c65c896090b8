import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { stringify, type Stringifier } from 'csv-stringify';
import iconv from 'iconv-lite';
import type { CallContext } from '../auth/principal';
import { ValidationError, type FieldError } from '../errors';
import { countEntryRows } from '../metrics/metrics';
import { localisedRow, rowsFromCsv, withCsvPaths, type BatchKind } from './batch-input';
import { DEFAULT_CHUNK_ROWS, type BatchService } from './batch-service';
import { ERRORS_COLUMN } from '../i18n/field-labels';
import { detailText, fieldLine } from '../i18n/messages';
import { ENTRY_COLUMNS, REMOVAL_COLUMNS, type BatchRow } from './csv-rows';
import { sniffEncoding, type FileEncoding } from './text-decoding';
import { workbookRecords } from './workbook-records';

interface ImportProgress {
  rows: number;
  bytes: number;
  totalBytes: number;
  summary: Record<string, number>;
}

export interface ImportOptions {
  file: string;
  kind: BatchKind;
  ctx: CallContext;
  batch: BatchService;
  /** Rows per transaction (default 2,000). */
  chunkRows?: number;
  /** Chunks in flight at once (default 2: one is checked in Node while the other is written by PostgreSQL). */
  concurrency?: number;
  /** Where rejected rows go (CSV with an errors column; JSON lines for a JSON-lines input). Default: FILE.rejected.csv */
  rejectsFile?: string;
  /** The CSV's charset (the CLI's --encoding); without it the bytes decide (src/batch/text-decoding.ts). */
  encoding?: FileEncoding;
  onProgress?(p: ImportProgress): void;
}

export interface ImportSummary {
  rows: number;
  summary: Record<string, number>;
  /** Written only when some row was rejected. */
  rejectsFile: string | undefined;
  seconds: number;
}

const isJsonLines = (file: string) => /\.(jsonl|ndjson)$/i.test(file);
const isWorkbook = (file: string) => /\.xlsx$/i.test(file);

/**
 * `npm run import`: streams a CSV or JSON-lines file of any size (a workbook is read whole, see below) through the
 * batch service in chunks of a thousand rows per transaction: the code path of POST /v1/list-entries/batch, without
 * its 10,000-row limit.
 * Memory stays flat (a few chunks); rejected rows are written back, with their errors, for the authority to correct.
 */
export async function importFile(o: ImportOptions): Promise<ImportSummary> {
  try {
    return await importInChunks(o);
  } catch (e) {
    // a file refused whole (its encoding, its header, a workbook that cannot be read) is told in Chinese, as the
    // rejects file's errors are
    if (e instanceof ValidationError && e.detailRef)
      throw new ValidationError(detailText(e.detailRef, e.errors, 'zh'), e.errors, e.detailRef);
    throw e;
  }
}

async function importInChunks(o: ImportOptions): Promise<ImportSummary> {
  const started = process.hrtime.bigint();
  const chunkRows = o.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const concurrency = Math.max(1, o.concurrency ?? 2);
  const totalBytes = statSync(o.file).size;
  const statuses = o.kind === 'entries' ? ['created', 'unchanged', 'rejected'] : ['removed', 'unchanged', 'rejected'];
  const summary: Record<string, number> = Object.fromEntries(statuses.map((s) => [s, 0]));
  const jsonl = isJsonLines(o.file);
  const workbook = isWorkbook(o.file);
  // a CSV's rejects are written in the CSV's own encoding, so they open as the file did
  const encoding = jsonl || workbook ? 'utf-8' : (o.encoding ?? (await sniffEncoding(createReadStream(o.file))));
  const rejects = new RejectsWriter(
    o.rejectsFile ?? `${o.file.replace(/\.(csv|jsonl|ndjson|xlsx)$/i, '')}.rejected.${jsonl ? 'jsonl' : 'csv'}`,
    o.kind,
    jsonl,
    encoding,
  );

  const stream = createReadStream(o.file);
  let bytes = 0;
  stream.on('data', (chunk) => (bytes += chunk.length));
  const onHeader = (labels: string[], columns: string[]) => rejects.header(labels, columns);
  const rows = jsonl
    ? rowsFromJsonLines(stream)
    : workbook
      ? // Loaded whole, not streamed: ExcelJS 4.4's streaming reader decodes each inflated chunk of the sheet's XML
        // on its own, so a Chinese character split across two chunks becomes U+FFFD (exceljs issues #2063, #2084;
        // unfixed). A sheet holds at most 1,048,576 rows, so this memory is bounded; a CSV is streamed.
        rowsFromCsv(o.kind, workbookRecords(await readFile(o.file)), onHeader)
      : rowsFromCsv(o.kind, stream.pipe(iconv.decodeStream(encoding)) as unknown as Readable, onHeader);

  let done = 0;
  const inFlight: { rows: BatchRow[]; work: Promise<{ row: number; status: string; errors?: FieldError[] }[]> }[] = [];
  const finishOldest = async () => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const results = await oldest.work;
    if (o.kind === 'entries') countEntryRows('cli', oldest.rows, results);
    results.forEach((res, i) => {
      summary[res.status] = (summary[res.status] ?? 0) + 1;
      if (res.status === 'rejected') rejects.write(oldest.rows[i] as BatchRow, jsonl ? res : withCsvPaths(res));
    });
    done += results.length;
    o.onProgress?.({ rows: done, bytes, totalBytes, summary });
  };
  const start = (chunk: BatchRow[]) => {
    const work = o.kind === 'entries' ? o.batch.ingestChunk(o.ctx, chunk) : o.batch.removeChunk(o.ctx, chunk);
    // an unobserved rejection must not crash the process before finishOldest awaits it
    work.catch(() => undefined);
    inFlight.push({ rows: chunk, work });
  };

  try {
    let chunk: BatchRow[] = [];
    for await (const row of rows) {
      chunk.push(row);
      if (chunk.length >= chunkRows) {
        start(chunk);
        chunk = [];
        if (inFlight.length >= concurrency) await finishOldest();
      }
    }
    if (chunk.length) start(chunk);
    while (inFlight.length) await finishOldest();
  } finally {
    // wait for whatever is still running before the caller closes the pool
    await Promise.allSettled(inFlight.map((f) => f.work));
    stream.destroy();
    await rejects.close();
  }
  return { rows: done, summary, rejectsFile: rejects.path, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** JSON lines: one list-entry (or removal) object per line; a line that is not JSON is a rejected row. */
async function* rowsFromJsonLines(stream: Readable): AsyncGenerator<BatchRow> {
  let row = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    const text = row === 0 ? line.replace(/^\uFEFF/, '') : line;
    if (text.trim() === '') continue;
    row++;
    try {
      yield { row, input: JSON.parse(text) as unknown };
    } catch (e) {
      yield { row, input: text, errors: [{ path: 'row', message: `is not JSON: ${(e as Error).message}` }] };
    }
  }
}

/**
 * The rejected rows as the authority sent them: the file's own header and columns in its order, in its encoding,
 * plus an error column 错误原因 ("回退" for correction; read back as the errors column, so the corrected file can be
 * sent again). Created on first use.
 */
class RejectsWriter {
  private out: Stringifier | WriteStream | undefined;
  private file: WriteStream | undefined;
  private labels: string[] | undefined;
  private columns: string[] | undefined;
  written = 0;

  constructor(
    private readonly target: string,
    private readonly kind: BatchKind,
    private readonly jsonl: boolean,
    private readonly encoding: FileEncoding,
  ) {}

  get path(): string | undefined {
    return this.written ? this.target : undefined;
  }

  /** The header as the file wrote it (without a previous errors column) and the columns it names. */
  header(labels: string[], columns: string[]): void {
    const keep = columns.map((c, i) => (c === ERRORS_COLUMN ? -1 : i)).filter((i) => i >= 0);
    this.labels = keep.map((i) => labels[i] as string);
    this.columns = keep.map((i) => columns[i] as string);
  }

  write(row: BatchRow, result: { row: number; errors?: FieldError[] }): void {
    if (!this.file) {
      this.file = createWriteStream(this.target);
      if (this.jsonl) this.out = this.file;
      else {
        this.columns ??= [...(this.kind === 'entries' ? ENTRY_COLUMNS : REMOVAL_COLUMNS)];
        this.labels ??= this.columns;
        const s = stringify({
          header: true,
          columns: [...this.labels, REJECTS_ERROR_LABEL],
          bom: this.encoding === 'utf-8',
          record_delimiter: 'windows',
        });
        if (this.encoding === 'utf-8') s.pipe(this.file);
        else s.pipe(reencoded(this.encoding)).pipe(this.file);
        this.out = s;
      }
    }
    this.written++;
    if (this.jsonl) {
      this.out?.write(
        `${JSON.stringify({ row: result.row, errors: localisedRow(result, 'zh', this.kind).errors, input: row.input })}\n`,
      );
      return;
    }
    const labelOf = (path: string) => {
      const i = this.columns?.indexOf(path) ?? -1;
      return i >= 0 ? (this.labels?.[i] ?? path) : path === 'row' ? '整行' : path;
    };
    // in Chinese, each field named as the file's own header names it
    const errors = `第 ${result.row} 行：${(result.errors ?? []).map((e) => fieldLine(e, 'zh', labelOf(e.path))).join('；')}`;
    this.out?.write([...(this.columns ?? []).map((c) => row.cells?.[c] ?? ''), errors]);
  }

  async close(): Promise<void> {
    if (!this.file || !this.out) return;
    const finished = once(this.file, 'close');
    this.out.end();
    await finished;
  }
}

/** The error column of a rejects file (a label of the errors column, so a corrected file is read back). */
const REJECTS_ERROR_LABEL = '错误原因';

/** UTF-8 bytes (csv-stringify's output) re-encoded, split characters carried over between chunks. */
function reencoded(encoding: FileEncoding): Transform {
  const text = new StringDecoder('utf8');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, iconv.encode(text.write(chunk), encoding));
    },
    flush(done) {
      done(null, iconv.encode(text.end(), encoding));
    },
  });
}
