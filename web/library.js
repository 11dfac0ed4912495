// The library page: a paginated, searchable table of tracks.  Searching and
// paging go to the server (GET /api/v1/tracks); sorting by title, artist or
// date reorders the rows of the current page only, because the API has no
// sort parameter.
import * as api from './api.js';
import { h, clear, clock, date, debounce, errorBox } from './dom.js';

const PAGE_SIZES = [10, 25, 50, 100];
const COLUMNS = [
  ['title', 'Title'],
  ['artist', 'Artist'],
  ['album', 'Album'],
  ['duration_seconds', 'Length'],
  ['ingested_at', 'Added'],
];
const SORTABLE = new Set(['title', 'artist', 'ingested_at']);

function readState(params) {
  const size = Number(params.get('size'));
  const page = Number(params.get('page'));
  return {
    search: params.get('q') || '',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: Number.isInteger(size) && size >= 1 && size <= 100 ? size : 25,
    sort: SORTABLE.has(params.get('sort')) ? params.get('sort') : '',
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

function writeState(st) {
  const p = new URLSearchParams();
  if (st.search) p.set('q', st.search);
  if (st.page > 1) p.set('page', String(st.page));
  if (st.pageSize !== 25) p.set('size', String(st.pageSize));
  if (st.sort) {
    p.set('sort', st.sort);
    p.set('dir', st.dir);
  }
  const qs = p.toString();
  history.replaceState(null, '', `#/library${qs ? `?${qs}` : ''}`);
}

function sortRows(rows, key, dir) {
  if (!key) return rows;
  const m = dir === 'desc' ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key] ?? '';
    const y = b[key] ?? '';
    return m * String(x).localeCompare(String(y), undefined, { sensitivity: 'base', numeric: true });
  });
}

export function renderLibrary(main, params) {
  const st = readState(params);
  let ctrl = null;
  let last = null;

  const searchInput = h('input', {
    type: 'search',
    id: 'lib-search',
    value: st.search,
    placeholder: 'Title, artist or album',
    autocomplete: 'off',
  });
  const sizeSel = h(
    'select',
    { id: 'lib-size' },
    [...new Set([...PAGE_SIZES, st.pageSize])]
      .sort((a, b) => a - b)
      .map((n) => h('option', { value: String(n), selected: n === st.pageSize }, String(n))),
  );
  const status = h('p', { class: 'lib-status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'tracks' }, h('caption', { class: 'visually-hidden' }, 'Tracks in the library'), thead, tbody);
  const prev = h('button', { type: 'button', class: 'button secondary', id: 'lib-prev', onclick: () => go(st.page - 1) }, '← Previous');
  const next = h('button', { type: 'button', class: 'button secondary', id: 'lib-next', onclick: () => go(st.page + 1) }, 'Next →');
  const pageInfo = h('span', { class: 'page-info', id: 'lib-page' }, '');
  const errorSlot = h('div');

  clear(
    main,
    h(
      'section',
      { class: 'library' },
      h('h1', {}, 'Library'),
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'field grow' }, h('label', { for: 'lib-search' }, 'Search'), searchInput),
        h('div', { class: 'field' }, h('label', { for: 'lib-size' }, 'Per page'), sizeSel),
      ),
      status,
      errorSlot,
      h('div', { class: 'table-wrap' }, table),
      h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, pageInfo, next),
    ),
  );

  function header() {
    clear(
      thead,
      h(
        'tr',
        {},
        COLUMNS.map(([key, label]) => {
          if (!SORTABLE.has(key)) return h('th', { scope: 'col', class: `col-${key}` }, label);
          const active = st.sort === key;
          const aria = active ? (st.dir === 'asc' ? 'ascending' : 'descending') : 'none';
          return h(
            'th',
            { scope: 'col', class: `col-${key}`, 'aria-sort': aria },
            h(
              'button',
              { type: 'button', class: 'sort', 'data-sort': key, onclick: () => sortBy(key) },
              label,
              h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (st.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕'),
            ),
          );
        }),
      ),
    );
  }

  function rows() {
    const data = last ? sortRows(last.data || [], st.sort, st.dir) : [];
    if (!data.length) {
      clear(
        tbody,
        h('tr', {}, h('td', { colspan: String(COLUMNS.length), class: 'empty-row' }, st.search ? `No track matches “${st.search}”.` : 'The library is empty. Add tracks on the Admin page.')),
      );
      return;
    }
    clear(
      tbody,
      data.map((t) =>
        h(
          'tr',
          { 'data-track-id': t.id },
          h('td', { class: 'col-title' }, h('a', { href: `#/tracks/${t.id}` }, t.title || 'Untitled')),
          h('td', { class: 'col-artist' }, t.artist || '–'),
          h('td', { class: 'col-album' }, t.album || '–'),
          h('td', { class: 'col-duration_seconds num' }, clock(t.duration_seconds)),
          h('td', { class: 'col-ingested_at' }, h('time', { datetime: t.ingested_at || '' }, date(t.ingested_at))),
        ),
      ),
    );
  }

  function sortBy(key) {
    if (st.sort === key) st.dir = st.dir === 'asc' ? 'desc' : 'asc';
    else {
      st.sort = key;
      st.dir = key === 'ingested_at' ? 'desc' : 'asc';
    }
    writeState(st);
    header();
    rows();
    const b = thead.querySelector(`button[data-sort="${key}"]`);
    if (b) b.focus();
  }

  async function load() {
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    const mine = ctrl;
    table.setAttribute('aria-busy', 'true');
    main.querySelector('.library').classList.add('loading');
    try {
      const r = await api.listTracks(st, mine.signal);
      if (mine !== ctrl) return;
      const pg = r.pagination || {};
      if (pg.totalPages && st.page > pg.totalPages) {
        go(pg.totalPages);
        return;
      }
      last = r;
      clear(errorSlot);
      const total = pg.totalItems ?? (r.data || []).length;
      status.textContent = `${total} track${total === 1 ? '' : 's'}${st.search ? ` matching “${st.search}”` : ''}`;
      pageInfo.textContent = `Page ${pg.page || st.page} of ${Math.max(1, pg.totalPages || 1)}`;
      prev.disabled = st.page <= 1;
      next.disabled = st.page >= (pg.totalPages || 1);
      rows();
    } catch (e) {
      if (e && e.name === 'AbortError') return;
      clear(errorSlot, errorBox(e));
      status.textContent = 'Could not load the library.';
    } finally {
      if (mine === ctrl) {
        table.removeAttribute('aria-busy');
        main.querySelector('.library')?.classList.remove('loading');
      }
    }
  }

  function go(page) {
    st.page = Math.max(1, page);
    writeState(st);
    load();
  }

  const onSearch = debounce(() => {
    const v = searchInput.value.trim();
    if (v === st.search) return;
    st.search = v;
    go(1);
  }, 300);
  searchInput.addEventListener('input', onSearch);
  sizeSel.addEventListener('change', () => {
    st.pageSize = Number(sizeSel.value);
    go(1);
  });

  header();
  load();
  return () => {
    onSearch.cancel();
    if (ctrl) ctrl.abort();
  };
}
