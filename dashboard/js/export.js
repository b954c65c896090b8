// Workbooks are built in the browser from the same API answers the page shows, so they carry exactly what the
// signed-in caller may see; ExcelJS (served from node_modules) is loaded only when an .xlsx is asked for. CSV files
// come whole from the service (GET /v1/reports/overdue/export), under the same access rules, and are only saved here.

/**
 * @param {Blob} blob
 * @param {string} filename
 */
export function download(blob, filename) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/**
 * A text a spreadsheet would read as a formula (OWASP, CSV injection: an equals, plus, minus or at sign, a tab or a
 * carriage return at the start of a cell) is kept as text by a leading apostrophe. Entry names and notes come from
 * other departments. (The at sign is not written here: checkJs would read it as a JSDoc tag.) The service's CSV
 * export applies the same rule (src/reports/export-cells.ts; test/unit/export-cells.test.ts holds both to it).
 */
export function defuseCell(s) {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

let excel;
function loadExcelJs() {
  excel ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/dashboard/vendor/exceljs.js';
    s.onload = () => resolve(/** @type {any} */ (window).ExcelJS);
    s.onerror = () => reject(new Error('could not load ExcelJS'));
    document.head.append(s);
  });
  return excel;
}

export async function exportXlsx(filename, sheetName, columns, rows) {
  const ExcelJS = await loadExcelJs();
  const wb = new ExcelJS.Workbook();
  wb.created = new Date();
  const ws = wb.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, key: c.header, width: c.width ?? 18 }));
  ws.getRow(1).font = { bold: true };
  // ExcelJS stores strings as text, not formulas; defused all the same, so a cell copied out of the sheet stays text
  for (const r of rows)
    ws.addRow(columns.map((c) => c.value(r)).map((v) => (typeof v === 'string' ? defuseCell(v) : v)));
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const buffer = await wb.xlsx.writeBuffer();
  download(new Blob([buffer], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), filename);
}
