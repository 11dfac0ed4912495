// The admin page: admin token (kept in sessionStorage), upload queue for
// POST /api/v1/ingest, and ingest of a directory on the server.
import * as api from './api.js';
import { h, clear, bytes, errorBox, techDetails } from './dom.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// "3 files: 1 ingested, 1 duplicate, 1 error."
export function totalsText(total, ingested, duplicates, errors, pending = 0) {
  return `${plural(total, 'file')}: ${ingested} ingested, ${plural(duplicates, 'duplicate')}, ${plural(errors, 'error')}${pending ? `, ${pending} pending` : ''}.`;
}

export function renderAdmin(main) {
  const ctrl = new AbortController();
  const queue = []; // {file, row, statusCell, state}
  let running = false;

  // --- token
  const tokenInput = h('input', {
    type: 'password',
    id: 'admin-token',
    autocomplete: 'off',
    spellcheck: 'false',
      });
  const tokenState = h('p', { class: 'hint', id: 'token-state', role: 'status' });
  const forgetBtn = h('button', { type: 'button', class: 'button secondary', onclick: forget }, 'Forget');
  function showToken() {
    const has = !!api.adminToken();
    tokenState.textContent = has
      ? 'A token is set for this browser tab (kept until you close it).'
      : 'No token set. Without one, the server accepts admin requests only from the machine it runs on (when it has no ADMIN_TOKEN).';
    forgetBtn.hidden = !has;
  }
  function forget() {
    api.setAdminToken('');
    tokenInput.value = '';
    showToken();
    tokenInput.focus();
  }
  const tokenForm = h(
    'form',
    {
      class: 'token-form',
      onsubmit: (e) => {
        e.preventDefault();
        api.setAdminToken(tokenInput.value.trim());
        tokenInput.value = '';
        showToken();
      },
    },
    h('div', { class: 'field grow' }, h('label', { for: 'admin-token' }, 'Token (the server’s ADMIN_TOKEN)'), tokenInput),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'button' }, 'Save token'), forgetBtn),
  );

  // --- upload queue
  const fileInput = h('input', {
    type: 'file',
    id: 'ingest-files',
    multiple: true,
    accept: 'audio/*,.webm,.ogg,.opus,.mp3,.m4a,.mp4,.aac,.wav,.flac',
    class: 'visually-hidden-file',
    onchange: () => {
      addFiles([...fileInput.files]);
      fileInput.value = '';
    },
  });
  const drop = h(
    'div',
    { class: 'drop-zone small', id: 'ingest-drop' },
    h('label', { for: 'ingest-files', class: 'button secondary' }, 'Choose audio files'),
    fileInput,
    h('p', { class: 'hint' }, 'or drop them here · one or many · up to 200 MB each'),
  );
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    addFiles([...(e.dataTransfer?.files || [])]);
  });
  const qBody = h('tbody');
  const qTable = h(
    'table',
    { class: 'queue', hidden: true },
    h('caption', { class: 'visually-hidden' }, 'Upload queue'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'File'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Status'))),
    qBody,
  );
  const totals = h('p', { class: 'totals', id: 'ingest-totals', role: 'status', 'aria-live': 'polite' });
  const authSlot = h('div');

  // --- directory
  const dirInput = h('input', { type: 'text', id: 'ingest-dir', placeholder: 'music/new', autocomplete: 'off' });
  const dirResult = h('div', { class: 'dir-result', 'aria-live': 'polite' });
  const dirBtn = h('button', { type: 'submit', class: 'button' }, 'Ingest directory');
  const dirForm = h(
    'form',
    { class: 'dir-form', onsubmit: ingestDir },
    h(
      'div',
      { class: 'field grow' },
      h('label', { for: 'ingest-dir' }, 'Directory on the server'),
      dirInput,
      h(
        'p',
        { class: 'hint', id: 'ingest-root-hint' },
        'Relative paths start at the server’s ingest folder (its INGEST_ROOT setting, chosen when the server was started); folders outside it are refused.',
      ),
    ),
    h('div', { class: 'row' }, dirBtn),
  );
  dirInput.setAttribute('aria-describedby', 'ingest-root-hint');

  clear(
    main,
    h(
      'section',
      { class: 'admin' },
      h('h1', {}, 'Add tracks'),
      h('section', { class: 'card', 'aria-labelledby': 'h-token' }, h('h2', { id: 'h-token' }, 'Admin token'), tokenForm, tokenState),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'h-upload' },
        h('h2', { id: 'h-upload' }, 'Upload files'),
        drop,
        authSlot,
        h('div', { class: 'table-wrap' }, qTable),
        totals,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'h-dir' },
        h('h2', { id: 'h-dir' }, 'Ingest a server directory'),
        dirForm,
        dirResult,
      ),
    ),
  );
  showToken();

  function setStatus(item, state, text, trackId, err) {
    item.state = state;
    const content = [h('span', { class: `pill ${state}` }, state)];
    if (state === 'uploading') {
      item.bar = h('progress', { max: '100', value: '0', 'aria-label': `Upload of ${item.file.name}` });
      item.pct = h('span', { class: 'pct' }, '0%');
      content.push(' ', item.pct, item.bar);
    }
    if (text) content.push(' ', h('span', { class: 'msg' }, text));
    if (trackId) content.push(' ', h('a', { href: `#/tracks/${trackId}` }, 'view'));
    if (err) {
      // Retrying cannot change what the file is; everything else may pass.
      const permanent = ['UNSUPPORTED_FORMAT', 'FILE_TOO_LARGE', 'AUDIO_TOO_SHORT', 'AUDIO_TOO_LONG'].includes(err.code);
      content.push(
        ' ',
        permanent
          ? null
          : h('button', { type: 'button', class: 'button secondary small retry-file', onclick: () => retry(item) }, h('span', { class: 'visually-hidden' }, `${item.file.name}: `), 'Retry'),
        techDetails([
          ['Error code', err.code],
          ['HTTP status', err.status || null],
        ]),
      );
    }
    clear(item.statusCell, content);
    item.row.dataset.state = state;
  }

  function progressOf(item, f) {
    if (!item.bar) return;
    const pct = Math.round(f * 100);
    item.bar.value = pct;
    item.pct.textContent = `${pct}%`;
  }

  function retry(item) {
    setStatus(item, 'queued');
    updateTotals();
    run();
  }

  function addFiles(files) {
    for (const file of files) {
      const statusCell = h('td', { class: 'status-cell' });
      const row = h('tr', {}, h('td', { class: 'file' }, file.name), h('td', { class: 'num' }, bytes(file.size)), statusCell);
      const item = { file, row, statusCell, state: 'queued' };
      setStatus(item, 'queued');
      queue.push(item);
      qBody.append(row);
    }
    qTable.hidden = queue.length === 0;
    updateTotals();
    run();
  }

  function updateTotals() {
    const c = { ingested: 0, duplicate: 0, error: 0, queued: 0, uploading: 0 };
    for (const it of queue) c[it.state]++;
    const pending = c.queued + c.uploading;
    totals.textContent = queue.length ? totalsText(queue.length, c.ingested, c.duplicate, c.error, pending) : '';
  }

  async function run() {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const item = queue.find((q) => q.state === 'queued');
        if (!item || ctrl.signal.aborted) break;
        setStatus(item, 'uploading');
        updateTotals();
        try {
          const r = await api.ingestFile(item.file, ctrl.signal, (f) => progressOf(item, f));
          if (r && r.status === 'duplicate') setStatus(item, 'duplicate', `already in the library as “${r.title || r.track_id}”`, r.track_id);
          else setStatus(item, 'ingested', r && r.title ? `“${r.title}”${r.artist ? ` by ${r.artist}` : ''}` : '', r && r.track_id);
        } catch (e) {
          if (e && e.name === 'AbortError') return;
          setStatus(item, 'error', e.message, null, e);
          if (e.code === 'UNAUTHORIZED') needToken();
        }
        updateTotals();
      }
    } finally {
      running = false;
    }
  }

  function needToken() {
    clear(
      authSlot,
      h('div', { class: 'notice error', role: 'alert' }, h('strong', {}, 'Admin token needed.'), ' Enter the server’s ADMIN_TOKEN above, save it, and retry.'),
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          onclick: () => {
            clear(authSlot);
            for (const it of queue) if (it.state === 'error') setStatus(it, 'queued');
            updateTotals();
            run();
          },
        },
        'Retry failed uploads',
      ),
    );
    tokenInput.focus();
  }

  async function ingestDir(e) {
    e.preventDefault();
    const dir = dirInput.value.trim();
    if (!dir) {
      clear(dirResult, h('p', { class: 'notice error', role: 'alert' }, 'Enter a directory path.'));
      dirInput.focus();
      return;
    }
    dirBtn.disabled = true;
    clear(dirResult, h('p', { class: 'busy', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ` Ingesting ${dir}… this can take a while.`));
    try {
      const r = await api.ingestDirectory(dir);
      const errs = Array.isArray(r.errors) ? r.errors : [];
      const added = addedTracks(r);
      clear(
        dirResult,
        h('p', { class: 'totals', id: 'dir-totals' }, totalsText(r.total, r.ingested, r.duplicates, errs.length)),
        added,
        errs.length
          ? h(
              'ul',
              { class: 'errors' },
              errs.map((x) => {
                const m = /^([A-Z][A-Z_]+): (.*)$/s.exec(String(x.error || ''));
                return h('li', {}, h('span', { class: 'file' }, x.file), ': ', m ? m[2] : x.error, m ? techDetails([['Error code', m[1]]]) : null);
              }),
            )
          : null,
      );
    } catch (err) {
      clear(dirResult, errorBox(err));
      if (err.code === 'UNAUTHORIZED') tokenInput.focus();
    } finally {
      dirBtn.disabled = false;
    }
  }

  // The tracks the ingest added, as the answer lists them.
  function addedTracks(r) {
    const list = Array.isArray(r.tracks) ? r.tracks : [];
    if (!list.length) return null;
    return h(
      'div',
      { class: 'added', id: 'dir-added' },
      h('h3', {}, 'Added'),
      h(
        'ul',
        {},
        list.map((t) => h('li', {}, h('a', { href: `#/tracks/${t.track_id}` }, t.title || 'Untitled'), t.artist ? ` · ${t.artist}` : '')),
      ),
    );
  }

  return () => ctrl.abort();
}
