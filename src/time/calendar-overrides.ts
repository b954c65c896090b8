import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { RuleFileError } from '../errors';
import type { IsoDate } from './dates';
import { isWeekend } from './statutory-holidays';

/**
 * rules/calendar/overrides.json: the State Council's yearly holiday notices (国务院办公厅关于YYYY年部分节假日安排的通知)
 * for years the chinese-days package does not cover yet.
 */
interface OverrideYear {
  notice: string;
  source?: string;
  holidays: IsoDate[];
  workdays: IsoDate[];
}

export interface CalendarOverrides {
  years: Record<string, OverrideYear>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/**
 * Reads <rulesDir>/calendar/overrides.json, checked against its JSON Schema and for sense: each date in its own
 * year, no date both a holiday and a working day, make-up working days on weekends only.
 */
export function loadCalendarOverrides(rulesDir: string): CalendarOverrides {
  const dir = path.join(rulesDir, 'calendar');
  const file = path.join(dir, 'overrides.json');
  const display = path.relative(process.cwd(), file) || file;
  // A rules directory without a calendar folder (e.g. a test fixture) has no overrides.
  if (!existsSync(file)) return { years: {} };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleFileError(display, '', `cannot be read as JSON: ${(e as Error).message}`);
  }
  const schema = JSON.parse(readFileSync(path.join(dir, 'overrides.schema.json'), 'utf8')) as { $id: string };
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  if (!validate(data)) {
    const err = validate.errors?.[0];
    const field = (err?.instancePath ?? '').split('/').filter(Boolean).join('.');
    throw new RuleFileError(display, field, err?.message ?? 'is invalid');
  }
  const overrides = data as CalendarOverrides;
  for (const [year, y] of Object.entries(overrides.years)) {
    for (const [list, dates] of [
      ['holidays', y.holidays],
      ['workdays', y.workdays],
    ] as const) {
      dates.forEach((d, i) => {
        const field = `years.${year}.${list}[${i}]`;
        if (!d.startsWith(`${year}-`)) throw new RuleFileError(display, field, `${d} is not in ${year}`);
        if (list === 'workdays' && !isWeekend(d)) {
          throw new RuleFileError(display, field, `${d} is a weekday; make-up working days fall on weekends`);
        }
        if (list === 'workdays' && y.holidays.includes(d)) {
          throw new RuleFileError(display, field, `${d} is also listed as a holiday`);
        }
      });
    }
  }
  return overrides;
}
