import { parseArgs } from 'node:util';
import { generate } from './generate';

/**
 * npm run gen -- --entries 1000000 [--out data/entries.csv] [--authority all|samr|spc] [--format csv|jsonl]
 *                [--removals 0.02] [--seed 1]
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
    },
  });
  const entries = Number(values.entries);
  if (!Number.isInteger(entries) || entries < 1) throw new Error('--entries must be a positive integer');
  if (!['all', 'samr', 'spc'].includes(values.authority as string))
    throw new Error('--authority must be all, samr or spc');
  if (!['csv', 'jsonl'].includes(values.format as string)) throw new Error('--format must be csv or jsonl');
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
  });
  console.log(`generated ${entries} entries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const [a, f] of Object.entries(files.entries))
    console.log(`  ${a}: ${files.counts[a]} entries → ${f}; removals → ${files.removals[a]}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
