/**
 * npm run rules:catalog — writes docs/rules.md from the rules the service loads.
 * `npm run rules:catalog -- --check` only compares, and exits 1 when docs/rules.md is out of date.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot, rulesDir } from '../src/paths';
import { renderRulesCatalog } from '../src/rules/catalog-markdown';
import { loadRules } from '../src/rules/rule-loader';

const catalogFile = path.join(projectRoot, 'docs', 'rules.md');

function main(): void {
  const text = renderRulesCatalog(loadRules(rulesDir));
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(catalogFile, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), catalogFile)} is out of date: run npm run rules:catalog`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), catalogFile)} is up to date`);
    return;
  }
  mkdirSync(path.dirname(catalogFile), { recursive: true });
  writeFileSync(catalogFile, text);
  console.log(`wrote ${path.relative(process.cwd(), catalogFile)}`);
}

main();
