/**
 * `npm run fuzz -- --requests 20000 [--seed N]`: the long run of test/fuzz.test.ts (npm test runs 2,000 requests).
 * It runs that same jest file with FUZZ_REQUESTS / FUZZ_SEED, so the long and the short run cannot drift apart, and
 * prints the figures (requests, answers by status, 5xx, findings).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, seed: { type: 'string', default: '20261122' } },
});
const requests = Number(values.requests);
const seed = Number(values.seed);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- --requests <positive integer> [--seed <integer>]');
  process.exit(2);
}
const jest = path.join(__dirname, '..', 'node_modules', '.bin', 'jest');
const run = spawnSync(jest, ['test/fuzz.test.ts', '--testTimeout', String(Math.max(600_000, requests * 100))], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_REQUESTS: String(requests), FUZZ_SEED: String(seed), FUZZ_VERBOSE: '1' },
});
process.exit(run.status ?? 1);
