import { api } from '../api.js';
import { lang, t, term } from '../i18n.js';
import { dateTime, departmentName, dueDay, loadDepartments, subjectLine } from '../format.js';
import { html, render } from '../ui.js';

/** One entry: who is listed, why, its orders with their feedback, and its audit history. Prints cleanly. */
export async function entryPage(main, { id }) {
  const [entry, history, departments] = await Promise.all([
    api('/v1/list-entries/{id}', { params: { id } }),
    api('/v1/list-entries/{id}/history', { params: { id } }),
    loadDepartments(),
  ]);
  const rep = entry.subject.kind === 'enterprise' ? entry.subject.legalRepresentative : undefined;
  const orderDept = new Map(entry.orders.map((o) => [o.id, o.department]));
  render(
    html` <article class="printable">
      <div class="toolbar no-print"><button type="button" @click=${() => window.print()}>${t('print')}</button></div>
      <h1>${entry.subject.name}</h1>
      <dl class="facts">
        <dt>${t('subject')}</dt>
        <dd data-testid="entry-subject">${subjectLine(entry.subject)} · ${t(entry.subject.kind)}</dd>
        ${
          rep
            ? html`<dt>${t('legalRep')}</dt>
                <dd>${rep.name}（${rep.idNumberMasked}）</dd>`
            : ''
        }
        ${
          entry.relatedPersons.length
            ? html`<dt>${t('relatedPersons')}</dt>
                <dd>${entry.relatedPersons.map((p) => `${p.name}（${p.idNumberMasked}）`).join('；')}</dd>`
            : ''
        }
        <dt>${t('listType')}</dt>
        <dd>${term('listType', entry.listType)} · ${term('entryStatus', entry.status)}</dd>
        <dt>${t('authority')}</dt>
        <dd>${departmentName(departments, entry.authority)}</dd>
        <dt>${t('reason')}</dt>
        <dd>${entry.reason}</dd>
        <dt>${t('decisionNo')}</dt>
        <dd>${entry.decisionNo}</dd>
        <dt>${t('decidedAt')}</dt>
        <dd>${entry.decidedAt}${entry.expiresAt ? ` → ${entry.expiresAt}` : ''}</dd>
        ${
          entry.removal
            ? html`<dt>${t('removal')}</dt>
                <dd>${entry.removal.reason} · ${entry.removal.decisionNo} · ${dateTime(entry.removal.removedAt)}</dd>`
            : ''
        }
      </dl>
      <h2>${t('orders')}</h2>
      <table class="data" data-testid="entry-orders">
        <thead>
          <tr>
            <th scope="col">${t('department')}</th>
            <th scope="col">${t('measures')}</th>
            <th scope="col">${t('status')}</th>
            <th scope="col">${t('dueAt')}</th>
            <th scope="col">${t('feedback')}</th>
          </tr>
        </thead>
        <tbody>
          ${entry.orders.map(
            (o) =>
              html`<tr data-order=${o.id}>
                <td><a href=${`#/orders/${o.id}`}>${departmentName(departments, o.department)}</a></td>
                <td class="measures">${o.measures.map((m) => (lang === 'en' ? m.nameEn : m.name)).join('；')}</td>
                <td>
                  <span class=${`status status-${o.status}`}>${term('orderStatus', o.status)}</span
                  >${o.overdue ? html` <strong class="alert">${t('overdueN')}</strong>` : ''}
                </td>
                <td>${dueDay(o.dueAt)}</td>
                <td>${o.feedback ? `${dateTime(o.feedback.at)} ${o.feedback.note ?? ''}` : '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>${t('history')}</h2>
      <table class="data" data-testid="entry-history">
        <thead>
          <tr>
            <th scope="col">${t('at')}</th>
            <th scope="col">${t('actor')}</th>
            <th scope="col">${t('action')}</th>
            <th scope="col">${t('details')}</th>
          </tr>
        </thead>
        <tbody>
          ${history.items.map(
            (h) =>
              html`<tr>
                <td>${dateTime(h.at)}</td>
                <td>${h.actor === 'system' || h.actor === 'admin' ? h.actor : departmentName(departments, h.actor)}</td>
                <td title=${h.action}>
                  ${term('auditAction', h.action)}
                  ${h.entityType === 'order' ? ` · ${departmentName(departments, orderDept.get(h.entityId))}` : ''}
                </td>
                <td>${summary(h)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </article>`,
    main,
  );
}

/** One line saying what changed, from the audit row's after-image. */
function summary(h) {
  const a = h.after ?? {};
  if (h.action === 'order.feedback') return `${term('orderStatus', a.status)} ${a.feedback?.note ?? ''}`;
  if (h.action === 'order.escalated') return `L${a.level} → ${(a.supervisors ?? []).join(', ')}`;
  if (h.action === 'order.issued') return (a.measures ?? []).join(', ');
  if (h.action.startsWith('entry.') && a.removal) return `${a.removal.reason} ${a.removal.decisionNo}`;
  if (h.action === 'entry.created') return `${a.decisionNo ?? ''}`;
  if (h.action === 'entry.corrected') {
    // each corrected field before → after, then why (rows written before the correction's grounds were kept apart
    // carry no `correction`)
    const { correction, ...fields } = a;
    const changes = Object.entries(fields).map(
      ([field, now]) => `${term('correctedField', field)}: ${h.before?.[field] ?? '—'} → ${now ?? '—'}`,
    );
    return [
      ...changes,
      correction ? `（${correction.reason}${correction.decisionNo ? ` ${correction.decisionNo}` : ''}）` : '',
    ]
      .filter(Boolean)
      .join('; ');
  }
  if (h.action === 'order.amended') {
    // each measure whose term moved: its last day before → after
    const was = h.before?.until ?? {};
    return Object.entries(a.until ?? {})
      .filter(([code, until]) => was[code] !== until)
      .map(([code, until]) => `${code}: ${was[code] ?? '—'} → ${until ?? '—'}`)
      .join('; ');
  }
  return a.status ? term('orderStatus', a.status) : '';
}
