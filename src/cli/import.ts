import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import cliProgress from 'cli-progress';
import { bootstrap } from '../bootstrap';
import { importFile } from '../batch/import-file';
import { encodingOf } from '../batch/text-decoding';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { enableImportCounts, pushImportCounts } from '../metrics/push';
import { createServices } from '../services';
import { systemClock } from '../time/clock';

const USAGE = `usage: npm run import -- [--remove] --authority CODE [--encoding utf-8|gbk|gb18030] [--rejects FILE] [--chunk 1000] [--concurrency 2] [--quiet] FILE

Streams a CSV, .xlsx (first sheet) or .jsonl file of list entries (or, with --remove, of removals) through the same
code path as POST /v1/list-entries/batch, acting as the department CODE (the list authority, e.g. samr or spc).
Columns in any order, by API name or Chinese label (docs: the batch operation in /docs). A CSV is read in
--encoding, else by its bytes (UTF-8, else GB18030 as Excel on Chinese Windows saves it). Connects to
DATABASE_URL, or to the embedded PostgreSQL under DATA_DIR like npm start; while a service runs on that DATA_DIR,
to that service's PostgreSQL, which it leaves running (it says which on its first line). Rejected rows are written to
FILE.rejected.csv, in the file's own encoding and header, with an error column 错误原因, for the authority to
correct and send again; a re-run of the same file changes nothing.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      authority: { type: 'string' },
      remove: { type: 'boolean', default: false },
      rejects: { type: 'string' },
      encoding: { type: 'string' },
      // 1,000 rows a transaction: two chunks in flight stay well inside the 256 MB heap npm run import gives the
      // CLI (a dishonest-debtor chunk holds ~18 orders and ~27 restrictions an entry); as fast as 2,000 here
      chunk: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '2' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || !file || !values.authority) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  workbookFitsHeap(file);
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn');
  // Beside a running service on the embedded default, its PostgreSQL is used as it is and left running (issue 19):
  // the import never stops a database another process holds.
  const runtime = await bootstrap(config, log, { shareRunningEmbedded: true });
  if (!config.databaseUrl)
    console.error(
      `npm run import: ${runtime.embeddedShared ? 'using the embedded PostgreSQL of the service running on DATA_DIR (left running)' : 'started the embedded PostgreSQL under DATA_DIR (stopped when the import ends)'}`,
    );
  try {
    // The services as the server builds them: one calendar from RULES_DIR, each rule's own feedback deadline.
    const services = createServices(runtime.config, {
      databases: runtime.databases,
      rules: runtime.rules,
      keyOf: runtime.keyOf,
      clock: systemClock,
      log,
    });
    const department = services.departments.find(values.authority);
    if (!department) throw new ConfigError(`no department with code "${values.authority}"`);
    if (!values.remove && department.authorityFor.length === 0)
      throw new ConfigError(`${department.code} is the authority for no list`);

    if (config.metricsPushgatewayUrl) enableImportCounts();
    const tty = process.stderr.isTTY && !values.quiet;
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | {summary}',
        etaBuffer: 50,
        fps: 5,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = Date.now();
    let lastLog = 0;
    if (tty) bar.start(1, 0, { rows: 0, rate: 0, summary: '' });
    const result = await importFile({
      file,
      kind: values.remove ? 'removals' : 'entries',
      ctx: { principal: { kind: 'department', department, tokenId: 'cli' }, requestId: `import-${t0}` },
      batch: services.batch,
      chunkRows: Number(values.chunk),
      concurrency: Number(values.concurrency),
      rejectsFile: values.rejects,
      ...(values.encoding ? { encoding: encodingOf(values.encoding) } : {}),
      onProgress: (p) => {
        const rate = Math.round(p.rows / Math.max(0.001, (Date.now() - t0) / 1000));
        const summary = Object.entries(p.summary)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        if (tty) {
          bar.setTotal(p.totalBytes);
          bar.update(p.bytes, { rows: p.rows, rate, summary });
        } else if (!values.quiet && Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          console.error(`${p.rows} rows, ${rate} rows/s, ${((100 * p.bytes) / p.totalBytes).toFixed(1)}% (${summary})`);
        }
      },
    });
    if (tty) bar.stop();
    const rate = Math.round(result.rows / result.seconds);
    console.log(
      `${result.rows} rows in ${result.seconds.toFixed(1)} s (${rate} rows/s): ${Object.entries(result.summary)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
    if (result.rejectsFile) console.log(`rejected rows, with their errors, written to ${result.rejectsFile}`);
    if (config.metricsPushgatewayUrl && !values.remove) {
      // The import is done and stored: a Pushgateway that is down costs the operator a figure, not the import.
      await pushImportCounts(config.metricsPushgatewayUrl, department.code).catch((err: unknown) =>
        log.warn({ err }, 'could not push the import counts to METRICS_PUSHGATEWAY_URL'),
      );
    }
    console.log(JSON.stringify({ rows: result.rows, seconds: result.seconds, ...result.summary }));
    return 0;
  } finally {
    await runtime.close();
  }
}

/**
 * A workbook is loaded whole (src/batch/import-file.ts says why), about 40 bytes of heap per byte of .xlsx (measured:
 * 59 MB for a 1.5 MB, 13,011-row sheet), and npm run import gives the CLI a 256 MB heap so that a CSV of any size
 * stays near 300 MB RSS. A workbook that cannot fit is refused before anything is read, saying what to do, instead
 * of ending in V8's out-of-memory abort halfway through.
 */
function workbookFitsHeap(file: string): void {
  if (!/\.xlsx$/i.test(file)) return;
  const fileMb = statSync(file).size / 2 ** 20;
  const needMb = Math.ceil(160 + 45 * fileMb);
  const haveMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
  if (needMb > haveMb)
    throw new ConfigError(
      `${file} is a ${fileMb.toFixed(1)} MB workbook: read whole, it needs about ${needMb} MB of heap, more than this ` +
        `run's ${haveMb} MB. Save it as CSV (streamed, any size), or run ` +
        `npm run build && node --max-old-space-size=${needMb} dist/cli/import.js with the same arguments.`,
    );
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(
      e instanceof ConfigError ||
        ['ValidationError', 'UnsupportedMediaError'].includes((e as { name?: string }).name ?? '')
        ? (e as Error).message
        : e,
    );
    process.exit(1);
  },
);
