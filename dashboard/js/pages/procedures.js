import { allPages } from '../api.js';
import { dateTime, departmentName, loadDepartments } from '../format.js';
import { lang, term } from '../i18n.js';
import { html, render } from '../ui.js';

// This page's own labels (Chinese first), kept here so the shared dictionary grows by the nav label only.
const LABELS = {
  heading: ['异议与信用修复', 'Objections & credit restoration'],
  objections: ['待决定的异议', 'Open objections'],
  restorations: ['待决定的信用修复申请', 'Open credit-restoration applications'],
  entry: ['名单条目', 'Entry'],
  authority: ['认定单位', 'Listing authority'],
  received: ['收到时间', 'Received'],
  channel: ['渠道', 'Channel'],
  decideBy: ['决定期限', 'Decide by'],
  grounds: ['异议理由', 'Grounds'],
  eligibleFrom: ['可申请日', 'Eligible from'],
  overdue: ['已逾期', 'overdue'],
  noDeadline: ['无法定期限（未见依据）', 'no deadline in any text read'],
  none: ['没有待决定的记录。', 'Nothing open.'],
  basis: ['期限依据', 'Basis of the deadline'],
};
const l = (key) => LABELS[key][lang === 'en' ? 1 : 0];
const CHANNELS = {
  authority: ['认定单位', 'authority'],
  credit_china: ['信用中国', 'Credit China'],
  other: ['其他', 'other'],
};
const GROUNDS = {
  wrong_subject: ['不应纳入', 'wrong subject'],
  inaccurate: ['信息不准确', 'inaccurate'],
  should_be_removed: ['应予删除', 'should be removed'],
  other: ['其他', 'other'],
};
const pick = (table, code) => (table[code] ?? [code, code])[lang === 'en' ? 1 : 0];

/** The step that sets decideBy, with its basis and grade (已核实 verified / 待核实 provisional). */
function deadlineBasis(record) {
  const step = record.basis.steps.find((s) => s.step.endsWith('decide') || s.step.endsWith('decideViaCreditChina'));
  if (!step) return '';
  return step.basis
    .map((b) => `${b.document} ${b.article} (${b.grade === 'verified' ? '已核实' : '待核实'})`)
    .join('；');
}

/** Undecided, overdue first (past decideBy), then by deadline; records without a deadline last. */
function ordered(items) {
  const key = (r) => [r.overdue ? 0 : 1, r.decideBy ?? '9999-12-31', r.receivedAt];
  return [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2].localeCompare(y[2]);
  });
}

function table(rows, departments, extra) {
  if (rows.length === 0) return html`<p class="notice">${l('none')}</p>`;
  return html`<table class="data">
    <thead>
      <tr>
        <th scope="col">${l('decideBy')}</th>
        <th scope="col">${l('entry')}</th>
        <th scope="col">${l('authority')}</th>
        <th scope="col">${l('received')}</th>
        <th scope="col">${l('channel')}</th>
        <th scope="col">${extra.label}</th>
        <th scope="col">${l('basis')}</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr data-record=${r.id} class=${r.overdue ? 'overdue' : ''}>
            <td class=${r.overdue ? 'alert' : ''}>
              ${r.decideBy ?? html`<span class="muted">${l('noDeadline')}</span>`}
              ${r.overdue ? html` <strong>${l('overdue')}</strong>` : ''}
            </td>
            <td><a href=${`#/entries/${r.entryId}`}>${term('listType', r.listType)}</a></td>
            <td>${departmentName(departments, r.authority)}</td>
            <td>${dateTime(r.receivedAt)}</td>
            <td>${pick(CHANNELS, r.channel)}</td>
            <td>${extra.value(r)}</td>
            <td class="measures">${deadlineBasis(r)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The supervisor's page (issue 18): open objections and restoration applications with their deadlines, overdue first. */
export async function proceduresPage(main) {
  const [departments, objections, restorations] = await Promise.all([
    loadDepartments(),
    allPages('/v1/objections', { status: 'received' }),
    allPages('/v1/restoration-applications', { status: 'received' }),
  ]);
  render(
    html`<h1>${l('heading')}</h1>
      <h2>${l('objections')}</h2>
      <div data-testid="open-objections">
        ${table(ordered(objections), departments, {
          label: l('grounds'),
          value: (r) => r.grounds.map((g) => pick(GROUNDS, g)).join('、'),
        })}
      </div>
      <h2>${l('restorations')}</h2>
      <div data-testid="open-restorations">
        ${table(ordered(restorations), departments, { label: l('eligibleFrom'), value: (r) => r.eligibleFrom })}
      </div>`,
    main,
  );
}
