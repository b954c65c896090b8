import { api } from '../api.js';
import { lang, t, term, termPairs } from '../i18n.js';
import { date, departmentName, departmentPairs, dueDay, loadDepartments } from '../format.js';
import { session } from '../session.js';
import { Pager, attempt, html, options, problemView, render } from '../ui.js';

/** A department's own orders (a supervisor may pick any department), newest first, filtered on the server. */
export async function ordersPage(main, { query }) {
  const departments = await loadDepartments();
  let status = query.get('status') ?? (session.isSupervisor ? '' : 'issued');
  let department = session.isSupervisor ? (query.get('department') ?? session.department ?? '') : '';
  const pager = new Pager();
  // the administrator may list every department's orders at once; a supervisor names one
  const departmentChoices = [
    ...(session.caller.kind === 'admin' ? [['', t('all')]] : []),
    ...departmentPairs(departments),
  ];

  const setFilter = (fn) => (e) => {
    fn(e.target.value);
    pager.reset();
    load();
  };

  async function load() {
    const { value, error } = await attempt(() =>
      api('/v1/orders', {
        query: { status: status || undefined, department: department || undefined, limit: 50, cursor: pager.cursor },
      }),
    );
    const page = value ?? { items: [], nextCursor: null, total: 0 };
    render(
      html` <h1>${session.isSupervisor ? t('orders') : t('myOrders')}</h1>
        <div class="toolbar no-print">
          ${
            session.isSupervisor
              ? html`<label
                  >${t('department')}
                  <select
                    @change=${setFilter((v) => {
                      department = v;
                    })}
                  >
                    ${options(departmentChoices, department)}
                  </select></label
                >`
              : ''
          }
          <label
            >${t('status')}
            <select
              data-testid="status-filter"
              @change=${setFilter((v) => {
                status = v;
              })}
            >
              <option value="" ?selected=${!status}>${t('all')}</option>
              ${options(
                termPairs('orderStatus').filter(([code]) => code !== 'revoked'),
                status,
              )}
            </select></label
          >
        </div>
        ${problemView(error)}
        ${
          error
            ? ''
            : page.items.length === 0
              ? html`<p class="notice">${t('noRows')}</p>`
              : html` <table class="data" data-testid="orders-table">
                <thead>
                  <tr>
                    <th scope="col">${t('issuedAt')}</th>
                    <th scope="col">${t('dueAt')}</th>
                    <th scope="col">${t('department')}</th>
                    <th scope="col">${t('listType')}</th>
                    <th scope="col">${t('measures')}</th>
                    <th scope="col">${t('status')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(
                    (o) =>
                      html`<tr data-order=${o.id}>
                        <td><a href=${`#/orders/${o.id}`}>${date(o.issuedAt)}</a></td>
                        <td class=${o.overdue ? 'alert' : ''}>
                          ${dueDay(o.dueAt)}${o.overdue ? html` <strong>${t('overdueN')}</strong>` : ''}
                        </td>
                        <td>${departmentName(departments, o.department)}</td>
                        <td>${term('listType', o.listType)}</td>
                        <td class="measures">
                          ${o.measures.map((m) => (lang === 'en' ? m.nameEn : m.name)).join('；')}
                        </td>
                        <td><span class=${`status status-${o.status}`}>${term('orderStatus', o.status)}</span></td>
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
