// The dashboard's plain ES module has no type declarations: required, typed by what this test uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defuseCell } = require('../../dashboard/js/export.js') as { defuseCell: (s: string) => string };

/** Issue 21: exports defuse every start of a cell a spreadsheet reads as a formula (OWASP CSV injection). */
describe('dashboard exports: cells a spreadsheet would run', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1+1', '\r=1+1', '\tcmd'])('%j gets a leading apostrophe', (v) => {
    expect(defuseCell(v)).toBe(`'${v}`);
  });
  it.each(['上海某某贸易有限公司', 'SRC-1', ' =not at the start', ''])('%j is left as it is', (v) => {
    expect(defuseCell(v)).toBe(v);
  });
});
