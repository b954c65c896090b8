import { api } from '../api.js';
import { lang, t, term, termNote } from '../i18n.js';
import { dateTime, number } from '../format.js';
import { html, render } from '../ui.js';

/** @typedef {import('../api-types').Schemas} Schemas */

/** The scheduled jobs' last runs in words, and the working-day calendar's coverage as /readyz reports it. */
export async function jobsPage(main) {
  const [jobs, ready] = await Promise.all([
    api('/v1/jobs'),
    fetch('/readyz', { cache: 'no-store' })
      .then((r) => /** @type {Promise<Schemas['Readiness']>} */ (r.json()))
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
                <th scope="row">
                  ${term('job', j.name)}
                  ${termNote('job', j.name) ? html`<br /><span class="muted small">${termNote('job', j.name)}</span>` : ''}
                </th>
                <td title=${j.schedule}>${cronText(j.schedule)}</td>
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

/** @param {Schemas['JobList']['items'][number]['lastRun']} run */
function lastRunCells(run) {
  const counts = Object.entries(run.counts);
  return html`<td>${dateTime(run.startedAt)} → ${dateTime(run.finishedAt) || '…'}</td>
    <td><span class=${`outcome ${run.outcome}`}>${term('jobOutcome', run.outcome)}</span></td>
    <td>
      ${counts.length ? counts.map(([k, v]) => html`<span class="count">${term('jobCount', k)} ${number(v)}</span> `) : '—'}
    </td>`;
}

/**
 * The jobs' cron expressions (China time) in words. The schedules are hourly at a minute or daily at a time; any
 * other form is shown as written.
 * @param {string} cron
 */
function cronText(cron) {
  const m = /^(\d{1,2}) (\*|\d{1,2}) \* \* \*$/.exec(cron.trim());
  if (!m) return cron;
  const minute = m[1].padStart(2, '0');
  if (m[2] === '*') return lang === 'en' ? `every hour at :${minute}` : `每小时第 ${Number(m[1])} 分`;
  const time = `${m[2].padStart(2, '0')}:${minute}`;
  return lang === 'en' ? `daily at ${time}` : `每天 ${time}`;
}

/**
 * The official working-day calendar (State Council holiday notices) and how long it lasts; a warning when /readyz
 * says it is running out (60 days or less).
 * @param {Schemas['Readiness']['calendar']} calendar
 */
function calendarView(calendar) {
  const running = Boolean(calendar.warning);
  return html`<section
    class=${`notice ${running ? 'error' : 'ok'}`}
    role=${running ? 'alert' : 'status'}
    data-testid="calendar"
  >
    <strong>${t('calendar')}</strong>：${running ? t('calendarWarning') : t('calendarOk')}
    <dl class="facts inline">
      <dt>${t('officialUntil')}</dt>
      <dd>${calendar.officialUntil ?? '—'}</dd>
      <dt>${t('daysLeft')}</dt>
      <dd>${calendar.daysLeft ?? '—'}</dd>
      ${
        calendar.warning && lang !== 'en'
          ? html`<dt>${t('serverText')}</dt>
              <dd lang="en">${calendar.warning}</dd>`
          : calendar.warning
            ? html`<dt>${t('jobNote')}</dt>
                <dd>${calendar.warning}</dd>`
            : ''
      }
    </dl>
  </section>`;
}
