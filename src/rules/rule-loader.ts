import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { DocumentsFile, ProcedureFile } from '../generated/rule-files';
import { checkProcedures, procedureFiles, type LoadedProcedure } from './procedure-loader';
import { citationOf, strengthOf, type VersionEntry } from './citations';
import { conditionsOf, withDefaults } from './rule-expansion';
import type { Catalog, Department, ListType, LoadedRule, MemorandumMeta, RuleEvent, RuleFile } from './rule-types';
import { RuleFileError } from '../errors';

/** Re-exported: a bad rule or calendar file, naming path and field (src/errors.ts, so src/time needs no rules/). */
/** Words of a research note (not checked, not read, broken off): they belong in a basis's `gap`, not its citation. */
const RESEARCH_NOTE = /未核对|未读到|中断|未核实/;

export { RuleFileError };

/**
 * Loads rules/: the documents rules cite, departments, the catalogue of lists and scenarios, and one file per
 * memorandum. Every file is checked against its JSON Schema and against the others (documents, departments,
 * scenarios, lists exist); the first broken file stops start-up with its path and the broken field.
 */
export interface LoadedRules {
  departments: Department[];
  catalog: Catalog;
  /** version id (rules/documents.json) → the document and version */
  documents: Map<string, VersionEntry>;
  rules: LoadedRule[];
  files: { file: string; memorandum: MemorandumMeta }[];
  /** Objection, restoration and revocation procedures per list (rules/procedures/*.json), checked like the rest. */
  procedures: Map<ListType, LoadedProcedure>;
  /** Hash of every loaded file: changes whenever any rule, document, department or catalogue entry changes. */
  version: string;
}

// discriminator: a oneOf keyed by `type` (durations, terms) reports the errors of the branch the data names.
const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true });
addFormats(ajv);

