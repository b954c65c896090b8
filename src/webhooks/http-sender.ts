import http from 'node:http';
import https from 'node:https';
import type { WebhookTargetGuard } from './target-guard';

export interface SendResult {
  ok: boolean;
  /** HTTP status; null when no answer came. */
  status: number | null;
  error: string | null;
  ms: number;
  /** The worker was stopped: the attempt does not count. */
  aborted: boolean;
}

/**
 * One POST to a receiver. node:http rather than fetch because the connection must go to the address the guard
 * judged: the guard is the socket's `lookup`, so a name is resolved and checked once per connection, by the code
 * that connects. Keep-alive agents reuse a checked connection for a department's next events; redirects are never
 * followed (a 3xx is a failed delivery).
 */
export class HttpSender {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly guard: WebhookTargetGuard) {
    const options = { keepAlive: true, maxSockets: 64, lookup: guard.lookup };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  /** POSTs `body`; gives up after timeoutMs, or at once when `stop` fires (then the result says aborted). */
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    stop: AbortSignal,
    timeoutMs: number,
  ): Promise<SendResult> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    // One controller per POST, not AbortSignal.any: 150,000 POSTs must not leave 150,000 listeners on `stop`.
    const request = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.abort();
    }, timeoutMs);
    const onStop = () => request.abort();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      if (stop.aborted) throw Object.assign(new Error('stopped'), { name: 'AbortError' });
      const target = new URL(url);
      this.guard.checkLiteral(target);
      const status = await this.request(target, headers, body, request.signal);
      const ok = status >= 200 && status < 300;
      return { ok, status, error: ok ? null : `HTTP ${status}`, ms: ms(), aborted: false };
    } catch (e) {
      const err = e as Error & { code?: string };
      let message = (err.code ? `${err.code}: ` : '') + err.message;
      if (err.name === 'WebhookTargetRefused') message = `refused: ${err.message}`;
      else if (timedOut && !stop.aborted) message = `no answer within ${timeoutMs} ms`;
      return { ok: false, status: null, error: message.slice(0, 500), ms: ms(), aborted: stop.aborted };
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  }

  /** Ends sockets kept alive for the next deliveries. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private request(target: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
    const secure = target.protocol === 'https:';
    const send = secure ? https.request : http.request;
    return new Promise<number>((resolve, reject) => {
      const req = send(target, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        lookup: this.guard.lookup,
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        signal,
      });
      req.once('error', reject);
      req.once('response', (res) => {
        // The answer's body is not read: drain it so the connection can carry the next event.
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.end(body);
    });
  }
}
