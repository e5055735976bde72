// The console shell: sign-in, navigation by role, one page at a time, errors shown on top.
import { api, session } from './api.js';
import { errorBox, fill, h } from './dom.js';
import { GRANTS } from './roles.js';
import phases from './pages/phases.js';
import rollbacks from './pages/rollbacks.js';
import rollouts from './pages/rollouts.js';
import audit from './pages/audit.js';
import dashboard from './pages/dashboard.js';
import kanban from './pages/kanban.js';
import people from './pages/people.js';
import line from './pages/line.js';
import jobs from './pages/jobs.js';
import token from './pages/token.js';
import station from './pages/station.js';
import assignment from './pages/assignment.js';
import shadow from './pages/shadow.js';

/**
 * Each page names the least role its API admits (or several, any of which will do); the API
 * still decides. A page with `nav: false` is reached by links only (a token by its id).
 */
const PAGES = [
  dashboard,
  line,
  jobs,
  token,
  station,
  assignment,
  kanban,
  shadow,
  people,
  phases,
  rollouts,
  rollbacks,
  audit,
];

const el = {
  nav: document.getElementById('nav'),
  who: document.getElementById('who'),
  signOut: document.getElementById('sign-out'),
  errors: document.getElementById('errors'),
  signIn: document.getElementById('sign-in'),
  page: document.getElementById('page'),
};

let me = null;
/** Undone when the page is left: timers, in-flight polls. */
let cleanups = [];

const can = (role) => me !== null && (GRANTS[me.role] ?? []).includes(role);

function reportError(error) {
  if (error.code === 'SIGNED_OUT') return;
  // a key revoked while the tab was open: back to sign-in, saying why
  if (error.status === 401 && me !== null) return signOut(error);
  const box = errorBox(error, () => box.remove());
  // a page that polls would otherwise stack the same failure once per poll
  const same = (shown) =>
    shown.dataset.code === box.dataset.code && shown.querySelector('.error-message')?.textContent === error.message;
  for (const shown of [...el.errors.children]) if (same(shown)) shown.remove();
  el.errors.append(box);
}

function visiblePages() {
  return PAGES.filter((p) => [p.role].flat().some(can));
}

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A scan device's key opens on its kiosk; everyone else on the first page of the menu. */
function homePage(pages) {
  return (me.role === 'station' && pages.find((p) => p.path === 'station')) || pages.find((p) => p.nav !== false);
}

function leavePage() {
  for (const undo of cleanups.splice(0)) undo();
  fill(el.errors);
}

async function showPage() {
  leavePage();
  const pages = visiblePages();
  const [route, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  // #/jobs/12: the page, then what it shows
  const [wanted, ...rest] = route.split('/').map(decodeSegment);
  const page = pages.find((p) => p.path === wanted);
  if (!page) {
    const home = pages.length ? homePage(pages) : null;
    if (home) location.replace(`#/${home.path}`);
    else
      fill(
        el.page,
        h('p', { class: 'card' }, `The role ${me.role} has no console page. Sign in with a supervisor or admin key.`),
      );
    return;
  }
  for (const link of el.nav.querySelectorAll('a'))
    link.toggleAttribute('aria-current', link.dataset.page === page.path);
  document.title = `${page.title} · Phasegate console`;
  const root = h('div', { class: 'page', 'data-page': page.path });
  fill(el.page, root);
  const ctx = {
    me,
    can,
    root,
    /** the path after the page's own: ['12'] for #/jobs/12 */
    rest,
    params: new URLSearchParams(search),
    reportError,
    clearErrors: () => fill(el.errors),
    /** Repeats `fn` every `ms` while the page is shown. */
    every(ms, fn) {
      const timer = setInterval(fn, ms);
      cleanups.push(() => clearInterval(timer));
    },
    onLeave(fn) {
      cleanups.push(fn);
    },
    reload: () => showPage(),
  };
  try {
    await page.render(ctx);
  } catch (error) {
    reportError(error);
  }
}

function signedIn(who) {
  me = who;
  el.signIn.hidden = true;
  el.nav.hidden = false;
  el.who.hidden = false;
  el.signOut.hidden = false;
  fill(el.who, h('span', null, who.name), ' ', h('span', { class: 'badge neutral', 'data-role': who.role }, who.role));
  fill(
    el.nav,
    visiblePages()
      .filter((p) => p.nav !== false)
      .map((p) => h('a', { href: `#/${p.path}`, 'data-page': p.path }, p.title)),
  );
  void showPage();
}

function signOut(error) {
  leavePage();
  session.key = null;
  me = null;
  el.nav.hidden = el.who.hidden = el.signOut.hidden = true;
  fill(el.page);
  el.signIn.hidden = false;
  el.signIn.reset();
  if (error) reportError(error);
  el.signIn.querySelector('input').focus();
}

el.signIn.addEventListener('submit', async (event) => {
  event.preventDefault();
  fill(el.errors);
  const key = new FormData(el.signIn).get('key').toString().trim();
  const button = el.signIn.querySelector('button');
  button.disabled = true;
  try {
    const who = await api('GET', '/auth/me', undefined, { key });
    session.key = key;
    signedIn(who);
  } catch (error) {
    reportError(error);
  } finally {
    button.disabled = false;
  }
});

el.signOut.addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => me && void showPage());

if (session.key) {
  api('GET', '/auth/me').then(signedIn, signOut);
} else {
  signOut();
}
