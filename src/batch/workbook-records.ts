import type ExcelJS from 'exceljs';
import { ValidationError } from '../errors';
import type { ParsedRecord } from './csv-rows';

/**
 * ExcelJS, loaded by the first workbook rather than at start: it costs every process that imports the batch code
 * (the server, the import CLI) 28 MB of RSS, and most never read a workbook.
 */
let excel: typeof ExcelJS | undefined;
const excelJs = (): typeof ExcelJS => (excel ??= require('exceljs') as typeof ExcelJS);

/**
 * The records of a workbook's first sheet, as a CSV parser would give them: one string per cell. A date cell is the
 * date it shows (YYYY-MM-DD), not Excel's serial number; a formula is its result; rich text its plain text.
 */
export async function* workbookRecords(bytes: Buffer): AsyncGenerator<ParsedRecord> {
  const book = new (excelJs().Workbook)();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw ValidationError.coded('body', 'not_a_workbook');
  }
  const sheet = book.worksheets[0];
  if (!sheet) throw ValidationError.coded('body', 'no_sheet');
  const width = sheet.columnCount;
  const records: string[][] = [];
  let headerWidth = 0;
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const record: string[] = [];
    for (let c = 1; c <= width; c++) record.push(cellText(row.getCell(c).value));
    // a row is as wide as the header, unless it holds something beyond it
    while (record.length > headerWidth && record[record.length - 1] === '') record.pop();
    if (!record.length) return;
    if (!headerWidth) headerWidth = record.length;
    while (record.length < headerWidth) record.push('');
    records.push(record);
  });
  for (const record of records) yield { record };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // ExcelJS gives a date cell as a Date at UTC midnight of the day shown
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((t) => t.text).join('');
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text);
    if ('error' in value) return String(value.error);
    return '';
  }
  return String(value);
}
