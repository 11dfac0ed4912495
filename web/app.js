// Entry point: routes the hash to a view and keeps the shell (nav, footer)
// up to date.  Views are functions (main, params, ...args) → cleanup.
import { renderSearch } from './search.js';
import { renderLibrary } from './library.js';
import { renderTrack } from './track.js';
import { renderAdmin } from './admin.js';
import { renderHistory } from './history.js';
import { parseHash, takeFlash } from './router.js';
import { installSinglePlayback } from './player.js';
import { h, clear } from './dom.js';
import * as api from './api.js';

const ROUTES = [
  [/^\/$/, renderSearch, 'Identify', '/'],
  [/^\/result\/([^/]+)$/, renderSearch, 'Result', '/'],
  [/^\/history$/, renderHistory, 'History', '/history'],
  [/^\/library$/, renderLibrary, 'Library', '/library'],
  [/^\/tracks\/([^/]+)$/, renderTrack, 'Track', '/library'],
  [/^\/admin$/, renderAdmin, 'Admin', '/admin'],
];

const main = document.getElementById('main');
let cleanup = null;
let first = true;

function notFound(el, path) {
  clear(
    el,
    h('section', { class: 'notfound' }, h('h1', {}, 'Page not found'), h('p', {}, `There is no page at “${path}”. `, h('a', { href: '#/' }, 'Go to the search page'), '.')),
  );
}

function route() {
  const { path, params } = parseHash(location.hash);
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a view failing to clean up must not block navigation */
    }
  }
  cleanup = null;
  let title = 'Not found';
  let navPath = '';
  const hit = ROUTES.find(([re]) => re.test(path));
  if (hit) {
    const [re, view, name, nav] = hit;
    const args = path.match(re).slice(1).map(decodeURIComponent);
    title = name;
    navPath = nav;
    cleanup = view(main, params, ...args) || null;
  } else {
    notFound(main, path);
  }
  document.title = title === 'Identify' ? 'audio-ident' : `${title} · audio-ident`;
  for (const a of document.querySelectorAll('.top nav a')) {
    if (a.getAttribute('href') === `#${navPath}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const f = takeFlash();
  if (f) main.prepend(h('p', { class: 'notice ok flash', role: 'status' }, f));
  // A view may name what to focus (a search verdict): focus it and bring it
  // fully into view.  Otherwise move focus to the new page's heading so
  // keyboard and screen reader users land on it; not on first load, where
  // focus starts at the top.
  const auto = main.querySelector('[data-autofocus]');
  if (auto) {
    const box = auto.closest('.results') || auto;
    box.scrollIntoView({ block: box.getBoundingClientRect().height > window.innerHeight ? 'start' : 'end' });
    auto.focus({ preventScroll: true });
  } else if (!first) {
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
    window.scrollTo(0, 0);
  }
  first = false;
}

document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
installSinglePlayback(document);
window.addEventListener('hashchange', route);
route();

api
  .version()
  .then((v) => {
    const el = document.getElementById('version');
    if (el && v && v.version) el.textContent = `audio-ident ${v.version}${v.git_sha ? ` (${v.git_sha})` : ''}`;
  })
  .catch(() => {});
