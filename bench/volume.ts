import { parseArgs } from 'node:util';
import pino from 'pino';
import { SubjectIndex } from '../src/checks/subject-index';
import knex from 'knex';
import { createDb, type Db } from '../src/db/knex';
import { migrationsDir } from '../src/paths';
import { compactOrderCounts, departmentStateCounts, weekCounts } from '../src/reports/order-counts';
import { ReportStore } from '../src/reports/report-store';

/**
 * npm run bench:volume [-- --orders 1000000 --subjects 1000000 --url postgres://…]
 *
 * The reads of issue 23 at a size and at a tenth of it, in the same run, on databases of their own: the kept counts
 * against the scans they replace (feedback report, 52-week trend, gauges), a department's first overdue page, and the
 * subject index's chunked reload (time, RSS growth and its peak). The rows are synthesised in SQL (generate_series),
 * NOT loaded through the product's ingestion; the triggers of the migrations do run during the insert, so the summary
 * is built as production builds it. The subjects in force are written straight into the relation the index reads
 * (load() says why). Prints a markdown table; paste it into docs/benchmarks.md.
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000000' },
    subjects: { type: 'string', default: '1000000' },
    url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
  },
});
const DEPARTMENTS = 40;
const log = pino({ level: 'warn' });
const plans: string[] = [];

async function scratch(admin: Db, name: string): Promise<Db> {
  await admin.raw(`drop database if exists "${name}"`);
  await admin.raw(`create database "${name}"`);
  const url = new URL(values.url as string);
  url.pathname = `/${name}`;
  // No statement or read limits for the bench's own loading (the service's are what is measured elsewhere).
  const db = knex({ client: 'pg', connection: { connectionString: url.toString() }, pool: { min: 0, max: 4 } });
  await db.migrate.latest({ directory: migrationsDir, tableName: 'knex_migrations', loadExtensions: ['.js'] });
  return db;
}

/** Orders spread over 2 years of issue dates and 40 departments; a third fed back, a fifth of the rest escalated. */
async function load(db: Db, orders: number, subjects: number): Promise<number> {
  const t0 = performance.now();
  // Loading is not what is measured here: no statement limit for it.
  const exec = (sql: string, bindings: readonly number[] = []) =>
    db.transaction(async (trx) => {
      await trx.raw('set local statement_timeout = 0');
      await trx.raw(sql, bindings);
    });
  // One entry per 10 orders (ids derived from the ordinal, so orders can name them), for the overdue page's join.
  await exec(
    `insert into list_entries (id, list_type, authority, source_ref, subject_kind, uscc, subject_name, subject, reason,
                               decision_no, decided_at, rules_version, created_by)
     select md5('e' || j)::uuid, 'serious_violation', 'samr', 'B' || j, 'enterprise', lpad(j::text, 18, '0'), '某某公司',
            jsonb_build_object('kind', 'enterprise', 'name', '某某公司', 'uscc', lpad(j::text, 18, '0')), 'r', 'n',
            '2026-01-01', 'bench', 'bench'
       from generate_series(0, ?::int) j`,
    [Math.ceil(orders / 10)],
  );
  await exec('alter table escalations drop constraint if exists escalations_order_id_foreign');
  const CHUNK = 50_000;
  // every synthetic order names the one empty measure set (the reads measured here never open it)
  await exec(`insert into measure_sets (digest, measures) values (sha256(convert_to('[]', 'UTF8')), '[]')
              on conflict (digest) do nothing`);
  const SET = "(select id from measure_sets where measures = '[]'::jsonb)";
  for (let lo = 0; lo < orders; lo += CHUNK) {
    const hi = Math.min(orders, lo + CHUNK);
    await exec(
      `insert into orders (entry_id, list_type, department, status, measure_set_id, measure_untils, issued_at, due_at,
                           feedback, updated_at)
       select md5('e' || (i / 10))::uuid, (array['abnormal_operations','serious_violation','dishonest_debtor','revoked_licence'])[1 + i % 4],
              'd' || (i % ${DEPARTMENTS}),
              case when i % 3 = 0 then 'implemented' when i % 11 = 0 then 'lifted' else 'issued' end,
              ${SET}, '{}', ts, ts + interval '14 days',
              case when i % 3 = 0 then jsonb_build_object('outcome', 'implemented', 'at', ts + interval '3 days') end, ts
         from (select i, timestamptz '2026-12-05' - (i % 730) * interval '1 day' - (i % 997) * interval '1 minute' as ts
                 from generate_series(?::int, ?::int - 1) i) s`,
      [lo, hi],
    );
  }
  await exec(`insert into escalations (order_id, level, department, supervisors, due_at, escalated_at)
                select id, 1, department, '{ndrc}', due_at, due_at + interval '1 hour' from orders
                 where status = 'issued' and due_at < now() and ('x' || substr(md5(id::text), 1, 2))::bit(8)::int < 51`);
  for (let lo = 0; lo < subjects; lo += CHUNK) {
    const hi = Math.min(subjects, lo + CHUNK);
    await exec(
      // Subjects in force, written into the relation the index reads, with the trigger's hash (migration
      // 20261205500000). Since migration 20261206300000 the trigger is on orders (a subject is in force when an order's
      // measures reach it), so entries alone, as this wrote before, put no subject there: the reload measured
      // nothing (0 subjects). An order per subject would also swell the order counts measured above.
      `insert into subjects_in_force (subject_key, h)
       select 'u' || lpad(i::text, 17, '0') || 'S', (('x' || substr(md5('u' || lpad(i::text, 17, '0') || 'S'), 1, 13))::bit(52)::bigint)::float8
         from generate_series(?::int, ?::int - 1) i`,
      [lo, hi],
    );
  }
  await compactOrderCounts(db);
  // as autovacuum does for a table that only grows (PostgreSQL 13+): without it the reload's index-only scans fetch
  // every row from the heap, setting hint bits as they go: 72.5 s for 10M subjects, against 1.95 s for 1M
  await db.raw('vacuum analyze'); // not in a transaction block, as VACUUM needs
  return (performance.now() - t0) / 1000;
}

