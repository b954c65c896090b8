import { html, nothing, render } from '/dashboard/vendor/lit-html/lit-html.js';
import { ApiError } from './api.js';
import { t } from './i18n.js';

export { html, nothing, render };

/** What a failed call shows: 403 and 404 both read "not found" (another department's order is simply not there). */
export function errorView(err) {
  if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
    return html`<p class="notice" role="alert" data-testid="not-found">${t('notFound')}</p>`;
  }
  const detail = err instanceof ApiError ? err.message : t('error');
  return html`<p class="notice error" role="alert">${t('error')}: ${detail}</p>`;
}

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
