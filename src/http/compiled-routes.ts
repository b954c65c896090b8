import type OpenAPIBackend from 'openapi-backend';
import { compileParseRequest } from './compiled-parse';

type Operation = ReturnType<OpenAPIBackend['getOperations']>[number];
type RouteRequest = Parameters<OpenAPIBackend['matchOperation']>[0];

interface Template {
  operation: Operation;
  pattern: RegExp;
}

const escapeRegExp = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const patternOf = (template: string) =>
  new RegExp(
    `^${template
      .split(/\{[^}]+\}/)
      .map(escapeRegExp)
      .join('[^/]+')}$`,
  );

/**
 * openapi-backend's router rebuilds its operation list from the whole document (lodash) and compiles a RegExp per
 * path template on every request; a CPU profile of the checks showed that as the largest single cost. The document
 * cannot change after init, so this computes the same answers once and installs them on the router.
 *
 * Matching keeps openapi-backend's semantics: an exact path with the request's method wins; otherwise templates are
 * tried from the most literal characters to the fewest; a path that matches only with other methods is a 405, no
 * match at all a 404 (both as the router's own errors, which openapi-backend maps to its handlers).
 */
export function compileRoutes(api: OpenAPIBackend): void {
  const router = api.router;
  // With an apiRoot every path would first need its prefix checked; this service serves the document at '/'.
  if (router.apiRoot !== '/') throw new Error(`compileRoutes supports apiRoot '/' only, not '${router.apiRoot}'`);
  const operations = router.getOperations();
  const byId = new Map(operations.map((op) => [op.operationId, op]));
  const exact = new Map(operations.map((op) => [`${op.method} ${op.path}`, op]));
  const templates: Template[] = operations
    .map((operation) => ({
      operation,
      pattern: patternOf(operation.path),
      literal: operation.path.replace(/\{.*?\}/g, '').length,
    }))
    .sort((a, b) => b.literal - a.literal)
    .map(({ operation, pattern }) => ({ operation, pattern }));

  router.getOperations = () => operations;
  router.getOperation = (operationId: string) => byId.get(operationId);
  router.matchOperation = ((req: RouteRequest, strict?: boolean) => {
    const normal = router.normalizeRequest(req);
    const fail = (message: string) => {
      if (strict) throw new Error(message);
      return undefined;
    };
    const path = router.normalizePath(normal.path);
    const hit = exact.get(`${normal.method} ${path}`);
    if (hit) return hit;
    let pathMatched = false;
    for (const t of templates) {
      if (!t.pattern.test(path)) continue;
      if (t.operation.method === normal.method) return t.operation;
      pathMatched = true;
    }
    return fail(
      pathMatched
        ? '405-methodNotAllowed: this method is not registered for the route'
        : '404-notFound: no route matches request',
    );
  }) as typeof router.matchOperation;
  compileParseRequest(router, operations);
}
