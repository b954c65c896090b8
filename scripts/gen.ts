import { parseArgs } from 'node:util';
import { chinaDate } from '../src/time/dates';
import { generate } from './generate';

/**
 * npm run gen -- --entries 1000000 [--out data/entries.csv] [--authority all|samr|spc] [--format csv|jsonl]
 *                [--removals 0.02] [--seed 1] [--start 0] [--today YYYY-MM-DD]
 * Decisions and expiry dates fall around --today (default: today in China), so a file generated today imports
 * without rows refused as already expired; --start numbers the sourceRefs, for a second file that repeats none.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '100000' },
      out: { type: 'string', default: 'data/entries.csv' },
      authority: { type: 'string', default: 'all' },
      format: { type: 'string', default: 'csv' },
      removals: { type: 'string', default: '0.02' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: '0' },
      today: { type: 'string', default: chinaDate(new Date()) },
    },
  });
  const entries = Number(values.entries);
  if (!Number.isInteger(entries) || entries < 1) throw new Error('--entries must be a positive integer');
  if (!['all', 'samr', 'spc'].includes(values.authority as string))
    throw new Error('--authority must be all, samr or spc');
  if (!['csv', 'jsonl'].includes(values.format as string)) throw new Error('--format must be csv or jsonl');
  const start = Number(values.start);
  if (!Number.isInteger(start) || start < 0) throw new Error('--start must be a whole number');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.today as string)) throw new Error('--today must be a date, YYYY-MM-DD');
  const { mkdirSync } = await import('node:fs');
  const path = await import('node:path');
  mkdirSync(path.dirname(path.resolve(values.out as string)), { recursive: true });
  const t0 = Date.now();
  const files = await generate({
    entries,
    out: values.out as string,
    authority: values.authority as 'all',
    format: values.format as 'csv',
    removals: Number(values.removals),
    seed: Number(values.seed),
    start,
    today: values.today as string,
  });
  console.log(`generated ${entries} entries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const [a, f] of Object.entries(files.entries))
    console.log(`  ${a}: ${files.counts[a]} entries → ${f}; removals → ${files.removals[a]}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
