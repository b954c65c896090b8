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

export function idNumberProblem(raw: string): string | null {
  const id = normaliseIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(id)) return 'must be 17 digits and a digit or X';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return 'has an impossible birth date';
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return 'the check character (position 18) is wrong';
  return null;
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

/** Full-width digits and X (０-９, Ｘ, ｘ) read as ASCII: the same ID number in another spelling. Length-preserving. */
function asciiDigits(s: string): string {
  return s.replace(/[\uFF10-\uFF19\uFF38\uFF58]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 0xff38 || code === 0xff58 ? 'X' : String.fromCharCode(code - 0xff10 + 48);
  });
}

/**
 * Where a string holds a valid 18-character ID number (check character and birth date), in any 18-character window
 * of a longer digit run too, and in full-width digits: [start, end) offsets. Detection errs towards finding.
 */
export function findIdNumbers(text: string): Array<[number, number]> {
  if (text.length < 18) return [];
  const s = asciiDigits(text);
  // The cheap test first: most text (every check answer) has no run of 17 digits at all.
  if (!/\d{17}/.test(s)) return [];
  const hits: Array<[number, number]> = [];
  const window = /(?=(\d{17}[\dXx]))/g;
  let m: RegExpExecArray | null;
  while ((m = window.exec(s)) !== null) {
    if (idNumberProblem(m[1] as string) === null) hits.push([m.index, m.index + 18]);
    window.lastIndex = m.index + 1;
  }
  return hits;
}

export function containsIdNumber(text: string): boolean {
  return findIdNumbers(text).length > 0;
}

/**
 * The text with every ID number in it masked (maskIdNumber): the one redaction used for answers, logs and audit rows.
 * A window that is also a valid 统一社会信用代码 is left alone: an all-digit USCC of a region such as 110119 (延庆)
 * can pass the ID number's date and check too (a few in a thousand), and a check answer must not corrupt the code it names.
 */
export function redactIdNumbers(text: string): string {
  const hits = findIdNumbers(text).filter(([start, end]) => usccProblem(text.slice(start, end)) !== null);
  if (hits.length === 0) return text;
  // Offsets are UTF-16 code units, and only BMP digits match, so the text is masked unit by unit.
  const units = text.split('');
  for (const [start, end] of hits) {
    for (let i = start + 6; i < end - 1; i++) units[i] = '*';
  }
  return units.join('');
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
