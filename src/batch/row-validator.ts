import Ajv, { type ValidateFunction } from 'ajv';
import { addApiFormats } from '../http/formats';
import type { Document } from 'openapi-backend';
import type { FieldError } from '../errors';
import { oversizedArrays, type ArraySchema } from '../http/array-limits';
import { capped, fieldErrors } from '../http/request-errors';
import { textProblemsOf } from '../input/text-guard';

/**
 * Checks one batch row against a schema of the OpenAPI document, exactly as openapi-backend checks the body of
 * the single endpoint (same schema, same formats, same error paths), but row by row, so one bad row does not
 * refuse the batch. All broken fields of a row are reported at once.
 */
export class RowValidator {
  private readonly validate: ValidateFunction;
  private readonly components: Record<string, ArraySchema>;
  private readonly root: ArraySchema;

  constructor(definition: Document, schemaName: string) {
    this.components = (definition.components?.schemas ?? {}) as Record<string, ArraySchema>;
    this.root = { $ref: `#/components/schemas/${schemaName}` };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addApiFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: structuredClone(definition.components) } as object);
    this.validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schemaName}` });
  }

  errorsOf(row: unknown): FieldError[] {
    // a 16,000-item array under a 50-item limit is refused for its length, before any of its items is checked
    const oversized = oversizedArrays(
      this.root,
      row,
      (ref) => this.components[ref.replace('#/components/schemas/', '')],
    );
    if (oversized.length) return capped(oversized);
    if (this.validate(row)) return [];
    const errors = fieldErrors(this.validate.errors ?? []);
    return errors.length
      ? errors.map((e) => (e.path === 'body' ? { ...e, path: 'row' } : e))
      : [{ path: 'row', message: 'is invalid' }];
  }
}

/**
 * Strings that may not be stored (NUL, lone surrogates, an ID number in free text): found before the write, so the
 * row alone is rejected and no chunk half-writes.
 */
export function unsafeTextFieldsOf(value: unknown): FieldError[] {
  return textProblemsOf(value).map((e) => (e.path === 'body' ? { ...e, path: 'row' } : e));
}
