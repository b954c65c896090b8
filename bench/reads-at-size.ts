import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import pg from 'pg';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { compactOrderCounts } from '../src/reports/order-counts';
import { ReportStore } from '../src/reports/report-store';
import { addDays, chinaDate } from '../src/time/dates';
import { generate } from '../scripts/generate';
import { gaugeRefreshMs as gaugeRefreshOf } from './gauge-refresh';
import { rssOf, runImport } from './ingestion';
import { median } from './median';
import { BENCH_ADMIN_TOKEN, BENCH_KEYS, startService, stop, token } from './service-process';

/**
 * npm run bench -- --only reads --entries 1000000 [--out reads.md --plans plans.md]
 *
 * The read figures of issue 23 on data loaded THROUGH THE PRODUCT'S INGESTION (scripts/generate.ts files imported by
 * the import CLI as a child process), at N/10 and at N entries, each on a private database dropped at the end:
 *  - every report, dashboard and first-page call over HTTP against the service started as a child process on that
 *    database (median of 5 after one warm-up), the full overdue export both ways: as the dashboard made it before
 *    (every page of /v1/reports/overdue, 500 rows a request) and as it makes it now (one streamed CSV from
 *    /v1/reports/overdue/export, every row), the subject index's start-up reload (its debug log line) and the
 *    service's RSS, one in-process refresh of the database gauges;
 *  - ingestion entries/s of each import and bytes per entry in the database;
 *  - EXPLAIN (ANALYZE, BUFFERS) of the statements behind the feedback report, the 52-week trend and a department's
 *    first overdue page at N, captured from the service's own store (ReportStore) as it sends them.
 * The import leaves every order issued and due in the future. So the reports have something to count, THE BENCH then
 * makes a share overdue, escalates some of those, and feeds back another share, with UPDATE/INSERT statements on
 * orders and escalations: the migrations' statement triggers keep order_counts and orders.escalation_level right.
 */
export interface ReadsAtSizeOptions {
  entries: number;
  /** Databases are created on this server; the default as the tests': TEST_DATABASE_URL, BENCH_DATABASE_URL, local. */
  adminUrl?: string;
  plansFile: string;
  log: (message: string) => void;
}

/** The supervising department of rules/departments.json (信用办: ndrc). */
const SUPERVISOR = 'ndrc';
const RUNS = 5;
const EXPORT_GOAL_ROWS = 500_000;

interface Timing {
  ms: number;
  /** Answers other than 200 among the timed calls (a 503 at size is a finding, not a crash of the bench). */
  failed: number;
  /** Body size of the last call: a page's time is often its size (an entry page carries every order's measures). */
  bytes: number;
}

interface SizeResult {
  entries: number;
  orders: number;
  ingestRate: number;
  importSeconds: number;
  bytesPerEntry: number;
  doctored: { overdue: number; escalated: number; fedBack: number };
  http: Record<string, Timing>;
  exported: Exported;
  streamed: Streamed;
  indexReloadMs: number;
  indexSubjects: number;
  /** Once the start-up reload is logged, and once every HTTP figure and the export are done. */
  rssAfterReloadMb: number;
  rssAfterCallsMb: number;
  gaugeRefreshMs: number;
  /** generated rows the service refused, per authority, with where their reasons are kept */
  rejected: string[];
}

/** Everything started is registered here and undone in `cleanup`, on success, failure or a signal. */
class Resources {
  readonly children: ChildProcess[] = [];
  readonly databases: string[] = [];
  work: string | undefined;
  private cleaning: Promise<void> | undefined;
  constructor(private readonly adminUrl: string) {}

  /** Once: a signal's cleanup and the failing run's `finally` share it, so the process exits after it, not during. */
  cleanup(): Promise<void> {
    this.cleaning ??= this.undo();
    return this.cleaning;
  }

