import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { addApiFormats } from './formats';
import OpenAPIBackend, { type Context, type Document } from 'openapi-backend';
import type { Logger } from 'pino';
import type { AccessPolicy } from '../auth/access';
import type { AuthOutcome, Authenticator } from '../auth/authenticator';
import { withRequestToken } from '../audit/request-token';
import { ValidationError, type FieldError } from '../errors';
import { entryTextAndIdentifierErrors } from '../lists/entry-input';
import { languageOf } from '../i18n/messages';
import { redactIdNumbers, redactUrl, type OutgoingText } from '../identity/id-number';
import { textProblemsOf } from '../input/text-guard';
import { labelOperation } from '../metrics';
import type { Principal } from '../auth/principal';
import { compileRoutes } from './compiled-routes';
import { compileValidateRequest } from './compiled-validate';
import { leanHandleRequest } from './lean-handle';
import { PUBLIC_OPERATIONS, type CallOf, type Handlers, type RequestOf } from './operation';
import { problem, problemJson, sendProblem, type Problem } from './problem';
import { capped, fieldErrors } from './request-errors';

/**
 * Checks a body's handler would make, run as well when the schema refuses the body, so that every error of it is
 * named at once (a bad date and a USCC with a wrong check character in one answer, not one after the other).
 */
const MORE_ON_SCHEMA_FAILURE: Record<string, (body: unknown) => FieldError[]> = {
  createListEntry: entryTextAndIdentifierErrors,
};

/**
 * openapi-backend, driven by openapi/openapi.yaml: it routes by operationId, authenticates through the spec's
 * security schemes and validates every request, then src/auth/access.ts admits the caller (the operation's
 * x-access) before its handler runs. Handlers return one of their declared responses; this file sends it, and with
 * validateResponses (on in tests) first checks it against the spec, so code and spec cannot drift.
 */
export interface ApiOptions {
  definition: Document;
  handlers: Handlers;
  authenticator: Authenticator;
  access: AccessPolicy;
  validateResponses: boolean;
  log: Logger;
  /** Told of each caller's successful writes, so that caller reads its own writes (src/db/read-router.ts). */
  reads?: { noteWrite(caller: string | undefined): void };
}

/** What a handler returns, as this file sends it. */
interface HttpResult {
  status: number;
  body?: unknown;
  /** A body sent while it is read (the CSV export): chunks of whole lines, so no ID number is split between two. */
  stream?: AsyncIterable<OutgoingText>;
  headers?: Record<string, string>;
}

