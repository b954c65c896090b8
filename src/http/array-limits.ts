import type { FieldError } from '../errors';
import { fieldError } from '../i18n/messages';

/** The parts of a JSON Schema that bound arrays; `$ref`s point into components.schemas. */
export interface ArraySchema {
  $ref?: string;
  maxItems?: number;
  items?: ArraySchema;
  properties?: Record<string, ArraySchema>;
}

type Resolve = (ref: string) => ArraySchema | undefined;
const noRefs: Resolve = () => undefined;

/**
 * The value with every array longer than its schema's maxItems cut to maxItems + 1 items: Ajv (with allErrors)
 * still reports the limit, but checks 51 items, not 300,000. Follows properties, items and $ref; a oneOf is left
 * as it is (no bounded array lies under one in this API). Unchanged parts are shared, not copied.
 */
export function cutOversizedArrays(
  schema: ArraySchema | undefined,
  value: unknown,
  resolve: Resolve = noRefs,
): unknown {
  const s = schema?.$ref ? resolve(schema.$ref) : schema;
  if (!s) return value;
  if (Array.isArray(value)) {
    const kept = s.maxItems !== undefined && value.length > s.maxItems ? value.slice(0, s.maxItems + 1) : value;
    if (!s.items) return kept;
    const items = kept.map((v) => cutOversizedArrays(s.items, v, resolve));
    return items.every((v, i) => v === value[i]) && kept === value ? value : items;
  }
  if (value && typeof value === 'object' && s.properties) {
    const props = s.properties;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = props[k] ? cutOversizedArrays(props[k], v, resolve) : v;
      if (out[k] !== v) changed = true;
    }
    return changed ? out : value;
  }
  return value;
}

/** Arrays longer than their schema's maxItems, by field path, found without looking into their items. */
export function oversizedArrays(
  schema: ArraySchema | undefined,
  value: unknown,
  resolve: Resolve = noRefs,
  path = '',
): FieldError[] {
  // asked first, without paths: a path and a flatMap per field of every row was garbage for rows that have none
  return anyOversized(schema, value, resolve) ? oversizedAt(schema, value, resolve, path) : [];
}

function anyOversized(schema: ArraySchema | undefined, value: unknown, resolve: Resolve): boolean {
  const s = schema?.$ref ? resolve(schema.$ref) : schema;
  if (!s) return false;
  // loops, as in anyStringOrKey (src/input/any-string.ts): no closure or key array for each of a row's objects
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) return true;
    if (s.items) for (const v of value) if (anyOversized(s.items, v, resolve)) return true;
    return false;
  }
  if (value && typeof value === 'object' && s.properties) {
    const props = s.properties;
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      if (props[k] && anyOversized(props[k], (value as Record<string, unknown>)[k], resolve)) return true;
    }
  }
  return false;
}

/** oversizedArrays for a value with an oversized array somewhere: each one with its path. */
function oversizedAt(schema: ArraySchema | undefined, value: unknown, resolve: Resolve, path: string): FieldError[] {
  const s = schema?.$ref ? resolve(schema.$ref) : schema;
  if (!s) return [];
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems)
      return [fieldError(path || 'row', 'too_many_items', { limit: s.maxItems, count: value.length })];
    return s.items ? value.flatMap((v, i) => oversizedAt(s.items, v, resolve, `${path}[${i}]`)) : [];
  }
  if (value && typeof value === 'object' && s.properties) {
    const props = s.properties;
    return Object.entries(value).flatMap(([k, v]) =>
      props[k] ? oversizedAt(props[k], v, resolve, path ? `${path}.${k}` : k) : [],
    );
  }
  return [];
}
