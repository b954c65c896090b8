import type { RequestHandler, Response } from 'express';
import { httpDuration, metricsEnabled } from './metrics';

type Child = { observe(v: number): void };
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const UNMATCHED = 'unmatched';

/** children.get(operation)[status / 100 - 1]: bound once per operation, so a request allocates no label object. */
const children = new Map<string, Child[]>();
function childrenOf(operation: string): Child[] {
  let list = children.get(operation);
  if (!list) {
    list = STATUS_CLASSES.map((c) => httpDuration.labels(operation, c));
    children.set(operation, list);
  }
  return list;
}

const START = Symbol('jp.metrics.start');
const OPERATION = Symbol('jp.metrics.operation');
type Timed = Response & { [START]?: number; [OPERATION]?: string };

/**
 * Names the OpenAPI operation a request was routed to (src/http/api.ts calls it as soon as openapi-backend has
 * matched one). The operation id, never the path: paths carry USCCs and entry ids.
 */
export function labelOperation(res: Response, operationId: string | undefined): void {
  if (operationId) (res as Timed)[OPERATION] = operationId;
}

// One listener function for every response (no closure per request); `this` is the response.
function observeFinished(this: Timed): void {
  const started = this[START];
  if (started === undefined) return;
  const list = childrenOf(this[OPERATION] ?? UNMATCHED);
  const cls = Math.min(Math.max(Math.floor(this.statusCode / 100), 1), 5) - 1;
  list[cls]?.observe((performance.now() - started) / 1000);
}

/** First middleware: times every request, observed when the response has been handed to the socket. */
export function httpMetrics(): RequestHandler {
  return (_req, res, next) => {
    if (metricsEnabled()) {
      (res as Timed)[START] = performance.now();
      res.once('finish', observeFinished);
    }
    next();
  };
}
