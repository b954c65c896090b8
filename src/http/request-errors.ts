import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors';
import { fieldError, type MessageCode, type Params } from '../i18n/messages';

/**
 * The most field errors one body or one batch row reports: enough for every field of an entry, few enough that a
 * hostile body (300,000 bad array items in 1 MB) costs an answer of a few hundred bytes.
 */
export const MAX_FIELD_ERRORS = 20;

/**
 * openapi-backend reports Ajv errors against { requestBody, query, path, headers }. Clients want the field:
 * `subject.uscc`, `relatedPersons[0].idNumber`, `limit`. A oneOf (enterprise or person subject) reports every branch;
 * we keep the branch that got furthest, and one message per field. Linear in the number of Ajv errors (a hostile
 * body yields hundreds of thousands) and capped at MAX_FIELD_ERRORS, the last of which says how many were left out.
 */
export function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const relevant = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const pathOf = (e: ErrorObject) => {
    const segs = e.instancePath.split('/').filter(Boolean).map(unescapePointer);
    const extra = e.params as { missingProperty?: string; additionalProperty?: string };
    if (e.keyword === 'required' && extra.missingProperty) segs.push(extra.missingProperty);
    if (e.keyword === 'additionalProperties' && extra.additionalProperty) segs.push(extra.additionalProperty);
    return segs;
  };

  // Within a oneOf, the branch whose errors lie deepest is the one the client meant.
  const depth = (e: ErrorObject) => pathOf(e).length;
  const byBranch = new Map<string, ErrorObject[]>();
  for (const e of relevant) {
    const branch = /\/oneOf\/\d+/.exec(e.schemaPath)?.[0] ?? '';
    const list = byBranch.get(branch);
    if (list) list.push(e);
    else byBranch.set(branch, [e]);
  }
  let chosen = relevant;
  if (byBranch.size > 1) {
    const plain = byBranch.get('') ?? [];
    const branches = [...byBranch.entries()].filter(([k]) => k !== '');
    const kindMismatch = (errs: ErrorObject[]) =>
      errs.some((e) => e.instancePath.endsWith('/kind') && e.keyword === 'enum');
    // each branch's facts once (never a spread of a huge array into Math.max, which also overflows the stack)
    const facts = new Map(
      branches.map(([k, errs]) => [
        k,
        { mismatch: kindMismatch(errs), deepest: errs.reduce((m, e) => Math.max(m, depth(e)), 0) },
      ]),
    );
    const of = (k: string) => facts.get(k) as { mismatch: boolean; deepest: number };
    branches.sort(
      ([ka, a], [kb, b]) =>
        Number(of(ka).mismatch) - Number(of(kb).mismatch) || of(kb).deepest - of(ka).deepest || a.length - b.length,
    );
    chosen = plain.concat(branches[0]?.[1] ?? []);
  }

  const out = new Map<string, FieldError>();
  for (const e of chosen) {
    const segs = pathOf(e);
    const [root, ...rest] = segs;
    const field = (root === 'requestBody' || root === 'query' || root === 'path' || root === 'headers' ? rest : segs)
      .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
      .join('');
    const path = field || (root === 'requestBody' ? 'body' : (root ?? 'body'));
    if (!out.has(path)) {
      const { code, params } = messageOf(e);
      out.set(path, fieldError(path, code, params));
    }
  }
  return capped([...out.values()]);
}

/** The patterns of openapi/openapi.yaml, by what they ask for in the sender's terms. */
const PATTERNS: Record<string, MessageCode> = {
  '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$': 'uscc_shape',
  '^[0-9]{17}[0-9Xx]$': 'id_shape',
  '^[a-z][a-z0-9_]*$': 'code_shape',
  '^[a-z_]+$': 'code_shape',
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2}))?$': 'date_or_time',
};
const FORMATS: Record<string, MessageCode> = { date: 'date', 'date-time': 'date_time', uuid: 'uuid', uri: 'uri' };

/**
 * What an Ajv error asks of the field, as a message of the catalogue: never Ajv's own text, which speaks of
 * keywords and regular expressions (`must match pattern "^[0-9]{17}[0-9Xx]$"`).
 */
function messageOf(e: ErrorObject): { code: MessageCode; params?: Params } {
  const p = e.params as Record<string, unknown>;
  const limit = Number(p.limit);
  switch (e.keyword) {
    case 'required':
      return { code: 'required' };
    case 'additionalProperties':
      return { code: 'unknown_field' };
    case 'enum':
      return { code: 'one_of', params: { values: ((p.allowedValues as unknown[]) ?? []).join(', ') } };
    case 'const':
      return { code: 'one_of', params: { values: String(p.allowedValue) } };
    case 'format':
      return { code: FORMATS[String(p.format)] ?? 'bad_form' };
    case 'pattern':
      return { code: PATTERNS[String(p.pattern)] ?? 'bad_form' };
    case 'type':
      return { code: 'type', params: { type: String(p.type).split(',')[0] ?? '' } };
    case 'minLength':
      return limit <= 1 ? { code: 'empty' } : { code: 'min_length', params: { limit } };
    case 'maxLength':
      return { code: 'max_length', params: { limit } };
    case 'minimum':
    case 'exclusiveMinimum':
      return { code: 'minimum', params: { limit } };
    case 'maximum':
    case 'exclusiveMaximum':
      return { code: 'maximum', params: { limit } };
    case 'minItems':
      return { code: 'min_items', params: { limit } };
    case 'maxItems':
      return { code: 'max_items', params: { limit } };
    case 'uniqueItems':
      return { code: 'unique_items' };
    case 'parse':
      return { code: 'not_json' };
    default:
      return { code: 'invalid' };
  }
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** At most MAX_FIELD_ERRORS errors; when more were found, the last one says how many were left out. */
export function capped(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_FIELD_ERRORS) return errors;
  const shown = errors.slice(0, MAX_FIELD_ERRORS - 1);
  const left = errors.length - shown.length;
  return [...shown, fieldError('body', 'more_errors', { left })];
}
