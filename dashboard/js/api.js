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
  const filled = path.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(params?.[k] ?? ''));
  const url = new URL(filled, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  /** @type {Record<string, string>} */
  // the service's error messages in the dashboard's language (Chinese unless the user chose English)
  const headers = { Accept: 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new OfflineError(0, null);
  }
  const data = await res.json().catch(() => null);
  if (res.status === 401) {
    const err = new SignedOutError(401, data);
    // only the session's own token signs the user out; a token being tried at sign-in is just refused
    if (token === session.token) onSignedOut(err);
    throw err;
  }
  if (!res.ok) {
    const wait = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, data, Number.isFinite(wait) && wait > 0 ? wait : null);
  }
  return data;
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
