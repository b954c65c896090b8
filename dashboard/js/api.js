import { session } from './session.js';

/** A problem+json answer from the API, kept whole so pages can say what went wrong. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** The token was refused (expired, revoked or mistyped): the app sends the user back to sign-in. */
export class SignedOutError extends ApiError {}

let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/** Calls the /v1 API on this origin with the signed-in token. */
export async function api(path, { method = 'GET', query, body, token = session.token } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const data = await res.json().catch(() => null);
  if (res.status === 401) {
    const err = new SignedOutError(401, data);
    // only the session's own token signs the user out; a token being tried at sign-in is just refused
    if (token === session.token) onSignedOut(err);
    throw err;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Every page of a cursor-paged list, for exports (500 rows a request, the API's largest page). */
export async function allPages(path, query = {}) {
  const items = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, limit: 500, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
