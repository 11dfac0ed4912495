// The home page: record or upload a clip, send it to /api/v1/search and show
// what came back.  A finished search is remembered (history.js) and shown at
// #/result/<request_id>, which this same view renders from the stored answer.
import * as api from './api.js';
import { h, clear, clock, bytes, errorBox } from './dom.js';
import { openMic, Recording, recordingSupported } from './recorder.js';
import { renderResults } from './results.js';
import { remember, findResult } from './history.js';
import { navigate } from './router.js';

const MAX_SECONDS = 10;
const MIN_SECONDS = 3;
const ACCEPT_EXT = ['webm', 'weba', 'ogg', 'oga', 'opus', 'mp3', 'm4a', 'mp4', 'aac', 'wav', 'wave', 'flac'];
const ACCEPT_ATTR = `audio/*,${ACCEPT_EXT.map((e) => `.${e}`).join(',')}`;

// Client-side check before uploading; returns an {code, message} or null.
export function checkFile(file) {
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  const type = (file.type || '').toLowerCase();
  const audioish =
    ACCEPT_EXT.includes(ext) || type.startsWith('audio/') || type === 'video/webm' || type === 'video/mp4';
  if (!audioish)
    return {
      code: 'UNSUPPORTED_FORMAT',
      message: `“${file.name}” is not an audio file. Use WebM, OGG, MP3, M4A, WAV or FLAC.`,
    };
  if (file.size > api.MAX_UPLOAD_BYTES)
    return {
      code: 'FILE_TOO_LARGE',
      message: `“${file.name}” is ${bytes(file.size)}; clips can be at most 10 MB. Trim it to a few seconds.`,
    };
  if (file.size === 0) return { code: 'VALIDATION_ERROR', message: `“${file.name}” is empty.` };
  return null;
}

function extFor(type) {
  if (type.includes('ogg')) return 'ogg';
  if (type.includes('mp4') || type.includes('aac')) return 'm4a';
  if (type.includes('wav')) return 'wav';
  return 'webm';
}

// Level (0..1 from the meter) under which the input counts as silence, and
// how long it must stay there before the "can't hear anything" hint.
const QUIET_LEVEL = 0.12; // about -44 dBFS
const QUIET_MS = 2000;

// Scrolls el fully into view (its top at the top of the window when it is
// taller than the window) unless it already is.
function reveal(el) {
  const r = el.getBoundingClientRect();
  if (r.top >= 0 && r.bottom <= window.innerHeight) return;
  el.scrollIntoView({ behavior: 'auto', block: r.height > window.innerHeight ? 'start' : 'nearest' });
}

// Survives re-rendering of the page: the chosen mode, and a recording that
// was running when the user navigated away (kept so it is not lost).
const carry = { mode: 'both', kept: null, dropNote: '' };

const retryable = (e) => e && (e.code === 'NETWORK' || e.status >= 500 || e.status === 429 || e.code === 'SEARCH_TIMEOUT');

