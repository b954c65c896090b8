import type Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';

const rfc3339 = fullFormats['date-time'] as { validate: (s: string) => boolean };
const PARTS = /^(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?(?:Z|[+-](\d\d):?(\d\d)?)$/i;

/**
 * RFC 3339 date-times that PostgreSQL's timestamptz also takes. RFC 3339 admits year 0000, offsets up to ±23:59
 * and fractions of any length; PostgreSQL refuses year 0000 ("date/time field value out of range"), offsets past
 * ±15:59 and fields longer than it reads, which was a 500 for a value the validator had let through. Here such a
 * value fails validation like any other bad format: 400 naming the field.
 */
export function postgresDateTime(value: string): boolean {
  if (!rfc3339.validate(value)) return false;
  const m = PARTS.exec(value);
  if (!m) return false;
  const [, year, fraction, offsetHours] = m;
  if (Number(year) < 1) return false;
  if (fraction && fraction.length > 9) return false;
  if (offsetHours && Number(offsetHours) > 15) return false;
  return true;
}

/** The formats every validator of the API uses (requests, batch rows): one definition of each. */
export function addApiFormats(ajv: Ajv): Ajv {
  addFormats(ajv, ['date', 'uuid', 'uri']);
  ajv.addFormat('date-time', { type: 'string', validate: postgresDateTime });
  return ajv;
}
