import { api } from '../api.js';
import { lang, t, term, termCodes } from '../i18n.js';
import { date, departmentName, dueDay, loadDepartments } from '../format.js';
import { session } from '../session.js';
import { html, Pager, render } from '../ui.js';

/** A department's own orders (a supervisor may pick any department), newest first, filtered on the server. */
export async function ordersPage(main, { query }) {
  const departments = await loadDepartments();
  let status = query.get('status') ?? (session.isSupervisor ? '' : 'issued');
  let department = session.isSupervisor ? query.get('department') ?? session.department ?? '' : '';
  const pager = new Pager();

  const setFilter = (fn) => (e) => {
    fn(e.target.value);
    pager.reset();
    load();
  };

  async function load() {
    const page = await api('/v1/orders', { query: { status: status || undefined, department: department || undefined, limit: 50, cursor: pager.cursor } });
    render(html`
      <h1>${session.isSupervisor ? t('orders') : t('myOrders')}</h1>
      <div class="toolbar no-print">
        ${session.isSupervisor ? html`<label>${t('department')}
          <select @change=${setFilter((v) => { department = v; })}>
            ${session.caller.kind === 'admin' ? html`<option value="" ?selected=${!department}>${t('all')}</option>` : ''}
            ${[...departments.values()].map((d) => html`<option value=${d.code} ?selected=${d.code === department}>${departmentName(departments, d.code)}</option>`)}
          </select></label>` : ''}
        <label>${t('status')}
          <select data-testid="status-filter" @change=${setFilter((v) => { status = v; })}>
            <option value="" ?selected=${!status}>${t('all')}</option>
            ${termCodes('orderStatus').map((s) => html`<option value=${s} ?selected=${s === status}>${term('orderStatus', s)}</option>`)}
          </select></label>
      </div>
      ${page.items.length === 0 ? html`<p class="notice">${t('noRows')}</p>` : html`
      <table class="data" data-testid="orders-table">
        <thead><tr><th scope="col">${t('issuedAt')}</th><th scope="col">${t('dueAt')}</th><th scope="col">${t('department')}</th>
          <th scope="col">${t('listType')}</th><th scope="col">${t('measures')}</th><th scope="col">${t('status')}</th></tr></thead>
        <tbody>${page.items.map((o) => html`<tr data-order=${o.id}>
          <td><a href=${`#/orders/${o.id}`}>${date(o.issuedAt)}</a></td>
          <td class=${o.overdue ? 'alert' : ''}>${dueDay(o.dueAt)}${o.overdue ? html` <strong>${t('overdueN')}</strong>` : ''}</td>
          <td>${departmentName(departments, o.department)}</td>
          <td>${term('listType', o.listType)}</td>
          <td class="measures">${o.measures.map((m) => (lang === 'en' ? m.nameEn : m.name)).join('；')}</td>
          <td><span class=${`status status-${o.status}`}>${term('orderStatus', o.status)}</span></td>
        </tr>`)}</tbody>
      </table>`}
      ${pager.view(page.nextCursor, load)}`, main);
  }
  await load();
}
