import { api } from '../api.js';
import { t, term } from '../i18n.js';
import { dateTime } from '../format.js';
import { html, render } from '../ui.js';

/** The scheduled jobs' last runs, and the working-day calendar's state when /readyz reports it. */
export async function jobsPage(main) {
  const [jobs, ready] = await Promise.all([
    api('/v1/jobs'),
    fetch('/readyz', { cache: 'no-store' })
      .then((r) => r.json())
      .catch(() => null),
  ]);
  const calendar = ready?.calendar;
  render(
    html` <h1>${t('jobs')}</h1>
      ${calendar ? calendarView(calendar) : ''}
      <table class="data" data-testid="jobs-table">
        <thead>
          <tr>
            <th scope="col">${t('jobName')}</th>
            <th scope="col">${t('schedule')}</th>
            <th scope="col">${t('lastRun')}</th>
            <th scope="col">${t('outcomeLabel')}</th>
            <th scope="col">${t('counts')}</th>
          </tr>
        </thead>
        <tbody>
          ${jobs.items.map(
            (j) =>
              html`<tr data-job=${j.name}>
                <th scope="row" class="mono">${j.name}</th>
                <td class="mono">${j.schedule}</td>
                ${
                  j.lastRun
                    ? lastRunCells(j.lastRun)
                    : html`<td>${t('never')}</td>
                        <td>—</td>
                        <td></td>`
                }
              </tr>`,
          )}
        </tbody>
      </table>`,
    main,
  );
}

function lastRunCells(run) {
  return html`<td>${dateTime(run.startedAt)} → ${dateTime(run.finishedAt) || '…'}</td>
    <td><span class=${`outcome ${run.outcome}`}>${term('jobOutcome', run.outcome)}</span></td>
    <td>${Object.entries(run.counts).map(([k, v]) => html`<span class="count">${k}: ${v}</span> `)}</td>`;
}

/**
 * The runtime exposes the calendar's coverage on /readyz when it knows it. Its exact fields are its own; any flag
 * that says it is running out (or a warning text) turns this into a warning.
 */
function calendarView(calendar) {
  const running =
    calendar.runningOut === true ||
    Boolean(calendar.warning) ||
    (typeof calendar.status === 'string' && calendar.status !== 'ok');
  const facts = Object.entries(calendar).filter(([, v]) => v === null || typeof v !== 'object');
  return html`<section
    class=${`notice ${running ? 'error' : 'ok'}`}
    role=${running ? 'alert' : 'status'}
    data-testid="calendar"
  >
    <strong>${t('calendar')}</strong>${running ? html`: ${t('calendarWarning')}` : ''}
    <dl class="facts inline">
      ${facts.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${String(v)}</dd>`,
      )}
    </dl>
  </section>`;
}
