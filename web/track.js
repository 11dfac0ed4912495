// The track page (#/tracks/{id}[?t=seconds]): every TrackDetail field, a
// player that starts at t, and delete for admins.
import * as api from './api.js';
import { h, clear, clock, bytes, date, errorBox } from './dom.js';
import { navigate } from './router.js';

function fields(t) {
  const yes = (b) => (b === true ? 'yes' : b === false ? 'no' : '–');
  return [
    ['Title', t.title],
    ['Artist', t.artist],
    ['Album', t.album],
    ['Duration', clock(t.duration_seconds)],
    ['Format', t.format],
    ['Sample rate', t.sample_rate ? `${t.sample_rate} Hz` : null],
    ['Channels', t.channels],
    ['Bitrate', t.bitrate ? `${Math.round(t.bitrate / 1000)} kbps` : null],
    ['File size', t.file_size_bytes != null ? bytes(t.file_size_bytes) : null],
    ['Fingerprint indexed', yes(t.fingerprint_indexed ?? t.olaf_indexed)],
    ['Embedding model', t.embedding_model],
    ['Embedding dimensions', t.embedding_dim],
    ['Added', date(t.ingested_at)],
    ['Updated', date(t.updated_at)],
    ['SHA-256', t.file_hash_sha256, 'mono'],
    ['Track ID', t.id, 'mono'],
  ];
}

export function renderTrack(main, params, id) {
  const ctrl = new AbortController();
  const start = Math.max(0, Number(params.get('t')) || 0);
  const body = h('div', { class: 'track-body' }, h('p', { class: 'status', role: 'status' }, 'Loading…'));
  clear(
    main,
    h(
      'section',
      { class: 'track' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/library' }, '← Library')),
      h('h1', { id: 'track-title' }, 'Track'),
      body,
    ),
  );
  const title = main.querySelector('#track-title');

  api
    .getTrack(id, ctrl.signal)
    .then((t) => {
      title.textContent = t.title || 'Untitled';
      document.title = `${t.title || 'Track'} · audio-ident`;
      const audio = h('audio', {
        controls: true,
        preload: 'metadata',
        src: api.audioUrl(t.id),
        id: 'track-audio',
        'aria-label': `Player: ${t.title || 'track'}`,
      });
      if (start > 0) {
        audio.addEventListener(
          'loadedmetadata',
          () => {
            audio.currentTime = Math.min(start, audio.duration || start);
          },
          { once: true },
        );
      }
      const delSlot = h('div', { class: 'delete-slot' });
      const delBtn = h('button', { type: 'button', class: 'button danger', id: 'delete-track', onclick: confirmDelete }, 'Delete track…');
      clear(
        body,
        h('p', { class: 'byline big' }, [t.artist || 'Unknown artist', t.album].filter(Boolean).join(' · ')),
        h('div', { class: 'player' }, audio, start > 0 ? h('p', { class: 'hint' }, `Starts at ${clock(start)}, where your clip matched.`) : null),
        h(
          'dl',
          { class: 'details' },
          fields(t).map(([k, v, cls]) => [h('dt', {}, k), h('dd', { class: cls || null }, v === null || v === undefined || v === '' ? '–' : String(v))]),
        ),
        h('div', { class: 'danger-zone' }, delBtn, delSlot),
      );

      function confirmDelete() {
        delBtn.hidden = true;
        const yes = h('button', { type: 'button', class: 'button danger', id: 'confirm-delete', onclick: doDelete }, 'Delete permanently');
        const no = h(
          'button',
          {
            type: 'button',
            class: 'button secondary',
            onclick: () => {
              clear(delSlot);
              delBtn.hidden = false;
              delBtn.focus();
            },
          },
          'Cancel',
        );
        clear(
          delSlot,
          h('p', { role: 'alert' }, `Delete “${t.title || 'this track'}”? Its fingerprints, vectors and stored file are removed too.`),
          h('div', { class: 'row' }, yes, no),
        );
        yes.focus();
      }

      async function doDelete(e) {
        e.target.disabled = true;
        try {
          await api.deleteTrack(t.id);
          navigate(`#/library`, { flash: `Deleted “${t.title || t.id}”.` });
        } catch (err) {
          e.target.disabled = false;
          const extra =
            err.code === 'UNAUTHORIZED'
              ? h('span', {}, ' Set the admin token on the ', h('a', { href: '#/admin' }, 'Admin page'), '.')
              : null;
          delSlot.append(errorBox(err, extra));
        }
      }
    })
    .catch((e) => {
      if (e && e.name === 'AbortError') return;
      title.textContent = e.code === 'NOT_FOUND' ? 'Track not found' : 'Could not load the track';
      clear(body, errorBox(e), h('p', {}, h('a', { href: '#/library' }, 'Back to the library')));
    });

  return () => ctrl.abort();
}
