import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express, { type RequestHandler } from 'express';
import { problem, sendProblem } from '../http/problem';
import { labelOperation } from './http-metrics';
import { registry } from './metrics';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics in the Prometheus text format. With a token, only `Authorization: Bearer <METRICS_TOKEN>` is
 * answered (compared in constant time); department and administrator tokens are not accepted: an operator's
 * scraper is not a department. It is kept out of openapi/openapi.yaml on purpose (see docs/operations.md).
 */
export function metricsHandler(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return (req, res, next) => {
    labelOperation(res, 'metrics');
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      sendProblem(
        res,
        problem(
          401,
          req.headers.authorization ? 'the metrics token is not known' : 'send Authorization: Bearer <METRICS_TOKEN>',
        ),
      );
      return;
    }
    registry.metrics().then((text) => {
      res.setHeader('Cache-Control', 'no-store');
      res.type(registry.contentType).send(text);
    }, next);
  };
}

/** A listener of its own for /metrics (METRICS_PORT), bound to METRICS_HOST (loopback unless the operator says so). */
export function startMetricsServer(o: { port: number; host: string; token: string | undefined }): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(o.token));
  app.use((_req, res) => sendProblem(res, problem(404, 'this listener serves GET /metrics only')));
  const server = http.createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}
