import { session } from './session.js';
import { lang } from './i18n.js';

/** @typedef {import('./api-types').Paths} Paths */
/** @typedef {import('./api-types').Schemas} Schemas */

/**
 * A failed call, kept whole so pages can say what went wrong: the problem+json body, and for 429 and 503 how long
 * to wait (Retry-After, seconds).
 */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Schemas['Problem'] | null} problem
   * @param {number | null} [retryAfter]
   */
  constructor(status, problem, retryAfter = null) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** The token was refused (expired, revoked or mistyped): the app sends the user back to sign-in. */
export class SignedOutError extends ApiError {}

/** The service could not be reached at all (network down, server stopped). */
export class OfflineError extends ApiError {}

/** A file the service began to send and broke off (a failure after its first line): what came is not kept. */
export class BrokenTransferError extends ApiError {}

let onSignedOut = (/** @type {SignedOutError} */ _err) => {};
/** @param {(err: SignedOutError) => void} fn */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/**
 * @typedef {object} CallOptions
 * @property {string} [method]
 * @property {Record<string, string | number | boolean | undefined | null>} [query]
 * @property {Record<string, string>} [params] values of the path's {placeholders}
 * @property {unknown} [body]
 * @property {string} [token]
 */

/**
 * GET a /v1 path of the OpenAPI document; the answer is typed by the document, so a page that reads a field the
 * API no longer returns does not type-check.
 * @template {keyof Paths} P
 * @param {P} path
 * @param {Omit<CallOptions, 'method' | 'body'>} [opts]
 * @returns {Promise<import('./api-types').GetAnswer<P>>}
 */
export function api(path, opts = {}) {
  return call(path, opts);
}

/**
 * POST to a /v1 path of the OpenAPI document.
 * @template {keyof Paths} P
 * @param {P} path
 * @param {import('./api-types').PostBody<P>} body
 * @param {Omit<CallOptions, 'method' | 'body'>} [opts]
 * @returns {Promise<import('./api-types').PostAnswer<P>>}
 */
export function post(path, body, opts = {}) {
  return call(path, { ...opts, method: 'POST', body });
}

/**
 * @param {string} path
 * @param {CallOptions} opts
 */
async function call(path, { method = 'GET', query, params, body, token = session.token }) {
  const headers = headersFor('application/json', token);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await send(urlOf(path, query, params), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw failure(res, data, token);
  return data;
}

/**
 * GET a /v1 path whose answer is a file (the overdue CSV export, written by the service as it reads), with the
 * name the service gives it (Content-Disposition). Refusals are problem+json, thrown as the other calls throw them.
 * @param {keyof Paths} path
 * @param {Omit<CallOptions, 'method' | 'body'>} [opts]
 * @returns {Promise<{ blob: Blob, filename: string | null }>}
 */
export async function fetchFile(path, { query, params, token = session.token } = {}) {
  const res = await send(urlOf(path, query, params), { method: 'GET', headers: headersFor('text/csv', token) });
  if (!res.ok) throw failure(res, await res.json().catch(() => null), token);
  // a transfer the service broke off (a failure after the file began) rejects here: never saved as complete
  const blob = await res.blob().catch(() => {
    throw new BrokenTransferError(res.status, null);
  });
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
  return { blob, filename: name ? name[1] : null };
}

/**
 * @param {string} path
 * @param {CallOptions['query']} query
 * @param {CallOptions['params']} params
 */
function urlOf(path, query, params) {
  const filled = path.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(params?.[k] ?? ''));
  const url = new URL(filled, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  return url;
}

/**
 * @param {string} accept
 * @param {string | undefined} token
 * @returns {Record<string, string>}
 */
function headersFor(accept, token) {
  /** @type {Record<string, string>} */
  // the service's error messages (and an export's names) in the dashboard's language (Chinese unless English)
  const headers = { Accept: accept, 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/**
 * @param {URL} url
 * @param {RequestInit} init
 */
async function send(url, init) {
  try {
    return await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new OfflineError(0, null);
  }
}

/**
 * The error of a refused call; a refused session token signs the user out.
 * @param {Response} res
 * @param {Schemas['Problem'] | null} data
 * @param {string | undefined} token
 */
function failure(res, data, token) {
  if (res.status === 401) {
    const err = new SignedOutError(401, data);
    // only the session's own token signs the user out; a token being tried at sign-in is just refused
    if (token === session.token) onSignedOut(err);
    return err;
  }
  const wait = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, data, Number.isFinite(wait) && wait > 0 ? wait : null);
}

/**
 * Every page of a cursor-paged list, for exports (500 rows a request, the API's largest page).
 * @template {'/v1/reports/overdue' | '/v1/orders' | '/v1/checks/decisions' | '/v1/objections' | '/v1/restoration-applications'} P
 * @param {P} path
 * @param {Record<string, string | undefined>} [query]
 * @returns {Promise<import('./api-types').GetAnswer<P>['items']>}
 */
export async function allPages(path, query = {}) {
  const items = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, limit: 500, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return /** @type {any} */ (items);
}
