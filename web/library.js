// The library page: a paginated, searchable table of tracks.  Searching,
// the artist/album filters, sorting and paging all go to the server
// (GET /api/v1/tracks with search, artist, album, sort, dir, page, pageSize),
// so a sort orders the whole library, not one page.  The filters match whole
// names, so they are set from an artist or album in the table (never typed)
// and shown as removable chips.  Each row has a play button feeding one
// shared player.
import * as api from './api.js';
import { h, clear, clock, date, debounce, errorBox } from './dom.js';

const PAGE_SIZES = [10, 25, 50, 100];
// [column class, heading, API sort key]
const COLUMNS = [
  ['title', 'Title', 'title'],
  ['artist', 'Artist', 'artist'],
  ['album', 'Album', 'album'],
  ['duration_seconds', 'Length', 'duration'],
  ['ingested_at', 'Added', 'ingested_at'],
];
const SORTABLE = new Set(COLUMNS.map((c) => c[2]));

function readState(params) {
  const size = Number(params.get('size'));
  const page = Number(params.get('page'));
  return {
    search: params.get('q') || '',
    artist: params.get('artist') || '',
    album: params.get('album') || '',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: Number.isInteger(size) && size >= 1 && size <= 100 ? size : 25,
    sort: SORTABLE.has(params.get('sort')) ? params.get('sort') : '',
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

function writeState(st) {
  const p = new URLSearchParams();
  if (st.search) p.set('q', st.search);
  if (st.artist) p.set('artist', st.artist);
  if (st.album) p.set('album', st.album);
  if (st.page > 1) p.set('page', String(st.page));
  if (st.pageSize !== 25) p.set('size', String(st.pageSize));
  if (st.sort) {
    p.set('sort', st.sort);
    p.set('dir', st.dir);
  }
  const qs = p.toString();
  history.replaceState(null, '', `#/library${qs ? `?${qs}` : ''}`);
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
  const chips = h('div', { class: 'chips', id: 'lib-filters' });
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
  // One player for the whole list; a row's button plays that track in it.
  const player = h('audio', { controls: true, preload: 'none', id: 'lib-audio', 'aria-label': 'Library player' });
  const playingTitle = h('span', { class: 'np-title' }, '');
  const nowPlaying = h('div', { class: 'now-playing', hidden: true }, h('p', { class: 'np-line' }, 'Playing: ', playingTitle), player);
  let playingId = '';
  const syncButtons = () => {
    for (const b of tbody.querySelectorAll('button.row-play')) {
      const on = b.dataset.trackId === playingId && !player.paused;
      b.textContent = on ? '❚❚' : '▶';
      b.classList.toggle('playing', on);
      b.setAttribute('aria-label', `${on ? 'Pause' : 'Play'}: ${b.dataset.title}`);
    }
  };
  for (const ev of ['play', 'pause', 'ended']) player.addEventListener(ev, syncButtons);
  function playRow(t) {
    if (playingId === t.id && !player.paused) {
      player.pause();
      return;
    }
    if (playingId !== t.id) {
      playingId = t.id;
      player.src = api.audioUrl(t.id);
      playingTitle.textContent = [t.title || 'Untitled', t.artist].filter(Boolean).join(' · ');
    }
    nowPlaying.hidden = false;
    player.play().catch(() => {
      /* refused autoplay: the controls are there */
    });
    syncButtons();
  }

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
      chips,
      status,
      errorSlot,
      h('div', { class: 'table-wrap' }, table),
      h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, pageInfo, next),
      nowPlaying,
    ),
  );

  function header() {
    clear(
      thead,
      h(
        'tr',
        {},
        h('th', { scope: 'col', class: 'col-play' }, h('span', { class: 'visually-hidden' }, 'Play')),
        COLUMNS.map(([cls, label, key]) => {
          const active = st.sort === key;
          const aria = active ? (st.dir === 'asc' ? 'ascending' : 'descending') : 'none';
          return h(
            'th',
            { scope: 'col', class: `col-${cls}`, 'aria-sort': aria },
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
    const data = last ? last.data || [] : [];
    const filtered = st.search || st.artist || st.album;
    if (!data.length) {
      clear(
        tbody,
        h(
          'tr',
          {},
          h('td', { colspan: String(COLUMNS.length + 1), class: 'empty-row' }, filtered ? `No track matches ${filterText()}.` : 'The library is empty. Add tracks on the Admin page.'),
        ),
      );
      return;
    }
    clear(
      tbody,
      data.map((t) =>
        h(
          'tr',
          { 'data-track-id': t.id },
          h(
            'td',
            { class: 'col-play' },
            h('button', { type: 'button', class: 'row-play', 'data-track-id': t.id, 'data-title': t.title || 'Untitled', 'aria-label': `Play: ${t.title || 'Untitled'}`, onclick: () => playRow(t) }, '▶'),
          ),
          h('td', { class: 'col-title' }, h('a', { href: `#/tracks/${t.id}` }, t.title || 'Untitled')),
          h('td', { class: 'col-artist' }, filterButton('artist', t.artist)),
          h('td', { class: 'col-album' }, filterButton('album', t.album)),
          h('td', { class: 'col-duration_seconds num' }, clock(t.duration_seconds)),
          h('td', { class: 'col-ingested_at' }, h('time', { datetime: t.ingested_at || '' }, date(t.ingested_at))),
        ),
      ),
    );
    syncButtons();
  }

  // An artist or album name that narrows the list to it when clicked.
  function filterButton(key, value) {
    if (!value) return '–';
    if (st[key] === value) return value;
    return h(
      'button',
      { type: 'button', class: 'linkish', 'data-filter': key, title: `Only ${key === 'artist' ? 'tracks by' : 'tracks from'} ${value}`, onclick: () => setFilter(key, value) },
      value,
    );
  }

  function setFilter(key, value) {
    st[key] = value;
    drawChips();
    go(1);
    ((value && chips.querySelector(`button[data-filter="${key}"]`)) || searchInput).focus();
  }

  function drawChips() {
    clear(
      chips,
      ['artist', 'album']
        .filter((k) => st[k])
        .map((k) =>
          h(
            'span',
            { class: 'chip' },
            `${k === 'artist' ? 'Artist' : 'Album'}: ${st[k]} `,
            h('button', { type: 'button', class: 'chip-x', 'data-filter': k, 'aria-label': `Remove the ${k} filter ${st[k]}`, onclick: () => setFilter(k, '') }, '✕'),
          ),
        ),
    );
  }

  // “dance”, artist “Beta Band”, album “X”
  function filterText() {
    return [st.search ? `“${st.search}”` : '', st.artist ? `artist “${st.artist}”` : '', st.album ? `album “${st.album}”` : '']
      .filter(Boolean)
      .join(', ');
  }

  function sortBy(key) {
    if (st.sort === key) st.dir = st.dir === 'asc' ? 'desc' : 'asc';
    else {
      st.sort = key;
      st.dir = key === 'ingested_at' ? 'desc' : 'asc';
    }
    st.page = 1;
    writeState(st);
    header();
    load();
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
      const f = filterText();
      status.textContent = `${total} track${total === 1 ? '' : 's'}${f ? ` matching ${f}` : ''}`;
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
  drawChips();
  load();
  return () => {
    player.pause();
    onSearch.cancel();
    if (ctrl) ctrl.abort();
  };
}
