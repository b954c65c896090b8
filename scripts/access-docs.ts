/**
 * npm run docs:access — writes README.md's "Who may do what" table from the x-access of every operation in
 * openapi/openapi.yaml. `npm run docs:access -- --check` only compares, and exits 1 when the README is out of date
 * (test/access.test.ts checks the same in npm test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { declaredOperations } from '../src/auth/access';
import { renderAccessTable, withAccessTable } from '../src/auth/access-markdown';
import { openapiDefinition } from '../src/http/definition';
import { projectRoot } from '../src/paths';

const readmeFile = path.join(projectRoot, 'README.md');
const current = readFileSync(readmeFile, 'utf8');
const wanted = withAccessTable(current, renderAccessTable(declaredOperations(openapiDefinition())));
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error("README.md's access table is out of date: run npm run docs:access");
    process.exit(1);
  }
  console.log("README.md's access table is up to date");
} else {
  writeFileSync(readmeFile, wanted);
  console.log('wrote the access table of README.md');
}