async function timed<T>(fn: () => Promise<T>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

const OLD_FEEDBACK = `select department, count(*) filter (where status = 'issued' and due_at < now()) from orders
  left join (select distinct order_id from escalations) e on e.order_id = orders.id group by department`;
const OLD_TREND = `select date_trunc('week', issued_at at time zone 'Asia/Shanghai')::date, count(*) from orders
  where issued_at >= now() - interval '52 weeks' group by 1`;

async function measure(db: Db, orders: number, subjects: number) {
  const now = new Date('2026-12-05T02:00:00Z');
  const seconds = await load(db, orders, subjects);
  const r: Record<string, number> = { loadSeconds: seconds };
  r.feedbackKept = await timed(() => departmentStateCounts(db, now));
  const unlimited = (sql: string) => () =>
    db.transaction(async (trx) => {
      await trx.raw('set local statement_timeout = 0');
      await trx.raw(sql);
    });
  r.feedbackScan = await timed(unlimited(OLD_FEEDBACK), 3);
  r.trendKept = await timed(() => weekCounts(db, '2025-12-08', 52));
  r.trendScan = await timed(unlimited(OLD_TREND), 3);
  // The store as the service builds it, its reads on this database (no replica here).
  const reports = new ReportStore({ read: (query) => query(db) });
  r.overduePageDept = await timed(() => reports.overdue({ now, department: 'd7' }, 50));
  r.overduePageAll = await timed(() => reports.overdue({ now }, 50));
  // The plans behind the figures (docs/benchmarks.md), at each size.
  const explain = async (what: string, sql: string, bindings: readonly unknown[] = []) => {
    const { rows } = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(
      `explain (analyze, buffers, costs off) ${sql}`,
      bindings as never,
    );
    plans.push(
      `#### ${what} (${orders.toLocaleString('en')} orders)\n\n\`\`\`\n${rows.map((x) => x['QUERY PLAN']).join('\n')}\n\`\`\`\n`,
    );
  };
  await explain(
    "a department's first overdue page",
    `select o.id, o.entry_id, o.list_type, o.department, o.measure_set_id, o.measure_untils, o.issued_at, o.due_at, e.subject,
            o.escalation_level
       from orders o join list_entries e on e.id = o.entry_id
      where o.status = 'issued' and o.due_at < ? and o.department = 'd7' order by o.due_at, o.id limit 51`,
    [now],
  );
  await explain(
    'feedback counts, kept',
    `select department, status, sum(n) from (select department, status, n from order_counts union all
       select department, status, n from order_count_deltas) c group by 1, 2`,
  );
  await explain(
    'one chunk of the subject index reload',
    `select coalesce(string_agg(float8send(h), ''::bytea order by h), ''::bytea) from
       (select h from subjects_in_force where h > -1 order by h limit 250000) s`,
  );
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const index = new SubjectIndex({ db, log });
  const t0 = performance.now();
  let peak = rss0;
  index.start();
  while (!index.fresh) {
    await new Promise((res) => setTimeout(res, 20));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  r.indexReloadMs = performance.now() - t0;
  r.indexSubjects = index.lastReloaded?.subjects ?? 0;
  r.indexRssMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
  // the peak during the reload, sampled between its chunks, and this process's RSS once it is done
  r.indexPeakRssGrowthMb = (peak - rss0) / 2 ** 20;
  r.processRssMb = process.memoryUsage().rss / 2 ** 20;
  await index.close();
  return r;
}

async function main() {
  const orders = Number(values.orders);
  const subjects = Number(values.subjects);
  const admin = createDb(values.url as string, { max: 1 });
  const results = [];
  for (const [o, s] of [
    [orders / 10, subjects / 10],
    [orders, subjects],
  ] as const) {
    const name = `jp_bench_volume_${o}`;
    const db = await scratch(admin, name);
    console.error(`loading ${o} orders and ${s} subjects in force into ${name}`);
    const r = await measure(db, o, s);
    console.error(JSON.stringify({ orders: o, subjects: s, ...r }));
    results.push(r);
    await db.destroy();
    if (!values.keep) await admin.raw(`drop database "${name}"`);
  }
  await admin.destroy();
  const [small, big] = results as [Record<string, number>, Record<string, number>];
  const f = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));
  console.log(`| figure | ${f(orders / 10)} orders | ${f(orders)} orders | growth |\n|---|---|---|---|`);
  for (const k of Object.keys(big)) {
    console.log(
      `| ${k} | ${f(small[k] as number)} | ${f(big[k] as number)} | ${((big[k] as number) / (small[k] as number)).toFixed(2)}× |`,
    );
  }
  console.log(`\ndate: ${new Date().toISOString()}; times in ms (median of 5, scans of 3) unless named otherwise\n`);
  console.log(plans.join('\n'));
}

void main();
