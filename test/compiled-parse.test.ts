import OpenAPIBackend, { type Request } from 'openapi-backend';
import addFormats from 'ajv-formats';
import { compileRoutes } from '../src/http/compiled-routes';
import { compileValidateRequest } from '../src/http/compiled-validate';
import { openapiDefinition } from '../src/http/definition';

/**
 * The compiled request parser must give what openapi-backend's own parseRequest gives for the same request: both
 * run on the real document, the original first, then the compiled one installed by compileRoutes.
 */
const USCC = '91350100M000100Y43';
const requests: Request[] = [
  {
    method: 'GET',
    path: `/v1/checks/enterprises/${USCC}`,
    query: { scenario: 'government_procurement' },
    headers: { authorization: 'Bearer x', 'X-Request-Id': 'abc' },
  },
  {
    method: 'GET',
    path: `/v1/checks/enterprises/${encodeURIComponent('9135 0100')}`,
    query: { scenario: ['a', 'b'], record: 'true' },
    headers: {},
  },
  {
    method: 'POST',
    path: '/v1/checks/persons',
    query: {},
    body: { idNumber: '1', scenario: 'consumption' },
    headers: { 'content-type': 'application/json' },
  },
  {
    method: 'POST',
    path: '/v1/checks/officers',
    query: {},
    body: '{"idNumber":"1","role":"legal_representative"}',
    headers: {},
  },
  { method: 'POST', path: '/v1/checks/officers', query: {}, body: '{not json', headers: {} },
  { method: 'GET', path: '/v1/checks/decisions/', query: { limit: '5', cursor: 'x' }, headers: { Cookie: 'a=1; b=2' } },
  { method: 'GET', path: '/nowhere', query: {}, headers: {} },
];

test('the compiled parseRequest answers exactly as openapi-backend does', async () => {
  const api = new OpenAPIBackend({ definition: structuredClone(openapiDefinition()), validate: false, quick: true });
  await api.init();
  const parse = (r: Request, routed: boolean) => {
    const operation = routed ? api.router.matchOperation(r) : undefined;
    const parsed = api.router.parseRequest(r, operation);
    return { parsed, cookieProto: Object.getPrototypeOf(parsed.cookies) === Object.prototype };
  };
  const before = requests.flatMap((r) => [parse(r, false), ...(api.router.matchOperation(r) ? [parse(r, true)] : [])]);
  compileRoutes(api);
  const after = requests.flatMap((r) => [parse(r, false), ...(api.router.matchOperation(r) ? [parse(r, true)] : [])]);
  expect(after).toEqual(before);
  expect(before.some((b) => Object.keys(b.parsed.params ?? {}).length > 0)).toBe(true);
  // the parse must not share the caller's query: validation coerces it in place
  const q = { scenario: ['a'] };
  const parsed = api.router.parseRequest({
    method: 'GET',
    path: `/v1/checks/enterprises/${USCC}`,
    query: q,
    headers: {},
  });
  expect(parsed.query.scenario).not.toBe(q.scenario);
});

test('the compiled validateRequest answers and coerces exactly as openapi-backend does', async () => {
  const api = new OpenAPIBackend({
    definition: structuredClone(openapiDefinition()),
    coerceTypes: true,
    customizeAjv: (ajv) => addFormats(ajv, ['date', 'date-time', 'uuid', 'uri']),
  });
  await api.init();
  compileRoutes(api);
  const asks: Request[] = [
    ...requests,
    {
      method: 'GET',
      path: `/v1/checks/enterprises/${USCC}`,
      query: { scenario: 'government_procurement', record: 'true' },
      headers: {},
    },
    { method: 'GET', path: '/v1/checks/enterprises/notauscc', query: { scenario: 'nope' }, headers: {} },
    {
      method: 'POST',
      path: '/v1/checks/persons',
      query: {},
      body: { idNumber: 5, extra: true },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
    {
      method: 'POST',
      path: '/v1/checks/persons',
      query: {},
      body: undefined,
      headers: { 'content-type': 'application/json' },
    },
    { method: 'GET', path: '/v1/checks/decisions', query: { limit: 'x', outcome: ['a', 'b'] }, headers: {} },
  ];
  const run = () =>
    asks.flatMap((r) => {
      const operation = api.router.matchOperation(r);
      return operation ? [api.validator.validateRequest(structuredClone(r), operation)] : [];
    });
  const before = run();
  compileValidateRequest(api.validator, api.router.getOperations());
  const after = run();
  expect(after).toEqual(before);
  expect(before.filter((b) => b.errors).length).toBeGreaterThan(2);
  expect(before.filter((b) => !b.errors).length).toBeGreaterThan(2);
});
