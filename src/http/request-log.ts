import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { containsIdNumber, redactUrl } from '../identity/id-number';

/**
 * A caller's X-Request-Id is kept when it is well-formed (8–64 letters, digits, '.', '_', ':', '-', starting with a
 * letter or digit, and no ID number hidden in it): it is stored in audit rows and logs. Otherwise a fresh UUID.
 */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && /^[A-Za-z0-9][\w.:-]{7,63}$/.test(given) && !containsIdNumber(given)
    ? given
    : randomUUID();
}

/** The URL as logged: %-escapes decoded first (so ?%69dNumber= is seen), idNumber values hidden, any ID number masked. */
export function loggedUrl(url: string): string {
  return redactUrl(url).replace(/idNumber=[^&]*/gi, 'idNumber=***');
}

/**
 * Every request gets an id (echoed as X-Request-Id, written to audit rows and error logs). Access lines go through
 * pino-http at info; when the level is above info they would never be written, and pino-http would still build and
 * serialise a child logger per request (measured at ~8% of a check's CPU), so only the id is assigned then.
 */
export function requestLog(log: Logger): RequestHandler {
  if (!log.isLevelEnabled('info')) {
    return (req, res, next) => {
      const id = requestIdOf(req.headers['x-request-id']);
      (req as { id?: string }).id = id;
      res.setHeader('X-Request-Id', id);
      next();
    };
  }
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestIdOf(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Request bodies may hold ID numbers: log method, URL and status, never bodies or the Authorization header.
    serializers: {
      req: (r: { id: string; method: string; url: string }) => ({ id: r.id, method: r.method, url: loggedUrl(r.url) }),
    },
  });
}
