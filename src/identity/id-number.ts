import { foldDigits, numberStretches } from './id-spelling';
import { textOf, type MessageCode } from '../i18n/messages';
import { usccProblem } from './uscc';

/**
 * 公民身份号码 (GB 11643-1999): 6-digit address, 8-digit birth date, 3-digit sequence, ISO 7064 MOD 11-2 check.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK[sum % 11] as string;
}

export function normaliseIdNumber(id: string): string {
  return id.trim().toUpperCase();
}

/** Why an ID number is invalid, as a message of the catalogue, or null when it is valid. */
export function idNumberProblemCode(raw: string): MessageCode | null {
  const id = normaliseIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(id)) return 'id_shape';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return 'id_birth';
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return 'id_check';
  return null;
}

/** Why an ID number is invalid (in English), or null when it is valid. */
export function idNumberProblem(raw: string): string | null {
  const problem = idNumberProblemCode(raw);
  return problem && textOf({ code: problem }, 'en');
}

/**
 * Display form: the address code and the check character, nothing else, e.g. 110105***********X.
 *
 * WHY so little: the earlier form (110105********002X) left only the birth date unknown, ~3,600 candidates per
 * century that pass the check character, and one look-up each told which was listed. Hiding the sequence too leaves
 * 36,525 birth dates (1925–2024) × 1,000 sequences / 11 check characters ≈ 3,320,000 candidates
 * (test/id-masking.test.ts counts them); at the per-token look-up limit that is years of requests, each audited.
 */
export function maskIdNumber(raw: string): string {
  const id = normaliseIdNumber(raw);
  return `${id.slice(0, 6)}***********${id.slice(17)}`;
}

/** Province-level codes (GB/T 2260): the first two digits of every address code. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
  64, 65, 71, 81, 82,
]);

/**
 * A first-generation ID number (15 digits: address, YYMMDD birth date in the 1900s, sequence; no check character),
 * still printed on old records. Not when the 15 digits are an old business registration number (注册号, GB
 * 15-2006: its last digit is an ISO 7064 MOD 11,10 check), which a reason may well quote.
 */
function isFirstGenerationId(d15: string): boolean {
  if (!/^\d{15}$/.test(d15) || !PROVINCES.has(Number(d15.slice(0, 2)))) return false;
  const y = 1900 + Number(d15.slice(6, 8));
  const m = Number(d15.slice(8, 10));
  const d = Number(d15.slice(10, 12));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return false;
  return !isRegistrationNumber(d15);
}

function isRegistrationNumber(d15: string): boolean {
  let p = 10;
  for (let i = 0; i < 14; i++) {
    const s = (p % 11) + Number(d15[i]);
    p = (s % 10 || 10) * 2;
  }
  return (11 - (p % 11)) % 10 === Number(d15[14]);
}

/** A number found in text: where it was written [start, end), its folded digits and its generation. */
interface FoundId {
  start: number;
  end: number;
  /** Original offsets of the characters to mask: the birth date and sequence (and nothing of the check character). */
  maskFrom: number;
  maskTo: number;
  digits: string;
}

/**
 * Where a text holds a valid ID number in any spelling (see foldDigits): an 18-character one (check character and
 * birth date) in any 18-character window of a longer digit run, or a 15-digit first-generation one in a run of 15
 * to 17 digits. Detection errs towards finding.
 */
function findIds(text: string): readonly FoundId[] {
  const stretches = numberStretches(text);
  // the common case, a text without a long number, allocates nothing
  return stretches.length === 0
    ? NOT_FOUND
    : stretches.flatMap(([start, end]) => findIdsIn(text.slice(start, end), start));
}

const NOT_FOUND: readonly FoundId[] = Object.freeze([]);

/** findIds in one stretch of a text that starts at `offset` in it. */
function findIdsIn(text: string, offset: number): FoundId[] {
  const { folded, from, to } = foldDigits(text);
  const hits: FoundId[] = [];
  const at = (i: number, j: number, maskStart: number, maskEnd: number, digits: string): FoundId => ({
    start: offset + (from[i] as number),
    end: offset + (to[j - 1] as number),
    maskFrom: offset + (from[maskStart] as number),
    maskTo: offset + (to[maskEnd - 1] as number),
    digits,
  });
  const runs = /\d{15,}[\dX]?/g;
  let run: RegExpExecArray | null;
  while ((run = runs.exec(folded)) !== null) {
    const r = run[0];
    const base = run.index;
    for (let k = 0; k + 18 <= r.length; k++) {
      const id = r.slice(k, k + 18);
      if (idNumberProblem(id) === null) hits.push(at(base + k, base + k + 18, base + k + 6, base + k + 17, id));
    }
    if (r.length <= 17) {
      for (let k = 0; k + 15 <= r.length; k++) {
        const id = r.slice(k, k + 15);
        if (isFirstGenerationId(id) && !insideUscc(folded, base + k))
          hits.push(at(base + k, base + k + 15, base + k + 6, base + k + 15, id));
      }
    }
  }
  return hits;
}

