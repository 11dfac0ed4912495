// Talks to the audio-ident HTTP API (/api/v1, see API.md).  Every failure
// becomes an ApiError carrying the server's {"error":{"code","message"}}.

const TOKEN_KEY = 'audio-ident.adminToken';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const TRUST_THRESHOLD = 0.85;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export function adminToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setAdminToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token just is not remembered */
  }
}

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: fall through */
  }
  const e = body && body.error;
  if (e && typeof e.code === 'string') {
    return new ApiError(res.status, e.code, e.message || e.code, e.details);
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim());
}

// request(path, {method, form, json, signal, admin}) → parsed JSON (or null for 204).
export async function request(path, opts = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  if (opts.admin) {
    const t = adminToken();
    if (t) headers.Authorization = `Bearer ${t}`;
  }
  let res;
  try {
    res = await fetch(path, { method: opts.method || 'GET', headers, body, signal: opts.signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Could not reach the audio-ident server. Is it running?');
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (!type.includes('json')) return null;
  return res.json();
}

export function search(file, filename, mode, maxResults, signal) {
  const form = new FormData();
  form.append('audio', file, filename);
  form.append('mode', mode);
  form.append('max_results', String(maxResults));
  return request('/api/v1/search', { method: 'POST', form, signal });
}

// GET /api/v1/tracks; search, artist, album, sort and dir only when set.
export function listTracks({ page, pageSize, search: q, artist, album, sort, dir }, signal) {
  const p = new URLSearchParams({ page: String(page), pageSize: String(pageSize) });
  if (q) p.set('search', q);
  if (artist) p.set('artist', artist);
  if (album) p.set('album', album);
  if (sort) {
    p.set('sort', sort);
    p.set('dir', dir === 'desc' ? 'desc' : 'asc');
  }
  return request(`/api/v1/tracks?${p}`, { signal });
}

export const getTrack = (id, signal) => request(`/api/v1/tracks/${encodeURIComponent(id)}`, { signal });

export const deleteTrack = (id) =>
  request(`/api/v1/tracks/${encodeURIComponent(id)}`, { method: 'DELETE', admin: true });

export const audioUrl = (id) => `/api/v1/tracks/${encodeURIComponent(id)}/audio`;

// Uploads one file to POST /api/v1/ingest with XMLHttpRequest, because fetch
// reports no upload progress; onProgress(0..1) follows the bytes sent.
export function ingestFile(file, signal, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/ingest');
    xhr.setRequestHeader('Accept', 'application/json');
    const t = adminToken();
    if (t) xhr.setRequestHeader('Authorization', `Bearer ${t}`);
    xhr.responseType = 'text';
    if (onProgress)
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      });
    const abort = () => xhr.abort();
    if (signal) signal.addEventListener('abort', abort, { once: true });
    const done = () => signal && signal.removeEventListener('abort', abort);
    xhr.addEventListener('abort', () => {
      done();
      reject(new DOMException('upload aborted', 'AbortError'));
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new ApiError(0, 'NETWORK', 'Could not reach the audio-ident server. Is it running?'));
    });
    xhr.addEventListener('load', () => {
      done();
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const e = body && body.error;
      if (e && typeof e.code === 'string') reject(new ApiError(xhr.status, e.code, e.message || e.code, e.details));
      else reject(new ApiError(xhr.status, `HTTP_${xhr.status}`, `The server answered ${xhr.status} ${xhr.statusText}`.trim()));
    });
    const form = new FormData();
    form.append('audio', file, file.name);
    xhr.send(form);
  });
}

export const ingestDirectory = (directory) =>
  request('/api/v1/ingest', { method: 'POST', json: { directory }, admin: true });

export const version = () => request('/api/v1/version');
