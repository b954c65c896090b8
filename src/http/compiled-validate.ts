import type OpenAPIBackend from 'openapi-backend';
import { cutOversizedArrays, type ArraySchema } from './array-limits';

type Validator = OpenAPIBackend['validator'];
type Operation = ReturnType<OpenAPIBackend['router']['getOperations']>[number];
type Result = ReturnType<Validator['validateRequest']>;
type Param = { name: string; in: string; schema?: { type?: string }; content?: Record<string, unknown> };

interface Facts {
  arrayQuery: Set<string>;
  jsonOnlyBody: boolean;
  jsonQuery: boolean;
  /** The JSON body's schema (dereferenced), for its array limits. */
  bodySchema: ArraySchema | undefined;
}

/**
 * openapi-backend's validateRequest with the per-operation facts it looks up with lodash on every request (which
 * query parameters are arrays, whether JSON is the only body format) computed once. It runs the same precompiled
 * Ajv validators on the same parameter object, so answers and coercion are unchanged (test/compiled-parse.test.ts
 * compares both on valid and invalid requests). Operations with JSON-content query parameters keep the original.
 * One addition: arrays over their maxItems are cut to maxItems + 1 before Ajv sees them (src/http/array-limits.ts),
 * so a hostile body's 300,000 items are refused for their number, not checked one by one.
 */
export function compileValidateRequest(validator: Validator, operations: Operation[]): void {
  const original = validator.validateRequest.bind(validator);
  const router = validator.router;
  const facts = new Map<Operation, Facts>(operations.map((op) => [op, factsOf(op)]));

  validator.validateRequest = ((req, given) => {
    const operation = typeof given === 'object' ? given : undefined;
    const f = operation && facts.get(operation);
    if (!operation?.operationId || !f || f.jsonQuery) return original(req, given);
    const errors: NonNullable<Result['errors']> = [];
    const coerced = { ...req };
    const result: Result = { valid: true, coerced, errors };
    const validators = validator.getRequestValidatorsForOperation(operation.operationId) || [];
    const { params, query, headers, cookies, requestBody } = router.parseRequest(req, operation);
    for (const name of Object.keys(query)) {
      if (typeof query[name] === 'string' && f.arrayQuery.has(name)) query[name] = [query[name]];
    }
    const parameters: Record<string, unknown> = {};
    if (params != null) parameters.path = params;
    if (query != null) parameters.query = query;
    if (headers != null) parameters.header = headers;
    if (cookies != null) parameters.cookie = cookies;
    if (typeof req.body !== 'object' && req.body !== undefined && f.jsonOnlyBody) {
      try {
        JSON.parse(`${req.body}`);
      } catch (err) {
        if (err instanceof Error) {
          errors.push({
            keyword: 'parse',
            instancePath: '',
            schemaPath: '#/requestBody',
            params: [],
            message: err.message,
          });
        }
      }
    }
    const rawContentType = headers['content-type'];
    const contentType = String((Array.isArray(rawContentType) ? rawContentType[0] : rawContentType) || '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (typeof requestBody === 'object' || contentType === 'application/json')
      parameters.requestBody = cutOversizedArrays(f.bodySchema, requestBody);
    for (const validate of validators) {
      validate(parameters);
      if (validate.errors) errors.push(...validate.errors);
      else if (validator.coerceTypes) {
        coerced.query = parameters.query as typeof query;
        coerced.params = parameters.path as typeof params;
      }
    }
    if (errors.length === 0) result.errors = null;
    else result.valid = false;
    return result;
  }) as Validator['validateRequest'];
}

function factsOf(op: Operation): Facts {
  const params = ((op.parameters ?? []) as (Param | { $ref: string })[]).filter((p): p is Param => !('$ref' in p));
  const arrayQuery = new Set<string>();
  const seen = new Set<string>();
  for (const p of params) {
    if (p.in !== 'query' || seen.has(p.name)) continue; // openapi-backend takes the first parameter of a name
    seen.add(p.name);
    if (p.schema?.type === 'array') arrayQuery.add(p.name);
  }
  const content = (op.requestBody as { content?: Record<string, unknown> } | undefined)?.content ?? {};
  const formats = Object.keys(content);
  return {
    arrayQuery,
    jsonOnlyBody: formats.length === 1 && formats[0] === 'application/json',
    jsonQuery: params.some((p) => p.in === 'query' && Boolean(p.content?.['application/json'])),
    bodySchema: (content['application/json'] as { schema?: ArraySchema } | undefined)?.schema,
  };
}