/** Whether 15 digits at `at` lie inside a valid 统一社会信用代码 (18 characters, up to 3 of them before). */
function insideUscc(folded: string, at: number): boolean {
  for (let p = Math.max(0, at - 3); p <= at; p++) {
    const code = folded.slice(p, p + 18).toUpperCase();
    if (code.length === 18 && usccProblem(code) === null) return true;
  }
  return false;
}

/** Where a string holds an ID number in any spelling: [start, end) offsets in the string as written. */
export function findIdNumbers(text: string): Array<[number, number]> {
  return findIds(text).map((h) => [h.start, h.end]);
}

export function containsIdNumber(text: string): boolean {
  return findIds(text).length > 0;
}

/**
 * Where a code that is both a valid USCC and a valid ID number is a USCC: the value of a uscc field, or the
 * enterprise in a check's URL. Anywhere else it is masked: about one ID number in 340 of the regions whose codes
 * start like a USCC (11…, 12…, 13…, 51…) passes the USCC checks too, and was shown in full.
 */
const USCC_CONTEXT = /(?:uscc"\s*:\s*"|enterprises\/|uscc=)$/i;

/**
 * Text on its way out in pieces (a streamed answer), with the codes in it that stand as USCCs where no field name
 * says so (the USCC column of a CSV): the redaction leaves those whole, as it does the value of a JSON uscc field.
 */
export interface OutgoingText {
  text: string;
  usccs?: ReadonlySet<string>;
}

/**
 * The text with every ID number in it masked: birth date and sequence become '*' where they were written, in
 * whatever spelling, separators inside kept (110105***********X for the plain form, as maskIdNumber gives): the one
 * redaction used for answers, logs and audit rows. A number that is also a valid 统一社会信用代码 is left alone where it stands
 * as one (USCC_CONTEXT): an all-digit USCC of a region such as 110119 (延庆) can pass the ID number's date and check
 * too (a few in a thousand), and a check answer must not corrupt the code it names. `usccs`: codes that stand as
 * USCCs in this text without a field name before them (OutgoingText); only a code that is a valid USCC is spared.
 */
export function redactIdNumbers(text: string, usccs?: ReadonlySet<string>): string {
  const hits = findIds(text).filter(
    (h) =>
      !insideUuid(text, h) &&
      (h.digits.length !== 18 ||
        usccProblem(h.digits) !== null ||
        !(usccs?.has(h.digits) || USCC_CONTEXT.test(text.slice(Math.max(0, h.start - 24), h.start)))),
  );
  if (hits.length === 0) return text;
  const units = text.split('');
  for (const h of hits) {
    for (let i = h.maskFrom; i < h.maskTo; i++) {
      const c = units[i] as string;
      // Separators and invisible characters between the digits stay; every digit-like unit becomes '*'.
      if (!/^[\s\p{Pd}\p{Cf}\p{M}]$/u.test(c)) units[i] = '*';
    }
  }
  return units.join('');
}

/**
 * The service's own identifiers (entries, orders, requests) are UUIDs, and their hex digits read across the hyphens
 * can spell a valid ID number (about one UUID in a few thousand: 15 digits from the third group on make a
 * first-generation one). Masked, the answer named an entry that does not exist. A UUID-shaped token is never masked;
 * free text still cannot carry an ID number so spelled, because intake refuses it (containsIdNumber, src/input/text-guard.ts).
 */
const UUID = /(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])/gi;

function insideUuid(text: string, hit: FoundId): boolean {
  const from = Math.max(0, hit.start - 36);
  const near = text.slice(from, hit.end + 36);
  for (const m of near.matchAll(UUID)) {
    const start = from + (m.index as number);
    if (hit.start < start + m[0].length && start < hit.end) return true;
  }
  return false;
}

/** decodeURIComponent that never throws: a malformed escape stays as it was. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
      const code = parseInt(hex, 16);
      return code < 0x80 ? String.fromCharCode(code) : whole;
    });
  }
}

/** A URL (path and query) as it may be logged or echoed: percent-encoding decoded first, then ID numbers masked. */
export function redactUrl(url: string): string {
  return redactIdNumbers(safeDecode(url));
}
