import http from 'node:http';

/**
 * The receiver for the webhook bench: reads each POST's body and answers 204 at once; under /slow/ it answers
 * after SLOW_MS (a department whose system is slow). Its own process, so it does not share the event loop of
 * the worker it measures.
 */
const slowMs = Number(process.env.SLOW_MS ?? 9500);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => {
      res.statusCode = 204;
      res.end();
    };
    if (req.url?.startsWith('/slow/')) setTimeout(answer, slowMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
