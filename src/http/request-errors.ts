import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors';

/**
 * openapi-backend reports Ajv errors against { requestBody, query, path, headers }. Clients want the field:
 * `subject.uscc`, `relatedPersons[0].idNumber`, `limit`. A oneOf (enterprise or person subject) reports every branch;
 * we keep the branch that got furthest, and one message per field.
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
  const messageOf = (e: ErrorObject) => {
    if (e.keyword === 'required') return 'is required';
    if (e.keyword === 'additionalProperties') return 'is not a known field';
    if (e.keyword === 'enum')
      return `must be one of: ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`;
    return e.message ?? 'is invalid';
  };

  // Within a oneOf, the branch whose errors lie deepest is the one the client meant.
  const depth = (e: ErrorObject) => pathOf(e).length;
  const byBranch = new Map<string, ErrorObject[]>();
  for (const e of relevant) {
    const branch = /\/oneOf\/\d+/.exec(e.schemaPath)?.[0] ?? '';
    byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
  }
  let chosen = relevant;
  if (byBranch.size > 1) {
    const plain = byBranch.get('') ?? [];
    const branches = [...byBranch.entries()].filter(([k]) => k !== '');
    const kindMismatch = (errs: ErrorObject[]) =>
      errs.some((e) => e.instancePath.endsWith('/kind') && e.keyword === 'enum');
    branches.sort(
      ([, a], [, b]) =>
        Number(kindMismatch(a)) - Number(kindMismatch(b)) ||
        Math.max(...b.map(depth)) - Math.max(...a.map(depth)) ||
        a.length - b.length,
    );
    chosen = [...plain, ...(branches[0]?.[1] ?? [])];
  }

  const out = new Map<string, FieldError>();
  for (const e of chosen) {
    const segs = pathOf(e);
    const [root, ...rest] = segs;
    const field = (root === 'requestBody' || root === 'query' || root === 'path' || root === 'headers' ? rest : segs)
      .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
      .join('');
    const path = field || (root === 'requestBody' ? 'body' : (root ?? 'body'));
    if (!out.has(path)) out.set(path, { path, message: messageOf(e) });
  }
  return [...out.values()];
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}
