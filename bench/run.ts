import { chinaDate } from '../src/time/dates';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded-postgres';
import { createDb, migrateToLatest, primaryOnly } from '../src/db/knex';
import { loadConfig } from '../src/config';
import { createPersonKeyer } from '../src/identity/person-key';
import { httpMetrics, labelOperation } from '../src/metrics/http-metrics';
import { countCheck, enableMetrics, registry } from '../src/metrics/metrics';
import { projectRoot } from '../src/paths';
import { loadRules } from '../src/rules/rule-loader';
import { createServices } from '../src/services';
import { systemClock } from '../src/time/clock';
import { generate, type GeneratedFiles } from '../scripts/generate';
import { startReplicaPair } from '../test/support/replica-pair';
import { gaugeRefreshMs } from './gauge-refresh';
import { benchIngestion, runImport, rssOf, sampleRss } from './ingestion';
import { rawInsert } from './raw-insert';
import { readsAtSize } from './reads-at-size';
import { benchHostileBodies } from './hostile-bodies';
import { median } from './median';
import { BENCH_ADMIN_TOKEN, BENCH_KEYS, startService, stop, token } from './service-process';
import { benchWebhooks } from './webhooks';
import { neverListedId, neverListedUscc, runWrk, writeMix, type CheckKind, type WrkRun } from './wrk';

/**
 * npm run bench [-- --entries 1000000 --duration 10 --budget 15 --out docs/benchmarks-run.md] [--only webhooks|reads|ingestion|hostile]
 *
 * Every figure next to its baseline, measured in the same run on the same machine:
 *  - ingestion through the import CLI (child process) vs raw multi-row INSERTs of the same entry and order rows;
 *  - enterprise, person and officer checks (wrk, one thread) vs a bare express handler with a same-size body, in
 *    the realistic mix (90% never-listed, 10% listed) at 50 and at 4 connections, the old 50/50 mix, the hit path
 *    alone (100% listed: a query and a decision record each) and the cost of record=true;
 *  - check p50 at 10,000 entries vs at the loaded size; service RSS after loading and under load;
 *  - webhook delivery with 150,000 events queued vs raw POSTs of the same bodies (bench/webhooks.ts; alone with
 *    `--only webhooks`);
 *  - hostile bodies (issue 21) vs the same requests with one bad item, and /healthz meanwhile (bench/hostile-bodies.ts;
 *    alone with `--only hostile`);
 *  - the cost of metrics on the check path: the same checks without and with METRICS_TOKEN (and a scraper),
 *    alternating, as throughput and as service CPU time per request; and one refresh of the database gauges.
 * Loopback only; a private database (dropped at the end) on TEST_DATABASE_URL / DATABASE_URL or an embedded server.
 *
 * npm run bench -- --topology replica [--entries 2000 --duration 3]: the issue-22 topology against the single server,
 * on one primary with a real streaming replica of it (test/support/replica-pair.ts): checks, reports and ingestion
 * with one instance on the primary alone, then with two instances reading from the replica (READ_DATABASE_URL).
 * With --budget minutes, the loaded size is capped to what the measured ingestion rate can load in time.
 */
const SMALL = 10_000;
const TODAY = chinaDate(new Date());

