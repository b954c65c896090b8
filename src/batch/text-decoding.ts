import iconv from 'iconv-lite';
import { ValidationError } from '../errors';
import { fieldError } from '../i18n/messages';

/** The charsets a list authority's files come in: UTF-8, and what Excel on Chinese Windows saves (GBK ⊂ GB18030). */
export type FileEncoding = 'utf-8' | 'gb18030';

const ALIASES: Record<string, FileEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  gb18030: 'gb18030',
  cp936: 'gb18030',
};

/** A declared charset (Content-Type charset, the CLI's --encoding) as one we decode, or a 415-worthy error. */
export function encodingOf(declared: string): FileEncoding {
  const e = ALIASES[declared.trim().toLowerCase()];
  if (!e) throw new UnsupportedCharsetError(`charset ${declared} is not supported; send utf-8, gbk or gb18030`);
  return e;
}

class UnsupportedCharsetError extends Error {
  override readonly name = 'UnsupportedMediaError';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The text of a CSV file and the encoding it was read in. A declared charset is obeyed; without one the bytes
 * decide: a UTF-8 BOM or valid UTF-8 is UTF-8, otherwise GB18030 (a superset of GBK). Bytes the chosen encoding
 * cannot read, or a file whose lines are partly UTF-8 and partly not (two files pasted together), refuse the whole
 * file with 400 naming the row of the first bad byte: decoding them would store replacement characters or mojibake.
 */
export function decodeText(bytes: Buffer, declared?: FileEncoding): { text: string; encoding: FileEncoding } {
  const hasBom = bytes.subarray(0, 3).equals(BOM);
  const encoding: FileEncoding = declared ?? (hasBom || isUtf8(bytes) ? 'utf-8' : 'gb18030');
  if (encoding === 'utf-8') {
    if (!isUtf8(bytes))
      throw badBytes(
        firstLine(bytes, (line) => !isUtf8(line)),
        'UTF-8',
      );
    return { text: bytes.toString('utf8').replace(/^\uFEFF/, ''), encoding };
  }
  const lines = splitLines(bytes);
  // A GB18030 line that is also valid, non-ASCII UTF-8 is almost certainly UTF-8: a whole line of GBK Chinese
  // practically never forms valid UTF-8 sequences. Such a file mixes encodings.
  const mixed = !declared && lines.some((l) => !isAscii(l) && isUtf8(l));
  if (mixed)
    throw badBytes(
      firstLine(bytes, (line) => !isUtf8(line)),
      'mixed',
    );
  const text = iconv.decode(bytes, 'gb18030');
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) throw badBytes(countNewlines(text.slice(0, bad)) + 1, encoding.toUpperCase());
  return { text, encoding };
}

/**
 * The encoding of a file read as a stream, decided as decodeText decides (declared, else BOM or valid UTF-8, else
 * GB18030), without holding the file: lines are checked one at a time. A file mixing UTF-8 and GBK lines is refused
 * naming the first line that is not UTF-8. Bytes GB18030 cannot read become U+FFFD, which rejects their row.
 */
export async function sniffEncoding(chunks: AsyncIterable<Buffer>): Promise<FileEncoding> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  let firstBad: number | undefined;
  let utf8Line = false;
  let first = true;
  const check = (l: Buffer) => {
    line++;
    if (isAscii(l)) return;
    if (isUtf8(l)) utf8Line = true;
    else firstBad ??= line;
  };
  for await (const chunk of chunks) {
    let bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (first && bytes.length >= 3) {
      if (bytes.subarray(0, 3).equals(BOM)) return 'utf-8';
      first = false;
    }
    let start = 0;
    for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, start)) {
      check(bytes.subarray(start, i));
      start = i + 1;
    }
    bytes = bytes.subarray(start);
    carry = Buffer.from(bytes);
  }
  if (carry.length) check(carry);
  if (firstBad === undefined) return 'utf-8';
  if (utf8Line) throw badBytes(firstBad, 'one encoding (it mixes UTF-8 with GBK)');
  return 'gb18030';
}

/** `expected`: the encoding the bytes are not in, or 'mixed' for a file mixing UTF-8 and GBK lines. */
function badBytes(line: number, expected: string): ValidationError {
  const row = line - 1;
  const path = row >= 1 ? `row ${row}` : 'header';
  return ValidationError.of('bad_encoding', [fieldError(path, 'bad_bytes', { row: Math.max(row, 0), line, expected })]);
}

function splitLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, start)) {
    out.push(bytes.subarray(start, i));
    start = i + 1;
  }
  out.push(bytes.subarray(start));
  return out;
}

/** The 1-based number of the first line for which `bad` holds. */
function firstLine(bytes: Buffer, bad: (line: Buffer) => boolean): number {
  const i = splitLines(bytes).findIndex(bad);
  return i < 0 ? 1 : i + 1;
}

const isAscii = (b: Buffer) => b.every((x) => x < 0x80);
const countNewlines = (s: string) => s.split('\n').length - 1;
