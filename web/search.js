// The home page: record or upload a clip, send it to /api/v1/search and show
// what came back.
import * as api from './api.js';
import { h, clear, clock, bytes, errorBox } from './dom.js';
import { openMic, Recording, recordingSupported } from './recorder.js';
import { renderResults } from './results.js';

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

function reveal(el) {
  if (el.getBoundingClientRect().top < window.innerHeight - 96) return;
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  el.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'start' });
}

export function renderSearch(main) {
  const st = { rec: null, timer: 0, t0: 0, ctrl: null, sending: false };

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
  const recStatus = h(
    'p',
    { id: 'rec-status', class: 'status', 'aria-live': 'polite' },
    recordingSupported()
      ? `Hold your device near the music. Recording stops by itself after ${MAX_SECONDS} seconds.`
      : 'Recording is not available in this browser; upload a file instead.',
  );
  const micNotice = h('div', { class: 'mic-notice' });

  const fileInput = h('input', {
    type: 'file',
    id: 'clip-file',
    accept: ACCEPT_ATTR,
    class: 'visually-hidden-file',
    onchange: () => {
      if (fileInput.files && fileInput.files[0]) sendFile(fileInput.files[0]);
      fileInput.value = '';
    },
  });
  const drop = h(
    'div',
    { class: 'drop-zone', id: 'drop-zone' },
    h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, '♪'),
    h('label', { for: 'clip-file', class: 'button secondary' }, 'Choose an audio file'),
    fileInput,
    h('p', { class: 'hint' }, 'or drop it here · WebM, OGG, MP3, M4A, WAV, FLAC · up to 10 MB'),
  );
  for (const ev of ['dragenter', 'dragover'])
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  for (const ev of ['dragleave', 'drop'])
    drop.addEventListener(ev, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) sendFile(f);
  });

  const modes = [
    ['both', 'Both', 'exact match and similar-sounding tracks'],
    ['exact', 'Exact', 'which recording and where'],
    ['vibe', 'Vibe', 'tracks that sound alike'],
  ];
  const modeSet = h(
    'fieldset',
    { class: 'modes' },
    h('legend', {}, 'Search mode'),
    modes.map(([v, name, hint]) =>
      h(
        'label',
        { class: 'mode' },
        h('input', { type: 'radio', name: 'mode', value: v, checked: v === 'both' }),
        h('span', { class: 'mode-name' }, name),
        h('span', { class: 'mode-hint' }, hint),
      ),
    ),
  );

  const results = h('section', {
    id: 'results',
    class: 'results',
    'aria-live': 'polite',
    'aria-label': 'Search results',
  });

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
          recBtn,
          meter,
          h('div', { class: 'countdown' }, progress, timeText),
          recStatus,
          micNotice,
        ),
        h('div', { class: 'or', 'aria-hidden': 'true' }, 'or'),
        drop,
      ),
      modeSet,
      results,
    ),
  );

  // Replaces the results area and scrolls it into view when it is below the
  // fold (on phones the capture panels fill the first screen).
  function show(...children) {
    clear(results, ...children);
    reveal(results);
  }

  const mode = () => (modeSet.querySelector('input[name=mode]:checked') || {}).value || 'both';

  function setRecording(on) {
    recBtn.classList.toggle('recording', on);
    main.querySelector('.rec-panel').classList.toggle('active', on);
    if (!on) {
      recBtn.removeAttribute('aria-disabled');
      recLabel.textContent = 'Record';
      recSub.textContent = '';
      recBtn.setAttribute('aria-label', 'Start recording');
      progress.value = 0;
      timeText.textContent = idleTime;
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
      st.rec = new Recording(stream, { onLevel: (v) => (levelFill.style.transform = `scaleX(${v.toFixed(3)})`) });
      st.rec.start();
    } catch (e) {
      for (const t of stream.getTracks()) t.stop();
      st.rec = null;
      setRecording(false);
      clear(micNotice, errorBox(e));
      return;
    }
    st.t0 = performance.now();
    setRecording(true);
    recBtn.setAttribute('aria-disabled', 'true');
    recStatus.textContent = `Recording… you can stop after ${MIN_SECONDS} seconds.`;
    tick();
    st.timer = setInterval(tick, 100);
  }

  function tick() {
    const el = (performance.now() - st.t0) / 1000;
    progress.value = Math.min(el, MAX_SECONDS);
    timeText.textContent = `${clock(el)} · ${Math.max(0, Math.ceil(MAX_SECONDS - el))} s left`;
    if (el < MIN_SECONDS) {
      recLabel.textContent = 'Recording';
      recSub.textContent = `stop in ${Math.ceil(MIN_SECONDS - el)}`;
      recBtn.setAttribute('aria-label', `Recording; stop is available in ${Math.ceil(MIN_SECONDS - el)} seconds`);
    } else if (recBtn.getAttribute('aria-disabled') === 'true') {
      recBtn.removeAttribute('aria-disabled');
      recLabel.textContent = 'Stop';
      recSub.textContent = '';
      recBtn.setAttribute('aria-label', 'Stop recording and search');
      recStatus.textContent = `You can stop now; recording ends by itself at ${MAX_SECONDS} seconds.`;
    }
    if (el >= MAX_SECONDS) finishRecording();
  }

  async function finishRecording() {
    const rec = st.rec;
    if (!rec) return;
    st.rec = null;
    clearInterval(st.timer);
    setRecording(false);
    let blob;
    try {
      blob = await rec.stop();
    } catch (e) {
      show(errorBox(e));
      return;
    }
    recStatus.textContent = `Recorded ${bytes(blob.size)}.`;
    send(blob, `recording.${extFor(blob.type)}`, 'your recording');
  }

  function sendFile(file) {
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
    const elapsed = h('span', { class: 'elapsed' }, '');
    const cancel = h('button', { type: 'button', class: 'button secondary', onclick: () => ctrl.abort() }, 'Cancel');
    show(
      h(
        'div',
        { class: 'busy', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('span', {}, `Identifying ${what} (${bytes(blob.size)})… `),
        elapsed,
        cancel,
      ),
    );
    const iv = setInterval(() => (elapsed.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`), 200);
    try {
      const r = await api.search(blob, filename, mode(), 10, ctrl.signal);
      if (st.ctrl !== ctrl) return;
      renderResults(results, r);
      reveal(results);
    } catch (e) {
      if (st.ctrl !== ctrl) return;
      if (e && e.name === 'AbortError') show(h('p', { class: 'notice' }, 'Search cancelled.'));
      else show(errorBox(e));
    } finally {
      clearInterval(iv);
      if (st.ctrl === ctrl) st.ctrl = null;
    }
  }

  return () => {
    clearInterval(st.timer);
    if (st.rec) st.rec.cancel();
    if (st.ctrl) st.ctrl.abort();
  };
}
