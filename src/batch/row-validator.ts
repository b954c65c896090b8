import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Document } from 'openapi-backend';
import type { FieldError } from '../errors';
import { fieldErrors } from '../http/request-errors';

/**
 * Checks one batch row against a schema of the OpenAPI document, exactly as openapi-backend checks the body of
 * the single endpoint (same schema, same formats, same error paths), but row by row, so one bad row does not
 * refuse the batch. All broken fields of a row are reported at once.
 */
export class RowValidator {
  private readonly validate: ValidateFunction;

  constructor(definition: Document, schemaName: string) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv, ['date', 'date-time', 'uuid', 'uri']);
    ajv.addSchema({ $id: 'openapi.json', components: structuredClone(definition.components) } as object);
    this.validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schemaName}` });
  }

  errorsOf(row: unknown): FieldError[] {
    if (this.validate(row)) return [];
    const errors = fieldErrors(this.validate.errors ?? []);
    return errors.length ? errors.map((e) => (e.path === 'body' ? { ...e, path: 'row' } : e)) : [{ path: 'row', message: 'is invalid' }];
  }
}

/** Strings PostgreSQL cannot store (text and jsonb refuse NUL); found before the write, so the row alone is rejected. */
export function nulFieldsOf(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ path: path || 'row', message: 'contains a NUL character' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulFieldsOf(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulFieldsOf(v, path ? `${path}.${k}` : k));
  return [];
}
