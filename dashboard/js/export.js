// Exports build the file in the browser from the same API answers the page shows, so they carry exactly what the
// signed-in caller may see. ExcelJS (served from node_modules) is loaded only when an .xlsx is asked for.

function download(blob, filename) {
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
 * other departments. (The at sign is not written here: checkJs would read it as a JSDoc tag.)
 */
export function defuseCell(s) {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

const csvCell = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  // quote per RFC 4180 (a defused cell that still holds a quote, comma or line break is quoted)
  const safe = defuseCell(s);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** columns: [{ header, value(row) }]. UTF-8 with BOM so Excel opens Chinese text correctly. */
export function exportCsv(filename, columns, rows) {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(c.value(r))).join(','));
  download(new Blob(['\uFEFF', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' }), filename);
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