function schemaValidator(rulesDir: string, name: string, definition?: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(rulesDir, 'schema', name), 'utf8')) as { $id?: string };
  if (schema.$id && !ajv.getSchema(schema.$id)) ajv.addSchema(schema);
  const ref = `${schema.$id ?? name}${definition ? `#/definitions/${definition}` : ''}`;
  return ajv.getSchema(ref) ?? ajv.compile(schema);
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
  return [...errors].sort(
    (a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length,
  )[0] as ErrorObject;
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

function validated<T>(validate: ValidateFunction, data: unknown, display: string, prefix = ''): T {
  if (!validate(data)) {
    const err = mostSpecific(validate.errors ?? []);
    const params = err.params as { additionalProperty?: string; missingProperty?: string };
    const extra = err.keyword === 'additionalProperties' ? ` (${String(params.additionalProperty)})` : '';
    // A missing property is named as the field itself, e.g. rules[2].basis.
    const at =
      err.keyword === 'required' && params.missingProperty
        ? `${err.instancePath}/${params.missingProperty}`
        : err.instancePath;
    const field = [prefix, fieldOf(at)].filter(Boolean).join(at.startsWith('/') && prefix ? '.' : '');
    throw new RuleFileError(display, field, `${err.message ?? 'is invalid'}${extra}`);
  }
  return data as T;
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

function loadDocuments(
  rulesDir: string,
  rel: (f: string) => string,
  hash: ReturnType<typeof createHash>,
): Map<string, VersionEntry> {
  const file = path.join(rulesDir, 'documents.json');
  const data = readJson(file, rel(file));
  const docs = validated<DocumentsFile>(schemaValidator(rulesDir, 'documents.schema.json'), data, rel(file)).documents;
  hash.update(JSON.stringify(data));
  const out = new Map<string, VersionEntry>();
  docs.forEach((document, i) =>
    document.versions.forEach((version, j) => {
      const at = `documents[${i}].versions[${j}]`;
      if (out.has(version.id)) throw new RuleFileError(rel(file), `${at}.id`, `duplicate version id "${version.id}"`);
      if (version.inForce?.until && version.inForce.until < version.inForce.from)
        throw new RuleFileError(rel(file), `${at}.inForce.until`, `is before inForce.from (${version.inForce.from})`);
      if (version.text && !existsSync(path.join(rulesDir, version.text)))
        throw new RuleFileError(rel(file), `${at}.text`, `no file ${version.text} under rules/`);
      out.set(version.id, { document, version });
    }),
  );
  return out;
}

export function loadRules(rulesDir: string): LoadedRules {
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const hash = createHash('sha256');
  const documents = loadDocuments(rulesDir, rel, hash);

  const depFile = path.join(rulesDir, 'departments.json');
  const depData = readJson(depFile, rel(depFile));
  const departments = validated<{ departments: Department[] }>(
    schemaValidator(rulesDir, 'departments.schema.json'),
    depData,
    rel(depFile),
  ).departments;
  hash.update(JSON.stringify(depData));

  const catFile = path.join(rulesDir, 'catalog.json');
  const catData = readJson(catFile, rel(catFile));
  const catalog = validated<Catalog>(schemaValidator(rulesDir, 'catalog.schema.json'), catData, rel(catFile));
  hash.update(JSON.stringify(catData));

  const listCodes = catalog.lists.map((l) => l.code as ListType);
  const depCodes = new Set<string>();
  departments.forEach((d, i) => {
    if (depCodes.has(d.code))
      throw new RuleFileError(rel(depFile), `departments[${i}].code`, `duplicate department code "${d.code}"`);
    depCodes.add(d.code);
    d.authorityFor.forEach((l, j) => {
      if (!listCodes.includes(l))
        throw new RuleFileError(rel(depFile), `departments[${i}].authorityFor[${j}]`, `unknown list type "${l}"`);
    });
  });
  const scenarioCodes = new Set(catalog.scenarios.map((s) => s.code));
  const roleCodes = new Set(catalog.relatedRoles.map((r) => r.code));
  const groundKeys = new Set<string>();
  (catalog.listingGrounds ?? []).forEach((g, i) => {
    const at = `listingGrounds[${i}]`;
    if (!listCodes.includes(g.list))
      throw new RuleFileError(rel(catFile), `${at}.list`, `unknown list type "${g.list}"`);
    if (groundKeys.has(`${g.list}/${g.code}`))
      throw new RuleFileError(rel(catFile), `${at}.code`, `duplicate ground "${g.code}" for the ${g.list} list`);
    groundKeys.add(`${g.list}/${g.code}`);
    if (blank(g.basis.document) || blank(g.basis.article))
      throw new RuleFileError(rel(catFile), `${at}.basis`, 'names no document and article');
    if (g.inForce?.until && g.inForce.until < g.inForce.from)
      throw new RuleFileError(rel(catFile), `${at}.inForce.until`, `is before inForce.from (${g.inForce.from})`);
    if (g.term.type === 'fixed' && g.term.extension && g.term.extension.maxYears < g.term.extension.minYears) {
      throw new RuleFileError(
        rel(catFile),
        `${at}.term.extension.maxYears`,
        `is below minYears (${g.term.extension.minYears})`,
      );
    }
  });
  (catalog.transitions ?? []).forEach((t, i) => {
    const at = `transitions[${i}]`;
    for (const k of ['from', 'to'] as const)
      if (!listCodes.includes(t[k])) throw new RuleFileError(rel(catFile), `${at}.${k}`, `unknown list type "${t[k]}"`);
    t.basis.forEach((b, j) => {
      if (b.version && !documents.has(b.version))
        throw new RuleFileError(rel(catFile), `${at}.basis[${j}].version`, `unknown document version "${b.version}"`);
    });
  });
  const groundCodes = new Set((catalog.listingGrounds ?? []).map((g) => g.code));

  const memoDir = path.join(rulesDir, 'memoranda');
  const fileValidator = schemaValidator(rulesDir, 'memorandum.schema.json');
  const resolvedValidator = schemaValidator(rulesDir, 'memorandum.schema.json', 'resolvedRule');
  const rules: LoadedRule[] = [];
  const files: LoadedRules['files'] = [];
  const codes = new Map<string, string>();
  const memoIds = new Map<string, string>();

  for (const name of readdirSync(memoDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = path.join(memoDir, name);
    const display = rel(file);
    const data = readJson(file, display);
    const rf = validated<RuleFile>(fileValidator, data, display);
    hash.update(name).update(JSON.stringify(data));
    const memo = rf.memorandum;

    const prior = memoIds.get(memo.id);
    if (prior) throw new RuleFileError(display, 'memorandum.id', `"${memo.id}" is already used by ${prior}`);
    memoIds.set(memo.id, display);
    memo.lists.forEach((l, i) => {
      if (!listCodes.includes(l as ListType))
        throw new RuleFileError(display, `memorandum.lists[${i}]`, `unknown list type "${l}"`);
    });
    if (memo.signatoryNames && memo.signatories !== undefined && memo.signatoryNames.length !== memo.signatories) {
      throw new RuleFileError(
        display,
        'memorandum.signatoryNames',
        `lists ${memo.signatoryNames.length} names but signatories is ${memo.signatories}`,
      );
    }

    rf.rules.forEach((fileRule, i) => {
      const at = `rules[${i}]`;
      const merged = withDefaults(rf.defaults, fileRule);
      const r = validated<
        Required<Pick<typeof merged, 'kind' | 'department' | 'reach' | 'duration' | 'provenance'>> & typeof merged
      >(resolvedValidator, merged, display, at);
      if (!depCodes.has(r.department))
        throw new RuleFileError(display, `${at}.department`, `unknown department "${r.department}"`);
      const basis = (r.basis ?? []).map((ref, j) => {
        const field = `${at}.basis[${j}]`;
        const entry = documents.get(ref.version);
        if (!entry)
          throw new RuleFileError(
            display,
            `${field}.version`,
            `unknown document version "${ref.version}" (rules/documents.json)`,
          );
        // 全国失信惩戒措施基础清单 (2021): no measure without a basis that names a document and an article.
        if (blank(ref.article))
          throw new RuleFileError(display, `${field}.article`, 'is blank: name the article or item');
        if (ref.text && !entry.version.text)
          throw new RuleFileError(
            display,
            `${field}.text`,
            `quotes ${ref.version}, whose text is not held under rules/`,
          );
        return citationOf(ref, entry);
      });
      // The basis handed to desks, orders and pages is the citation and the quoted text only (issue 20): what was
      // not read or checked is a `gap`, kept in the rule's provenance. A research note left in the citation is refused.
      (r.basis ?? []).forEach((ref, j) => {
        for (const field of ['article', 'text'] as const) {
          if (RESEARCH_NOTE.test(ref[field] ?? ''))
            throw new RuleFileError(display, `${at}.basis[${j}].${field}`, 'holds a research note: move it to `gap`');
        }
      });
      // A basis with a gap (not checked, not read) cannot make a rule verified (issue 14).
      const unchecked = (r.basis ?? []).findIndex((b) => b.gap !== undefined);
      if (r.provenance === 'verified' && unchecked >= 0) {
        throw new RuleFileError(
          display,
          `${at}.provenance`,
          `is verified, but basis[${unchecked}] cites an article not checked`,
        );
      }
      const provenanceGaps = (r.basis ?? []).flatMap((ref, j) =>
        ref.gap ? [{ document: basis[j]?.document ?? ref.version, article: ref.article, gap: ref.gap }] : [],
      );
      if (r.appliesTo && r.kind !== 'officer_ban')
        throw new RuleFileError(display, `${at}.appliesTo`, 'is for officer bans only');
      if (r.departmentAsNamed) {
        const named = memo.signatoryNames
          ? memo.signatoryNames.includes(r.departmentAsNamed)
          : basis.some((b) => b.text?.includes(r.departmentAsNamed as string));
        if (!named) {
          const where = memo.signatoryNames
            ? "is not among the memorandum's signatories"
            : 'is not named in the quoted basis text';
          throw new RuleFileError(display, `${at}.departmentAsNamed`, `"${r.departmentAsNamed}" ${where}`);
        }
      }
      (r.scenarios ?? []).forEach((s, j) => {
        if (!scenarioCodes.has(s)) throw new RuleFileError(display, `${at}.scenarios[${j}]`, `unknown scenario "${s}"`);
      });
      if (r.inForce?.until && r.inForce.until < r.inForce.from)
        throw new RuleFileError(display, `${at}.inForce.until`, `is before inForce.from (${r.inForce.from})`);

      const { conditions, leaves } = conditionsOf(rf.defaults, fileRule, at);
      if (leaves.length === 0 && !fileRule.conditions)
        throw new RuleFileError(
          display,
          `${at}.when`,
          'is missing: a rule needs a condition (here or in defaults.when)',
        );
      const known: Record<string, (v: unknown) => boolean> = {
        listType: (v) => listCodes.includes(v as ListType),
        subjectKind: (v) => v === 'enterprise' || v === 'person',
        relatedRoles: (v) => roleCodes.has(v as string),
        listingGround: (v) => groundCodes.has(v as string),
      };
      for (const leaf of leaves) {
        const isKnown = known[leaf.fact];
        const bad = isKnown && (Array.isArray(leaf.value) ? leaf.value : [leaf.value]).find((v) => !isKnown(v));
        if (bad !== undefined && bad !== false)
          throw new RuleFileError(display, leaf.field, `unknown ${leaf.fact} "${String(bad)}"`);
      }
      const ruleLists = listsOfCondition(conditions, listCodes) ?? listCodes;
      const undeclared = ruleLists.filter((l) => !memo.lists.includes(l));
      if (undeclared.length)
        throw new RuleFileError(
          display,
          `${at}.when`,
          `can match ${undeclared.join(', ')}, which memorandum.lists does not declare`,
        );
      const seen = codes.get(r.code);
      if (seen) throw new RuleFileError(display, `${at}.code`, `measure code "${r.code}" is already used in ${seen}`);
      codes.set(r.code, display);

      const params = {
        code: r.code,
        name: r.name,
        nameEn: r.nameEn,
        ...(r.category ? { category: r.category } : {}),
        department: r.department,
        ...(r.departmentAsNamed ? { departmentAsNamed: r.departmentAsNamed } : {}),
        basis,
        basisStrength: strengthOf(basis),
        reach: r.reach,
        duration: r.duration,
        ...(r.inForce ? { inForce: r.inForce } : {}),
        provenance: r.provenance,
        ...(r.provenanceNote ? { provenanceNote: r.provenanceNote } : {}),
        ...(provenanceGaps.length ? { provenanceGaps } : {}),
        ...(r.feedbackDueWorkingDays ? { feedbackDueWorkingDays: r.feedbackDueWorkingDays } : {}),
      };
      const event = (
        r.kind === 'measure'
          ? { type: 'measure', params: { ...params, scenarios: r.scenarios } }
          : {
              type: 'officer_ban',
              params: { ...params, roles: r.roles, ...(r.appliesTo ? { appliesTo: r.appliesTo } : {}) },
            }
      ) as RuleEvent;
      rules.push({
        id: `${memo.id}/${r.code}`,
        file: display,
        memorandum: memo,
        name: r.rule,
        conditions,
        event,
        lists: ruleLists,
        keywords: fileRule.keywords ?? [],
        basisVersions: (r.basis ?? []).map((b) => b.version),
        version: sha(JSON.stringify({ conditions, event })),
      });
    });
    files.push({ file: display, memorandum: memo });
  }
  if (rules.length === 0) throw new RuleFileError(rel(memoDir), '', 'holds no rule files');

  const procedureData = procedureFiles(rulesDir).map((file) => {
    const data = readJson(file, rel(file));
    hash.update(JSON.stringify(data));
    return {
      file,
      data: validated<ProcedureFile>(schemaValidator(rulesDir, 'procedure.schema.json'), data, rel(file)),
    };
  });
  const procedures = checkProcedures(rulesDir, rel, procedureData, departments, listCodes);

  return { departments, catalog, documents, rules, files, procedures, version: hash.digest('hex').slice(0, 16) };
}
