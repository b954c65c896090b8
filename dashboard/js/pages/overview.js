import { api } from '../api.js';
import { setupTrendChart } from '../chart.js';
import { t, term } from '../i18n.js';
import { dateTime, departmentName, loadCatalog, loadDepartments, number, percent, scenarioName } from '../format.js';
import { attempt, bar, html, problemView, render, sortHeader } from '../ui.js';
import { latestOnly } from '../latest-only.js';

/** @typedef {import('../api-types').Schemas} Schemas */
/** @typedef {Schemas['FeedbackReport']} FeedbackReport */
/** @typedef {FeedbackReport['departments'][number]} DepartmentRow */

// The parts an issued order can be in, each counted once: they add up to issued. `revoked` joins when the report
// carries it (orders revoked with their entry); overdue and escalated are shares of pending, shown under it.
const PARTS = ['pending', 'implemented', 'notApplicable', 'lifted', 'revoked'];
const COLUMNS = ['issued', 'pending', 'overdue', 'escalated', 'implemented', 'notApplicable', 'lifted', 'revoked'];
const LABEL = {
  issued: 'issued',
  implemented: 'implemented',
  notApplicable: 'notApplicable',
  pending: 'pending',
  overdue: 'overdueN',
  escalated: 'escalated',
  lifted: 'lifted',
  revoked: 'revoked',
  feedbackRate: 'feedbackRate',
};

// The period the overview counts (orders issued and checks answered on those days); kept for the session only.
let period = { from: '', to: '' };

