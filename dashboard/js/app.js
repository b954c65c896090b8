import { api, SignedOutError, whenSignedOut } from './api.js';
import { lang, setLang, t } from './i18n.js';
import { session } from './session.js';
import { errorView, html, render } from './ui.js';
import { entriesPage } from './pages/entries.js';
import { entryPage } from './pages/entry.js';
import { jobsPage } from './pages/jobs.js';
import { orderPage } from './pages/order.js';
import { ordersPage } from './pages/orders.js';
import { overduePage } from './pages/overdue.js';
import { overviewPage } from './pages/overview.js';
import { proceduresPage } from './pages/procedures.js';
import { rulesPage } from './pages/rules.js';
import { signInPage } from './pages/signin.js';

/**
 * Hash routes (#/overdue, #/orders/<id>): the part after # never reaches the server or its logs, and a reload
 * keeps the page. Search terms that could name a person (ID numbers) are kept in memory, never in the hash.
 */
const routes = [
  { path: /^#\/overview$/, page: overviewPage, nav: 'overview', supervisor: true },
  { path: /^#\/overdue$/, page: overduePage, nav: 'overdue' },
  { path: /^#\/orders$/, page: ordersPage, nav: 'myOrders' },
  { path: /^#\/orders\/([0-9a-f-]{36})$/, page: orderPage, nav: 'myOrders' },
  { path: /^#\/entries$/, page: entriesPage, nav: 'entries' },
  { path: /^#\/entries\/([0-9a-f-]{36})$/, page: entryPage, nav: 'entries' },
  { path: /^#\/rules$/, page: rulesPage, nav: 'rules' },
  { path: /^#\/jobs$/, page: jobsPage, nav: 'jobs', supervisor: true },
  { path: /^#\/procedures$/, page: proceduresPage, nav: 'procedures', supervisor: true },
];

const header = document.getElementById('top');
const main = document.getElementById('main');
let signInMessage = '';

whenSignedOut(() => {
  session.signOut();
  signInMessage = t('expired');
  goTo('#/signin');
});

/** Setting the hash it already has fires no hashchange, so route directly then. */
function goTo(hash) {
  if (location.hash === hash) queueMicrotask(route);
  else location.hash = hash;
}

const home = () => (session.isSupervisor ? '#/overview' : '#/orders');

function callerName(c) {
  if (c.kind === 'admin') return t('admin');
  const name = lang === 'en' ? c.department.nameEn : c.department.name;
  return c.department.supervisor ? `${name} · ${t('supervisor')}` : name;
}

function drawHeader(active) {
  const c = session.caller;
  const who = c ? callerName(c) : '';
  const links = c
    ? routes.filter((r, i) => routes.findIndex((x) => x.nav === r.nav) === i && (!r.supervisor || session.isSupervisor))
    : [];
  render(
    html` <div class="brand"><strong>${t('title')}</strong> <span class="muted">${t('subtitle')}</span></div>
      ${
        c
          ? html`<nav aria-label="main" class="no-print">
              <ul>
                ${links.map(
                  (r) =>
                    html`<li>
                      <a href=${`#/${hashOf(r)}`} aria-current=${r.nav === active ? 'page' : 'false'}
                        >${navLabel(r.nav)}</a
                      >
                    </li>`,
                )}
              </ul>
            </nav>`
          : ''
      }
      <div class="tools no-print">
        ${c ? html`<span class="who" data-testid="who">${t('signedInAs')}: ${who}</span>` : ''}
        <button
          type="button"
          lang=${lang === 'en' ? 'zh-CN' : 'en'}
          @click=${() => {
            setLang(lang === 'en' ? 'zh' : 'en');
            route();
          }}
        >
          ${t('language')}
        </button>
        ${c ? html`<button type="button" data-testid="sign-out" @click=${signOut}>${t('signOut')}</button>` : ''}
      </div>`,
    header,
  );
}

// a supervisor's "orders" page shows any department's orders, so it is not "ours"
const navLabel = (nav) => t(nav === 'myOrders' && session.isSupervisor ? 'orders' : nav);
const hashOf = (r) =>
  ({
    overview: 'overview',
    overdue: 'overdue',
    myOrders: 'orders',
    entries: 'entries',
    rules: 'rules',
    jobs: 'jobs',
    procedures: 'procedures',
  })[r.nav];

function signOut() {
  session.signOut();
  signInMessage = t('signedOut');
  goTo('#/signin');
}

async function signIn(token) {
  try {
    const who = await api('/v1/me', { token });
    session.signIn(token, who);
    signInMessage = '';
    location.hash = home();
  } catch (err) {
    if (err instanceof SignedOutError) {
      session.signOut();
      return t('wrongToken');
    }
    return err.message;
  }
  return '';
}

/**
 * Each visit renders into a fresh container: a page still loading when the user moves on renders into a detached
 * element, never over the page that replaced it.
 */
function freshView() {
  const view = document.createElement('div');
  main.replaceChildren(view);
  return view;
}

async function route() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  if (!session.caller && session.token) {
    try {
      session.setCaller(await api('/v1/me'));
    } catch (err) {
      if (!(err instanceof SignedOutError)) render(errorView(err), freshView());
      return;
    }
  }
  if (!session.caller) {
    if (location.hash !== '#/signin') {
      location.hash = '#/signin';
      return;
    }
    drawHeader();
    document.title = `${t('signIn')} · ${t('title')}`;
    signInPage(freshView(), { message: signInMessage, signIn });
    return;
  }
  const [hash, qs] = location.hash.split('?');
  const match = routes.map((r) => ({ r, m: hash.match(r.path) })).find((x) => x.m);
  if (!match || (match.r.supervisor && !session.isSupervisor)) {
    location.hash = home();
    return;
  }
  drawHeader(match.r.nav);
  document.title = `${navLabel(match.r.nav)} · ${t('title')}`;
  const view = freshView();
  render(html`<p class="loading">${t('loading')}</p>`, view);
  try {
    await match.r.page(view, { id: match.m[1], query: new URLSearchParams(qs ?? ''), rerender: route });
  } catch (err) {
    if (!(err instanceof SignedOutError)) render(errorView(err), view);
  }
  // after a move within the app, keyboard and screen-reader users continue at the new content; on first load the
  // page starts at the top (skip link, then navigation) as any page does
  if (visited) main.focus({ preventScroll: true });
  visited = true;
}

let visited = false;

window.addEventListener('hashchange', route);
route();
