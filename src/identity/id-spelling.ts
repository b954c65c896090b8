/**
 * An ID number can be written in many spellings that a reader (or a script) turns back into the number: grouped
 * with spaces or hyphens (`110105 19491231 8515`), with zero-width or other invisible characters inside, in
 * full-width, Arabic-Indic, Devanagari or any other Unicode decimal digits, as circled or superscript digits, or in
 * Chinese numerals (一一〇一〇五…). Every ID guard (the free-text guard, the redaction of answers, logs and audit
 * rows) first folds text to ASCII digits with this one function, so all of them see the same number.
 *
 * Folding, per character: NFKC (full-width, circled, superscript forms) to ASCII digits and X; any other Unicode
 * decimal digit (\p{Nd}) to its value; Chinese numerals (小写 and 大写) to their digit; separators (white space,
 * dashes) and invisible characters (format characters such as U+200B, combining marks) dropped. Everything else
 * stays as it is. `from[i]`/`to[i]` give, for folded character i, the span [from, to) of the original text it
 * came from, so a guard that finds a number can mask it where it was written.
 */
export interface FoldedText {
  folded: string;
  from: number[];
  to: number[];
}

const CHINESE_DIGITS: Record<string, string> = {
  〇: '0',
  零: '0',
  一: '1',
  壹: '1',
  二: '2',
  贰: '2',
  貳: '2',
  三: '3',
  叁: '3',
  參: '3',
  四: '4',
  肆: '4',
  五: '5',
  伍: '5',
  六: '6',
  陆: '6',
  陸: '6',
  七: '7',
  柒: '7',
  八: '8',
  捌: '8',
  九: '9',
  玖: '9',
};
const DROPPED = /^[\s\p{Pd}\p{Cf}\p{M}]$/u;
const DECIMAL = /^\p{Nd}$/u;

/**
 * A character that may be part of a spelled number, and the separators that may sit between them: the cheap test
 * that lets almost every text skip the fold.
 */
const DIGITISH = /^[\p{Nd}\p{No}XxＸｘⅩⅹ〇零一壹二贰貳三叁參四肆五伍六陆陸七柒八捌九玖]$/u;
const SEPARATOR = DROPPED;
/** Digit-like characters a stretch needs before it is folded: the length of the shorter, first-generation ID number. */
const STRETCH_DIGITS = 15;
/**
 * Characters of context folded on each side of a stretch: a guard may look a little past the number (a USCC holds
 * up to 3 characters before 15 of its digits and its check character after them).
 */
const CONTEXT = 4;

const OTHER = 0;
const DIGIT = 1;
const SEP = 2;
type CharClass = typeof OTHER | typeof DIGIT | typeof SEP;
const ASCII_CLASS = new Uint8Array(128).map((_, c) => classify(String.fromCharCode(c)));
const classCache = new Map<number, CharClass>();

function classify(ch: string): CharClass {
  return DIGITISH.test(ch) ? DIGIT : SEPARATOR.test(ch) ? SEP : OTHER;
}

function classOfCodePoint(cp: number): CharClass {
  if (cp < 128) return ASCII_CLASS[cp] as CharClass;
  let c = classCache.get(cp);
  if (c === undefined) {
    c = classify(String.fromCodePoint(cp));
    classCache.set(cp, c);
  }
  return c;
}

/** The value (0-9) of a Unicode decimal digit: decimal digits come in runs of ten, starting at zero. */
const decimalCache = new Map<number, string>();
function decimalValue(cp: number): string {
  const cached = decimalCache.get(cp);
  if (cached !== undefined) return cached;
  let start = cp;
  while (start > 0 && DECIMAL.test(String.fromCodePoint(start - 1))) start--;
  const value = String((cp - start) % 10);
  decimalCache.set(cp, value);
  return value;
}

/** The ASCII digits (or X) a character stands for, '' for a separator or invisible character, undefined otherwise. */
function foldChar(ch: string): string | undefined {
  if (ch >= '0' && ch <= '9') return ch;
  if (ch === 'X' || ch === 'x') return 'X';
  const chinese = CHINESE_DIGITS[ch];
  if (chinese) return chinese;
  if (DROPPED.test(ch)) return '';
  const nfkc = ch.normalize('NFKC');
  if (nfkc !== ch && /^[0-9Xx]+$/.test(nfkc)) return nfkc.toUpperCase();
  if (DECIMAL.test(ch)) return decimalValue(ch.codePointAt(0) as number);
  return undefined;
}

/**
 * Where in the text a long number may be spelled: each stretch of 15 or more digit-like characters (separators between
 * them allowed) with CONTEXT characters either side, as [start, end). Folding only these instead of the whole text
 * gives the same numbers (outside a stretch no run of 15 folded digits can form) and is what keeps the redaction of
 * a 1 MB answer (an entry page: UUIDs, dates and decision numbers everywhere) cheap. One pass over the UTF-16 code
 * units with a class table: a regular expression over the same classes restarted at every digit of the page and
 * cost more than the page itself.
 */
export function numberStretches(text: string): ReadonlyArray<readonly [number, number]> {
  // almost every text has no stretch: it gets the one shared empty array, and no closure or array is made for it
  if (text.length < STRETCH_DIGITS) return NO_STRETCHES;
  let out: Array<[number, number]> | undefined;
  let start = -1;
  let lastEnd = 0;
  let digits = 0;
  // one step past the end, as if an OTHER character were there, closes the last stretch
  for (let i = 0; i <= text.length; ) {
    const cp = i < text.length ? (text.codePointAt(i) as number) : -1;
    const width = cp > 0xffff ? 2 : 1;
    const c = cp < 0 ? OTHER : classOfCodePoint(cp);
    if (c === DIGIT) {
      if (start < 0) start = i;
      digits++;
      lastEnd = i + width;
    } else if (c === OTHER && start >= 0) {
      if (digits >= STRETCH_DIGITS) {
        const from = Math.max(0, start - CONTEXT);
        const to = Math.min(text.length, lastEnd + CONTEXT);
        const last = out?.[out.length - 1];
        if (last && from <= last[1]) last[1] = to;
        else (out ??= []).push([from, to]);
      }
      start = -1;
      digits = 0;
    }
    i += width;
  }
  return out ?? NO_STRETCHES;
}

const NO_STRETCHES: ReadonlyArray<readonly [number, number]> = Object.freeze([]);

export function foldDigits(text: string): FoldedText {
  let folded = '';
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldChar(ch);
    const end = i + ch.length;
    if (f === undefined) {
      folded += ch;
      for (let k = 0; k < ch.length; k++) {
        from.push(i);
        to.push(end);
      }
    } else {
      for (const c of f) {
        folded += c;
        from.push(i);
        to.push(end);
      }
    }
    i = end;
  }
  return { folded, from, to };
}