  private async undo(): Promise<void> {
    for (const c of this.children) await stop(c);
    if (this.work) rmSync(this.work, { recursive: true, force: true });
    if (this.databases.length === 0) return;
    const admin = createDb(this.adminUrl, { max: 1 });
    try {
      for (const name of this.databases.splice(0)) await admin.raw(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.destroy();
    }
  }
}

export async function readsAtSize(o: ReadsAtSizeOptions): Promise<string> {
  const adminUrl =
    o.adminUrl ??
    process.env.TEST_DATABASE_URL ??
    process.env.BENCH_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const res = new Resources(adminUrl);
  const onSignal = (signal: NodeJS.Signals) => {
    o.log(`${signal}: stopping the children and dropping the databases`);
    void res.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    res.work = mkdtempSync(path.join(os.tmpdir(), 'jp-reads-'));
    const sizes = [Math.max(100, Math.round(o.entries / 10)), o.entries];
    const results: SizeResult[] = [];
    let plans = '';
    for (const [i, entries] of sizes.entries()) {
      const big = i === sizes.length - 1;
      const r = await oneSize(entries, adminUrl, res, o.log, o.plansFile, big ? (p) => (plans = p) : undefined);
      results.push(r);
    }
    writeFileSync(o.plansFile, plans);
    o.log(`plans written to ${o.plansFile}`);
    return table(results as [SizeResult, SizeResult], adminUrl);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await res.cleanup();
  }
}

async function oneSize(
  entries: number,
  adminUrl: string,
  res: Resources,
  log: (m: string) => void,
  /** refused rows' reasons are kept as `${keepRejectsAs}.<entries>.<authority>.rejected.csv` */
  keepRejectsAs: string,
  withPlans?: (markdown: string) => void,
): Promise<SizeResult> {
  const name = `jp_bench_reads_${randomBytes(4).toString('hex')}`;
  const admin = createDb(adminUrl, { max: 1 });
  try {
    await admin.raw(`create database "${name}"`);
    res.databases.push(name);
  } finally {
    await admin.destroy();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDb(url, { max: 2 });
  try {
    await migrateToLatest(db);
    log(`${entries} entries: generating (scripts/generate.ts)`);
    const files = await generate({
      // the service refuses a listing whose term is already over on arrival: generate against the real today
      today: chinaDate(new Date()),
      entries,
      out: path.join(res.work as string, `${name}.csv`),
      authority: 'all',
      format: 'csv',
      removals: 0,
      seed: entries,
    });
    let rows = 0;
    let importSeconds = 0;
    const rejected: string[] = [];
    for (const [authority, file] of Object.entries(files.entries)) {
      log(`${entries} entries: importing ${files.counts[authority] ?? '?'} of ${authority} through the import CLI`);
      // at most one refused row in 10,000 is reported and kept, not fatal (a generated row the service refuses is
      // a finding about the generator or the service, and its reason is in the rejects file kept beside the plans)
      const r = await runImport(
        url,
        authority,
        file,
        BENCH_KEYS,
        (child) => res.children.push(child),
        Math.ceil(entries / 10_000),
      );
      rows += r.rows;
      importSeconds += r.seconds;
      if (r.rejected) {
        const kept = `${keepRejectsAs}.${entries}.${authority}.rejected.csv`;
        // where the CLI writes them (src/batch/import-file.ts): FILE without its extension, then .rejected.csv
        copyFileSync(`${file.replace(/\.csv$/, '')}.rejected.csv`, kept);
        rejected.push(`${r.rejected} of ${authority} (kept in ${kept})`);
        log(`${entries} entries: ${r.rejected} rows of ${authority} refused; their reasons are in ${kept}`);
      }
      rmSync(file, { force: true }); // the next size's files and database need the disk
    }
    log(
      `${entries} entries: imported ${rows} at ${(rows / importSeconds).toFixed(0)}/s; the bench now makes orders overdue and fed back`,
    );
    // the bench's own bulk statements (10M orders at 1M entries) on a handle without the service's query limits:
    // the server-side limit is lifted per transaction, but node-postgres's own read timeout (17 s) is the pool's
    const bulk = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
    const doctored = await doctor(bulk, (m) => log(`${entries} entries: ${m}`)).finally(() => bulk.destroy());
    const orders = Number((await db('orders').count({ n: '*' }))[0]?.n);
    const bytes = await databaseBytes(db);
    const department = await busiestOverdueDepartment(db);

    log(`${entries} entries: subject index reload at service start-up`);
    const reload = await indexReload(url, res);
    log(`${entries} entries: HTTP figures (department ${department})`);
    const svc = await startService(url, res.children, { JOBS_ENABLED: 'false' });
    let http: Record<string, Timing>;
    let exported: Exported;
    let streamed: Streamed;
    let serviceRssMb: number;
    try {
      http = await httpFigures(svc.port, department, db);
      log(`${entries} entries: the full overdue export, 500 rows a request`);
      exported = await exportOverdue(svc.port);
      log(`${entries} entries: the full overdue export, streamed as one CSV`);
      streamed = await streamOverdueExport(svc.port);
      serviceRssMb = rssOf(svc.child.pid as number);
    } finally {
      await stop(svc.child);
    }
    const gaugeRefreshMs = await gaugeRefreshOf(db);
    if (withPlans) {
      log(`${entries} entries: EXPLAIN (ANALYZE, BUFFERS) of the reports' statements`);
      withPlans(await explainReports(db, url, entries, orders, department));
    }
    return {
      entries: rows,
      orders,
      ingestRate: rows / importSeconds,
      importSeconds,
      bytesPerEntry: bytes / rows,
      rejected,
      doctored,
      http,
      exported,
      streamed,
      indexReloadMs: reload.ms,
      indexSubjects: reload.subjects,
      rssAfterReloadMb: reload.rssMb,
      rssAfterCallsMb: serviceRssMb,
      gaugeRefreshMs,
    };
  } finally {
    await db.destroy();
    const a = createDb(adminUrl, { max: 1 });
    try {
      await a.raw(`drop database if exists "${name}" with (force)`);
      const at = res.databases.indexOf(name);
      if (at >= 0) res.databases.splice(at, 1);
    } finally {
      await a.destroy();
    }
  }
}

/**
 * What the bench does to the imported data (said in the output): of the issued orders, 30% due 1–60 days ago
 * (overdue), a third of those escalated at level 1, and another 30% fed back as implemented 1–30 days ago. Plain
 * UPDATE/INSERT statements, so the statement triggers of migrations/*order_counts* (on orders: department, list,
 * status, due_at, escalation_level, issued_at, feedback.at; on escalations: escalation_level) keep the counts.
 *
 * In slices of DOCTOR_SLICE orders by id, each its own transaction: at 1M entries one statement over all 9.9M orders
 * ran 15 minutes for the first step alone (its transition tables and the triggers' aggregates hold millions of rows);
 * slices keep each statement's work small and let the log show progress. The same rows change either way: the
 * bucket is a function of the order id.
 */
const DOCTOR_SLICE = 200_000;

async function doctor(
  db: Db,
  log: (m: string) => void,
): Promise<{ overdue: number; escalated: number; fedBack: number }> {
  // A stable pseudo-random bucket per order, 0..99.
  const bucket = `(('x' || substr(md5(id::text), 1, 8))::bit(32)::int & 2147483647) % 100`;
  const total = { overdue: 0, escalated: 0, fedBack: 0 };
  const t0 = performance.now();
  let from = '00000000-0000-0000-0000-000000000000';
  for (let slice = 1; ; slice++) {
    const { rows } = await db.raw<{ rows: { upto: string | null }[] }>(
      'select id::text as upto from (select id from orders where id > ? order by id limit ?) s order by id desc limit 1',
      [from, DOCTOR_SLICE],
    );
    const upto = rows[0]?.upto;
    if (!upto) break;
    const inSlice = `id > '${from}' and id <= '${upto}'`;
    await db.transaction(async (trx) => {
      await trx.raw('set local statement_timeout = 0');
      const overdue = await trx.raw(
        // Whole seconds, as the service writes instants (ms): the page cursor carries ms, so µs would repeat rows.
        `update orders set due_at = date_trunc('second', now()) - (1 + ${bucket} % 60) * interval '1 day'
          where ${inSlice} and status = 'issued' and ${bucket} < 30`,
      );
      const escalated = await trx.raw(
        `insert into escalations (order_id, level, department, supervisors, due_at, escalated_at)
         select id, 1, department, '{${SUPERVISOR}}', due_at, due_at + interval '1 hour' from orders
          where ${inSlice} and status = 'issued' and due_at < now() and ${bucket} < 10`,
      );
      const fedBack = await trx.raw(
        `update orders set status = 'implemented', updated_at = now(),
                feedback = jsonb_build_object('outcome', 'implemented', 'reason', null, 'note', null, 'caseRef', null,
                  'at', to_char((now() - (1 + ${bucket} % 30) * interval '1 day') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                  'by', department)
          where ${inSlice} and status = 'issued' and due_at >= now() and ${bucket} >= 30 and ${bucket} < 60`,
      );
      total.overdue += overdue.rowCount;
      total.escalated += escalated.rowCount;
      total.fedBack += fedBack.rowCount;
    });
    if (slice % 10 === 0)
      log(`doctored ${slice * DOCTOR_SLICE} orders in ${Math.round((performance.now() - t0) / 1000)} s`);
    from = upto;
  }
  // As the service's compact job would within a minute, and as autovacuum would: the figures are of a settled
  // database, not of one whose statistics still describe the import.
  await compactOrderCounts(db);
  log(`doctored all orders in ${Math.round((performance.now() - t0) / 1000)} s; vacuum analyze`);
  await db.raw('vacuum analyze');
  return total;
}

/** Every table of the schema with its indexes and TOAST (partitions counted once, as themselves). */
async function databaseBytes(db: Db): Promise<number> {
  const { rows } = await db.raw<{ rows: { bytes: string }[] }>(
    `select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname = current_schema()`,
  );
  return Number(rows[0]?.bytes);
}

async function busiestOverdueDepartment(db: Db): Promise<string> {
  const { rows } = await db.raw<{ rows: { department: string }[] }>(
    `select department from orders where status = 'issued' and due_at < now()
      group by department order by count(*) desc limit 1`,
  );
  return rows[0]?.department ?? 'mof';
}

async function timed(call: () => Promise<Response>): Promise<Timing> {
  const once = async () => {
    const t0 = performance.now();
    const r = await call();
    const bytes = (await r.arrayBuffer()).byteLength;
    return { ms: performance.now() - t0, ok: r.status === 200, bytes };
  };
  await once();
  const runs: { ms: number; ok: boolean; bytes: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once());
  return {
    ms: median(runs.map((r) => r.ms)),
    failed: runs.filter((r) => !r.ok).length,
    bytes: runs[runs.length - 1]?.bytes ?? 0,
  };
}

async function httpFigures(port: number, department: string, db: Db): Promise<Record<string, Timing>> {
  const supervisor = await token(port, SUPERVISOR);
  const dept = await token(port, department);
  const get = (p: string, tok: string) => () =>
    fetch(`http://127.0.0.1:${port}${p}`, { headers: { Authorization: `Bearer ${tok}` } });
  const entry = (await db('list_entries').orderBy('id').select('id').first()) as { id: string } | undefined;
  const f: Record<string, Timing> = {};
  f.feedback = await timed(get('/v1/reports/feedback', supervisor));
  f.trend12 = await timed(get('/v1/reports/trend', supervisor));
  f.trend52 = await timed(get('/v1/reports/trend?weeks=52', supervisor));
  // overview.js: both reports at once (the departments list is cached by the page after its first load)
  f.overview = await timed(async () => {
    const [a, b] = await Promise.all([
      get('/v1/reports/feedback', supervisor)(),
      get('/v1/reports/trend?weeks=12', supervisor)(),
    ]);
    // timed() reads the body it is given: the other one here, and a refusal of either counts
    if (a.status !== 200) {
      await b.arrayBuffer();
      return a;
    }
    await a.arrayBuffer();
    return b;
  });
  f.overdueSupervisor = await timed(get('/v1/reports/overdue', supervisor));
  f.overdueDepartment = await timed(get('/v1/reports/overdue', dept));
  f.orders = await timed(get('/v1/orders', dept));
  f.entries = await timed(get('/v1/list-entries', BENCH_ADMIN_TOKEN));
  f.decisions = await timed(get('/v1/checks/decisions', dept));
  if (entry) f.history = await timed(get(`/v1/list-entries/${entry.id}/history`, BENCH_ADMIN_TOKEN));
  return f;
}

interface Exported {
  seconds: number;
  rows: number;
  /** Overdue orders in all (the first page's total); the export stops at the goal's 500k rows. */
  total: number;
  /** Rows served twice (a cursor that does not follow its sort key exactly). */
  repeated: number;
  failed?: number;
}

/** dashboard/js/api.js allPages: every page of the overdue list, 500 a request, as a supervisor. */
async function exportOverdue(port: number): Promise<Exported> {
  const t0 = performance.now();
  let rows = 0;
  let total = 0;
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const q: string = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await fetch(`http://127.0.0.1:${port}/v1/reports/overdue?${q}`, {
      headers: { Authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
    });
    // A refusal at size is a finding to print, not a reason to lose the loaded database's other figures.
    if (r.status !== 200)
      return { seconds: (performance.now() - t0) / 1000, rows, total, repeated: rows - seen.size, failed: r.status };
    const page = (await r.json()) as { items: { id: string }[]; total: number; nextCursor: string | null };
    if (rows === 0) total = page.total;
    rows += page.items.length;
    for (const item of page.items) seen.add(item.id);
    cursor = page.nextCursor;
  } while (cursor && rows < EXPORT_GOAL_ROWS);
  return { seconds: (performance.now() - t0) / 1000, rows, total, repeated: rows - seen.size };
}

interface Streamed {
  seconds: number;
  /** Lines after the header: every overdue order (the stream has no total and is read to its end). */
  rows: number;
  bytes: number;
  /** Order ids served twice (the export pages on the exact key: none expected). */
  repeated: number;
  /** The status when not 200, or 'cut off' when the transfer broke off or did not end with a whole line. */
  failed?: number | string;
}

/**
 * GET /v1/reports/overdue/export as the administrator, read to its end as it arrives: lines counted and each order id
 * (the last column) checked for repeats, so the time includes reading what was sent, as a browser saving it would.
 */
async function streamOverdueExport(port: number): Promise<Streamed> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const r = await fetch(`http://127.0.0.1:${port}/v1/reports/overdue/export`, {
    headers: { Authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
  });
  if (r.status !== 200 || !r.body) {
    await r.arrayBuffer();
    return { seconds: seconds(), rows: 0, bytes: 0, repeated: 0, failed: r.status };
  }
  const seen = new Set<string>();
  let lines = 0;
  let bytes = 0;
  let rest = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of r.body) {
      bytes += chunk.byteLength;
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\r\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (lines++ > 0) seen.add(line.slice(line.lastIndexOf(',') + 1));
      }
    }
  } catch {
    return { seconds: seconds(), rows: Math.max(0, lines - 1), bytes, repeated: 0, failed: 'cut off' };
  }
  const rows = Math.max(0, lines - 1);
  return { seconds: seconds(), rows, bytes, repeated: rows - seen.size, ...(rest ? { failed: 'cut off' } : {}) };
}

