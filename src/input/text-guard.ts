import type { FieldError } from '../errors';
import { fieldError, textOf, type MessageCode } from '../i18n/messages';
import { containsIdNumber } from '../identity/id-number';
import { anyStringOrKey } from './any-string';

/** Fields whose value is an identifier checked on its own (check characters), never free text. */
const IDENTIFIER_KEYS = new Set(['idNumber', 'uscc']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What is wrong with a string an outside caller sent, before anything stores or echoes it:
 * - NUL: PostgreSQL text and jsonb cannot hold it (22021 / 22P05 would be a 500);
 * - a lone UTF-16 surrogate: not a character, and not encodable as UTF-8 (22P02, or a TypeError in a batch);
 * - a full 公民身份号码 in free text (a name, reason, note, label…): it would be stored and shown to every
 *   department; ID numbers belong in idNumber fields, which are kept only as a keyed hash and a mask.
 */
function textProblemCode(key: string, value: string): MessageCode | null {
  if (value.includes('\u0000')) return 'nul_char';
  if (LONE_SURROGATE.test(value)) return 'lone_surrogate';
  if (!IDENTIFIER_KEYS.has(key) && containsIdNumber(value)) return 'id_in_text';
  return null;
}

/** textProblemCode's message in English. */
export function textProblem(key: string, value: string): string | null {
  const code = textProblemCode(key, value);
  return code && textOf({ code }, 'en');
}

/** Every string in a parsed body, query or path, checked with textProblem; paths as the API names fields. */
export function textProblemsOf(value: unknown, path = '', key = ''): FieldError[] {
  const clean = !anyStringOrKey(
    value,
    (text, k) => textProblemCode(k, text) !== null,
    (k) => textProblemCode('key', k) !== null,
    key,
  );
  return clean ? [] : problemsAt(value, path, key);
}

/** textProblemsOf for a value that has a problem somewhere: each one with its path. */
function problemsAt(value: unknown, path: string, key: string): FieldError[] {
  if (typeof value === 'string') {
    const problem = textProblemCode(key, value);
    return problem ? [fieldError(path || 'body', problem)] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => problemsAt(v, `${path}[${i}]`, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const keyProblem = textProblem('key', k);
      const here = path ? `${path}.${k}` : k;
      return keyProblem ? [{ path: redactKey(here), message: `field name ${keyProblem}` }] : problemsAt(v, here, k);
    });
  }
  return [];
}

/** A field name that is itself hostile is not echoed as sent. */
function redactKey(path: string): string {
  return path.replace(/[\uD800-\uDFFF\u0000]/g, '?');
}
