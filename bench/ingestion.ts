import { chinaDate } from '../src/time/dates';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDb, migrateToLatest } from '../src/db/knex';
import { projectRoot } from '../src/paths';
import { generate, type GeneratedFiles } from '../scripts/generate';

/**
 * `npm run bench -- --only ingestion [--entries 50000] [--preload 100000]`: ingestion through the import CLI
 * (a child process, as an operator runs it) against two references measured in the same run on the same rows:
 *  (a) COPY of exactly the rows the CLI wrote (new measure sets, entries, orders, audit, outbox: dumped from the
 *      service's database after the import; restrictions and bans are no rows since ADR 0012) into plain tables
 *      without indexes, constraints or triggers;
 *  (b) COPY of the same rows into the service's own tables (indexes, constraints, statement-level triggers) in a
 *      second migrated database holding the same preloaded rows, measure sets included: the orders' trigger that
 *      keeps the subjects in force reads an order's measures from its set, and without the sets (as up to 2026-12-06)
 *      it found none, so (b) skipped the subject upkeep every import pays (~10% of (b) on one file).
 * The references time the COPY statements only (one per table, one transaction); the CLI figure is the import's
 * own wall time (file read, checks, rules and writes). Importer peak RSS is sampled from /proc. Then a fifth of the
 * measured entries are removed through the CLI (`--remove`), with no reference: the rate of a removal file.
 */
export async function benchIngestion(
  adminUrl: string,
  work: string,
  o: { entries: number; preload: number; env: Record<string, string> },
  log: (m: string) => void,
  /** Told the databases' names before they are created, so that the caller drops them even after a failure. */
  created: (names: string[]) => void,
): Promise<{ lines: string[]; notes: string[] }> {
  const suffix = Math.random().toString(16).slice(2, 10);
  const svcName = `jp_ingest_${suffix}`;
  const refName = `${svcName}_ref`;
  created([svcName, refName]);
  const withDb = (name: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = createDb(adminUrl, { max: 1 });
  await admin.raw(`create database "${svcName}"`);
  await admin.raw(`create database "${refName}"`);
  await admin.destroy();
  const svcUrl = withDb(svcName);
  const refUrl = withDb(refName);
  for (const u of [svcUrl, refUrl]) {
    const db = createDb(u, { max: 1 });
    await migrateToLatest(db);
    await db.destroy();
  }
  const today = chinaDate(new Date());
  const gen = (entries: number, seed: number, start: number, name: string) =>
    generate({
      today,
      entries,
      out: path.join(work, name),
      authority: 'all',
      format: 'csv',
      removals: 0,
      seed,
      start,
    });
  const load = [os.loadavg()[0] as number];
  let preloadRate = 0;
  if (o.preload > 0) {
    log(`generating and importing ${o.preload} entries first (not timed against the references)`);
    const pre = await gen(o.preload, 3, 1_000_000, 'preload.csv');
    const r = await importAll(svcUrl, pre, o.env);
    preloadRate = r.rows / r.seconds;
    // the second database holds the same rows, so reference (b) writes into tables and indexes of the same size
    log('copying the preloaded rows into the reference database');
    await copyTables(svcUrl, refUrl, work);
    // The statistics autovacuum keeps on a server where it runs (the default). Some servers run without it (this
    // workplace's local PostgreSQL): there the 1M preload left list_entries never analysed, the planner took the
    // empty table's defaults, and the write path's "already active" lookup read every active entry of the list
    // (6.5 s a chunk instead of ~30 ms; docs/benchmarks.md). Both databases alike, so the references compare.
    log('ANALYZE of both databases, as autovacuum would have done');
    for (const u of [svcUrl, refUrl]) await sql(u, 'analyze');
  }
  log(`generating ${o.entries} entries`);
  const files = await gen(o.entries, 4, 0, 'measured.csv');
  const mark = await now(svcUrl);
  const setsBefore = Number(await sql(svcUrl, 'select coalesce(max(id), 0) as value from measure_sets'));
  load.push(os.loadavg()[0] as number);
  // Each timed phase starts right after a checkpoint, so that none pays for the checkpoint the last one's WAL brought
  // on (at max_wal_size 1 GB, one every ~15 s of loading here). It did not make (b) steady: 5.6 and 7.5 s for the
  // same command twice (docs/benchmarks.md); compare shares of runs in the same hour, several of them.
  const checkpointed = await checkpoint(adminUrl);
  log(`importing ${o.entries} entries through the CLI`);
  const cli = await importAll(svcUrl, files, o.env);
  load.push(os.loadavg()[0] as number);

  log('dumping the rows the CLI wrote');
  const since = `'${mark}'::timestamptz`;
  const dumped = await dump(svcUrl, work, {
    sets: `id > ${setsBefore}`,
    entries: `created_at >= ${since}`,
    orders: `issued_at >= ${since}`,
    events: `occurred_at >= ${since}`,
  });

  log('reference (a): COPY into plain tables without indexes or triggers');
  const plain = new pg.Client({ connectionString: refUrl });
  await plain.connect();
  await plain.query('create schema plain');
  for (const t of TABLES) await plain.query(`create table plain.${t} (like public.${t})`);
  await plain.end();
  await checkpoint(adminUrl);
  const a = await copyInto(refUrl, 'plain', dumped);
  load.push(os.loadavg()[0] as number);
  log('reference (b): COPY into the service tables (indexes, constraints, triggers)');
  await checkpoint(adminUrl);
  const b = await copyInto(refUrl, 'public', dumped);
  load.push(os.loadavg()[0] as number);

  log('removing a fifth of the measured entries through the CLI (--remove)');
  await checkpoint(adminUrl);
  const removed = await removeAFifth(svcUrl, work, mark, o.env);

  const autovacuum = await sql(svcUrl, 'show autovacuum');
  const rate = cli.rows / cli.seconds;
  const rateA = cli.rows / a.seconds;
  const rateB = cli.rows / b.seconds;
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)}%`;
  const rows = Object.entries(dumped.rows)
    .map(([t, n]) => `${t} ${f(n)}`)
    .join(', ');
  const loaded = load.map((l) => l.toFixed(1)).join(' → ');
  return {
    lines: [
      `| ingestion, entries/s (CLI, ${f(cli.rows)} entries${o.preload ? ` onto ${f(o.preload)}` : ''}) | ${f(rate)} | | | ≥ 1,700 |`,
      `| ingestion vs (a) COPY into plain tables, entries/s | ${f(rate)} | ${f(rateA)} (${a.seconds.toFixed(1)} s) | ${pct(rate, rateA)} | ≥ 12% |`,
      `| ingestion vs (b) COPY into the service's tables, entries/s | ${f(rate)} | ${f(rateB)} (${b.seconds.toFixed(1)} s) | ${pct(rate, rateB)} | ≥ 80% |`,
      `| importer peak RSS, MB | ${f(cli.peakRss)} | | | ≤ 300 |`,
      `| removal, entries/s (CLI --remove, ${f(removed.rows)} of them) | ${f(removed.rows / removed.seconds)} | | | |`,
    ],
    notes: [
      `ingestion: ${cli.seconds.toFixed(1)} s for ${f(cli.rows)} entries${o.preload ? `; preloaded ${f(o.preload)} at ${f(preloadRate)}/s` : ''}; rows written: ${rows}; ${(dumped.bytes / 2 ** 20).toFixed(0)} MB as COPY text`,
      `autovacuum on the server: ${autovacuum}${o.preload ? '; the preloaded databases were analysed before the measured import' : ''}; ${checkpointed ? 'a CHECKPOINT before each timed phase' : 'no CHECKPOINT before the timed phases (the role may not: superuser or pg_checkpoint)'}`,
      `loaded: machine shared with other work; 1-minute load average at start → before the CLI → after it → after (a) → after (b): ${loaded} (${os.cpus().length} cores)`,
    ],
  };
}