/**
 * The reload the service makes at start-up, from its own debug line ("subject index reloaded", with ms and subjects);
 * RSS of the service once it is ready. A service of its own, with debug logs, so the timed calls run without them.
 */
async function indexReload(url: string, res: Resources): Promise<{ ms: number; subjects: number; rssMb: number }> {
  let line: { ms: number; subjects: number } | undefined;
  let pending = '';
  const svc = await startService(url, res.children, { JOBS_ENABLED: 'false', LOG_LEVEL: 'debug' }, (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.includes('subject index reloaded')) continue;
      const j = JSON.parse(l) as { ms: number; subjects: number };
      line ??= { ms: j.ms, subjects: j.subjects };
    }
  });
  try {
    // At 1M before issue 23's fix a reload took 25 s (and was cancelled at 15 s): wait long enough to see it fail.
    for (let i = 0; i < 3000 && !line; i++) await new Promise((r) => setTimeout(r, 100));
    if (!line) throw new Error('the service logged no subject index reload within 5 min of being ready');
    return { ...line, rssMb: rssOf(svc.child.pid as number) };
  } finally {
    await stop(svc.child);
  }
}

/**
 * The statements ReportStore sends for the feedback report, the 52-week trend and a department's first overdue page
 * (caught from knex's query events, placeholders and bindings as sent), each explained on a connection of its own.
 */
