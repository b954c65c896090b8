import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, isStatementTimeout, RETRY_AFTER_SECONDS, type DatabaseOutage } from '../db/unavailable';
import { statementTimeouts } from '../metrics/metrics';
import type { FieldError } from '../errors';
import {
  detailText,
  fieldError,
  languageOf,
  localiseFieldError,
  type Language,
  type MessageRef,
} from '../i18n/messages';
import { redactIdNumbers, redactUrl } from '../identity/id-number';
import { fieldNamerOf } from '../i18n/field-labels';

/**
 * RFC 9457 problem details. Every error the service returns has this shape, whoever raised it: openapi-backend's
 * validation, the JSON parser, a domain error or an unexpected failure.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  /** The detail as a message of the catalogue, rendered in the request's language when the problem is sent. */
  detailRef?: MessageRef;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'content-too-large',
  429: 'too-many-requests',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  500: 'internal',
  503: 'unavailable',
};

export function problem(status: number, detail?: string, errors?: FieldError[], detailRef?: MessageRef): Problem {
  return {
    type: `https://joint-punishment.example/problems/${SLUGS[status] ?? 'error'}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...(errors?.length ? { errors } : {}),
    ...(detailRef ? { detailRef } : {}),
  };
}

/**
 * A problem as the client reads it, in `lang`: the detail and each field message from the catalogue where they
 * have a code (a text without one stays as written, in English), without the codes themselves; each field named as
 * the operation names it (a removal's reason is 移出原因, not 列入原因).
 */
export function localised(p: Problem, lang: Language, operationId?: string): Problem {
  const { detailRef, errors, ...rest } = p;
  const label = fieldNamerOf(operationId);
  const detail = detailRef ? detailText(detailRef, errors ?? [], lang, label) : p.detail;
  return {
    ...rest,
    ...(detail ? { detail } : {}),
    ...(errors?.length ? { errors: errors.map((e) => localiseFieldError(e, lang, label(e.path))) } : {}),
  };
}

/**
 * The one serialisation of a problem, in the request's language: whatever a detail or field message echoed (a row,
 * a path, a value), no full ID number leaves the service in an error.
 */
export function problemJson(p: Problem, lang: Language, operationId?: string): string {
  return redactIdNumbers(JSON.stringify(localised(p, lang, operationId)));
}

/** `instance` names the path only: a query may carry an ID number (?idNumber=, or spelled %69dNumber=). */
function instanceOf(path: string): string {
  return redactUrl(path.split('?')[0] ?? '');
}

export function sendProblem(res: Response, p: Problem, headers: Record<string, string> = {}): void {
  if (p.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const lang = languageOf(res.req);
  res.setHeader('Content-Language', lang);
  res.status(p.status).type('application/problem+json').send(problemJson(p, lang));
}

/** Domain error classes (by name) to HTTP status: the one place where that mapping lives. */
const STATUS_BY_ERROR: Record<string, number> = {
  ValidationError: 400,
  UnauthenticatedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  UnprocessableError: 422,
  TooManyRequestsError: 429,
  UnsupportedMediaError: 415,
};

export function problemFromError(err: unknown): Problem {
  if (isDatabaseUnavailable(err))
    return problem(503, 'the database is unreachable at the moment; repeat the request after Retry-After seconds');
  if (isStatementTimeout(err))
    return problem(
      503,
      'the answer took longer than its time limit (the database is reachable; this request is slow); repeat it after Retry-After seconds',
    );
  const e = err as {
    name?: string;
    message?: string;
    errors?: FieldError[];
    detailRef?: MessageRef;
    type?: string;
    status?: number;
    expose?: boolean;
  };
  const status = (e.name && STATUS_BY_ERROR[e.name]) || undefined;
  if (status) return problem(status, e.message, e.errors, e.detailRef);
  // errors raised by express's body parser carry a type and an exposable status
  if (e.type === 'entity.too.large') {
    const limit = (e as { limit?: unknown }).limit;
    const mb = typeof limit === 'number' ? limit / 1048576 : 1;
    return problem(413, `the request body is over the ${mb} MB limit`, [], { code: 'body_too_large', params: { mb } });
  }
  if (e.type === 'entity.parse.failed') {
    const ref = { code: 'not_json_detail', params: { why: e.message ?? '' } } as const;
    return problem(400, detailText(ref, [], 'en'), [fieldError('body', 'not_json')], ref);
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return problem(415, e.message);
  if (e.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return problem(e.status, e.message);
  return problem(500, 'an unexpected error occurred; it has been logged');
}

/** `outage` (when given) logs a database outage once instead of a stack per request. */
export function errorMiddleware(log: Logger, outage?: DatabaseOutage): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const p = problemFromError(err);
    p.instance = instanceOf(req.originalUrl);
    const unavailable = isDatabaseUnavailable(err);
    const slow = isStatementTimeout(err);
    if (unavailable && outage) outage.failed(err);
    else if (slow) {
      statementTimeouts.inc({ source: 'request' });
      log.warn(
        { reqId: (req as { id?: unknown }).id, method: req.method, path: req.route?.path ?? req.path },
        'statement passed its time limit: the service is slow on this request (not a database outage)',
      );
    } else if (p.status >= 500) log.error({ err, reqId: (req as { id?: unknown }).id }, 'request failed');
    if (res.headersSent) return;
    const retryAfter =
      unavailable || slow ? RETRY_AFTER_SECONDS : (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    sendProblem(res, p, typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {});
  };
}
