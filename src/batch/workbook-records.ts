import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ValidationError } from '../errors';
import type { ParsedRecord } from './csv-rows';

/**
 * The records of a workbook's first sheet, as a CSV parser would give them: one string per cell. A date cell is the
 * date it shows (YYYY-MM-DD), not Excel's serial number; a formula is its result; rich text its plain text.
 */
export async function* workbookRecords(bytes: Buffer): AsyncGenerator<ParsedRecord> {
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw ValidationError.field('body', 'is not an Excel workbook (.xlsx) that can be read');
  }
  const sheet = book.worksheets[0];
  if (!sheet) throw ValidationError.field('body', 'the workbook has no sheet');
  const width = sheet.columnCount;
  const records: string[][] = [];
  const shape = recordShaper();
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const record = shape(Array.from({ length: width }, (_, c) => row.getCell(c + 1).value));
    if (record) records.push(record);
  });
  for (const record of records) yield { record };
}

/**
 * The records of a workbook file's first sheet (given as a byte stream), as workbookRecords gives them, read with ExcelJS's streaming
 * reader: the import CLI holds one row at a time, not the workbook (the shared strings and styles are cached: a
 * date cell is told by its style).
 */
export async function* workbookFileRecords(file: Readable): AsyncGenerator<ParsedRecord> {
  const book = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const shape = recordShaper();
  let sheets = 0;
  try {
    for await (const sheet of book) {
      if (sheets++) break; // the first sheet only
      for await (const row of sheet) {
        const values = row.values as ExcelJS.CellValue[]; // 1-based, sparse
        const record = shape(Array.from({ length: Math.max(0, values.length - 1) }, (_, c) => values[c + 1]));
        if (record) yield { record };
      }
    }
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw ValidationError.field('body', 'is not an Excel workbook (.xlsx) that can be read');
  }
  if (!sheets) throw ValidationError.field('body', 'the workbook has no sheet');
}

/** Cells to a record: as wide as the header unless it holds something beyond it; an empty row is undefined. */
function recordShaper(): (cells: ExcelJS.CellValue[]) => string[] | undefined {
  let headerWidth = 0;
  return (cells) => {
    const record = cells.map(cellText);
    while (record.length > headerWidth && record[record.length - 1] === '') record.pop();
    if (!record.length) return undefined;
    if (!headerWidth) headerWidth = record.length;
    while (record.length < headerWidth) record.push('');
    return record;
  };
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
