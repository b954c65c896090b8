import http from 'node:http';
import type { RequestListener } from 'node:http';

export interface ServerTimeouts {
  /** A client must have sent all request headers within this many ms of connecting (slow-header attacks). */
  headersTimeoutMs: number;
  /** The whole request, body included, within this many ms (slow-body attacks); a 50 MB batch needs ~0.4 MB/s. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this many ms. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two limits above; a cut happens at most this much late. */
  checkIntervalMs: number;
}

const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
};

/**
 * The HTTP server with its timeouts stated: Node's defaults (60 s for headers, 300 s per request, checked every
 * 30 s) let one client hold a connection for minutes by trickling bytes. A timed-out request gets 408 and is closed.
 */
export function createHttpServer(listener: RequestListener, t: ServerTimeouts = DEFAULT_SERVER_TIMEOUTS): http.Server {
  const server = http.createServer(
    {
      headersTimeout: t.headersTimeoutMs,
      requestTimeout: t.requestTimeoutMs,
      connectionsCheckingInterval: t.checkIntervalMs,
    },
    listener,
  );
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  return server;
}