async function explainReports(
  db: Db,
  url: string,
  entries: number,
  orders: number,
  department: string,
): Promise<string> {
  const now = new Date();
  const reports = new ReportStore({ read: (query) => query(db) });
  const today = chinaDate(now);
  const day = new Date(`${today}T00:00:00Z`).getUTCDay();
  const from = addDays(addDays(today, -((day + 6) % 7)), -7 * 51);
  const capture = async (what: string, call: () => Promise<unknown>) => {
    const sent: { sql: string; bindings: unknown[] }[] = [];
    const listener = (q: { sql: string; bindings?: unknown[] }) => {
      if (/^\s*(select|with)\b/i.test(q.sql)) sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
    };
    db.on('query', listener);
    try {
      await call();
    } finally {
      db.off('query', listener);
    }
    return { what, sent };
  };
  const groups = [
    await capture('GET /v1/reports/feedback', () => reports.feedback(now, today)),
    await capture('GET /v1/reports/trend?weeks=52', () => reports.weekly(from, 52)),
    await capture(`GET /v1/reports/overdue as ${department} (first page)`, () =>
      reports.overdue({ now, department }, 50),
    ),
  ];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let md = `# EXPLAIN (ANALYZE, BUFFERS) at ${entries.toLocaleString('en')} entries (${orders.toLocaleString('en')} orders)\n\n`;
  md += `Loaded through the import CLI; orders made overdue and fed back by the bench (bench/reads-at-size.ts). ${new Date().toISOString()}\n`;
  try {
    for (const g of groups) {
      md += `\n## ${g.what}\n`;
      for (const s of g.sent) {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `explain (analyze, buffers) ${s.sql}`,
          s.bindings as unknown[],
        );
        md += `\n\`\`\`sql\n${s.sql}\n\`\`\`\nbindings: \`${JSON.stringify(s.bindings)}\`\n\n\`\`\`\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\`\n`;
      }
    }
  } finally {
    await client.end();
  }
  return md;
}

