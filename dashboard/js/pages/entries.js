import { api } from '../api.js';
import { t, term, termPairs } from '../i18n.js';
import { departmentName, loadDepartments, subjectLine } from '../format.js';
import { Pager, attempt, html, options, problemView, render } from '../ui.js';
import { latestOnly } from '../latest-only.js';

const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;
const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
// An ID number typed into the search lives here, in memory only: never in the address bar or history.
let remembered = { text: '', sourceRef: '', listType: '', status: '' };

/**
 * Search entries by USCC, a person's ID number (answered masked) or part of a name, by the authority's sourceRef,
 * list type and status; paged on the server. A failed search (429 after too many ID look-ups, 503, …) shows its
 * message and no rows: never the previous answer's rows under the new search.
 */
export async function entriesPage(main, { query }) {
  const departments = await loadDepartments();
  const form = { ...remembered, ...(query.get('uscc') ? { text: query.get('uscc') } : {}) };
  const pager = new Pager();

  const params = () => {
    const typed = form.text.trim();
    const text = typed.toUpperCase();
    return {
      uscc: USCC.test(text) && !ID_NUMBER.test(text) ? text : undefined,
      idNumber: ID_NUMBER.test(text) ? text : undefined,
      name: typed && !USCC.test(text) && !ID_NUMBER.test(text) ? typed : undefined,
      sourceRef: form.sourceRef.trim() || undefined,
      listType: form.listType || undefined,
      status: form.status || undefined,
    };
  };

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const { value, error } = await attempt(() =>
      api('/v1/list-entries', { query: { ...params(), limit: 25, cursor: pager.cursor } }),
    );
    if (!current()) return;
    const page = value ?? { items: [], nextCursor: null };
    render(
      html` <h1>${t('entries')}</h1>
        <form
          class="toolbar search no-print"
          role="search"
          @submit=${(e) => {
            e.preventDefault();
            const f = e.target.elements;
            Object.assign(form, {
              text: f.q.value,
              sourceRef: f.sourceRef.value,
              listType: f.listType.value,
              status: f.status.value,
            });
            remembered = { ...form };
            pager.reset();
            load();
          }}
        >
          <label
            >${t('searchHelp')} <input name="q" .value=${form.text} autocomplete="off" size="26" maxlength="100"
          /></label>
          <label
            >${t('sourceRef')} <input name="sourceRef" .value=${form.sourceRef} autocomplete="off" size="14" maxlength="200"
          /></label>
          <label
            >${t('listType')}
            <select name="listType">
              <option value="">${t('all')}</option>
              ${options(termPairs('listType'), form.listType)}
            </select></label
          >
          <label
            >${t('status')}
            <select name="status">
              <option value="">${t('all')}</option>
              ${options(termPairs('entryStatus'), form.status)}
            </select></label
          >
          <button type="submit">${t('search')}</button>
        </form>
        ${problemView(error)}
        ${
          error
            ? ''
            : page.items.length === 0
              ? html`<p class="notice">${t('noRows')}</p>`
              : html` <table class="data" data-testid="entries-table">
                <thead>
                  <tr>
                    <th scope="col">${t('subject')}</th>
                    <th scope="col">${t('listType')}</th>
                    <th scope="col">${t('status')}</th>
                    <th scope="col">${t('authority')}</th>
                    <th scope="col">${t('decidedAt')}</th>
                    <th scope="col">${t('orders')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(
                    (e) =>
                      html`<tr data-entry=${e.id}>
                        <td><a href=${`#/entries/${e.id}`}>${subjectLine(e.subject)}</a></td>
                        <td>${term('listType', e.listType)}</td>
                        <td>${term('entryStatus', e.status)}</td>
                        <td>${departmentName(departments, e.authority)}</td>
                        <td>${e.decidedAt}</td>
                        <td class="num">${e.orders.length}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${pager.view(page.nextCursor, load)}`,
      main,
    );
  }
  await load();
}
