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

export function listTracks({ page, pageSize, search: q }, signal) {
  const p = new URLSearchParams({ page: String(page), pageSize: String(pageSize) });
  if (q) p.set('search', q);
  return request(`/api/v1/tracks?${p}`, { signal });
}

export const getTrack = (id, signal) => request(`/api/v1/tracks/${encodeURIComponent(id)}`, { signal });

export const deleteTrack = (id) =>
  request(`/api/v1/tracks/${encodeURIComponent(id)}`, { method: 'DELETE', admin: true });

export const audioUrl = (id) => `/api/v1/tracks/${encodeURIComponent(id)}/audio`;

export function ingestFile(file, signal) {
  const form = new FormData();
  form.append('audio', file, file.name);
  return request('/api/v1/ingest', { method: 'POST', form, admin: true, signal });
}

export const ingestDirectory = (directory) =>
  request('/api/v1/ingest', { method: 'POST', json: { directory }, admin: true });

export const version = () => request('/api/v1/version');
