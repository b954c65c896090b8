import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Context, type Request } from 'openapi-backend';
import { parseArgs } from 'node:util';
import { compileRoutes } from '../src/http/compiled-routes';
import { compileValidateRequest } from '../src/http/compiled-validate';
import { openapiDefinition } from '../src/http/definition';
import { leanHandleRequest } from '../src/http/lean-handle';

/**
 * The check path through openapi-backend alone, in one process: route, authenticate, parse, validate and coerce a
 * clean enterprise check, N times, either with openapi-backend's own handleRequest (`--plain`) or with the compiled
 * routes, parser, validation and lean handler of src/http (the default). Handlers answer at once, so what differs
 * between the two is exactly what src/http/compiled-*.ts replace (docs/adr/0008). Time it as a whole process
 * (`/usr/bin/time -v npx tsx bench/http-layer.ts [--plain]`) or read the µs/request it prints.
 */
const { values } = parseArgs({
  options: { plain: { type: 'boolean', default: false }, requests: { type: 'string', default: '200000' } },
});
const api = new OpenAPIBackend({
  definition: structuredClone(openapiDefinition()),
  strict: true,
  coerceTypes: true,
  validate: true,
  customizeAjv: (ajv) => addFormats(ajv, ['date', 'date-time', 'uuid', 'uri']),
});
api.registerSecurityHandler('bearerAuth', () => ({ kind: 'department', code: 'mof', tokenId: 't' }));
api.register({
  unauthorizedHandler: () => 401,
  validationFail: () => 400,
  notFound: () => 404,
  methodNotAllowed: () => 405,
  notImplemented: () => 501,
  postResponseHandler: (c: Context) => c.response,
});

async function main(): Promise<void> {
  await api.init();
  for (const op of api.getOperations()) api.register(op.operationId as string, (c: Context) => c.request.params);
  let handle: (r: Request) => Promise<unknown> = (r) => api.handleRequest(r);
  if (!values.plain) {
    compileRoutes(api);
    compileValidateRequest(api.validator, api.router.getOperations());
    handle = leanHandleRequest(api);
  }
  const ask = (i: number): Request => ({
    method: 'GET',
    path: `/v1/checks/enterprises/91350100M0001${String(i % 100_000).padStart(5, '0')}`,
    query: { scenario: 'government_procurement' },
    headers: { authorization: 'Bearer bench-token', host: '127.0.0.1:3000', 'x-request-id': `bench-${i}` },
  });
  const n = Number(values.requests);
  for (let i = 0; i < 5_000; i++) await handle(ask(i)); // warm-up: JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await handle(ask(i));
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(
    `${values.plain ? 'plain openapi-backend' : 'compiled (src/http)'}: ${us.toFixed(1)} µs/request over ${n}`,
  );
}

void main();