/** Every table an import writes, parents first (foreign keys; an order's measure set before the order's trigger). */
const TABLES = ['measure_sets', 'list_entries', 'orders', 'audit_log', 'webhook_outbox'] as const;

async function importAll(url: string, files: GeneratedFiles, env: Record<string, string>) {
  let seconds = 0;
  let rows = 0;
  let peakRss = 0;
  for (const [authority, file] of Object.entries(files.entries)) {
    const r = await runImport(url, authority, file, env);
    seconds += r.seconds;
    rows += r.rows;
    peakRss = Math.max(peakRss, r.peakRss);
  }
  return { seconds, rows, peakRss };
}

let built: string | undefined;

/**
 * The import CLI as `npm run import` runs it: compiled to dist/ by `npm run build` (under tsx its RSS carries ~50 MB
 * of the transpiler). Built once per bench run, so the figures are of this checkout's code.
 */
function builtImportCli(): string {
  if (!built) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: projectRoot,
      stdio: 'inherit',
    });
    built = path.join(projectRoot, 'dist/cli/import.js');
  }
  return built;
}

/**
 * Every fifth entry the measured import stored, removed by sourceRef through the CLI as an authority's removal file:
 * a chunk is ended set-based (endEntries, src/lists/entry-lifecycle.ts), its orders lifted, audited and announced.
 */
async function removeAFifth(url: string, work: string, since: string, env: Record<string, string>) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const files = new Map<string, string[]>();
  try {
    const { rows } = await c.query<{ authority: string; source_ref: string }>(
      'select authority, source_ref from list_entries where created_at >= $1 order by id',
      [since],
    );
    rows.forEach((r, i) => {
      if (i % 5 === 0) files.set(r.authority, [...(files.get(r.authority) ?? []), r.source_ref]);
    });
  } finally {
    await c.end();
  }
  let seconds = 0;
  let rows = 0;
  for (const [authority, refs] of files) {
    const file = path.join(work, `removals.${authority}.csv`);
    writeFileSync(file, `sourceRef,reason,decisionNo\n${refs.map((r) => `${r},已履行,BENCH-移出-1`).join('\n')}\n`);
    const r = await runImport(url, authority, file, env, undefined, 0, ['--remove']);
    seconds += r.seconds;
    rows += r.rows;
  }
  return { rows, seconds };
}

