import { csvLines, defuseCell as serverDefuse } from '../../src/reports/export-cells';

// The dashboard's plain ES module has no type declarations: required, typed by what this test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defuseCell: dashboardDefuse } = require('../../dashboard/js/export.js') as {
  defuseCell: (s: string) => string;
};

/**
 * Issue 21: exports defuse every start of a cell a spreadsheet reads as a formula (OWASP CSV injection). The same
 * rule in the browser's exports (xlsx) and the server's (the streamed CSV): one table for both.
 */
describe.each([
  ['dashboard (dashboard/js/export.js)', dashboardDefuse],
  ['server (src/reports/export-cells.ts)', serverDefuse],
])('exports: cells a spreadsheet would run, %s', (_where, defuseCell) => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1+1', '\r=1+1', '\tcmd'])('%j gets a leading apostrophe', (v) => {
    expect(defuseCell(v)).toBe(`'${v}`);
  });
  it.each(['上海某某贸易有限公司', 'SRC-1', ' =not at the start', ''])('%j is left as it is', (v) => {
    expect(defuseCell(v)).toBe(v);
  });
});

describe('csvLines: the lines of the streamed CSV export', () => {
  it('quotes per RFC 4180, ends every line with CRLF, and defuses text cells (numbers stay numbers)', () => {
    const text = csvLines([
      ['=HYPERLINK("http://x")', 3, '上海某某贸易有限公司', 'a,b'],
      ['-1', 0, '两行\n名称', '回车\r在中间'],
    ]);
    expect(text).toBe(
      `"'=HYPERLINK(""http://x"")",3,上海某某贸易有限公司,"a,b"\r\n'-1,0,"两行\n名称","回车\r在中间"\r\n`,
    );
  });

  it('writes nothing for no rows', () => {
    expect(csvLines([])).toBe('');
  });
});
