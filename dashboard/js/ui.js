import { html, nothing, render } from '/dashboard/vendor/lit-html/lit-html.js';
import { ApiError, BrokenTransferError, OfflineError, SignedOutError } from './api.js';
import { t } from './i18n.js';

export { html, nothing, render };

/**
 * A failed call as one sentence the user can act on: too many look-ups (429) and the database being away (503) say
 * how long to wait, as Retry-After does; 403 says the token may not see it; anything else gives the API's detail.
 * @param {unknown} err
 */
export function describeError(err) {
  if (err instanceof OfflineError) return t('offline');
  if (err instanceof BrokenTransferError) return t('transferBroken');
  if (err instanceof SignedOutError) return t('expired');
  if (!(err instanceof ApiError)) return t('error');
  // an hour's limit reads as minutes, a short wait as seconds
  const wait = !err.retryAfter
    ? ''
    : err.retryAfter >= 120
      ? t('retryAfterMinutes').replace('{m}', String(Math.ceil(err.retryAfter / 60)))
      : t('retryAfter').replace('{s}', String(err.retryAfter));
  if (err.status === 429) return `${t('tooMany')}${wait}`;
  if (err.status === 503) return `${t('unavailable')}${wait}`;
  if (err.status === 403) return t('forbidden');
  if (err.status === 404) return t('notFound');
  return `${t('error')}（${err.status}）：${err.message}`;
}

/** "Not found": also what another department's order is to a department (it is simply not there). */
export const notFoundView = () => html`<p class="notice" role="alert" data-testid="not-found">${t('notFound')}</p>`;

/** What a failed page shows. */
export function errorView(/** @type {unknown} */ err) {
  if (err instanceof ApiError && err.status === 404) return notFoundView();
  return html`<p class="notice error" role="alert" data-testid="api-error">${describeError(err)}</p>`;
}

/**
 * Runs a call made from an event (a search, a filter, a page button): its failure becomes a message on the page
 * (never an uncaught rejection), and the caller draws no rows rather than the ones of the previous answer.
 * A refused token is reported too: the app has already gone to sign-in (api.js), nothing is left to throw to.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<{ value: T | null, error: unknown }>}
 */
export async function attempt(fn) {
  try {
    return { value: await fn(), error: null };
  } catch (error) {
    return { value: null, error };
  }
}

/** The message of a failed attempt, or nothing. */
export const problemView = (/** @type {unknown} */ error) =>
  error ? html`<p class="notice error" role="alert" data-testid="api-error">${describeError(error)}</p>` : '';

/**
 * Cursor paging: the API returns nextCursor; going back uses the cursors already seen, so each page is one
 * indexed query and nothing but the current page is in the browser.
 */
export class Pager {
  constructor() {
    this.stack = [undefined];
  }
  get cursor() {
    return this.stack[this.stack.length - 1];
  }
  get page() {
    return this.stack.length;
  }
  next(cursor) {
    this.stack.push(cursor);
  }
  prev() {
    if (this.stack.length > 1) this.stack.pop();
  }
  reset() {
    this.stack = [undefined];
  }
  view(nextCursor, go) {
    return html`<nav class="pager no-print" aria-label="pages">
      <button
        type="button"
        ?disabled=${this.page === 1}
        @click=${() => {
          this.prev();
          go();
        }}
      >
        ${t('prev')}
      </button>
      <span aria-live="polite">${this.page}</span>
      <button
        type="button"
        ?disabled=${!nextCursor}
        @click=${() => {
          this.next(nextCursor);
          go();
        }}
      >
        ${t('next')}
      </button>
    </nav>`;
  }
}

/** A header cell that sorts its table by a key; aria-sort tells screen readers the current order. */
export function sortHeader(label, key, sort, onSort, cls = '') {
  const active = sort.key === key;
  const aria = active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none';
  const arrow = active ? (sort.dir === 1 ? '▲' : '▼') : '';
  return html`<th scope="col" aria-sort=${aria} class=${cls}>
    <button type="button" class="sort" title=${t('sortBy')} @click=${() => onSort(key)}>
      ${label} <span aria-hidden="true">${arrow}</span>
    </button>
  </th>`;
}

/** The <option>s of a select from [value, label] pairs, the current value selected. */
export function options(pairs, selected) {
  return pairs.map(([value, label]) => html`<option value=${value} ?selected=${value === selected}>${label}</option>`);
}

/** A horizontal bar for a share (0..1), with the figure as text so it prints and reads without colour. */
export function bar(share, label, cls = '') {
  const w = Math.max(0, Math.min(1, share ?? 0)) * 100;
  return html`<span class="bar ${cls}"><span class="bar-fill" style="width:${w.toFixed(1)}%"></span></span
    ><span class="bar-label">${label}</span>`;
}
