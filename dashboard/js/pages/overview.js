import { api } from '../api.js';
import { setupTrendChart } from '../chart.js';
import { t } from '../i18n.js';
import { dateTime, departmentName, loadDepartments, number, percent } from '../format.js';
import { bar, html, render, sortHeader } from '../ui.js';

const COLUMNS = ['issued', 'implemented', 'notApplicable', 'pending', 'overdue', 'escalated', 'feedbackRate'];
const LABEL = {
  issued: 'issued',
  implemented: 'implemented',
  notApplicable: 'notApplicable',
  pending: 'pending',
  overdue: 'overdueN',
  escalated: 'escalated',
  feedbackRate: 'feedbackRate',
};

/** Overview: per department, the orders and how they were fed back; totals; and the weekly trend. */
export async function overviewPage(main) {
  const [report, trend, departments] = await Promise.all([
    api('/v1/reports/feedback'),
    api('/v1/reports/trend', { query: { weeks: 12 } }),
    loadDepartments(),
  ]);
  const rows = report.departments.map((d) => ({ ...d, label: departmentName(departments, d.department) }));
  const totals = Object.fromEntries(
    COLUMNS.filter((c) => c !== 'feedbackRate').map((c) => [c, rows.reduce((s, r) => s + (r[c] ?? 0), 0)]),
  );
  const fedBack = totals.implemented + totals.notApplicable;
  totals.feedbackRate = fedBack + totals.pending === 0 ? null : fedBack / (fedBack + totals.pending);
  const maxIssued = Math.max(1, ...rows.map((r) => r.issued));
  let sort = { key: 'overdue', dir: -1 };

  const cell = (r, c) => {
    if (c === 'feedbackRate')
      return html`<td class="num" data-col=${c}>${bar(r.feedbackRate, percent(r.feedbackRate), 'rate')}</td>`;
    if (c === 'issued') return html`<td class="num" data-col=${c}>${bar(r.issued / maxIssued, number(r.issued))}</td>`;
    return html`<td class="num ${c === 'overdue' && r.overdue ? 'alert' : ''}" data-col=${c}>${number(r[c])}</td>`;
  };

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
        <p class="muted">
          ${t('generatedAt')}: <time datetime=${report.generatedAt}>${dateTime(report.generatedAt)}</time>
        </p>
        <section aria-labelledby="totals-h" class="cards">
          <h2 id="totals-h" class="visually-hidden">${t('total')}</h2>
          ${COLUMNS.map(
            (c) =>
              html`<div class="card ${c === 'overdue' && totals.overdue ? 'alert' : ''}" data-total=${c}>
                <span class="card-label">${t(LABEL[c])}</span>
                <span class="card-value"
                  >${c === 'feedbackRate' ? percent(totals.feedbackRate) : number(totals[c])}</span
                >
              </div>`,
          )}
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
                ${COLUMNS.map((c) => sortHeader(t(LABEL[c]), c, sort, onSort, 'num'))}
              </tr>
            </thead>
            <tbody>
              ${sorted.map(
                (r) =>
                  html`<tr data-department=${r.department}>
                    <th scope="row"><a href=${`#/overdue?department=${r.department}`}>${r.label}</a></th>
                    ${COLUMNS.map((c) => cell(r, c))}
                  </tr>`,
              )}
            </tbody>
            <tfoot>
              <tr data-department="total">
                <th scope="row">${t('total')}</th>
                ${COLUMNS.map((c) => cell({ ...totals, department: 'total' }, c))}
              </tr>
            </tfoot>
          </table>
        </section>
        ${deskSections(report)}`,
      main,
    );
  };
  draw();
  setupTrendChart(main.querySelector('#trend-chart'), trend.weeks);
}

/**
 * Desk feedback on check hits comes from decision records, which the report carries only once they exist. Every
 * other list of rows in the report (per department, per scenario, …) is shown as its own table; nothing when absent.
 */
function deskSections(report) {
  const tables = [];
  const collect = (name, value) => {
    if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v)))
      tables.push({ name, rows: value });
    else if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) collect(`${name} · ${k}`, v);
  };
  for (const [k, v] of Object.entries(report)) if (k !== 'departments' && k !== 'generatedAt') collect(k, v);
  if (!tables.length) return '';
  return html`<section aria-labelledby="desk-h" data-testid="desk-feedback">
    <h2 id="desk-h">${t('deskFeedback')}</h2>
    ${tables.map(({ name, rows }) => {
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(
        (c) => typeof rows[0][c] !== 'object' || rows[0][c] === null,
      );
      return html`<h3>${name}</h3>
        <table class="data">
          <thead>
            <tr>
              ${cols.map((c) => html`<th scope="col">${c}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  ${cols.map((c) => deskCell(c, r[c]))}
                </tr>`,
            )}
          </tbody>
        </table>`;
    })}
  </section>`;
}

function deskCell(column, value) {
  if (typeof value !== 'number') return html`<td>${value ?? '—'}</td>`;
  return html`<td class="num">${column.endsWith('Rate') ? percent(value) : number(value)}</td>`;
}
