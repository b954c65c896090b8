import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Catalog, Department, ListType, LoadedRule, RuleFile } from './rule-types';
import { RuleFileError } from '../errors';

/** Re-exported: a bad rule or calendar file, naming path and field (src/errors.ts, so src/time needs no rules/). */
export { RuleFileError };

/**
 * Loads rules/: departments, the catalogue of lists and scenarios, and one file per memorandum.
 * Every file is checked against its JSON Schema and against the others (departments, scenarios, lists exist);
 * the first broken file stops start-up with its path and the broken field.
 */
export interface LoadedRules {
  departments: Department[];
  catalog: Catalog;
  rules: LoadedRule[];
  files: { file: string; memorandum: RuleFile['memorandum'] }[];
  /** Hash of every loaded file: changes whenever any rule, department or catalogue entry changes. */
  version: string;
}

// discriminator: a oneOf keyed by `type` (events, durations, terms) reports the errors of the branch the data names, not of every branch.
const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true });
addFormats(ajv);

function schemaValidator(rulesDir: string, name: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(rulesDir, 'schema', name), 'utf8')) as { $id?: string };
  return (schema.$id && ajv.getSchema(schema.$id)) || ajv.compile(schema);
}

function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
    .join('');
}

/** The deepest error says most about what is broken (oneOf reports every branch). */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0] as ErrorObject;
}

