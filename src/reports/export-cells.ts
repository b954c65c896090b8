import { stringify } from 'csv-stringify/sync';

/**
 * A text a spreadsheet would read as a formula (OWASP, CSV injection: an equals, plus, minus or at sign, a tab or a
 * carriage return at the start of a cell) is kept as text by a leading apostrophe. Subject names come from other
 * departments' entries. The rule of the dashboard's own exports (dashboard/js/export.js defuseCell, which the
 * browser cannot import from here); test/unit/export-cells.test.ts holds both to one table.
 */
export function defuseCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export type Cell = string | number;

/**
 * Rows as CSV lines: RFC 4180 quoting, CRLF after every line (the last one included, so chunks of lines can be
 * joined as they come), every text cell defused. csv-stringify quotes a lone LF or CR only when asked
 * (quoted_match): with CRLF records it would otherwise leave a line break inside a cell unquoted, and the file would
 * have one row more than it says.
 */
export function csvLines(rows: readonly (readonly Cell[])[]): string {
  const defused = rows.map((r) => r.map((c) => (typeof c === 'string' ? defuseCell(c) : c)));
  return stringify(defused, { record_delimiter: 'windows', eof: true, quoted_match: /[\r\n]/ });
}
