import { api } from '../api.js';
import { lang, t, term, termPairs } from '../i18n.js';
import { date, departmentName, departmentPairs, loadDepartments, subjectLine } from '../format.js';
import { session } from '../session.js';
import { Pager, attempt, html, options, problemView, render } from '../ui.js';
import { latestOnly } from '../latest-only.js';

const SORTS = ['urgency', 'due', 'due_desc', 'newest', 'oldest'];

/**
 * A department's own orders (a supervisor may pick any department), the most urgent first (overdue, then due
 * soonest), each with its subject, list and authority; filtered and sorted on the server.
 */
export async function ordersPage(main, { query }) {
  const departments = await loadDepartments();
  const f = {
    status: query.get('status') ?? (session.isSupervisor ? '' : 'issued'),
    department: session.isSupervisor ? (query.get('department') ?? session.department ?? '') : '',
    sort: 'urgency',
    subject: '',
    listType: '',
  };
  const pager = new Pager();
  // the administrator may list every department's orders at once; a supervisor names one
  const departmentChoices = [
    ...(session.caller.kind === 'admin' ? [['', t('all')]] : []),
    ...departmentPairs(departments),
  ];

  const setFilter = (key) => (e) => {
    f[key] = e.target.value;
    pager.reset();
    load();
  };

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const { value, error } = await attempt(() =>
      api('/v1/orders', {
        query: {
          status: f.status || undefined,
          department: f.department || undefined,
          sort: f.sort,
          subject: f.subject.trim() || undefined,
          listType: f.listType || undefined,
          limit: 50,
          cursor: pager.cursor,
        },
      }),
    );
    if (!current()) return;
    const page = value ?? { items: [], nextCursor: null };
    render(
      html` <h1>${session.isSupervisor ? t('orders') : t('myOrders')}</h1>
        <form
          class="toolbar no-print"
          role="search"
          @submit=${(e) => {
            e.preventDefault();
            f.subject = e.target.elements.subject.value;
            pager.reset();
            load();
          }}
        >
          ${
            session.isSupervisor
              ? html`<label
                  >${t('department')}
                  <select @change=${setFilter('department')}>
                    ${options(departmentChoices, f.department)}
                  </select></label
                >`
              : ''
          }
          <label
            >${t('status')}
            <select data-testid="status-filter" @change=${setFilter('status')}>
              <option value="" ?selected=${!f.status}>${t('all')}</option>
              ${options(
                termPairs('orderStatus').filter(([code]) => code !== 'revoked'),
                f.status,
              )}
            </select></label
          >
          <label
            >${t('listType')}
            <select @change=${setFilter('listType')}>
              <option value="" ?selected=${!f.listType}>${t('all')}</option>
              ${options(termPairs('listType'), f.listType)}
            </select></label
          >
          <label
            >${t('sortOrder')}
            <select data-testid="sort" @change=${setFilter('sort')}>
              ${options(
                SORTS.map((s) => [s, term('orderSort', s)]),
                f.sort,
              )}
            </select></label
          >
          <label>${t('subject')} <input name="subject" .value=${f.subject} maxlength="100" size="16" /></label>
          <button type="submit">${t('search')}</button>
        </form>
        ${problemView(error)}
        ${
          error
            ? ''
            : page.items.length === 0
              ? html`<p class="notice">${t('noRows')}</p>`
              : html` <table class="data" data-testid="orders-table">
                  <thead>
                    <tr>
                      <th scope="col">${t('dueAt')}</th>
                      <th scope="col">${t('subject')}</th>
                      <th scope="col">${t('listType')}</th>
                      ${session.isSupervisor ? html`<th scope="col">${t('department')}</th>` : ''}
                      <th scope="col">${t('measures')}</th>
                      <th scope="col">${t('issuedAt')}</th>
                      <th scope="col">${t('status')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${page.items.map(
                      (o) =>
                        html`<tr data-order=${o.id}>
                          <td class=${o.overdue ? 'alert' : ''}>
                            <a href=${`#/orders/${o.id}`}>${o.dueDate}</a>
                            ${
                              o.overdue
                                ? html`<br /><strong
                                      >${t('overdueN')} ${o.daysOverdue ?? ''} ${t('workingDays')}</strong
                                    >`
                                : ''
                            }
                          </td>
                          <td>${subjectLine(o.subject)}</td>
                          <td>
                            ${term('listType', o.listType)}
                            ${o.authority ? html`<br /><span class="muted small">${departmentName(departments, o.authority)}</span>` : ''}
                          </td>
                          ${session.isSupervisor ? html`<td>${departmentName(departments, o.department)}</td>` : ''}
                          <td class="measures">
                            ${o.measures.map((m) => (lang === 'en' ? m.nameEn : m.name)).join('；')}
                          </td>
                          <td>${date(o.issuedAt)}</td>
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
