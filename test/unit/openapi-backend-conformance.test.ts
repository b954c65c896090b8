import { readFileSync } from 'node:fs';
import path from 'node:path';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Context, type Request } from 'openapi-backend';
import { compileRoutes } from '../../src/http/compiled-routes';
import { compileValidateRequest } from '../../src/http/compiled-validate';
import { openapiDefinition } from '../../src/http/definition';
import { leanHandleRequest } from '../../src/http/lean-handle';
import { projectRoot } from '../../src/paths';

/**
 * src/http/compiled-*.ts and lean-handle.ts are an extension of openapi-backend at one exact version (docs/adr/0008):
 * they replace its router's matchOperation/parseRequest, its validator's validateRequest and its handleRequest with
 * the same answers computed once. This file is the contract: over EVERY operation of openapi/openapi.yaml, valid and
 * invalid requests, with and without a token, each method on each path, the original openapi-backend and the
 * compiled one must route, parse, authenticate, validate and coerce identically. An update of openapi-backend must
 * pass it before the pin in package.json moves.
 */
type Schema = {
  type?: string;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  minLength?: number;
  minProperties?: number;
  pattern?: string;
};
type Param = { name: string; in: string; schema?: Schema };

/** Values of the spec's patterns: a valid USCC and a valid ID number (check characters right). */
const PATTERN_SAMPLES: Record<string, string> = {
  '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$': '91350100M000100Y43',
  '^[0-9]{17}[0-9Xx]$': '11010519491231002X',
};

/** A plausible value of a schema: the first enum member, a value of its format, or of its type. */
function sample(s: Schema | undefined, depth = 0): unknown {
  if (!s || depth > 6) return 'x';
  if (s.enum) return s.enum[0];
  const alt = s.oneOf?.[0] ?? s.anyOf?.[0];
  if (alt) return sample(alt, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p) => sample(p, depth + 1) as object));
  if (s.format === 'date') return '2026-03-02';
  if (s.format === 'date-time') return '2026-03-02T02:00:00Z';
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000001';
  if (s.format === 'uri') return 'https://example.org/hook';
  if (s.pattern) return PATTERN_SAMPLES[s.pattern] ?? 'abc';
  if (s.type === 'string' && s.minLength) return 'a'.repeat(s.minLength);
  if (s.type === 'integer' || s.type === 'number') return s.minimum ?? 5;
  if (s.type === 'boolean') return true;
  if (s.type === 'array') return [sample(s.items, depth + 1)];
  if (s.type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const name of s.required ?? []) out[name] = sample(s.properties?.[name], depth + 1);
    // an object that must name some of its properties (a correction's changes): the first ones it declares
    for (const name of Object.keys(s.properties ?? {})) {
      if (Object.keys(out).length >= (s.minProperties ?? 0)) break;
      out[name] = sample(s.properties?.[name], depth + 1);
    }
    return out;
  }
  return 'abc';
}

const asQuery = (v: unknown) => (Array.isArray(v) ? v.map(String) : String(v));

function build(compiled: boolean) {
  const api = new OpenAPIBackend({
    definition: structuredClone(openapiDefinition()),
    strict: true,
    coerceTypes: true,
    validate: true,
    customizeAjv: (ajv) => addFormats(ajv, ['date', 'date-time', 'uuid', 'uri']),
  });
  // Every hook echoes what openapi-backend gave it, so the whole pipeline is compared, not only its steps.
  const echo = (kind: string) => (c: Context) => ({
    kind,
    operationId: c.operation?.operationId,
    request: c.request,
    validation: c.validation,
    security: c.security,
  });
  api.registerSecurityHandler('bearerAuth', (c: Context) =>
    c.request.headers.authorization === 'Bearer good' ? { kind: 'department', code: 'mof' } : false,
  );
  api.register({
    unauthorizedHandler: echo('401'),
    validationFail: echo('400'),
    notFound: echo('404'),
    methodNotAllowed: echo('405'),
    notImplemented: echo('501'),
    postResponseHandler: (c: Context) => c.response,
  });
  const ready = api.init().then(() => {
    for (const op of api.getOperations()) api.register(op.operationId as string, echo('handler'));
    if (!compiled) return (r: Request) => api.handleRequest(r);
    compileRoutes(api);
    compileValidateRequest(api.validator, api.router.getOperations());
    return leanHandleRequest(api);
  });
  return { api, ready };
}

