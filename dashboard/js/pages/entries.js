import { api, ApiError } from '../api.js';
import { t, term, termPairs } from '../i18n.js';
import { departmentName, loadDepartments, subjectLine } from '../format.js';
import { Pager, html, options, render } from '../ui.js';

const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;
// An ID number typed into the search lives here, in memory only: never in the address bar or history.
let remembered = { text: '', listType: '', status: '' };

/** Search entries by USCC or a person's ID number (answered masked), list type and status; paged on the server. */
export async function entriesPage(main, { query }) {
  const departments = await loadDepartments();
  const form = { ...remembered, ...(query.get('uscc') ? { text: query.get('uscc') } : {}) };
  const pager = new Pager();
  let problem = '';

  const params = () => {
    const text = form.text.trim().toUpperCase();
    return {
      uscc: text && !ID_NUMBER.test(text) ? text : undefined,
      idNumber: ID_NUMBER.test(text) ? text : undefined,
      listType: form.listType || undefined,
      status: form.status || undefined,
    };
  };

  async function load() {
    let page = { items: [], nextCursor: null };
    try {
      page = await api('/v1/list-entries', { query: { ...params(), limit: 25, cursor: pager.cursor } });
      problem = '';
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400) throw err;
      problem = err.message;
    }
    render(
      html` <h1>${t('entries')}</h1>
        <form
          class="toolbar search no-print"
          role="search"
          @submit=${(e) => {
            e.preventDefault();
            const f = e.target.elements;
            Object.assign(form, { text: f.q.value, listType: f.listType.value, status: f.status.value });
            remembered = { ...form };
            pager.reset();
            load();
          }}
        >
          <label
            >${t('searchHelp')} <input name="q" .value=${form.text} autocomplete="off" size="22" maxlength="18"
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
        ${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
        ${
          page.items.length === 0
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