function readJson(file: string, display: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RuleFileError(display, '', `cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RuleFileError(display, '', `is not valid JSON: ${(e as Error).message}`);
  }
}

function validated<T>(validate: ValidateFunction, data: unknown, display: string): T {
  if (!validate(data)) {
    const err = mostSpecific(validate.errors ?? []);
    const params = err.params as { additionalProperty?: string; missingProperty?: string };
    const extra = err.keyword === 'additionalProperties' ? ` (${String(params.additionalProperty)})` : '';
    // A missing property is named as the field itself, e.g. rules[2].event.params.basis.
    const at = err.keyword === 'required' && params.missingProperty ? `${err.instancePath}/${params.missingProperty}` : err.instancePath;
    throw new RuleFileError(display, fieldOf(at), `${err.message ?? 'is invalid'}${extra}`);
  }
  return data as T;
}

/** The leaves {fact, value} of a condition tree, with their field paths. */
function conditionLeaves(node: unknown, at: string, out: { fact: string; field: string; value: unknown }[] = []): { fact: string; field: string; value: unknown }[] {
  if (!node || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  if (typeof n.fact === 'string') out.push({ fact: n.fact, field: `${at}.value`, value: n.value });
  for (const key of ['all', 'any'] as const) {
    const children = n[key];
    if (Array.isArray(children)) children.forEach((c, i) => conditionLeaves(c, `${at}.${key}[${i}]`, out));
  }
  if (n.not) conditionLeaves(n.not, `${at}.not`, out);
  return out;
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/** The list types a condition tree can match, read from its listType leaves; undefined when it does not constrain lists. */
function listsOfCondition(node: unknown, allLists: ListType[]): ListType[] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const n = node as Record<string, unknown>;
  if (n.fact === 'listType') {
    if (n.operator === 'equal') return [n.value as ListType];
    if (n.operator === 'in') return n.value as ListType[];
    if (n.operator === 'notEqual') return allLists.filter((l) => l !== n.value);
    if (n.operator === 'notIn') return allLists.filter((l) => !(n.value as string[]).includes(l));
    return undefined;
  }
  if (Array.isArray(n.all)) {
    // every branch must hold: intersect the constrained ones
    let acc: ListType[] | undefined;
    for (const child of n.all) {
      const l = listsOfCondition(child, allLists);
      if (l) acc = acc ? acc.filter((x) => l.includes(x)) : l;
    }
    return acc;
  }
  if (Array.isArray(n.any)) {
    const parts = n.any.map((c) => listsOfCondition(c, allLists));
    if (parts.some((p) => p === undefined)) return undefined;
    return [...new Set(parts.flat() as ListType[])];
  }
  return undefined;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export function loadRules(rulesDir: string): LoadedRules {
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const hash = createHash('sha256');

  const depFile = path.join(rulesDir, 'departments.json');
  const depData = readJson(depFile, rel(depFile));
  const departments = validated<{ departments: Department[] }>(schemaValidator(rulesDir, 'departments.schema.json'), depData, rel(depFile)).departments;
  hash.update(JSON.stringify(depData));

  const catFile = path.join(rulesDir, 'catalog.json');
  const catData = readJson(catFile, rel(catFile));
  const catalog = validated<Catalog>(schemaValidator(rulesDir, 'catalog.schema.json'), catData, rel(catFile));
  hash.update(JSON.stringify(catData));

  const listCodes = catalog.lists.map((l) => l.code as ListType);
  const depCodes = new Set<string>();
  departments.forEach((d, i) => {
    if (depCodes.has(d.code)) throw new RuleFileError(rel(depFile), `departments[${i}].code`, `duplicate department code "${d.code}"`);
    depCodes.add(d.code);
    d.authorityFor.forEach((l, j) => {
      if (!listCodes.includes(l)) throw new RuleFileError(rel(depFile), `departments[${i}].authorityFor[${j}]`, `unknown list type "${l}"`);
    });
  });
  const scenarioCodes = new Set(catalog.scenarios.map((s) => s.code));
  const roleCodes = new Set(catalog.relatedRoles.map((r) => r.code));
  const groundKeys = new Set<string>();
  (catalog.listingGrounds ?? []).forEach((g, i) => {
    const at = `listingGrounds[${i}]`;
    if (!listCodes.includes(g.list)) throw new RuleFileError(rel(catFile), `${at}.list`, `unknown list type "${g.list}"`);
    if (groundKeys.has(`${g.list}/${g.code}`)) throw new RuleFileError(rel(catFile), `${at}.code`, `duplicate ground "${g.code}" for the ${g.list} list`);
    groundKeys.add(`${g.list}/${g.code}`);
    if (blank(g.basis.document) || blank(g.basis.article)) throw new RuleFileError(rel(catFile), `${at}.basis`, 'names no document and article');
    if (g.inForce?.until && g.inForce.until < g.inForce.from) throw new RuleFileError(rel(catFile), `${at}.inForce.until`, `is before inForce.from (${g.inForce.from})`);
    if (g.term.type === 'fixed' && g.term.extension && g.term.extension.maxYears < g.term.extension.minYears) {
      throw new RuleFileError(rel(catFile), `${at}.term.extension.maxYears`, `is below minYears (${g.term.extension.minYears})`);
    }
  });
  const groundCodes = new Set((catalog.listingGrounds ?? []).map((g) => g.code));

  const memoDir = path.join(rulesDir, 'memoranda');
  const memoValidator = schemaValidator(rulesDir, 'memorandum.schema.json');
  const rules: LoadedRule[] = [];
  const files: LoadedRules['files'] = [];
  const codes = new Map<string, string>();
  const memoIds = new Map<string, string>();

  for (const name of readdirSync(memoDir).filter((f) => f.endsWith('.json')).sort()) {
    const file = path.join(memoDir, name);
    const display = rel(file);
    const data = readJson(file, display);
    const rf = validated<RuleFile>(memoValidator, data, display);
    hash.update(name).update(JSON.stringify(data));

    const prior = memoIds.get(rf.memorandum.id);
    if (prior) throw new RuleFileError(display, 'memorandum.id', `"${rf.memorandum.id}" is already used by ${prior}`);
    memoIds.set(rf.memorandum.id, display);
    rf.memorandum.lists.forEach((l, i) => {
      if (!listCodes.includes(l)) throw new RuleFileError(display, `memorandum.lists[${i}]`, `unknown list type "${l}"`);
    });

    rf.rules.forEach((rule, i) => {
      const at = `rules[${i}]`;
      const p = rule.event.params;
      if (!depCodes.has(p.department)) throw new RuleFileError(display, `${at}.event.params.department`, `unknown department "${p.department}"`);
      // 全国失信惩戒措施基础清单 (2021): no measure without a legal or policy basis that names a document and an article.
      p.basis.forEach((b, j) => {
        if (blank(b.document)) throw new RuleFileError(display, `${at}.event.params.basis[${j}].document`, 'is blank: every measure needs a legal or policy basis');
        if (blank(b.article)) throw new RuleFileError(display, `${at}.event.params.basis[${j}].article`, 'is blank: name the article or item');
      });
      if (rule.event.type === 'measure') {
        rule.event.params.scenarios.forEach((s, j) => {
          if (!scenarioCodes.has(s)) throw new RuleFileError(display, `${at}.event.params.scenarios[${j}]`, `unknown scenario "${s}"`);
        });
      }
      if (p.inForce?.until && p.inForce.until < p.inForce.from) {
        throw new RuleFileError(display, `${at}.event.params.inForce.until`, `is before inForce.from (${p.inForce.from})`);
      }
      for (const leaf of conditionLeaves(rule.conditions, `${at}.conditions`)) {
        const values = Array.isArray(leaf.value) ? leaf.value : [leaf.value];
        const known: Record<string, (v: unknown) => boolean> = {
          listType: (v) => listCodes.includes(v as ListType),
          subjectKind: (v) => v === 'enterprise' || v === 'person',
          relatedRoles: (v) => roleCodes.has(v as string),
          listingGround: (v) => groundCodes.has(v as string),
        };
        const isKnown = known[leaf.fact];
        const bad = isKnown && values.find((v) => !isKnown(v));
        if (bad !== undefined && isKnown) throw new RuleFileError(display, leaf.field, `unknown ${leaf.fact} "${String(bad)}"`);
      }
      const ruleLists = listsOfCondition(rule.conditions, listCodes) ?? listCodes;
      const undeclared = ruleLists.filter((l) => !rf.memorandum.lists.includes(l));
      if (undeclared.length) {
        throw new RuleFileError(display, `${at}.conditions`, `can match ${undeclared.join(', ')}, which memorandum.lists does not declare`);
      }
      const seen = codes.get(p.code);
      if (seen) throw new RuleFileError(display, `${at}.event.params.code`, `measure code "${p.code}" is already used in ${seen}`);
      codes.set(p.code, display);

      rules.push({
        id: `${rf.memorandum.id}/${p.code}`,
        file: display,
        memorandum: rf.memorandum,
        name: rule.name,
        conditions: rule.conditions,
        event: rule.event,
        lists: ruleLists,
        version: sha(JSON.stringify(rule)),
      });
    });
    files.push({ file: display, memorandum: rf.memorandum });
  }
  if (rules.length === 0) throw new RuleFileError(rel(memoDir), '', 'holds no rule files');

  return { departments, catalog, rules, files, version: hash.digest('hex').slice(0, 16) };
}
