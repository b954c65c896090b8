import type { FieldError } from '../errors';
import { fieldError, type MessageCode } from '../i18n/messages';
import { anyStringOrKey } from './any-string';

/** C0 and C1 control characters other than tab: never in a name or decision number typed by a person. */
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
/** The same, but line breaks (LF, CR) pass: a reason may span lines (a spreadsheet cell with Alt+Enter). */
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Free-text fields that may hold several lines. */
const MULTILINE = new Set(['reason']);
/**
 * Mojibake a decoder left behind: 锟斤拷 (U+FFFD's UTF-8 bytes read as GBK, the classic of Chinese files), and UTF-8
 * read as Latin-1/Windows-1252: a lead byte Â–ô followed by a continuation byte shown as a Latin-1 or cp1252 sign
 * (Ã©, ä¸­, â€œ).
 */
const MOJIBAKE =
  /锟斤拷|[\u00C2-\u00F4][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018-\u201A\u201C-\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/;

/**
 * Why a text was evidently decoded wrongly or carries invisible control bytes, or null: stored, it would be a
 * wrong name on a list (the subject could not be found, or a different one would be).
 */
function garbledTextProblem(value: string, multiline = false): MessageCode | null {
  if (value.includes('\uFFFD')) return 'replacement_char';
  if ((multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value)) return 'control_char';
  if (MOJIBAKE.test(value)) return 'mojibake';
  return null;
}

/** Every string of a parsed input checked with garbledTextProblem, by field path as the API names fields. */
export function garbledFieldsOf(value: unknown, path = '', key = ''): FieldError[] {
  const clean = !anyStringOrKey(
    value,
    (text, k) => garbledTextProblem(text, MULTILINE.has(k)) !== null,
    undefined,
    key,
  );
  return clean ? [] : garbledAt(value, path, key);
}

/** garbledFieldsOf for a value with a garbled string somewhere: each one with its path. */
function garbledAt(value: unknown, path: string, key: string): FieldError[] {
  if (typeof value === 'string') {
    const multiline = MULTILINE.has(key);
    const problem = garbledTextProblem(value, multiline);
    return problem
      ? [fieldError(path || 'body', problem, problem === 'control_char' ? { multiline: Number(multiline) } : undefined)]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => garbledAt(v, `${path}[${i}]`, key));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => garbledAt(v, path ? `${path}.${k}` : k, k));
  return [];
}
