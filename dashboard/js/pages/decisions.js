import { api, post } from '../api.js';
import { lang, t, term, termPairs } from '../i18n.js';
import { dateTime, departmentName, departmentPairs, loadCatalog, loadDepartments, scenarioName } from '../format.js';
import { session } from '../session.js';
import { Pager, attempt, html, options, problemView, render } from '../ui.js';
import { latestOnly } from '../latest-only.js';

/** @typedef {import('../api-types').Schemas} Schemas */
/** @typedef {Schemas['EnterpriseCheck'] | Schemas['PersonCheck'] | Schemas['OfficerCheck']} Answer */

// Filters survive moving to another page and back within the tab (nothing here names a person).
let filters = { feedback: 'pending', department: '', scenario: '' };

/**
 * Desk decisions (嵌入式反馈): the check hits of the asking department, those still to feed back first (the page opens
 * on them), each with what was found and the form to say what the desk did; a supervisor sees every department's,
 * by department and scenario.
 */
export async function decisionsPage(main) {
  const [departments, catalog] = await Promise.all([loadDepartments(), loadCatalog()]);
  const pager = new Pager();
  let message = '';
  /** @type {unknown} */
  let feedbackError = null;

  const setFilter = (key) => (e) => {
    filters = { ...filters, [key]: e.target.value };
    pager.reset();
    load();
  };

  async function give(e, d) {
    e.preventDefault();
    const f = e.target.elements;
    /** @type {Schemas['DecisionFeedbackInput']} */
    const body = { action: f.action.value };
    if (body.action === 'not_restricted') body.reason = f.reason.value;
    if (f.caseRef.value.trim()) body.caseRef = f.caseRef.value.trim();
    if (f.note.value.trim()) body.note = f.note.value.trim();
    const { error } = await attempt(() => post('/v1/checks/decisions/{id}/feedback', body, { params: { id: d.id } }));
    feedbackError = error;
    message = error ? '' : t('deskSaved');
    await load();
  }

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const { value, error } = await attempt(() =>
      api('/v1/checks/decisions', {
        query: {
          outcome: filters.feedback === 'pending' ? undefined : 'hit',
          feedback: filters.feedback || undefined,
          department: session.isSupervisor ? filters.department || undefined : undefined,
          scenario: filters.scenario || undefined,
          limit: 50,
          cursor: pager.cursor,
        },
      }),
    );
    if (!current()) return;
    const page = value ?? { items: [], nextCursor: null };
    render(
      html`<h1>${t('decisions')}</h1>
        <div class="toolbar no-print">
          <label
            >${t('feedbackState')}
            <select data-testid="decision-feedback-filter" @change=${setFilter('feedback')}>
              ${options(termPairs('feedbackState'), filters.feedback)}
              <option value="" ?selected=${!filters.feedback}>${t('all')}</option>
            </select></label
          >
          ${
            session.isSupervisor
              ? html`<label
                  >${t('department')}
                  <select data-testid="decision-department" @change=${setFilter('department')}>
                    <option value="" ?selected=${!filters.department}>${t('all')}</option>
                    ${options(departmentPairs(departments), filters.department)}
                  </select></label
                >`
              : ''
          }
          <label
            >${t('scenario')}
            <select data-testid="decision-scenario" @change=${setFilter('scenario')}>
              <option value="" ?selected=${!filters.scenario}>${t('all')}</option>
              ${options(
                [...catalog.keys()].map((code) => [code, scenarioName(catalog, code)]),
                filters.scenario,
              )}
            </select></label
          >
        </div>
        ${message ? html`<p class="notice ok" role="status" data-testid="decision-saved">${message}</p>` : ''}
        ${problemView(feedbackError)} ${problemView(error)}
        ${
          error
            ? ''
            : page.items.length === 0
              ? html`<p class="notice">${t('noRows')}</p>`
              : html`<table class="data" data-testid="decisions-table">
                  <thead>
                    <tr>
                      <th scope="col">${t('checkedAt')}</th>
                      ${session.isSupervisor ? html`<th scope="col">${t('department')}</th>` : ''}
                      <th scope="col">${t('scenario')}</th>
                      <th scope="col">${t('subject')}</th>
                      <th scope="col">${t('measures')}</th>
                      <th scope="col">${t('deskAction')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${page.items.map(
                      (d) =>
                        html`<tr data-decision=${d.id}>
                          <td>${dateTime(d.checkedAt)}<br /><span class="muted small">${term('checkKind', d.kind)}</span></td>
                          ${session.isSupervisor ? html`<td>${departmentName(departments, d.department)}</td>` : ''}
                          <td>${d.scenario ? scenarioName(catalog, d.scenario) : '—'}</td>
                          <td>${subjectCell(d)}</td>
                          <td class="measures">${foundCell(/** @type {Answer} */ (d.answer))}</td>
                          <td>${actionCell(d)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
        }
        ${pager.view(page.nextCursor, load)}`,
      main,
    );
    message = '';
    feedbackError = null;
  }

  /** @param {Schemas['CheckDecision']} d */
  function actionCell(d) {
    return html`${marksOf(d)}${deskCell(d)}`;
  }

  /** @param {Schemas['CheckDecision']} d */
  function deskCell(d) {
    if (d.feedback) {
      const f = d.feedback;
      return html`<span class=${`status desk-${f.action}`}>${term('deskAction', f.action)}</span>
        ${f.reason ? html`<br />${term('notRestrictedReason', f.reason)}` : ''}
        ${f.caseRef ? html`<br /><span class="muted small">${t('caseRef')} ${f.caseRef}</span>` : ''}
        <br /><span class="muted small">${dateTime(f.at)}</span>`;
    }
    if (d.outcome !== 'hit') return html`<span class="muted">—</span>`;
    if (session.department !== d.department) return html`<span class="status status-issued">${t('deskPending')}</span>`;
    return html`<form class="desk-feedback no-print" data-testid="desk-feedback-form" @submit=${(e) => give(e, d)}>
      <label><input type="radio" name="action" value="restricted" checked /> ${term('deskAction', 'restricted')}</label>
      <label><input type="radio" name="action" value="not_restricted" /> ${term('deskAction', 'not_restricted')}</label>
      <label
        >${t('notRestrictedReasons')}
        <select name="reason">
          ${options(termPairs('notRestrictedReason'), 'outside_scope')}
        </select></label
      >
      <label>${t('caseRef')} <input name="caseRef" maxlength="200" size="12" /></label>
      <label>${t('note')} <input name="note" maxlength="2000" size="16" /></label>
      <button type="submit">${t('giveFeedback')}</button>
    </form>`;
  }

  await load();
}

/**
 * The marks a revocation or a correction left on the record since (the answer itself is unchanged): the desk must
 * reconsider what it did on it. Then the corrections of what the answer quoted of its grounds: the listing stood, but
 * the desk's file cites what was corrected (the new values are on the entry). @param {Schemas['CheckDecision']} d
 */
function marksOf(d) {
  const why = (m) => `${m.reason}${m.decisionNo ? `（${m.decisionNo}）` : ''}`;
  const mark = (key, m) => html`<p class="warn small" data-testid="decision-mark">${t(key)}：${why(m)}</p>`;
  const fields = (g) => g.corrected.map((f) => term('correctedField', f)).join('、');
  const note = (g) =>
    html`<p class="small" data-testid="decision-note">${t('groundCorrectedNote')}（${fields(g)}）：${why(g)}</p>`;
  return html`${d.basisRevoked ? mark('basisRevokedMark', d.basisRevoked) : ''}${
    d.basisCorrected ? mark('basisCorrectedMark', d.basisCorrected) : ''
  }${(d.groundsCorrected ?? []).map(note)}`;
}

/** @param {Schemas['CheckDecision']} d */
function subjectCell(d) {
  const answer = /** @type {Answer} */ (d.answer);
  const entryId =
    'measures' in answer ? answer.measures[0]?.entryId : 'bans' in answer ? answer.bans[0]?.entryId : undefined;
  const id = d.uscc ?? d.idNumberMasked ?? '';
  return entryId
    ? html`<a class="mono" href=${`#/entries/${entryId}`}>${id}</a>`
    : html`<span class="mono">${id}</span>`;
}

/** What the check found: the measures in force for this scenario, or the bans on the role. @param {Answer} a */
function foundCell(a) {
  if ('bans' in a) return a.bans.map((b) => (lang === 'en' && b.reasonEn ? b.reasonEn : b.reason)).join('；');
  return a.measures.map((m) => (lang === 'en' && m.nameEn ? m.nameEn : m.name)).join('；');
}