/** Overview: the orders per department, totals that add up, the weekly trend and the desks' feedback on hits. */
export async function overviewPage(main) {
  const [departments, catalog] = await Promise.all([loadDepartments(), loadCatalog()]);
  let sort = { key: 'overdue', dir: -1 };

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const range = { from: period.from || undefined, to: period.to || undefined };
    const { value, error } = await attempt(() =>
      Promise.all([
        api('/v1/reports/feedback', { query: range }),
        api('/v1/reports/trend', { query: period.from ? range : { weeks: 12, to: range.to } }),
      ]),
    );
    if (!current()) return;
    if (error) {
      render(html`<h1>${t('overview')}</h1>${periodForm()} ${problemView(error)}`, main);
      return;
    }
    const [report, trend] = value;
    /** @type {(DepartmentRow & Record<string, any>)[]} */
    const rows = report.departments.map((d) => ({ ...d, label: departmentName(departments, d.department) }));
    const columns = COLUMNS.filter((c) => c !== 'revoked' || rows.some((r) => typeof r[c] === 'number'));
    const parts = PARTS.filter((c) => columns.includes(c));
    /** @type {Record<string, number | null>} */
    const totals = Object.fromEntries(columns.map((c) => [c, rows.reduce((s, r) => s + (r[c] ?? 0), 0)]));
    const fedBack = totals.implemented + totals.notApplicable;
    totals.feedbackRate = fedBack + totals.pending === 0 ? null : fedBack / (fedBack + totals.pending);
    const maxIssued = Math.max(1, ...rows.map((r) => r.issued));
    const tableColumns = [...columns, 'feedbackRate'];

    const cell = (r, c) => {
      if (c === 'feedbackRate')
        return html`<td class="num" data-col=${c}>${bar(r.feedbackRate, percent(r.feedbackRate), 'rate')}</td>`;
      if (c === 'issued')
        return html`<td class="num" data-col=${c}>${bar(r.issued / maxIssued, number(r.issued))}</td>`;
      return html`<td class="num ${c === 'overdue' && r.overdue ? 'alert' : ''}" data-col=${c}>${number(r[c])}</td>`;
    };
    const card = (c, cls = '') =>
      html`<div class="card ${cls} ${c === 'overdue' && totals.overdue ? 'alert' : ''}" data-total=${c}>
        <span class="card-label">${t(c === 'overdue' ? 'ofWhichOverdue' : c === 'escalated' ? 'ofWhichEscalated' : LABEL[c])}</span>
        <span class="card-value">${c === 'feedbackRate' ? percent(totals.feedbackRate) : number(totals[c])}</span>
      </div>`;

    const draw = () => {
      const sorted = [...rows].sort((a, b) => {
        const x = a[sort.key] ?? -1;
        const y = b[sort.key] ?? -1;
        return (
          (typeof x === 'string' ? x.localeCompare(y) : x - y) * sort.dir || a.department.localeCompare(b.department)
        );
      });
      const onSort = (key) => {
        sort = { key, dir: sort.key === key ? -sort.dir : key === 'label' ? 1 : -1 };
        draw();
      };
      render(
        html` <h1>${t('overview')}</h1>
          ${periodForm()}
          <p class="muted">
            ${t('generatedAt')}: <time datetime=${report.generatedAt}>${dateTime(report.generatedAt)}</time>
            ${period.from || period.to ? html` · ${t('dateRange')}: ${period.from || '…'} — ${period.to || '…'}` : ''}
          </p>
          <section aria-labelledby="totals-h" class="cards" data-testid="cards">
            <h2 id="totals-h" class="visually-hidden">${t('total')}</h2>
            ${card('issued', 'card-sum')}
            <span class="card-op" aria-hidden="true">=</span>
            ${parts.map(
              (c, i) =>
                html`${i ? html`<span class="card-op" aria-hidden="true">+</span>` : ''}
                  <div class="card-group">
                    ${card(c)}
                    ${c === 'pending' ? html`<div class="card-subs">${card('overdue', 'sub')}${card('escalated', 'sub')}</div>` : ''}
                  </div>`,
            )}
            ${card('feedbackRate', 'card-rate')}
            <p class="muted small card-help">${t(parts.includes('revoked') ? 'cardsHelpRevoked' : 'cardsHelp')}</p>
          </section>
          <section aria-labelledby="trend-h">
            <h2 id="trend-h">${t('trend')}</h2>
            <div id="trend-chart" class="chart" role="img" aria-label=${t('trend')}></div>
            <details class="trend-table">
              <summary>${t('week')} / ${t('issued')} / ${t('fedBack')}</summary>
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('week')}</th>
                    <th scope="col">${t('issued')}</th>
                    <th scope="col">${t('fedBack')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${trend.weeks.map(
                    (w) =>
                      html`<tr>
                        <td>${w.weekStart}</td>
                        <td class="num">${w.issued}</td>
                        <td class="num">${w.fedBack}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </details>
          </section>
          <section aria-labelledby="dept-h">
            <h2 id="dept-h">${t('orders')}</h2>
            <table class="data" data-testid="department-table">
              <thead>
                <tr>
                  ${sortHeader(t('department'), 'label', sort, onSort)}
                  ${tableColumns.map((c) => sortHeader(t(LABEL[c]), c, sort, onSort, 'num'))}
                </tr>
              </thead>
              <tbody>
                ${sorted.map(
                  (r) =>
                    html`<tr data-department=${r.department}>
                      <th scope="row"><a href=${`#/overdue?department=${r.department}`}>${r.label}</a></th>
                      ${tableColumns.map((c) => cell(r, c))}
                    </tr>`,
                )}
              </tbody>
              <tfoot>
                <tr data-department="total">
                  <th scope="row">${t('total')}</th>
                  ${tableColumns.map((c) => cell({ ...totals, department: 'total' }, c))}
                </tr>
              </tfoot>
            </table>
          </section>
          ${deskSection(report.desk, departments, catalog)}`,
        main,
      );
    };
    draw();
    setupTrendChart(main.querySelector('#trend-chart'), trend.weeks);
  }

  const periodForm = () =>
    html`<form
      class="toolbar no-print"
      data-testid="period"
      @submit=${(e) => {
        e.preventDefault();
        const f = e.target.elements;
        period = { from: f.from.value, to: f.to.value };
        load();
      }}
    >
      <span>${t('dateRange')}</span>
      <label>${t('from')} <input type="date" name="from" .value=${period.from} /></label>
      <label>${t('to')} <input type="date" name="to" .value=${period.to} /></label>
      <button type="submit">${t('apply')}</button>
      <button
        type="button"
        @click=${() => {
          period = { from: '', to: '' };
          load();
        }}
      >
        ${t('allTime')}
      </button>
    </form>`;

  await load();
}

const DESK_COLUMNS = ['hits', 'fedBack', 'restricted', 'notRestricted', 'pending', 'clear'];
const DESK_LABEL = {
  hits: 'hits',
  fedBack: 'deskFedBack',
  restricted: 'restricted',
  notRestricted: 'notRestricted',
  pending: 'deskPending',
  clear: 'clearAnswers',
};

/**
 * The desks' side of the loop (嵌入式反馈): per department and per scenario, the hits, what was done with them and
 * why a hit was not restricted.
 * @param {FeedbackReport['desk']} desk
 */
function deskSection(desk, departments, catalog) {
  const byDepartment = desk.departments.map((d) => ({
    key: d.department,
    label: departmentName(departments, d.department),
    ...d,
  }));
  const byScenario = desk.scenarios.map((s) => ({
    key: s.scenario ?? '',
    label: s.scenario ? scenarioName(catalog, s.scenario) : t('noScenario'),
    ...s,
  }));
  return html`<section aria-labelledby="desk-h" data-testid="desk-feedback">
    <h2 id="desk-h">${t('deskFeedback')}</h2>
    ${
      byDepartment.length === 0
        ? html`<p class="notice">${t('noRows')}</p>`
        : html`${deskTable(t('deskByDepartment'), t('department'), byDepartment, 'desk-departments')}
          ${deskTable(t('deskByScenario'), t('scenario'), byScenario, 'desk-scenarios')}`
    }
  </section>`;
}

/** @param {(Schemas['DeskFigures'] & { key: string, label: string })[]} rows */
function deskTable(title, keyHeader, rows, testId) {
  return html`<h3>${title}</h3>
    <table class="data" data-testid=${testId}>
      <thead>
        <tr>
          <th scope="col">${keyHeader}</th>
          ${DESK_COLUMNS.map((c) => html`<th scope="col" class="num">${t(DESK_LABEL[c])}</th>`)}
          <th scope="col" class="num">${t('deskRate')}</th>
          <th scope="col">${t('notRestrictedReasons')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr data-key=${r.key}>
              <th scope="row">${r.label}</th>
              ${DESK_COLUMNS.map((c) => html`<td class="num ${c === 'pending' && r.pending ? 'alert' : ''}" data-col=${c}>${number(r[c])}</td>`)}
              <td class="num">${percent(r.hits ? r.fedBack / r.hits : null)}</td>
              <td class="reasons">
                ${Object.entries(r.notRestrictedReasons).map(
                  ([reason, n]) =>
                    html`<span class="count">${term('notRestrictedReason', reason)} ${number(n)}</span> `,
                )}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