/** `npm run import` as a child process; its own figures (rows, seconds) and its peak RSS sampled from /proc. */
export function runImport(
  url: string,
  authority: string,
  file: string,
  env: Record<string, string>,
  /** told of the child at once, so a bench that fails elsewhere can stop it */
  onChild?: (child: ChildProcess) => void,
  /**
   * How many refused rows a run may have and still count (the reads bench at 1M: a rare generated row the service
   * refuses is reported, and its reason kept in FILE.rejected.csv, instead of losing an hour of loading). Default 0.
   */
  maxRejected = 0,
  /** more arguments, e.g. --remove */
  args: readonly string[] = [],
): Promise<{ rows: number; seconds: number; peakRss: number; rejected: number }> {
  const cli = builtImportCli();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // as `npm run import` runs it (package.json): compiled, with a heap of 256 MB, so V8 collects before RSS
      // passes ~300 MB
      ['--max-old-space-size=256', cli, '--authority', authority, '--quiet', ...args, file],
      {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    onChild?.(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const sampler = sampleRss(child.pid as number);
    child.on('error', reject);
    child.on('exit', (code) => {
      const peakRss = sampler.stop();
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`import failed (${code}): ${out}`));
      const r = JSON.parse(last) as { rows: number; seconds: number; rejected: number };
      if (r.rejected > maxRejected) return reject(new Error(`import rejected ${r.rejected} generated rows: ${out}`));
      resolve({ rows: r.rows, seconds: r.seconds, peakRss, rejected: r.rejected });
    });
  });
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 250);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

/** A CHECKPOINT, so that the next phase does not pay for the WAL of the last; false where the role may not. */
async function checkpoint(url: string): Promise<boolean> {
  try {
    await sql(url, 'checkpoint');
    return true;
  } catch {
    return false;
  }
}

async function now(url: string): Promise<string> {
  return (await sql(url, 'select now()::text as value')) as string;
}

/** One statement on its own connection; the first column of its first row. */
async function sql(url: string, text: string): Promise<unknown> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Object.values((await c.query(text)).rows[0] ?? {})[0];
  } finally {
    await c.end();
  }
}

interface Dumped {
  files: Record<string, string>;
  /** The columns written by COPY (generated columns are left out: PostgreSQL computes them). */
  columns: Record<string, string>;
  rows: Record<string, number>;
  bytes: number;
}

/** The rows of each table that the conditions select, as COPY text files (not held in memory). */
async function dump(
  url: string,
  work: string,
  where: { sets: string; entries: string; orders: string; events: string },
): Promise<Dumped> {
  const cond: Record<(typeof TABLES)[number], string> = {
    measure_sets: where.sets,
    list_entries: where.entries,
    orders: where.orders,
    audit_log: where.events,
    webhook_outbox: where.events,
  };
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out: Dumped = { files: {}, columns: {}, rows: {}, bytes: 0 };
  try {
    for (const t of TABLES) {
      const file = path.join(work, `${t}.copy`);
      const cols = await c.query<{ name: string }>(
        `select quote_ident(attname) as name from pg_attribute where attrelid = $1::regclass and attnum > 0
           and not attisdropped and attgenerated = '' order by attnum`,
        [t],
      );
      const columns = cols.rows.map((r) => r.name).join(', ');
      out.columns[t] = columns;
      await pipeline(
        c.query(copyTo(`copy (select ${columns} from ${t} where ${cond[t]}) to stdout`)),
        createWriteStream(file),
      );
      out.files[t] = file;
      out.rows[t] = Number((await c.query(`select count(*) as n from ${t} where ${cond[t]}`)).rows[0]?.n);
      out.bytes += statSync(file).size;
    }
  } finally {
    await c.end();
  }
  return out;
}

/** COPY of the dumped files into `schema`'s tables, one transaction; the COPY statements alone are timed. */
async function copyInto(url: string, schema: string, dumped: Dumped): Promise<{ seconds: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('begin');
    const t0 = process.hrtime.bigint();
    for (const t of TABLES) {
      const file = dumped.files[t];
      if (file)
        await pipeline(
          createReadStream(file),
          c.query(copyFrom(`copy ${schema}.${t} (${dumped.columns[t]}) from stdin`)),
        );
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await c.query('commit');
    return { seconds };
  } finally {
    await c.end();
  }
}

/** Whole tables (the preload) from one database into another, untimed. */
async function copyTables(fromUrl: string, toUrl: string, work: string): Promise<void> {
  const dumped = await dump(fromUrl, work, { sets: 'true', entries: 'true', orders: 'true', events: 'true' });
  await copyInto(toUrl, 'public', dumped);
}