type CheckRun = WrkRun;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string' },
      /** With --only ingestion: entries imported (untimed) before the measured ones. */
      preload: { type: 'string', default: '0' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      budget: { type: 'string', default: '15' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      /** Run one section alone: `webhooks` or `ingestion`. */
      only: { type: 'string' },
      /** --only reads: where the EXPLAIN plans go. */
      plans: { type: 'string', default: 'bench-reads-plans.md' },
      'webhook-events': { type: 'string', default: '150000' },
      'metrics-pairs': { type: 'string', default: '10' },
      /** `replica`: two instances and a streaming replica against one instance on the primary alone. */
      topology: { type: 'string' },
    },
  });
  if (values.topology !== undefined) {
    if (values.topology !== 'replica') throw new Error(`--topology takes: replica (got "${values.topology}")`);
    const md = await topologyBench({
      entries: Number(values.entries),
      duration: Number(values.duration),
      connections: Number(values.connections),
    });
    console.log(md);
    if (values.out) writeFileSync(values.out, md);
    return;
  }
  // --only reads: issue 23's read figures at N/10 and N, loaded through the import CLI (bench/reads-at-size.ts).
  if (values.only === 'reads') {
    const t0 = Date.now();
    const log = (m: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
    const md = await readsAtSize({ entries: Number(values.entries), plansFile: values.plans, log });
    console.log(md);
    if (values.out) writeFileSync(values.out, md);
    return;
  }
  if (values.only !== undefined && !['webhooks', 'ingestion', 'reads', 'hostile'].includes(values.only)) {
    throw new Error(`--only takes: webhooks, ingestion, reads or hostile (got "${values.only}")`);
  }
  const wanted = Number(values.entries ?? (values.only === 'ingestion' ? '50000' : '1000000'));
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const budgetS = Number(values.budget) * 60;
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  const log = (m: string) => console.error(`[${elapsed().toFixed(0).padStart(4)} s] ${m}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'jp-bench-'));
  chmodSync(work, 0o755); // generated files only; the embedded server below may run as another OS user
  const children: ChildProcess[] = [];
  let embedded: EmbeddedServer | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const dbName = `jp_bench_${randomBytes(4).toString('hex')}`;
  const rawName = `${dbName}_raw`;
  const webhookName = `${dbName}_webhooks`;
  const extraDbs: string[] = [];
  const withDb = (name: string) => {
    const u = new URL(adminUrl as string);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const createDatabase = async (name: string) => {
    const setup = createDb(adminUrl as string, { max: 1 });
    try {
      await setup.raw(`create database "${name}"`);
    } finally {
      await setup.destroy();
    }
  };
  /** One part run alone (--only): its table and notes, and how and where it ran. */
  const printPart = (part: { lines: string[]; notes: string[] }, command: string) => {
    const notes = [
      ...part.notes,
      `date: ${new Date().toISOString()}; command: npm run bench -- ${command}; ` +
        `PostgreSQL: ${embedded ? 'embedded' : 'TEST_DATABASE_URL/DATABASE_URL'}; ` +
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`,
    ];
    const head = '| figure | measured | baseline | ratio | target |\n|---|---|---|---|---|';
    const md = `${head}\n${part.lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    console.log(md);
    if (values.out) writeFileSync(values.out, md);
  };
  try {
    if (!adminUrl) {
      log('starting an embedded PostgreSQL');
      // A folder of its own, as the tests do: as root the server runs as "postgres", which must be able to reach it.
      embedded = await startEmbeddedPostgres(mkdtempSync(path.join(work, 'pg-')), pino({ level: 'warn' }));
      adminUrl = embedded.adminUrl;
    }
    if (values.only === 'ingestion') {
      const r = await benchIngestion(
        adminUrl,
        work,
        { entries: wanted, preload: Number(values.preload), env: BENCH_KEYS },
        log,
        (names) => extraDbs.push(...names),
      );
      return printPart(r, `--only ingestion --entries ${wanted} --preload ${values.preload}`);
    }
    // Hostile bodies (issue 21) on an empty database of their own: a few seconds, timed here and not in a test.
    const hostileName = `${dbName}_hostile`;
    extraDbs.push(hostileName);
    await createDatabase(hostileName);
    const hostile = await benchHostileBodies(withDb(hostileName), children, log);
    if (values.only === 'hostile') return printPart(hostile, '--only hostile');
    // Webhooks first, on a database of their own: the --budget cap below then counts their time.
    await createDatabase(webhookName);
    const webhooks = await benchWebhooks(withDb(webhookName), Number(values['webhook-events']), log);
    if (values.only === 'webhooks') {
      return printPart(webhooks, `--only webhooks --webhook-events ${values['webhook-events']}`);
    }

    const admin = createDb(adminUrl, { max: 1 });
    await admin.raw(`create database "${dbName}"`);
    await admin.raw(`create database "${rawName}"`);
    await admin.destroy();
    const url = withDb(dbName);
    const rawUrl = withDb(rawName);
    for (const u of [url, rawUrl]) {
      const db = createDb(u, { max: 1 });
      await migrateToLatest(db);
      await db.destroy();
    }

    log(`generating ${SMALL} entries`);
    const small = await generate({
      // the service refuses a listing whose term is already over on arrival: generate against the real today
      today: TODAY,
      entries: SMALL,
      out: path.join(work, 'small.csv'),
      authority: 'all',
      format: 'csv',
      removals: 0,
      seed: 1,
    });
    const ingest = async (files: GeneratedFiles) => {
      let seconds = 0;
      let rows = 0;
      let peakRss = 0;
      for (const [authority, file] of Object.entries(files.entries)) {
        const r = await runImport(url, authority, file, BENCH_KEYS);
        seconds += r.seconds;
        rows += r.rows;
        peakRss = Math.max(peakRss, r.peakRss);
      }
      return { seconds, rows, peakRss };
    };
    log('importing 10,000 entries through the CLI');
    const a = await ingest(small);
    const rate0 = a.rows / a.seconds;

    log('checks at 10,000 entries');
    let service = await startService(url, children);
    const mofToken = await token(service.port, 'mof');
    const sampleUscc = [...small.samples.uscc];
    const sampleIds = [...small.samples.idNumbers];
    const mix = (kind: CheckKind, listed: number, tok: string, record = false) =>
      writeMix(work, { kind, listed, record, usccs: sampleUscc, ids: sampleIds, token: tok });
    const ent10k = await runWrk(service.port, mix('enterprise', 0.5, mofToken), connections, duration);
    const off10k = await runWrk(service.port, mix('officer', 0.5, mofToken), connections, duration);
    await stop(service.child);

    // The raw baseline of the first 10,000 now, so its wall time per entry (row preparation included) is known.
    log('raw multi-row insert of the same entry and order rows (baseline), first 10,000');
    // The planner is the service's own (createServices, as the server builds it), with the service's ID-hash key.
    const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', ...BENCH_KEYS });
    const plannerDb = createDb(url, { max: 1 });
    const rules = loadRules(config.rulesDir);
    const keyOf = createPersonKeyer(BENCH_KEYS.ID_HASH_KEY);
    const planner = createServices(config, {
      databases: primaryOnly(plannerDb),
      rules,
      keyOf,
      clock: systemClock,
      log: pino({ level: 'warn' }),
    }).planner;
    const rawStarted = elapsed();
    const raw1 = await rawInsert(rawUrl, planner, small.entries);
    const rawWallPerEntry = (elapsed() - rawStarted) / raw1.rows;

    // Cap the loaded size to the budget: the rest of the import and of the raw baseline, measured per entry just
    // now, with 15% to spare for growth, and four more check runs with start-ups must fit.
    const metricsPairs = Number(values['metrics-pairs']);
    const reserve = 16 * (duration + 2) + 60 + metricsPairs * 16 + 30;
    const left = budgetS - elapsed() - reserve;
    const fits = Math.max(SMALL, Math.floor(SMALL + left / ((1 / rate0 + rawWallPerEntry) * 1.15)));
    const total = Math.min(wanted, fits);
    if (total < wanted)
      log(
        `the budget of ${values.budget} min fits about ${total} entries at ${rate0.toFixed(0)}/s; loading ${total} (asked for ${wanted})`,
      );

    let b = { seconds: 0, rows: 0, peakRss: 0 };
    let big: GeneratedFiles | undefined;
    if (total > SMALL) {
      log(`generating ${total - SMALL} more entries`);
      big = await generate({
        // the service refuses a listing whose term is already over on arrival: generate against the real today
        today: TODAY,
        entries: total - SMALL,
        out: path.join(work, 'big.csv'),
        authority: 'all',
        format: 'csv',
        removals: 0,
        seed: 2,
        start: SMALL,
      });
      log(`importing ${total - SMALL} entries through the CLI`);
      b = await ingest(big);
      sampleUscc.push(...big.samples.uscc);
      sampleIds.push(...big.samples.idNumbers);
    }
    const ingested = a.rows + b.rows;
    const ingestRate = ingested / (a.seconds + b.seconds);

    log('raw multi-row insert of the rest (baseline)');
    const raw2 = big ? await rawInsert(rawUrl, planner, big.entries) : { rows: 0, seconds: 0 };
    await plannerDb.destroy();
    const rawRate = (raw1.rows + raw2.rows) / (raw1.seconds + raw2.seconds);

    log(`checks at ${ingested} entries`);
    service = await startService(url, children);
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = rssOf(service.child.pid as number);
    const token2 = await token(service.port, 'mof');
    const sampler = sampleRss(service.child.pid as number);
    // Warm up: the token cache, the prepared statements and the index (loaded at start-up).
    await runWrk(service.port, mix('enterprise', 0.1, token2), connections, 2);
    const run = (port: number, kind: CheckKind, listed: number, conns: number, record = false) =>
      runWrk(port, mix(kind, listed, token2, record), conns, duration);
    const svc = {} as Record<string, CheckRun>;
    for (const kind of ['enterprise', 'person', 'officer'] as const) {
      svc[`${kind}90`] = await run(service.port, kind, 0.1, connections);
      svc[`${kind}90c4`] = await run(service.port, kind, 0.1, 4);
    }
    const entBig = await run(service.port, 'enterprise', 0.5, connections);
    const offBig = await run(service.port, 'officer', 0.5, connections);
    svc.record = await run(service.port, 'enterprise', 0.1, connections, true);
    svc.hits = await run(service.port, 'enterprise', 1, connections);
    const rssLoad = sampler.stop();
    log('every bidder of a tender in one call (POST /v1/checks/enterprises) vs one call per bidder');
    const bulk = await bulkVsSingle(service.port, token2, sampleUscc, connections);
    const sizes = await bodySizes(service.port, token2, sampleUscc, sampleIds);
    await stop(service.child);

    log('bare express handler with same-size bodies (baseline)');
    const bare = await startBare(sizes, children);
    const base = {} as Record<string, CheckRun>;
    for (const kind of ['enterprise', 'person', 'officer'] as const) {
      base[kind] = await run(bare.port, kind, 0.1, connections);
      base[`${kind}c4`] = await run(bare.port, kind, 0.1, 4);
    }
    await stop(bare.child);
    const entBare = base.enterprise as CheckRun;
    const offBare = base.officer as CheckRun;

    log(
      `cost of metrics: ${metricsPairs} pairs of 4-second slices against a service without and one with METRICS_TOKEN`,
    );
    // The 90/10 mix of never-listed and listed subjects, as procurement desks send it.
    const slice = (port: number, kind: CheckKind, seconds: number) =>
      runWrk(port, mix(kind, 0.1, token2), connections, seconds);
    const cost = await metricsCost(url, children, slice, metricsPairs);
    const hooks = await hookCost();
    const refreshMs = await gaugeRefreshOn(url);

    const counts = await tableCounts(url);
    const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)}%`;
    const f = (x: number) => Math.round(x).toLocaleString('en-US');
    const lines = [
      `| figure | measured | baseline | ratio | target |`,
      `|---|---|---|---|---|`,
      `| ingestion, entries/s (CLI, ${f(ingested)} entries) | ${f(ingestRate)} | ${f(rawRate)} (raw INSERT of entry+order rows) | ${pct(ingestRate, rawRate)} | ≥ 30% |`,
      ...(['enterprise', 'person', 'officer'] as const).flatMap((k) => {
        const m = svc[`${k}90`] as CheckRun;
        const b = base[k] as CheckRun;
        const m4 = svc[`${k}90c4`] as CheckRun;
        const b4 = base[`${k}c4`] as CheckRun;
        const target = k === 'enterprise' ? '≥ 90%' : '≥ 70%';
        return [
          `| ${k} check, 90/10 mix, req/s at ${connections} conns, ${f(ingested)} entries | ${f(m.rps)} | ${f(b.rps)} (bare express) | ${pct(m.rps, b.rps)} | ${target} |`,
          `| ${k} check, 90/10 mix, p50 / p99 ms at ${connections} conns | ${m.p50} / ${m.p99} | ${b.p50} / ${b.p99} | | |`,
          `| ${k} check, 90/10 mix, p99 ms at 4 conns | ${m4.p99} (p50 ${m4.p50}; ${f(m4.rps)} req/s) | ${b4.p99} (p50 ${b4.p50}; ${f(b4.rps)} req/s) | ${(m4.p99 / Math.max(b4.p99, 0.001)).toFixed(2)}× | ≤ 2× |`,
        ];
      }),
      `| enterprise check, 50/50 mix, req/s at ${connections} conns | ${f(entBig.rps)} (p50 ${entBig.p50}, p99 ${entBig.p99} ms) | ${f(entBare.rps)} (bare) | ${pct(entBig.rps, entBare.rps)} | |`,
      `| officer check, 50/50 mix, req/s at ${connections} conns | ${f(offBig.rps)} (p50 ${offBig.p50}, p99 ${offBig.p99} ms) | ${f(offBare.rps)} (bare) | ${pct(offBig.rps, offBare.rps)} | |`,
      `| enterprise check, 90/10 mix with record=true (a decision record each) | ${f((svc.record as CheckRun).rps)} (p99 ${(svc.record as CheckRun).p99} ms) | ${f((svc.enterprise90 as CheckRun).rps)} (same mix without) | ${pct((svc.record as CheckRun).rps, (svc.enterprise90 as CheckRun).rps)} | |`,
      `| enterprise check, hits only (query + decision record each) | ${f((svc.hits as CheckRun).rps)} (p50 ${(svc.hits as CheckRun).p50}, p99 ${(svc.hits as CheckRun).p99} ms) | ${f(entBare.rps)} (bare) | ${pct((svc.hits as CheckRun).rps, entBare.rps)} | |`,
      `| bulk enterprise check, subjects/s (${BULK_SIZE} per call, 90/10 mix, ${bulk.calls} calls at ${bulk.concurrency} conns) | ${f(bulk.bulkRate)} | ${f(bulk.singleRate)} (the same subjects, one GET each at ${connections} conns) | ${pct(bulk.bulkRate, bulk.singleRate)} | > 100% |`,
      `| growth: enterprise p50 ms, ${f(ingested)} vs 10,000 | ${entBig.p50} | ${ent10k.p50} | ${(entBig.p50 / Math.max(ent10k.p50, 0.001)).toFixed(2)}× | ≤ 1.5× |`,
      `| growth: officer p50 ms, ${f(ingested)} vs 10,000 | ${offBig.p50} | ${off10k.p50} | ${(offBig.p50 / Math.max(off10k.p50, 0.001)).toFixed(2)}× | ≤ 1.5× |`,
      `| service RSS after loading / under load, MB | ${rssIdle.toFixed(0)} / ${rssLoad.toFixed(0)} | | | ≤ 512 MB |`,
      `| importer peak RSS, MB | ${Math.max(a.peakRss, b.peakRss).toFixed(0)} | | | |`,
      ...webhooks.lines,
      ...hostile.lines,
      `| metrics on: enterprise / officer check req/s | ${f(cost.enterprise.on.rps)} / ${f(cost.officer.on.rps)} | ${f(cost.enterprise.off.rps)} / ${f(cost.officer.off.rps)} (metrics off) | ${cost.enterprise.rpsPct.toFixed(1)}% / ${cost.officer.rpsPct.toFixed(1)}% | ≥ 97% |`,
      `| metrics on: service CPU µs per enterprise / officer check | ${f(cost.enterprise.on.cpuUs)} / ${f(cost.officer.on.cpuUs)} | ${f(cost.enterprise.off.cpuUs)} / ${f(cost.officer.off.cpuUs)} (metrics off) | ${signed(cost.enterprise.cpuCostPct)} / ${signed(cost.officer.cpuCostPct)} | < 3% |`,
      `| metrics hooks alone, ns per check (in-process) / share of a check's CPU | ${f(hooks.perCheckNs)} | ${f(cost.enterprise.off.cpuUs * 1000)} (CPU of an enterprise check, metrics off) | ${((100 * hooks.perCheckNs) / (cost.enterprise.off.cpuUs * 1000)).toFixed(2)}% | < 3% |`,
      `| one scrape of /metrics (serialising the registry), ms | ${hooks.scrapeMs.toFixed(2)} | | | every 15 s |`,
      `| refresh of the database gauges (orders, webhooks, jobs), ms at ${f(ingested)} entries | ${f(refreshMs)} | | | once a minute per instance |`,
    ];
    const notes = [
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}; PostgreSQL: ${embedded ? 'embedded' : 'TEST_DATABASE_URL/DATABASE_URL'}`,
      `date: ${new Date().toISOString()}; command: npm run bench -- --entries ${wanted} --duration ${duration} --connections ${connections} --budget ${values.budget}`,
      `loaded: ${f(ingested)} entries${total < wanted ? ` (capped by the ${values.budget}-minute budget; asked for ${f(wanted)})` : ''}; rows: ${Object.entries(
        counts,
      )
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(', ')}`,
      `ingestion: ${a.seconds.toFixed(1)} s for the first 10,000 (${f(rate0)}/s), ${b.seconds.toFixed(1)} s for the rest; raw baseline DB time ${(raw1.seconds + raw2.seconds).toFixed(1)} s for ${f(raw1.rows + raw2.rows)}`,
      `checks: wrk -t1, ${duration} s per run; errors ${Object.values(svc).reduce((a, r) => a + r.errors, 0)}, non-2xx ${Object.values(svc).reduce((a, r) => a + r.non2xx, 0)}; response bodies ${sizes.enterprise} / ${sizes.person} / ${sizes.officer} bytes (enterprise / person / officer; bare uses the same); growth rows use the 50/50 mix`,
      ...webhooks.notes,
      ...hostile.notes,
      `metrics cost: two services side by side (metrics off; METRICS_TOKEN with /metrics scraped every 5 s), ${metricsPairs} pairs of 4-second slices per check kind, order alternating; medians of the pairs. CPU cost per pair, enterprise: ${cost.enterprise.pairs.map(signed).join(', ')}; officer: ${cost.officer.pairs.map(signed).join(', ')}`,
      `total bench time: ${elapsed().toFixed(0)} s`,
    ];
    const md = `${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    console.log(md);
    if (values.out) writeFileSync(values.out, md);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (adminUrl && !values.keep) {
      const admin = createDb(adminUrl, { max: 1 });
      for (const n of [dbName, rawName, webhookName, ...extraDbs]) {
        await admin.raw(`drop database if exists "${n}" with (force)`).catch(() => undefined);
      }
      await admin.destroy();
    }
    await embedded?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A wrk script that GETs one path, as the administrator (reports are for supervisors and the administrator). */
function writeGet(dir: string, name: string, urlPath: string): string {
  const file = path.join(dir, `get-${name}.lua`);
  writeFileSync(
    file,
    [
      `wrk.method = "GET"`,
      `wrk.path = ${JSON.stringify(urlPath)}`,
      `wrk.headers["Authorization"] = "Bearer ${BENCH_ADMIN_TOKEN}"`,
    ].join('\n'),
  );
  return file;
}

/** wrk against several instances at once, the connections split between them: throughput adds up, latency is the worst. */
async function runWrkOn(ports: number[], script: string, connections: number, durationS: number): Promise<WrkRun> {
  const per = Math.max(1, Math.floor(connections / ports.length));
  const runs = await Promise.all(ports.map((p) => runWrk(p, script, per, durationS)));
  return {
    rps: runs.reduce((a, r) => a + r.rps, 0),
    p50: Math.max(...runs.map((r) => r.p50)),
    p99: Math.max(...runs.map((r) => r.p99)),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

/** Transactions the server has committed, all databases: the replica's grows only with the reads it answers. */
async function commits(url: string): Promise<number> {
  const db = createDb(url, { max: 1 });
  try {
    const { rows } = await db.raw<{ rows: { n: number }[] }>(
      'select sum(xact_commit)::float8 as n from pg_stat_database',
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.destroy();
  }
}

/**
 * The topology of issue 22 on this machine: one primary and a streaming replica of it, both embedded PostgreSQL of
 * the same version (test/support/replica-pair.ts). The same data and the same requests, first with one instance on
 * the primary alone (the single-server run), then with two instances whose lag-tolerant reads go to the replica:
 * enterprise checks (90% never listed), the feedback report, and ingestion through the import CLI (always on the
 * primary; with the replica it also streams). Everything shares one machine's cores: the ratios say what moved,
 * not what separate machines would give.
 */
async function topologyBench(o: { entries: number; duration: number; connections: number }): Promise<string> {
  const t0 = Date.now();
  const log = (m: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'jp-bench-topology-'));
  chmodSync(work, 0o755);
  const children: ChildProcess[] = [];
  log('starting a primary and a streaming replica');
  const pair = await startReplicaPair();
  try {
    const { primaryUrl, replicaUrl } = await pair.createDatabase();
    const gen = (entries: number, seed: number, start: number, name: string) =>
      generate({
        today: TODAY,
        entries,
        out: path.join(work, `${name}.csv`),
        authority: 'all',
        format: 'csv',
        removals: 0,
        seed,
        start,
      });
    // The data the reads run over, and two disjoint batches for the two ingestion figures.
    const half = Math.max(1, Math.floor(o.entries / 4));
    const [base, ingestSingle, ingestReplica] = [
      await gen(o.entries, 1, 0, 'base'),
      await gen(half, 2, o.entries, 'ingest-single'),
      await gen(half, 3, o.entries + half, 'ingest-replica'),
    ];
    const ingest = async (files: GeneratedFiles) => {
      let seconds = 0;
      let rows = 0;
      for (const [authority, file] of Object.entries(files.entries)) {
        const r = await runImport(primaryUrl, authority, file, BENCH_KEYS);
        seconds += r.seconds;
        rows += r.rows;
      }
      return { rows, seconds, rate: rows / seconds };
    };
    log(`importing ${o.entries} entries`);
    await ingest(base);
    await pair.waitForReplay();
    const reportScript = writeGet(work, 'feedback', '/v1/reports/feedback');
    const measure = async (ports: number[]) => {
      const tok = await token(ports[0] as number, 'mof');
      const mix = writeMix(work, {
        kind: 'enterprise',
        listed: 0.1,
        usccs: base.samples.uscc,
        ids: base.samples.idNumbers,
        token: tok,
      });
      const checks = await runWrkOn(ports, mix, o.connections, o.duration);
      const before = await commits(replicaUrl);
      const reports = await runWrkOn(ports, reportScript, Math.min(o.connections, 8), o.duration);
      const onReplica = (await commits(replicaUrl)) - before;
      return { checks, reports, onReplica };
    };

    log('single server: one instance on the primary alone');
    const single = await startService(primaryUrl, children);
    const s = await measure([single.port]);
    const sIngest = await ingest(ingestSingle);
    await stop(single.child);

    log('two instances, lag-tolerant reads on the replica');
    const env = { READ_DATABASE_URL: replicaUrl };
    const instances = [await startService(primaryUrl, children, env), await startService(primaryUrl, children, env)];
    for (const i of instances) {
      for (let n = 0; n < 100; n++) {
        const ready = (await (await fetch(`http://127.0.0.1:${i.port}/readyz`)).json()) as {
          replica?: { serving?: boolean };
        };
        if (ready.replica?.serving) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const r = await measure(instances.map((i) => i.port));
    const rIngest = await ingest(ingestReplica);
    for (const i of instances) await stop(i.child);

    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
    const wrkCell = (w: WrkRun) =>
      `${w.rps.toFixed(0)}/s, p50 ${w.p50} ms, p99 ${w.p99} ms${w.non2xx || w.errors ? `, ${w.non2xx} non-2xx, ${w.errors} errors` : ''}`;
    const lines = [
      '| figure | single server (1 instance, primary) | 2 instances + replica | ratio |',
      '|---|---|---|---|',
      `| enterprise checks (90% never listed), ${o.connections} connections | ${wrkCell(s.checks)} | ${wrkCell(r.checks)} | ${ratio(r.checks.rps, s.checks.rps)} |`,
      `| feedback report, ${Math.min(o.connections, 8)} connections | ${wrkCell(s.reports)} | ${wrkCell(r.reports)} | ${ratio(r.reports.rps, s.reports.rps)} |`,
      `| transactions committed on the replica during the report figure | ${s.onReplica} | ${r.onReplica} | |`,
      `| ingestion through the import CLI, ${half} entries | ${sIngest.rate.toFixed(0)} entries/s | ${rIngest.rate.toFixed(0)} entries/s | ${ratio(rIngest.rate, sIngest.rate)} |`,
    ];
    const notes = [
      `${o.entries} entries loaded, ${o.duration} s per figure; one machine (${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}), shared by the primary, the replica, the instances and wrk, and with other work ("loaded")`,
      `date: ${new Date().toISOString()}; command: npm run bench -- --topology replica --entries ${o.entries} --duration ${o.duration}`,
    ];
    return `${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
  } finally {
    for (const c of children) await stop(c);
    await pair.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function startBare(
  sizes: { enterprise: number; person: number; officer: number },
  children: ChildProcess[],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench/bare-server.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: '0',
      ENTERPRISE_BYTES: String(sizes.enterprise),
      PERSON_BYTES: String(sizes.person),
      OFFICER_BYTES: String(sizes.officer),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const port = await new Promise<number>((resolve) =>
    child.stdout?.on('data', (d: Buffer) => resolve(Number(/listening (\d+)/.exec(String(d))?.[1]))),
  );
  return { child, port };
}

const BULK_SIZE = 500;

/**
 * Subjects answered per second by POST /v1/checks/enterprises (500 a call, a few calls at once, as tender systems
 * would send them) against the same subjects asked one GET each with `connections` in flight: the 90/10 mix of
 * never-listed and listed bidders. Both through fetch from this process, so the client costs the same per request.
 */
async function bulkVsSingle(port: number, tok: string, listed: string[], connections: number) {
  const headers = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  const calls = 20;
  const concurrency = 4;
  const subjects = Array.from({ length: calls * BULK_SIZE }, (_, i) =>
    i % 10 === 0 ? (listed[i % listed.length] as string) : neverListedUscc(),
  );
  const pool = async (n: number, worker: (i: number) => Promise<void>, width: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < n) await worker(next++);
      }),
    );
  };
  const url = `http://127.0.0.1:${port}/v1/checks/enterprises`;
  const t1 = performance.now();
  await pool(
    calls,
    async (c) => {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          usccs: subjects.slice(c * BULK_SIZE, (c + 1) * BULK_SIZE),
          scenario: 'government_procurement',
        }),
      });
      if (res.status !== 200) throw new Error(`bulk check answered ${res.status}`);
      await res.arrayBuffer();
    },
    concurrency,
  );
  const bulkRate = subjects.length / ((performance.now() - t1) / 1000);
  const t2 = performance.now();
  await pool(
    subjects.length,
    async (i) => {
      const res = await fetch(`${url}/${subjects[i]}?scenario=government_procurement`, { headers });
      if (res.status !== 200) throw new Error(`single check answered ${res.status}`);
      await res.arrayBuffer();
    },
    connections,
  );
  const singleRate = subjects.length / ((performance.now() - t2) / 1000);
  return { bulkRate, singleRate, calls, concurrency };
}

/** Mean response sizes of real checks in the 90/10 mix, for the bare handler. */
async function bodySizes(
  port: number,
  tok: string,
  usccs: string[],
  ids: string[],
): Promise<{ enterprise: number; person: number; officer: number }> {
  let e = 0;
  let o = 0;
  let p = 0;
  const n = 50;
  for (let i = 0; i < n; i++) {
    const listed = i % 10 === 0;
    const uscc = listed ? usccs[i % usccs.length] : neverListedUscc();
    const id = listed ? ids[i % ids.length] : neverListedId();
    e += (
      await (
        await fetch(`http://127.0.0.1:${port}/v1/checks/enterprises/${uscc}?scenario=government_procurement`, {
          headers: { Authorization: `Bearer ${tok}` },
        })
      ).text()
    ).length;
    const body = JSON.stringify({ idNumber: id, role: 'legal_representative' });
    o += (
      await (
        await fetch(`http://127.0.0.1:${port}/v1/checks/officers`, {
          method: 'POST',
          body,
          headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
        })
      ).text()
    ).length;
    const pbody = JSON.stringify({ idNumber: id, scenario: 'consumption' });
    p += (
      await (
        await fetch(`http://127.0.0.1:${port}/v1/checks/persons`, {
          method: 'POST',
          body: pbody,
          headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
        })
      ).text()
    ).length;
  }
  return { enterprise: Math.round(e / n), person: Math.round(p / n), officer: Math.round(o / n) };
}

const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;

/** Service CPU time in µs, every thread of the process (GC and libuv's pool too), in ns from /proc/PID/task/TID/schedstat. */
function cpuUsOf(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return ns / 1000;
}

interface CostSide {
  rps: number;
  cpuUs: number;
}

/**
 * Two services at once on the same database, one without metrics and one with METRICS_TOKEN (scraped every 5 s,
 * faster than Prometheus's 15 s default), both warmed up; then the same checks in short slices against one and the
 * other, alternating which goes first. On a machine shared with other work, load drifts by the second: pairs of
 * adjacent slices see nearly the same drift, so the median of the pairs' ratios is the figure, with throughput and
 * service CPU time per answered request side by side.
 */
type SliceRun = (port: number, kind: CheckKind, seconds: number) => Promise<WrkRun>;
async function metricsCost(url: string, children: ChildProcess[], check: SliceRun, pairs: number, slice = 4) {
  const off = await startService(url, children);
  const on = await startService(url, children, { METRICS_TOKEN });
  const scraper = setInterval(
    () =>
      void fetch(`http://127.0.0.1:${on.port}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })
        .then((r) => r.text())
        .catch(() => undefined),
    5000,
  );
  const measure = async (
    service: { child: ChildProcess; port: number },
    kind: 'enterprise' | 'officer',
  ): Promise<CostSide> => {
    const pid = service.child.pid as number;
    const cpu0 = cpuUsOf(pid);
    const r = await check(service.port, kind, slice);
    return { rps: r.rps, cpuUs: (cpuUsOf(pid) - cpu0) / Math.max(1, r.rps * slice) };
  };
  try {
    for (const s of [off, on]) for (const kind of ['enterprise', 'officer'] as const) await check(s.port, kind, 2); // JIT, pool, statements
    const result = {} as Record<
      'enterprise' | 'officer',
      { on: CostSide; off: CostSide; cpuCostPct: number; rpsPct: number; pairs: number[] }
    >;
    for (const kind of ['enterprise', 'officer'] as const) {
      const ons: CostSide[] = [];
      const offs: CostSide[] = [];
      for (let i = 0; i < pairs; i++) {
        if (i % 2) {
          ons.push(await measure(on, kind));
          offs.push(await measure(off, kind));
        } else {
          offs.push(await measure(off, kind));
          ons.push(await measure(on, kind));
        }
      }
      const cpuPairs = ons.map((x, i) => (100 * (x.cpuUs - (offs[i] as CostSide).cpuUs)) / (offs[i] as CostSide).cpuUs);
      result[kind] = {
        on: { rps: median(ons.map((x) => x.rps)), cpuUs: median(ons.map((x) => x.cpuUs)) },
        off: { rps: median(offs.map((x) => x.rps)), cpuUs: median(offs.map((x) => x.cpuUs)) },
        cpuCostPct: median(cpuPairs),
        rpsPct: median(ons.map((x, i) => (100 * x.rps) / (offs[i] as CostSide).rps)),
        pairs: cpuPairs,
      };
    }
    return result;
  } finally {
    clearInterval(scraper);
    await stop(on.child);
    await stop(off.child);
  }
}

/**
 * The work metrics add to one check, measured alone in this process: the request timer and its finish listener,
 * the operation label, the check counter, and the histogram observation, against the same response objects without
 * them; and one scrape of a registry holding every series the checks create.
 */
async function hookCost(): Promise<{ perCheckNs: number; scrapeMs: number }> {
  enableMetrics();
  const middleware = httpMetrics();
  const n = 200_000;
  // Response objects are reused (each finish removes the once-listener), so allocation and GC of the objects
  // themselves stay out of both arms. CPU time, not wall time: on a busy machine the process is often descheduled.
  const pool = Array.from({ length: 1024 }, () => new http.ServerResponse(new http.IncomingMessage(new Socket())));
  const cpuNs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) * 1000;
  };
  const run = (withHooks: boolean) => {
    const t0 = cpuNs();
    for (let i = 0; i < n; i++) {
      const res = pool[i & 1023] as http.ServerResponse;
      if (withHooks) {
        middleware({} as never, res as never, () => undefined);
        labelOperation(res as never, 'checkEnterprise');
        countCheck('enterprise', i % 3 ? null : 'government_procurement', i % 2 === 0);
      }
      res.statusCode = 200;
      res.emit('finish');
    }
    return (cpuNs() - t0) / n;
  };
  const diffs: number[] = [];
  for (let round = 0; round < 7; round++) diffs.push(run(true) - run(false));
  const t0 = cpuNs();
  for (let i = 0; i < 20; i++) await registry.metrics();
  return { perCheckNs: median(diffs), scrapeMs: (cpuNs() - t0) / 20 / 1e6 };
}

/** One refresh of the database gauges on the loaded database, on a connection of its own. */
async function gaugeRefreshOn(url: string): Promise<number> {
  const db = createDb(url, { max: 1 });
  try {
    return await gaugeRefreshMs(db);
  } finally {
    await db.destroy();
  }
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;

async function tableCounts(url: string): Promise<Record<string, number>> {
  const db = createDb(url, { max: 1 });
  try {
    const out: Record<string, number> = {};
    for (const t of ['list_entries', 'orders', 'audit_log']) out[t] = Number((await db(t).count({ n: '*' }))[0]?.n);
    return out;
  } finally {
    await db.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
