import type { RequestHandler } from 'express';
import type { Authenticator } from '../auth/authenticator';
import { problem, sendProblem } from '../http/problem';

/**
 * Large batch uploads read at once per authority and instance; more wait for none: 503 with Retry-After. Per
 * authority, so one authority's slow uploads never refuse another's; the list authorities are few (rules/
 * departments.json), so the memory bound is theirs times this times 50 MB.
 */
const MAX_CONCURRENT_LARGE_BATCHES = 2;
const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * Runs before a batch body (up to 50 MB) is read: an unauthenticated caller, the administrator or a department
 * that is no list authority is refused on its headers alone, and only MAX_CONCURRENT_LARGE_BATCHES large bodies
 * per authority are read at a time. Without this, twelve anonymous 45 MB uploads took the process from 162 MB to 973 MB RSS.
 * openapi-backend authenticates the request again afterwards (one indexed read), so the rules live in one place.
 */
export function batchGate(authenticator: Authenticator): RequestHandler {
  const largeInFlight = new Map<string, number>();
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    void (async () => {
      const outcome = await authenticator.resolve(req.headers.authorization, req.ip ?? req.socket.remoteAddress);
      if (outcome && 'limited' in outcome) {
        return sendProblem(
          res,
          problem(429, `too many failed authentications from this address; retry after ${outcome.retryAfterSeconds} s`),
          { 'Retry-After': String(outcome.retryAfterSeconds) },
        );
      }
      if (!outcome)
        return sendProblem(
          res,
          problem(
            401,
            req.headers.authorization ? 'the bearer token is not known' : 'send Authorization: Bearer <token>',
          ),
        );
      if (outcome.kind !== 'department' || outcome.department.authorityFor.length === 0) {
        return sendProblem(res, problem(403, 'only a list authority (a department token) may submit batches'));
      }
      const length = Number(req.headers['content-length']);
      const large = !Number.isFinite(length) || length > LARGE_BODY_BYTES;
      if (!large) return next();
      const authority = outcome.department.code;
      const reading = largeInFlight.get(authority) ?? 0;
      if (reading >= MAX_CONCURRENT_LARGE_BATCHES) {
        return sendProblem(
          res,
          problem(503, `${MAX_CONCURRENT_LARGE_BATCHES} large batches of ${authority} are being read; retry shortly`),
          { 'Retry-After': '5' },
        );
      }
      largeInFlight.set(authority, reading + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (largeInFlight.get(authority) ?? 1) - 1;
        if (left > 0) largeInFlight.set(authority, left);
        else largeInFlight.delete(authority);
      };
      res.on('finish', release);
      res.on('close', release);
      next();
    })().catch(next);
  };
}
