import { api, ApiError } from '../api.js';
import { lang, t, term } from '../i18n.js';
import { dateTime, departmentName, dueDay, loadDepartments, subjectLine } from '../format.js';
import { session } from '../session.js';
import { errorView, html, render } from '../ui.js';

/** One order: its subject, measures and legal basis, its feedback, and (for the addressed department) the form. */
export async function orderPage(main, { id }) {
  const departments = await loadDepartments();
  let order;
  try {
    order = await api(`/v1/orders/${id}`);
  } catch (err) {
    // another department's order is "not found" to this caller, exactly like one that does not exist
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return render(errorView(err), main);
    throw err;
  }
  const entry = await api(`/v1/list-entries/${order.entryId}`);
  let message = '';
  let problem = '';

  const mayFeedBack = () => order.status === 'issued' && session.department === order.department;

  async function submit(e) {
    e.preventDefault();
    const f = e.target.elements;
    const body = { outcome: f.outcome.value };
    if (f.note.value.trim()) body.note = f.note.value.trim();
    if (f.caseRef.value.trim()) body.caseRef = f.caseRef.value.trim();
    try {
      order = await api(`/v1/orders/${id}/feedback`, { method: 'POST', body });
      message = t('feedbackSaved');
      problem = '';
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401) throw err;
      problem = err.message;
    }
    draw();
  }

  const draw = () =>
    render(
      html` <article class="printable">
        <h1>${t('order')} · ${departmentName(departments, order.department)}</h1>
        <dl class="facts">
          <dt>${t('subject')}</dt>
          <dd><a href=${`#/entries/${entry.id}`}>${subjectLine(entry.subject)}</a></dd>
          <dt>${t('listType')}</dt>
          <dd>${term('listType', order.listType)}</dd>
          <dt>${t('status')}</dt>
          <dd>
            <span class=${`status status-${order.status}`} data-testid="order-status"
              >${term('orderStatus', order.status)}</span
            >
            ${order.overdue ? html`<strong class="alert">${t('overdueN')}</strong>` : ''}
          </dd>
          <dt>${t('issuedAt')}</dt>
          <dd>${dateTime(order.issuedAt)}</dd>
          <dt>${t('dueAt')}</dt>
          <dd>${dueDay(order.dueAt)}</dd>
          ${
            order.liftedAt
              ? html`<dt>${t('lifted')}</dt>
                  <dd>${dateTime(order.liftedAt)}</dd>`
              : ''
          }
          ${
            order.revokedAt
              ? html`<dt>${term('orderStatus', 'revoked')}</dt>
                  <dd data-testid="order-revoked">${dateTime(order.revokedAt)}</dd>`
              : ''
          }
          ${order.endGround && order.endGround !== 'revoked' ? html`<dt>${lang === 'en' ? 'Ground' : '解除依据'}</dt><dd>${order.endGround}</dd>` : ''}
        </dl>
        <h2>${t('measures')}</h2>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">${t('measure')}</th>
              <th scope="col">${t('basis')}</th>
            </tr>
          </thead>
          <tbody>
            ${order.measures.map(
              (m) =>
                html`<tr>
                  <td>${lang === 'en' ? m.nameEn : m.name}<br /><span class="mono muted">${m.code}</span></td>
                  <td>${m.basis.map((b) => html`<div>${b.document} ${b.article}</div>`)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>${t('feedback')}</h2>
        ${message ? html`<p class="notice ok" role="status" data-testid="feedback-saved">${message}</p>` : ''}
        ${
          order.feedback
            ? html`<dl class="facts" data-testid="feedback">
                <dt>${t('outcome')}</dt>
                <dd>${term('orderStatus', order.feedback.outcome)}</dd>
                <dt>${t('note')}</dt>
                <dd>${order.feedback.note ?? '—'}</dd>
                <dt>${t('caseRef')}</dt>
                <dd>${order.feedback.caseRef ?? '—'}</dd>
                <dt>${t('at')}</dt>
                <dd>${dateTime(order.feedback.at)} · ${order.feedback.by}</dd>
              </dl>`
            : mayFeedBack()
              ? feedbackForm(submit, problem)
              : html`<p class="muted">${t('pending')}</p>`
        }
      </article>`,
      main,
    );
  draw();
}

function feedbackForm(submit, problem) {
  return html`<form class="feedback no-print" data-testid="feedback-form" @submit=${submit}>
    ${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
    <fieldset>
      <legend>${t('outcome')}</legend>
      <label
        ><input type="radio" name="outcome" value="implemented" required checked />
        ${term('orderStatus', 'implemented')}</label
      >
      <label
        ><input type="radio" name="outcome" value="not_applicable" /> ${term('orderStatus', 'not_applicable')}</label
      >
    </fieldset>
    <label for="fb-note">${t('note')}</label><textarea id="fb-note" name="note" maxlength="2000" rows="3"></textarea>
    <label for="fb-case">${t('caseRef')}</label><input id="fb-case" name="caseRef" maxlength="200" />
    <button type="submit">${t('submit')}</button>
  </form>`;
}
