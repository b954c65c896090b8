import { parseArgs } from 'node:util';
import knex from 'knex';

/**
 * npm run bench:bytes [-- --url postgres://postgres@127.0.0.1:5432/mydb]
 *
 * Bytes per list entry, per table, in a database loaded through the product (npm run gen, then npm run import):
 * pg_total_relation_size (heap, indexes and TOAST) divided by the number of entries. Run VACUUM FULL ANALYZE first
 * (--vacuum) so two databases loaded differently compare on live rows only. Prints a markdown table (issue 23, point 5).
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    vacuum: { type: 'boolean', default: false },
  },
});

/** The tables that grow with the entries; everything else is summed as "other". */
const TABLES = ['list_entries', 'orders', 'measure_sets', 'audit_log', 'subjects_in_force', 'webhook_outbox'];

async function main(): Promise<void> {
  const db = knex({ client: 'pg', connection: { connectionString: values.url as string }, pool: { min: 0, max: 1 } });
  try {
    if (values.vacuum) await db.raw('vacuum full analyze');
    const [{ n }] = (await db.raw('select count(*)::bigint as n from list_entries')).rows;
    const entries = Number(n);
    if (entries === 0)
      throw new Error('no list entries in this database: load some first (npm run gen, npm run import)');
    const sizes: { relname: string; rows: string; heap: string; indexes: string; toast: string; total: string }[] = (
      await db.raw(
        `select c.relname, c.reltuples::bigint as rows, pg_relation_size(c.oid) as heap, pg_indexes_size(c.oid) as indexes,
                coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast, pg_total_relation_size(c.oid) as total
           from pg_class c join pg_namespace s on s.oid = c.relnamespace
          where s.nspname = current_schema() and c.relkind in ('r', 'p')`,
      )
    ).rows;
    const perEntry = (bytes: number) => (bytes / entries).toFixed(0);
    console.log(`${entries} entries\n`);
    console.log('| table | rows | heap B/entry | index B/entry | TOAST B/entry | total B/entry |');
    console.log('|---|---:|---:|---:|---:|---:|');
    let sum = 0;
    let other = 0;
    for (const s of sizes) {
      if (!TABLES.includes(s.relname)) {
        other += Number(s.total);
        continue;
      }
      sum += Number(s.total);
      console.log(
        `| ${s.relname} | ${s.rows} | ${perEntry(Number(s.heap))} | ${perEntry(Number(s.indexes))} | ${perEntry(Number(s.toast))} | ${perEntry(Number(s.total))} |`,
      );
    }
    const audit = Number(sizes.find((s) => s.relname === 'audit_log')?.total ?? 0);
    console.log(`| other tables | | | | | ${perEntry(other)} |`);
    console.log(`| **all, audit included** | | | | | **${perEntry(sum + other)}** |`);
    console.log(`| all without audit_log | | | | | ${perEntry(sum + other - audit)} |`);
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
