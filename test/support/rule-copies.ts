import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rulesDir } from '../../src/paths';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit rule files as free-form JSON to break one field
export type Json = Record<string, any>;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of rules/ in a temporary folder (removed after the file's tests) with one file changed by `mutate`. */
export function brokenCopy(file: string, mutate: (data: Json) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jp-rules-'));
  dirs.push(dir);
  cpSync(rulesDir, dir, { recursive: true });
  const target = path.join(dir, file);
  const data = JSON.parse(readFileSync(target, 'utf8')) as Json;
  mutate(data);
  writeFileSync(target, JSON.stringify(data, null, 2));
  return dir;
}