export function renderSearch(main, params, resultId) {
  const st = { rec: null, timer: 0, t0: 0, ctrl: null, loudAt: 0, gone: false };

  const levelFill = h('div', { class: 'meter-fill' });
  const meter = h('div', { class: 'meter', 'aria-hidden': 'true' }, levelFill);
  const progress = h('progress', { max: String(MAX_SECONDS), value: '0', 'aria-label': 'Recording time' });
  const idleTime = `max ${clock(MAX_SECONDS)}`;
  const timeText = h('span', { class: 'rec-time' }, idleTime);
  const recLabel = h('span', { class: 'rec-label' }, 'Record');
  const recSub = h('span', { class: 'rec-sub' }, '');
  const recBtn = h(
    'button',
    { type: 'button', class: 'rec-btn', id: 'record', 'aria-describedby': 'rec-status', onclick: onRecordClick },
    h('span', { class: 'rec-icon', 'aria-hidden': 'true' }),
    recLabel,
    recSub,
  );
  const cancelRec = h('button', { type: 'button', class: 'button secondary', id: 'cancel-recording', hidden: true, onclick: cancelRecording }, 'Cancel');
  const recStatus = h(
    'p',
    { id: 'rec-status', class: 'status', 'aria-live': 'polite' },
    recordingSupported()
      ? `Hold your device near the music. Recording stops by itself after ${MAX_SECONDS} seconds.`
      : 'Recording is not available in this browser; upload a file instead.',
  );
  const quietHint = h('p', { class: 'quiet-hint', id: 'quiet-hint', role: 'status' });
  const micNotice = h('div', { class: 'mic-notice' });

  const fileInput = h('input', {
    type: 'file',
    id: 'clip-file',
    accept: ACCEPT_ATTR,
    class: 'visually-hidden-file',
    onchange: () => {
      if (fileInput.files && fileInput.files[0]) sendFile(fileInput.files[0], fileInput.files.length);
      fileInput.value = '';
    },
  });
  const dropNotice = h('p', { class: 'drop-notice', id: 'drop-notice', role: 'status' });
  const drop = h(
    'div',
    { class: 'drop-zone', id: 'drop-zone' },
    h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, '♪'),
    h('label', { for: 'clip-file', class: 'button secondary' }, 'Choose an audio file'),
    fileInput,
    h('p', { class: 'hint' }, 'or drop it here · WebM, OGG, MP3, M4A, WAV, FLAC · up to 10 MB'),
    dropNotice,
  );
  for (const ev of ['dragenter', 'dragover'])
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const files = (e.dataTransfer && e.dataTransfer.files) || [];
    if (files[0]) sendFile(files[0], files.length);
  });

  const modes = [
    ['both', 'Both', 'identify it, and find tracks that sound alike'],
    ['exact', 'Exact', 'which recording and where'],
    ['vibe', 'Vibe', 'tracks that sound alike'],
  ];
  const modeSet = h(
    'fieldset',
    { class: 'modes', onchange: () => (carry.mode = mode()) },
    h('legend', {}, 'Search mode'),
    modes.map(([v, name, hint]) =>
      h(
        'label',
        { class: 'mode' },
        h('input', { type: 'radio', name: 'mode', value: v, checked: v === carry.mode }),
        h('span', { class: 'mode-name' }, name),
        h('span', { class: 'mode-hint' }, hint),
      ),
    ),
  );

  const results = h('section', { id: 'results', class: 'results', 'aria-live': 'polite', 'aria-label': 'Search results' });

  clear(
    main,
    h(
      'section',
      { class: 'search' },
      h('h1', {}, 'What’s playing?'),
      h('p', { class: 'lead' }, 'Record a few seconds of music or upload a clip to find it in the library.'),
      h(
        'div',
        { class: 'capture' },
        h(
          'div',
          { class: 'rec-panel' },
          h('div', { class: 'rec-row' }, recBtn, cancelRec),
          meter,
          h('div', { class: 'countdown' }, progress, timeText),
          recStatus,
          quietHint,
          micNotice,
        ),
        h('div', { class: 'or', 'aria-hidden': 'true' }, 'or'),
        drop,
      ),
      modeSet,
      results,
    ),
  );

  // Replaces the results area and scrolls it into view.
  function show(...children) {
    clear(results, ...children);
    reveal(results);
  }

  // Shows an answer and moves focus to its verdict so screen readers read it.
  function showAnswer(r, note) {
    const head = renderResults(results, r);
    if (note) results.querySelector('.summary').append(note);
    head.setAttribute('data-autofocus', '');
    return head;
  }

  const mode = () => (modeSet.querySelector('input[name=mode]:checked') || {}).value || 'both';

  function setRecording(on) {
    recBtn.classList.toggle('recording', on);
    main.querySelector('.rec-panel').classList.toggle('active', on);
    cancelRec.hidden = !on;
    if (on) window.addEventListener('beforeunload', askBeforeLeaving);
    else window.removeEventListener('beforeunload', askBeforeLeaving);
    if (!on) {
      clearInterval(st.timer);
      recBtn.removeAttribute('aria-disabled');
      recLabel.textContent = 'Record';
      recSub.textContent = '';
      recBtn.setAttribute('aria-label', 'Start recording');
      progress.value = 0;
      timeText.textContent = idleTime;
      quietHint.textContent = '';
    }
  }

  function onLevel(v) {
    levelFill.style.transform = `scaleX(${v.toFixed(3)})`;
    if (v > QUIET_LEVEL) {
      st.loudAt = performance.now();
      if (quietHint.textContent) quietHint.textContent = '';
    }
  }

  async function onRecordClick() {
    if (recBtn.getAttribute('aria-disabled') === 'true') return;
    if (st.rec) {
      finishRecording();
      return;
    }
    clear(micNotice);
    recBtn.setAttribute('aria-disabled', 'true');
    recLabel.textContent = 'Starting…';
    let stream;
    try {
      stream = await openMic();
    } catch (e) {
      setRecording(false);
      clear(micNotice, h('div', { class: 'notice error', role: 'alert' }, h('strong', {}, 'Microphone unavailable.'), ' ', e.message));
      recStatus.textContent = 'Recording is not possible right now; you can still upload a file.';
      return;
    }
    try {
      st.rec = new Recording(stream, { onLevel });
      st.rec.start();
    } catch (e) {
      for (const t of stream.getTracks()) t.stop();
      st.rec = null;
      setRecording(false);
      clear(micNotice, errorBox(e));
      return;
    }
    st.t0 = performance.now();
    st.loudAt = st.t0;
    setRecording(true);
    recBtn.removeAttribute('aria-disabled');
    recLabel.textContent = 'Stop';
    recBtn.setAttribute('aria-label', 'Stop recording and search');
    recStatus.textContent = `Recording… stop any time after ${MIN_SECONDS} seconds, or Cancel to discard.`;
    tick();
    st.timer = setInterval(tick, 100);
  }

  const elapsed = () => (performance.now() - st.t0) / 1000;

  function tick() {
    const el = elapsed();
    progress.value = Math.min(el, MAX_SECONDS);
    timeText.textContent = `${clock(el)} · ${Math.max(0, Math.ceil(MAX_SECONDS - el))} s left`;
    recSub.textContent = el < MIN_SECONDS ? `searchable in ${Math.ceil(MIN_SECONDS - el)} s` : '';
    if (performance.now() - st.loudAt >= QUIET_MS && !quietHint.textContent)
      quietHint.textContent = 'We can’t hear anything. Move closer to the music or turn it up.';
    if (el >= MAX_SECONDS) finishRecording();
  }

  function askBeforeLeaving(e) {
    e.preventDefault();
    e.returnValue = '';
  }

  function cancelRecording() {
    const rec = st.rec;
    if (!rec) return;
    st.rec = null;
    rec.cancel();
    setRecording(false);
    recStatus.textContent = 'Recording discarded. Nothing was sent.';
    recBtn.focus();
  }

  async function finishRecording() {
    const rec = st.rec;
    if (!rec) return;
    const el = elapsed();
    st.rec = null;
    setRecording(false);
    if (el < MIN_SECONDS) {
      rec.cancel();
      recStatus.textContent = `That was only ${el.toFixed(1)} s. A search needs at least ${MIN_SECONDS} seconds of music, so nothing was sent. Record again and stop after 0:0${MIN_SECONDS}.`;
      return;
    }
    let blob;
    try {
      blob = await rec.stop();
    } catch (e) {
      show(errorBox(e));
      return;
    }
    recStatus.textContent = `Recorded ${clock(el)} (${bytes(blob.size)}).`;
    send(blob, `recording.${extFor(blob.type)}`, 'your recording');
  }

  function sendFile(file, count = 1) {
    carry.dropNote =
      count > 1 ? `You chose ${count} files; only “${file.name}” is searched. To add tracks to the library, use the Admin page.` : '';
    dropNotice.textContent = carry.dropNote;
    const bad = checkFile(file);
    if (bad) {
      show(errorBox(bad));
      return;
    }
    send(file, file.name, `“${file.name}”`);
  }

  async function send(blob, filename, what) {
    if (st.ctrl) st.ctrl.abort();
    const ctrl = new AbortController();
    st.ctrl = ctrl;
    const t0 = performance.now();
    const took = h('span', { class: 'elapsed' }, '');
    const cancel = h('button', { type: 'button', class: 'button secondary', onclick: () => ctrl.abort() }, 'Cancel');
    show(
      h(
        'div',
        { class: 'busy', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('span', {}, `Identifying ${what} (${bytes(blob.size)})… `),
        took,
        cancel,
      ),
    );
    const iv = setInterval(() => (took.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`), 200);
    try {
      const r = await api.search(blob, filename, mode(), 10, ctrl.signal);
      if (st.ctrl !== ctrl || st.gone) return;
      const entry = remember(r, what);
      if (entry) {
        navigate(`#/result/${encodeURIComponent(entry.id)}`);
        return;
      }
      focusAnswer(showAnswer(r));
    } catch (e) {
      if (st.ctrl !== ctrl) return;
      if (e && e.name === 'AbortError') {
        show(h('p', { class: 'notice' }, 'Search cancelled.'));
        return;
      }
      const retry = retryable(e)
        ? h('button', { type: 'button', class: 'button secondary retry', id: 'retry-search', onclick: () => send(blob, filename, what) }, 'Try again')
        : null;
      show(errorBox(e, retry ? h('div', { class: 'row' }, retry) : null));
      if (retry) retry.focus({ preventScroll: true });
    } finally {
      clearInterval(iv);
      if (st.ctrl === ctrl) st.ctrl = null;
    }
  }

  function focusAnswer(head) {
    reveal(results);
    head.focus({ preventScroll: true });
  }

  // A stored result (#/result/<id>), or the clip kept from a recording the
  // user navigated away from.
  // A note about a multi-file drop outlives the move to the result's URL once.
  dropNotice.textContent = carry.dropNote;
  carry.dropNote = '';
  if (resultId) {
    const entry = findResult(resultId);
    if (entry)
      showAnswer(
        entry.response,
        h('span', { class: 'result-meta' }, ` Searched ${new Date(entry.time).toLocaleString()}${entry.source ? ` · ${entry.source}` : ''} · `, h('a', { href: '#/history' }, 'History')),
      );
    else
      clear(
        results,
        h(
          'div',
          { class: 'notice warn', 'data-autofocus': '', tabindex: '-1' },
          'This result is not stored in this browser (results are kept only where the search was made, last 50). ',
          h('a', { href: '#/history' }, 'See your history'),
          ' or search again above.',
        ),
      );
  } else if (carry.kept) {
    const kept = carry.kept;
    carry.kept = null;
    const searchIt = h(
      'button',
      {
        type: 'button',
        class: 'button',
        id: 'send-kept',
        onclick: async () => {
          try {
            const blob = await kept.blob;
            send(blob, `recording.${extFor(blob.type)}`, 'your recording');
          } catch (e) {
            show(errorBox(e));
          }
        },
      },
      'Search it',
    );
    const discard = h('button', { type: 'button', class: 'button secondary', onclick: () => show(h('p', { class: 'notice' }, 'Recording discarded.')) }, 'Discard');
    clear(
      results,
      h(
        'div',
        { class: 'notice kept', id: 'kept-clip' },
        `You left the page while recording. Your ${Math.floor(kept.seconds)}-second recording was kept. `,
        h('div', { class: 'row' }, searchIt, discard),
      ),
    );
  }

  return () => {
    st.gone = true; // an answer arriving now must not pull the user back
    clearInterval(st.timer);
    window.removeEventListener('beforeunload', askBeforeLeaving);
    if (st.rec) {
      const el = elapsed();
      if (el >= MIN_SECONDS) {
        const blob = st.rec.stop();
        blob.catch(() => {}); // a failed stop surfaces when the clip is searched
        carry.kept = { blob, seconds: el };
      }
      else st.rec.cancel();
      st.rec = null;
    }
    if (st.ctrl) st.ctrl.abort();
  };
}
