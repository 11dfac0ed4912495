// Small DOM and formatting helpers shared by the views.

// h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child…) builds an element.
// Attributes set to null/undefined/false are skipped; true sets an empty attribute.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string' && k !== 'style') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// 83.4 → "1:23"; 3725 → "1:02:05".
export function clock(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function percent(x) {
  return `${Math.round(Math.max(0, Math.min(1, x)) * 100)}%`;
}

export function date(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// The visible error box for an ApiError (or any Error): a plain title and
// the message; the raw code and HTTP status go into a "Details" disclosure.
export function errorBox(err, extra) {
  const code = err && err.code ? err.code : 'ERROR';
  const rows = [['Error code', code]];
  if (err && err.status) rows.push(['HTTP status', String(err.status)]);
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('strong', {}, friendlyCode(code)),
    ' ',
    h('span', { class: 'msg' }, err && err.message ? err.message : String(err)),
    extra || null,
    techDetails(rows),
  );
}

// <details> with label/value rows for operators: codes, ids, raw scores.
export function techDetails(rows, summary = 'Details') {
  return h(
    'details',
    { class: 'tech' },
    h('summary', {}, summary),
    h(
      'dl',
      {},
      rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
    ),
  );
}

const CODE_TITLES = {
  FILE_TOO_LARGE: 'File too large.',
  UNSUPPORTED_FORMAT: 'Not a supported audio file.',
  AUDIO_TOO_SHORT: 'Clip too short.',
  AUDIO_TOO_LONG: 'Track too long.',
  VALIDATION_ERROR: 'Invalid request.',
  NOT_FOUND: 'Not found.',
  FILE_NOT_FOUND: 'Audio file missing.',
  UNAUTHORIZED: 'Admin token needed.',
  RATE_LIMITED: 'Too many requests.',
  SEARCH_TIMEOUT: 'Search timed out.',
  SERVICE_UNAVAILABLE: 'Service unavailable.',
  DIRECTORY_NOT_FOUND: 'Directory not found.',
  PAYLOAD_TOO_LARGE: 'Upload too large.',
  NETWORK: 'Server unreachable.',
  INTERNAL_ERROR: 'Server error.',
};

export function friendlyCode(code) {
  return CODE_TITLES[code] || 'Something went wrong.';
}

export function debounce(fn, ms) {
  let t = 0;
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}
