import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { addApiFormats } from '../http/formats';
import type { Document } from 'openapi-backend';
import type { FieldError } from '../errors';
import { oversizedArrays, type ArraySchema } from '../http/array-limits';
import { capped, fieldErrors } from '../http/request-errors';
import { textProblemsOf } from '../input/text-guard';

type Discriminated = { discriminator?: { propertyName?: string; mapping?: Record<string, string> } };

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
    const props = (this.components[schemaName] as { properties?: Record<string, Discriminated> })?.properties ?? {};
    for (const [field, s] of Object.entries(props)) {
      const mapping = s.discriminator?.mapping;
      if (!mapping) continue;
      const branches = new Map(
        Object.entries(mapping).map(([value, ref]) => [value, ajv.compile({ $ref: `openapi.json${ref}` })]),
      );
      this.discriminated.push({ field, property: s.discriminator?.propertyName ?? 'kind', branches });
    }
  }

  /**
   * A oneOf with a discriminator (an entry's subject: enterprise or person), checked against the branch its
   * discriminator names only: Ajv reports every branch, and through $refs its errors do not say which branch they
   * came from, so a person's missing idNumber would be reported for an enterprise with a bad uscc.
   */
  private readonly discriminated: { field: string; property: string; branches: Map<string, ValidateFunction> }[] = [];

  private branchErrors(row: unknown, errors: ErrorObject[]): ErrorObject[] {
    let out = errors;
    for (const d of this.discriminated) {
      const value = (row as Record<string, unknown> | null)?.[d.field];
      const branch = d.branches.get(String((value as Record<string, unknown> | null)?.[d.property]));
      if (!branch || branch(value)) continue;
      const at = `/${d.field}`;
      const under = (e: ErrorObject) => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
      out = [
        ...out.filter((e) => !under(e)),
        ...(branch.errors ?? []).map((e) => ({ ...e, instancePath: `${at}${e.instancePath}` })),
      ];
    }
    return out;
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
    const errors = fieldErrors(this.branchErrors(row, this.validate.errors ?? []));
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
