// The last identifications, kept in this browser's localStorage: the History
// page (#/history) lists them and #/result/<request_id> shows one again.
// Nothing leaves the browser; the server keeps no copy of search answers.
import { h, clear, clock } from './dom.js';
import { verdictOf, VERDICT_WORDS } from './results.js';

const KEY = 'audio-ident.history';
export const HISTORY_MAX = 50;

// Stored entries, newest first; [] when storage is empty, corrupt or disabled.
export function loadHistory() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(v) ? v.filter((e) => e && typeof e.id === 'string' && e.response) : [];
  } catch {
    return [];
  }
}

function saveAll(list) {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.slice(0, HISTORY_MAX)));
    return true;
  } catch {
    return false; // storage full or disabled: the result is still shown
  }
}

// Remembers a search answer (needs its request_id); returns the entry or null.
export function remember(response, source) {
  if (!response || typeof response.request_id !== 'string' || !response.request_id) return null;
  const entry = { id: response.request_id, time: new Date().toISOString(), source: source || '', response };
  const list = loadHistory().filter((e) => e.id !== entry.id);
  list.unshift(entry);
  if (!saveAll(list)) {
    // Retry with the answer only, oldest entries dropped first.
    while (list.length > 1) {
      list.pop();
      if (saveAll(list)) return entry;
    }
    return null;
  }
  return entry;
}

export const findResult = (id) => loadHistory().find((e) => e.id === id) || null;

export function clearHistory() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
}

// {verdict, track, offset} of a stored answer, for the list.
export function outline(response) {
  const verdict = verdictOf(response);
  const exact = Array.isArray(response.exact_matches) ? response.exact_matches : [];
  // Only an exact match names "the" track; similar tracks are not answers.
  const m = verdict === 'identified' || verdict === 'possible' ? exact[0] : null;
  return { verdict, track: m ? m.track || {} : null, offset: m ? m.offset_seconds : null };
}

// "14:03" today, "28/11/26, 14:03" before.
function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = d.toDateString() === new Date().toDateString();
  return today ? d.toLocaleTimeString(undefined, { timeStyle: 'short' }) : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export function renderHistory(main) {
  const body = h('div', { class: 'history-body' });
  const status = h('p', { class: 'status', role: 'status' });
  clear(
    main,
    h(
      'section',
      { class: 'history' },
      h('h1', {}, 'History'),
      h('p', { class: 'lead' }, `Your last ${HISTORY_MAX} identifications, kept only in this browser.`),
      status,
      body,
    ),
  );

  function draw() {
    const list = loadHistory();
    if (!list.length) {
      clear(body, h('p', { class: 'empty-history' }, 'Nothing here yet. ', h('a', { href: '#/' }, 'Identify a song'), ' and it will be listed here.'));
      return;
    }
    const rows = list.map((e) => {
      const o = outline(e.response);
      const t = o.track;
      return h(
        'tr',
        { 'data-result-id': e.id, 'data-verdict': o.verdict },
        h('td', { class: 'col-time' }, h('a', { href: `#/result/${encodeURIComponent(e.id)}` }, h('time', { datetime: e.time }, when(e.time)))),
        h('td', { class: 'col-verdict' }, h('span', { class: `pill v-${o.verdict}` }, VERDICT_WORDS[o.verdict])),
        h('td', { class: 'col-track' }, t ? [h('span', { class: 'h-title' }, t.title || 'Untitled'), t.artist ? h('span', { class: 'h-artist' }, ` · ${t.artist}`) : null] : '–'),
        h('td', { class: 'col-offset num' }, o.offset !== null && o.offset !== undefined ? clock(o.offset) : '–'),
      );
    });
    const clearBtn = h(
      'button',
      {
        type: 'button',
        class: 'button secondary',
        id: 'clear-history',
        onclick: () => {
          clearHistory();
          status.textContent = 'History cleared.';
          draw();
        },
      },
      'Clear history',
    );
    clear(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'history-list' },
          h('caption', { class: 'visually-hidden' }, 'Past identifications, newest first'),
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Track'), h('th', { scope: 'col' }, 'At')),
          ),
          h('tbody', {}, rows),
        ),
      ),
      h('div', { class: 'row history-actions' }, clearBtn),
    );
  }
  draw();
}