function table([small, big]: [SizeResult, SizeResult], adminUrl: string): string {
  const ms = (t: Timing | undefined) =>
    t
      ? `${t.ms.toFixed(1)} ms, ${(t.bytes / 1024).toFixed(0)} KB${t.failed ? ` (${t.failed}/${RUNS} not 200)` : ''}`
      : '–';
  const growth = (a: number, b: number) => (a > 0 ? `${(b / a).toFixed(2)}×` : '–');
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    `| figure | at ${f(small.entries)} entries | at ${f(big.entries)} entries | growth | goal |`,
    '|---|---|---|---|---|',
  ];
  const row = (name: string, a: string, b: string, g: string, goal: string) =>
    lines.push(`| ${name} | ${a} | ${b} | ${g} | ${goal} |`);
  const httpRow = (name: string, key: string, goal: string) => {
    const a = small.http[key];
    const b = big.http[key];
    row(name, ms(a), ms(b), a && b ? growth(a.ms, b.ms) : '–', `${goal}; growth ≤ 1.5×`);
  };
  httpRow('GET /v1/reports/feedback (supervisor)', 'feedback', '< 200 ms');
  httpRow('GET /v1/reports/trend (12 weeks, the default)', 'trend12', '< 200 ms');
  httpRow('GET /v1/reports/trend?weeks=52', 'trend52', '< 300 ms');
  httpRow('dashboard overview (feedback + 12-week trend at once)', 'overview', '< 200 ms');
  httpRow('GET /v1/reports/overdue, first page, supervisor', 'overdueSupervisor', '< 100 ms');
  httpRow('GET /v1/reports/overdue, first page, one department', 'overdueDepartment', '< 100 ms');
  httpRow('GET /v1/orders, first page, one department', 'orders', '< 100 ms');
  httpRow('GET /v1/list-entries, first page (administrator)', 'entries', '< 100 ms');
  httpRow('GET /v1/checks/decisions, first page, one department', 'decisions', '< 100 ms');
  httpRow("GET /v1/list-entries/{id}/history, one entry's", 'history', '< 100 ms');
  const per500k = (e: Exported) => (e.rows > 0 ? (e.seconds * EXPORT_GOAL_ROWS) / e.rows : Number.NaN);
  const exportCell = (e: Exported) =>
    `${e.seconds.toFixed(2)} s for ${f(e.rows)} of ${f(e.total)} rows (${per500k(e).toFixed(1)} s per 500k)` +
    (e.repeated ? `, ${f(e.repeated)} of them repeated` : '') +
    (e.failed ? `, then answered ${e.failed}` : '');
  row(
    'overdue export (every page of /v1/reports/overdue, 500 a request, up to 500k rows)',
    exportCell(small.exported),
    exportCell(big.exported),
    `${growth(per500k(small.exported), per500k(big.exported))} per row`,
    '500k rows < 60 s; time per row flat',
  );
  const streamPer500k = (e: Streamed) => (e.rows > 0 ? (e.seconds * EXPORT_GOAL_ROWS) / e.rows : Number.NaN);
  const streamCell = (e: Streamed) =>
    `${e.seconds.toFixed(2)} s for all ${f(e.rows)} rows, ${f(e.rows / e.seconds)} rows/s ` +
    `(${streamPer500k(e).toFixed(1)} s per 500k, ${(e.bytes / 1048576).toFixed(0)} MB)` +
    (e.repeated ? `, ${f(e.repeated)} of them repeated` : '') +
    (e.failed ? `, ${typeof e.failed === 'number' ? `answered ${e.failed}` : e.failed}` : '');
  row(
    'overdue export streamed (GET /v1/reports/overdue/export, one CSV, every row)',
    streamCell(small.streamed),
    streamCell(big.streamed),
    `${growth(streamPer500k(small.streamed), streamPer500k(big.streamed))} per row`,
    '500k rows < 60 s; time per row flat',
  );
  row(
    'subject index reload at start-up (service debug log)',
    `${f(small.indexReloadMs)} ms, ${f(small.indexSubjects)} subjects`,
    `${f(big.indexReloadMs)} ms, ${f(big.indexSubjects)} subjects`,
    growth(small.indexReloadMs, big.indexReloadMs),
    'holds at any size; RSS ≤ 512 MB at 10M subjects',
  );
  row(
    'service RSS once the start-up reload is logged',
    `${f(small.rssAfterReloadMb)} MB`,
    `${f(big.rssAfterReloadMb)} MB`,
    growth(small.rssAfterReloadMb, big.rssAfterReloadMb),
    '≤ 512 MB with 10M subjects',
  );
  row(
    'service RSS after the HTTP figures and the export',
    `${f(small.rssAfterCallsMb)} MB`,
    `${f(big.rssAfterCallsMb)} MB`,
    growth(small.rssAfterCallsMb, big.rssAfterCallsMb),
    '',
  );
  row(
    'gauge refresh (DbGauges, in process, median of 3)',
    `${small.gaugeRefreshMs.toFixed(1)} ms`,
    `${big.gaugeRefreshMs.toFixed(1)} ms`,
    growth(small.gaugeRefreshMs, big.gaugeRefreshMs),
    '< 100 ms; growth ≤ 1.5×',
  );
  row(
    'ingestion through the import CLI, entries/s',
    `${f(small.ingestRate)} (${small.importSeconds.toFixed(1)} s, empty database)`,
    `${f(big.ingestRate)} (${big.importSeconds.toFixed(1)} s, empty database)`,
    growth(small.ingestRate, big.ingestRate),
    '≥ 1,700/s',
  );
  row(
    'bytes per entry (pg_total_relation_size of every table / entries)',
    f(small.bytesPerEntry),
    f(big.bytesPerEntry),
    growth(small.bytesPerEntry, big.bytesPerEntry),
    '≤ 8 KB including audit',
  );
  row('orders', f(small.orders), f(big.orders), growth(small.orders, big.orders), '');
  const d = (r: SizeResult) =>
    `${f(r.doctored.overdue)} overdue (${f(r.doctored.escalated)} escalated), ${f(r.doctored.fedBack)} fed back`;
  row('made by the bench after the import (SQL UPDATE/INSERT, triggers fire)', d(small), d(big), '', '');
  const notes = [
    ...[small, big].flatMap((r) =>
      r.rejected.length
        ? [`At ${r.entries} entries the service refused generated rows: ${r.rejected.join('; ')}.`]
        : [],
    ),
    'Loaded through the product: files of scripts/generate.ts imported by `npm run import` (child process), each size on an empty private database.',
    "THE BENCH then makes 30% of the issued orders overdue (due 1–60 days ago), escalates a third of those (level 1), and feeds back another 30% as implemented; plain UPDATE/INSERT statements on orders and escalations in slices of 200,000 orders by id, each its own transaction, so the migrations' statement triggers keep order_counts; then the counts are compacted (as the service's job does) and the database VACUUM ANALYZEd.",
    `HTTP figures: median of ${RUNS} calls after one warm-up, fetch from the bench process over loopback, service as a child process with JOBS_ENABLED=false (no escalation job writing meanwhile). Decisions exist only if checks recorded them: none here.`,
    "Export, paged: every page of /v1/reports/overdue (500 a request), as the dashboard exported before, up to the goal's 500k rows. Rows served twice, if any, are counted (a cursor that does not follow its sort key exactly).",
    'Export, streamed: GET /v1/reports/overdue/export as the administrator, the one CSV the dashboard now saves, read to its end as it arrives (every row, not capped at 500k; the service reads OVERDUE_EXPORT_PAGE_ROWS rows a query, 5,000 by default); rows served twice are counted from the order id column.',
    `date: ${new Date().toISOString()}; PostgreSQL: ${new URL(adminUrl).host}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; shared with other work ("loaded").`,
  ];
  return `${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
}
