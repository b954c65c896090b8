import { allPages, api, fetchFile } from '../api.js';
import { download, exportXlsx } from '../export.js';
import { lang, t, term } from '../i18n.js';
import { date, departmentName, departmentPairs, dueDay, loadDepartments, number } from '../format.js';
import { session } from '../session.js';
import { Pager, attempt, html, options, problemView, render } from '../ui.js';
import { latestOnly } from '../latest-only.js';

const measureNames = (o) => o.measures.map((m) => (lang === 'en' && m.nameEn ? m.nameEn : m.name)).join('；');
const subjectId = (s) => (s.kind === 'enterprise' ? (s.uscc ?? '') : (s.idNumberMasked ?? ''));

/** Orders past their deadline without feedback, the longest overdue first; printable and exportable. */
export async function overduePage(main, { query }) {
  const departments = await loadDepartments();
  let department = session.isSupervisor ? (query.get('department') ?? '') : '';
  const pager = new Pager();
  let busy = '';
  /** @type {unknown} */
  let exportError = null;

  // the workbook's columns; the service's CSV export has the same (src/reports/report-service.ts overdueLine)
  const columns = () => [
    { header: t('dueAt'), value: (o) => dueDay(o.dueAt), width: 12 },
    { header: t('daysOverdue'), value: (o) => o.daysOverdue, width: 10 },
    { header: t('department'), value: (o) => departmentName(departments, o.department), width: 22 },
    { header: t('subject'), value: (o) => o.subject.name, width: 28 },
    { header: `${t('uscc')} / ID`, value: (o) => subjectId(o.subject), width: 22 },
    { header: t('listType'), value: (o) => term('listType', o.listType), width: 16 },
    { header: t('measures'), value: measureNames, width: 60 },
    { header: t('escalationLevel'), value: (o) => o.escalationLevel, width: 10 },
    { header: t('issuedAt'), value: (o) => date(o.issuedAt), width: 12 },
    { header: 'order id', value: (o) => o.id, width: 38 },
  ];

  const exportAll = async (kind) => {
    busy = kind;
    await load();
    try {
      const query = { department: department || undefined };
      const name = `overdue-${department || 'all'}-${date(new Date().toISOString())}`;
      if (kind === 'csv') {
        // the service writes the CSV as it reads (one request however long the list): the browser only saves it
        const file = await fetchFile('/v1/reports/overdue/export', { query });
        download(file.blob, file.filename ?? `${name}.csv`);
      } else await exportXlsx(`${name}.xlsx`, t('overdue'), columns(), await allPages('/v1/reports/overdue', query));
      exportError = null;
    } catch (err) {
      exportError = err; // shown on the page (a 503 mid-export, say), never an uncaught rejection
    } finally {
      busy = '';
      await load();
    }
  };

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const { value, error } = await attempt(() =>
      api('/v1/reports/overdue', {
        query: { department: department || undefined, limit: 50, cursor: pager.cursor },
      }),
    );
    if (!current()) return;
    const page = value ?? { items: [], nextCursor: null, total: 0 };
    render(
      html` <h1>${t('overdue')}</h1>
        <div class="toolbar no-print">
          ${
            session.isSupervisor
              ? html`<label
                  >${t('department')}
                  <select
                    @change=${(e) => {
                      department = e.target.value;
                      pager.reset();
                      history.replaceState(null, '', department ? `#/overdue?department=${department}` : '#/overdue');
                      load();
                    }}
                  >
                    <option value="" ?selected=${!department}>${t('all')}</option>
                    ${options(departmentPairs(departments), department)}
                  </select></label
                >`
              : ''
          }
          <button type="button" data-testid="export-csv" ?disabled=${busy} @click=${() => exportAll('csv')}>
            ${t('exportCsv')}
          </button>
          <button type="button" data-testid="export-xlsx" ?disabled=${busy} @click=${() => exportAll('xlsx')}>
            ${t('exportXlsx')}
          </button>
          <button type="button" @click=${() => window.print()}>${t('print')}</button>
        </div>
        <p data-testid="overdue-total">
          ${t('of')}
          <strong>${number(page.total)}</strong>
          ${t('items')}${department ? ` · ${departmentName(departments, department)}` : ''}
        </p>
        ${problemView(error || exportError)}
        ${
          error
            ? ''
            : page.items.length === 0
              ? html`<p class="notice">${t('noRows')}</p>`
              : html` <table class="data overdue" data-testid="overdue-table">
                <thead>
                  <tr>
                    <th scope="col">${t('dueAt')}</th>
                    <th scope="col" class="num">${t('daysOverdue')}</th>
                    <th scope="col">${t('department')}</th>
                    <th scope="col">${t('subject')}</th>
                    <th scope="col">${t('listType')}</th>
                    <th scope="col">${t('measures')}</th>
                    <th scope="col" class="num">${t('escalationLevel')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(
                    (o) =>
                      html`<tr data-order=${o.id}>
                        <td><a href=${`#/orders/${o.id}`}>${dueDay(o.dueAt)}</a></td>
                        <td class="num alert">${o.daysOverdue}</td>
                        <td>${departmentName(departments, o.department)}</td>
                        <td>
                          <a href=${`#/entries/${o.entryId}`}>${o.subject.name}</a><br /><span class="mono"
                            >${subjectId(o.subject)}</span
                          >
                        </td>
                        <td>${term('listType', o.listType)}</td>
                        <td class="measures">${measureNames(o)}</td>
                        <td class="num">
                          <span class=${`level level-${o.escalationLevel}`}>${o.escalationLevel || '—'}</span>
                        </td>
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