const problemResult = (p: ReturnType<typeof problem>, headers: Record<string, string> = {}): HttpResult => ({
  status: p.status,
  body: p,
  headers: {
    'Content-Type': 'application/problem+json',
    ...(p.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    ...headers,
  },
});

interface SecurityFailure {
  error: unknown;
  infrastructure: true;
}

/** Batch bodies are checked row by row (src/batch), so one bad row does not refuse the batch. */
const ROW_CHECKED_BODIES = new Set(['createListEntriesBatch', 'removeListEntriesBatch']);

/**
 * Strings no handler should see: NUL, lone surrogates, an ID number in a free-text field (src/input/text-guard.ts).
 * Path and query as well as the body, so every operation gets the same 400 naming the field.
 */
function refuseUnsafeText(operationId: string, input: { body?: unknown; query?: unknown; params?: unknown }): void {
  const errors = [
    ...textProblemsOf(input.params ?? {}),
    ...textProblemsOf(input.query ?? {}),
    ...(ROW_CHECKED_BODIES.has(operationId) ? [] : textProblemsOf(input.body, '')),
  ];
  if (errors.length) {
    throw ValidationError.of('invalid_request', errors);
  }
}

/** A path whose %-escapes do not decode would throw a URIError in routing: a 400 naming the path instead. */
function malformedPath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/** The express end of the API: awaits openapi-backend's (asynchronous) init once, then hands every request to it. */
export type ApiHandler = (req: Request, res: Response) => Promise<unknown>;

export function createApi(o: ApiOptions): ApiHandler {
  const api = new OpenAPIBackend({
    definition: structuredClone(o.definition),
    strict: true,
    coerceTypes: true,
    validate: true,
    // every broken field of a body at once, not the first only (array-limits keeps a hostile body's cost bounded)
    ajvOpts: { allErrors: true },
    customizeAjv: (ajv) => {
      return addApiFormats(ajv);
    },
  });

  registerOperations(api, o);

  api.register({
    unauthorizedHandler: (c: Context) => {
      const sec = c.security?.bearerAuth as SecurityFailure | AuthOutcome | undefined;
      if (sec && typeof sec === 'object' && 'infrastructure' in sec) throw sec.error;
      if (sec && typeof sec === 'object' && 'limited' in sec) {
        const retry = String(sec.retryAfterSeconds);
        const p = problem(429, `too many failed authentications from this address; retry after ${retry} s`);
        return problemResult(p, { 'Retry-After': retry });
      }
      const given = Boolean(c.request.headers.authorization);
      return problemResult(
        problem(401, given ? 'the bearer token is not known' : 'send Authorization: Bearer <token>'),
      );
    },
    validationFail: (c: Context) => {
      const schema = fieldErrors(c.validation.errors ?? []);
      const more = MORE_ON_SCHEMA_FAILURE[c.operation?.operationId ?? ''];
      const unread = schema.some((e) => e.code === 'too_many_items' || e.code === 'max_items');
      const extra =
        more && !unread ? more(c.request.requestBody).filter((x) => !schema.some((e) => e.path === x.path)) : [];
      const e = ValidationError.of('invalid_request', capped([...schema, ...extra]));
      return problemResult(problem(400, e.message, e.errors, e.detailRef));
    },
    notFound: (c: Context) =>
      problemResult(problem(404, `no such path: ${c.request.method.toUpperCase()} ${redactUrl(c.request.path)}`)),
    methodNotAllowed: (c: Context) =>
      problemResult(problem(405, `${c.request.method.toUpperCase()} is not allowed on ${redactUrl(c.request.path)}`)),
    notImplemented: (c: Context) =>
      problemResult(problem(500, `operation ${c.operation?.operationId ?? '?'} has no handler`)),
    postResponseHandler: sendResult(o),
  });

  // Requests arriving during init wait for it, so none is routed before the compiled routes are installed.
  const ready = api.init().then(() => {
    compileRoutes(api);
    compileValidateRequest(api.validator, api.router.getOperations());
    return leanHandleRequest(api);
  });
  return async (req, res) => {
    const handleRequest = await ready;
    if (malformedPath(req.path)) {
      const errors = [{ path: 'path', message: 'has a malformed %-escape' }];
      return sendProblem(res, problem(400, 'the path has a malformed %-escape', errors));
    }
    return handleRequest(
      {
        method: req.method,
        path: req.path,
        body: req.body,
        query: req.query as Record<string, string>,
        headers: req.headers as Record<string, string>,
      },
      req,
      res,
    );
  };
}

/** Authentication, then one handler per operation, each behind the operation's x-access. */
function registerOperations(api: OpenAPIBackend, o: ApiOptions): void {
  api.registerSecurityHandler('bearerAuth', async (c: Context, req: Request) => {
    try {
      const address = req.ip ?? req.socket?.remoteAddress;
      const outcome = await o.authenticator.resolve(c.request.headers.authorization, address);
      // openapi-backend treats an object with a truthy `error` as a failed authentication.
      if (outcome && 'limited' in outcome) return { ...outcome, error: 'too many failed authentications' };
      return outcome ?? false;
    } catch (error) {
      // A database failure is not a bad token: remember it, so the caller gets a 5xx rather than a 401.
      return { error, infrastructure: true } satisfies SecurityFailure;
    }
  });

  const declaredPublic = o.access.publicOperations().sort().join(', ');
  if (declaredPublic !== [...PUBLIC_OPERATIONS].sort().join(', ')) {
    const wanted = 'PUBLIC_OPERATIONS in src/http/operation.ts';
    throw new Error(`x-access public operations (${declaredPublic}) differ from ${wanted}`);
  }

  // One signature for every handler here: each was checked against its own operation where the table was built.
  type AnyHandler = (input: RequestOf<keyof Handlers>, call: CallOf<keyof Handlers>) => Promise<HttpResult>;
  const wrap = (operationId: string, handler: AnyHandler) => (c: Context, req: Request, res: Response) => {
    labelOperation(res, operationId);
    const sec = c.security?.bearerAuth as Principal | false | SecurityFailure | undefined;
    const principal = sec && 'kind' in sec ? sec : undefined;
    // openapi-backend has validated (and coerced) these against the operation: the handler's RequestOf.
    const { requestBody: body, query = {}, params } = c.request;
    const input = { body, query, params } as RequestOf<keyof Handlers>;
    o.access.check(operationId, principal, input);
    refuseUnsafeText(operationId, input);
    const contentType = c.request.headers['content-type'];
    const tokenId = principal?.kind === 'department' ? principal.tokenId : undefined;
    const call = { principal, requestId: String(req.id), contentType, language: languageOf(req) };
    if (req.method === 'GET' || !o.reads) return withRequestToken(tokenId, () => handler(input, call));
    return withRequestToken(tokenId, async () => {
      const result = await handler(input, call);
      // After the commit, before the answer: from now on this caller reads from the primary until it is replayed.
      if (result.status < 400) o.reads?.noteWrite(tokenId);
      return result;
    });
  };
  for (const [operationId, handler] of Object.entries(o.handlers)) {
    api.register(operationId, wrap(operationId, handler as AnyHandler));
  }
}

/**
 * Sends a handler's result; with validateResponses, a success that does not match the spec becomes a 500 (a
 * streamed body is not held to be validated: its lines are written by one function from typed rows).
 */
function sendResult(o: ApiOptions) {
  return (c: Context, req: Request, res: Response) => {
    labelOperation(res, c.operation?.operationId);
    let result = c.response as HttpResult;
    if (result.stream) return sendStream(o, c.operation?.operationId, req, res, result, result.stream);
    if (o.validateResponses && c.operation && result.status < 400 && result.body !== undefined) {
      const check = c.api.validateResponse(result.body, c.operation, result.status);
      if (check.errors?.length) {
        o.log.error(
          { operationId: c.operation.operationId, errors: check.errors },
          'response does not match the OpenAPI document',
        );
        result = problemResult(
          problem(
            500,
            `response of ${c.operation.operationId} does not match the OpenAPI document: ${JSON.stringify(check.errors)}`,
          ),
        );
      }
    }
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    const type = result.headers?.['Content-Type'];
    if (result.body === undefined) res.status(result.status).end();
    else if (type === 'application/problem+json') {
      const lang = languageOf(req);
      res.setHeader('Content-Language', lang);
      res.status(result.status).send(problemJson(result.body as Problem, lang, c.operation?.operationId));
    }
    // Whatever a handler returns, no full ID number leaves in an answer (a cheap scan: answers rarely hold 17 digits).
    else if (type) res.status(result.status).send(redactIdNumbers(JSON.stringify(result.body)));
    else
      res
        .status(result.status)
        .type('application/json')
        .send(redactIdNumbers(JSON.stringify(result.body)));
  };
}

/**
 * A streamed body, each chunk redacted as every answer is (the chunks end at line ends, so an ID number is never
 * split between two), with backpressure: the next chunk is read when the client has taken the last one. The first
 * chunk is read before the status line, so a failure there (the database unreachable on the first read) is thrown
 * to the error middleware and answered as problem+json like any other. A failure after the status line can no
 * longer be answered: the response is destroyed, so the client sees a broken transfer rather than a file that
 * looks complete, and it is logged here. A client that goes away stops the reading (the chunks' return()).
 */
async function sendStream(
  o: ApiOptions,
  operationId: string | undefined,
  req: Request,
  res: Response,
  result: HttpResult,
  stream: AsyncIterable<OutgoingText>,
): Promise<void> {
  const chunks = stream[Symbol.asyncIterator]();
  const first = await chunks.next();
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  res.status(result.status);
  async function* redacted(): AsyncGenerator<string> {
    try {
      for (let next = first; !next.done; next = await chunks.next()) {
        yield redactIdNumbers(next.value.text, next.value.usccs);
      }
    } finally {
      await chunks.return?.();
    }
  }
  try {
    // one chunk read ahead at most (Readable.from would otherwise buffer 16): an export holds about a page
    await pipeline(Readable.from(redacted(), { highWaterMark: 1 }), res);
  } catch (err) {
    // the response closed before its end without a failure of the source: the client went away
    const gone = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (gone) o.log.info({ operationId, reqId: req.id }, 'the client closed a streamed answer before its end');
    else o.log.error({ err, operationId, reqId: req.id }, 'streamed answer failed after its first chunk; cut off');
    res.destroy();
  }
}