/** Requests for one operation: sampled valid ones and a set of broken ones, with and without a token. */
function requestsFor(op: { method: string; path: string; parameters?: unknown[]; requestBody?: unknown }): Request[] {
  const params = (op.parameters ?? []) as Param[];
  const filled = (value: (p: Param) => string) =>
    op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const p = params.find((x) => x.in === 'path' && x.name === name);
      return p ? value(p) : 'x';
    });
  const query: Record<string, string | string[]> = {};
  for (const p of params.filter((x) => x.in === 'query')) query[p.name] = asQuery(sample(p.schema));
  const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
  const jsonSchema = content?.['application/json']?.schema;
  const body = jsonSchema ? sample(jsonSchema) : undefined;
  const good = { authorization: 'Bearer good', 'content-type': 'application/json' };
  const valid: Request = {
    method: op.method,
    path: filled((p) => encodeURIComponent(String(sample(p.schema)))),
    query,
    body,
    headers: good,
  };
  const brokenQuery = Object.fromEntries(Object.keys(query).map((k) => [k, '%%not-valid']));
  return [
    valid,
    { ...valid, headers: {} },
    { ...valid, headers: { authorization: 'Bearer bad' } },
    { ...valid, query: { ...query, unexpected: '1' } },
    { ...valid, query: brokenQuery },
    { ...valid, query: {} },
    { ...valid, path: filled(() => 'not%20valid') },
    { ...valid, path: `${valid.path}/` },
    { ...valid, body: '{not json' },
    { ...valid, body: JSON.stringify(body ?? {}), headers: { authorization: 'Bearer good' } },
    { ...valid, body: { unexpected: 1 } },
    { ...valid, body: undefined },
    { ...valid, headers: { ...good, cookie: 'a=1' } },
    { ...valid, path: valid.path.toUpperCase() },
  ];
}

describe('openapi-backend and its compiled extension answer alike', () => {
  const plain = build(false);
  const compiled = build(true);
  const operations = () => plain.api.getOperations();

  it('is pinned to the exact version the extension was checked against', () => {
    const pinned = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).dependencies[
      'openapi-backend'
    ] as string;
    const installed = (
      JSON.parse(readFileSync(path.join(projectRoot, 'node_modules/openapi-backend/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(pinned);
  });

  it('routes, parses, authenticates, validates and coerces every operation of the spec the same way', async () => {
    const [runPlain, runCompiled] = await Promise.all([plain.ready, compiled.ready]);
    const ops = operations();
    expect(ops.length).toBeGreaterThan(25);
    const methods = ['get', 'post', 'put', 'delete', 'patch'];
    let compared = 0;
    const outcomes = new Set<string>();
    for (const op of ops) {
      const asks = requestsFor(op);
      // every other method on the operation's path: a 405 (or another operation on the same path)
      for (const m of methods.filter((x) => x !== op.method)) asks.push({ ...(asks[0] as Request), method: m });
      for (const r of asks) {
        const expected = await runPlain(structuredClone(r));
        const actual = await runCompiled(structuredClone(r));
        expect({ operation: op.operationId, request: r, answer: actual }).toEqual({
          operation: op.operationId,
          request: r,
          answer: expected,
        });
        outcomes.add(`${op.operationId} ${(expected as { kind: string }).kind}`);
        compared++;
      }
    }
    // the comparison covered the paths that matter, not only failures: every operation reached its handler
    const unreached = ops.filter((op) => !outcomes.has(`${op.operationId} handler`)).map((op) => op.operationId);
    expect(unreached).toEqual([]);
    for (const kind of ['400', '401', '404', '405']) expect([...outcomes].some((o) => o.endsWith(kind))).toBe(true);
    expect(compared).toBeGreaterThan(ops.length * 15);
  });

  it('answers unknown paths as openapi-backend does', async () => {
    const [runPlain, runCompiled] = await Promise.all([plain.ready, compiled.ready]);
    for (const p of ['/', '/nowhere', '/v1', '/v1/checks/enterprises', '/v1/checks/enterprises/a/b', '/v1//orders']) {
      const r: Request = { method: 'get', path: p, query: {}, headers: {} };
      expect(await runCompiled(structuredClone(r))).toEqual(await runPlain(structuredClone(r)));
    }
  });
});
