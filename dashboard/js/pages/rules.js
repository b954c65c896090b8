import { api } from '../api.js';
import { lang, t, term } from '../i18n.js';
import { departmentName, departmentPairs, loadDepartments } from '../format.js';
import { html, options, render } from '../ui.js';

/** The memoranda and their measures, with provenance shown plainly and the legal basis of each measure. */
export async function rulesPage(main, { query }) {
  const [memoranda, departments] = await Promise.all([api('/v1/memoranda'), loadDepartments()]);
  let memorandum = query.get('memorandum') ?? memoranda.items[0]?.id ?? '';
  let department = '';

  async function load() {
    const rules = memorandum
      ? await api('/v1/rules', { query: { memorandum, department: department || undefined } })
      : { items: [] };
    const implementing = memoranda.items.find((m) => m.id === memorandum)?.departments ?? [];
    render(
      html` <h1>${t('rules')}</h1>
        <table class="data" data-testid="memoranda-table">
          <thead>
            <tr>
              <th scope="col">${t('documentNo')}</th>
              <th scope="col">${t('memoranda')}</th>
              <th scope="col">${t('lists')}</th>
              <th scope="col" class="num">${t('measures')}</th>
              <th scope="col" class="num">${t('verified')}</th>
              <th scope="col" class="num">${t('provisional')}</th>
              <th scope="col" class="num">${t('departments')}</th>
            </tr>
          </thead>
          <tbody>
            ${memoranda.items.map(
              (m) =>
                html`<tr class=${m.id === memorandum ? 'selected' : ''}>
                  <td>
                    <a
                      href=${`#/rules?memorandum=${encodeURIComponent(m.id)}`}
                      @click=${(e) => {
                        e.preventDefault();
                        memorandum = m.id;
                        department = '';
                        history.replaceState(null, '', `#/rules?memorandum=${encodeURIComponent(m.id)}`);
                        load();
                      }}
                      aria-current=${m.id === memorandum ? 'true' : 'false'}
                      >${m.documentNo}</a
                    >
                  </td>
                  <td>${lang === 'en' ? m.titleEn : m.title}</td>
                  <td>${m.lists.map((l) => term('listType', l)).join('、')}</td>
                  <td class="num">${m.measures}</td>
                  <td class="num">${m.verified}</td>
                  <td class="num ${m.provisional ? 'warn' : ''}">${m.provisional}</td>
                  <td class="num">${m.departments.length}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>
          ${memoranda.items.find((m) => m.id === memorandum)?.documentNo ?? ''} · ${t('measures')}
          (${rules.items.length})
        </h2>
        <div class="toolbar no-print">
          <label
            >${t('department')}
            <select
              data-testid="rules-department"
              @change=${(e) => {
                department = e.target.value;
                load();
              }}
            >
              <option value="" ?selected=${!department}>${t('all')}</option>
              ${options(departmentPairs(departments, implementing), department)}
            </select></label
          >
        </div>
        <table class="data" data-testid="rules-table">
          <thead>
            <tr>
              <th scope="col">${t('measure')}</th>
              <th scope="col">${t('department')}</th>
              <th scope="col">${t('lists')}</th>
              <th scope="col">${t('basis')}</th>
              <th scope="col">${t('provenance')}</th>
            </tr>
          </thead>
          <tbody>
            ${rules.items.map(
              (r) =>
                html`<tr>
                  <td>${lang === 'en' ? r.nameEn : r.name}<br /><span class="mono muted">${r.code}</span></td>
                  <td>
                    ${departmentName(departments, r.department)}
                    ${r.departmentAsNamed ? html`<br /><span class="muted">${r.departmentAsNamed}</span>` : ''}
                  </td>
                  <td>${r.lists.map((l) => term('listType', l)).join('、')}</td>
                  <td>
                    ${r.basis.map(basisView)}
                    <span class=${`strength ${r.basisStrength}`}>${term('basisStrength', r.basisStrength)}</span>
                  </td>
                  <td>
                    <span class=${`provenance ${r.provenance}`}>${t(r.provenance)}</span
                    >${
                      r.provenanceNote
                        ? html`<details class="small">
                            <summary>${t('provenanceNoteLabel')}</summary>
                            <span lang="en" class="muted">${r.provenanceNote}</span>
                          </details>`
                        : ''
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`,
      main,
    );
  }
  await load();
}

/** One basis: document and article, the version cited, and the provision's words when the service holds them. */
function basisView(b) {
  const version = b.version ? html` <span class="muted small">(${b.version})</span>` : '';
  const head = html`${b.document} ${b.article}${version}`;
  if (!b.text) return html`<div>${head}</div>`;
  return html`<details class="basis">
    <summary>${head}</summary>
    <blockquote>${b.text}</blockquote>
  </details>`;
}
