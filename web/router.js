// Hash routes (#/, #/library, #/tracks/{id}, #/admin) so every page is a deep
// link that the server answers with the same index.html.

let flash = '';

// Goes to hash; an optional flash message is shown once on the next page.
export function navigate(hash, opts = {}) {
  flash = opts.flash || '';
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function takeFlash() {
  const f = flash;
  flash = '';
  return f;
}

// "#/tracks/abc?t=3" → {path: "/tracks/abc", params: URLSearchParams("t=3")}
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '');
  if (!raw.startsWith('/')) return { path: '/', params: new URLSearchParams() };
  const q = raw.indexOf('?');
  return {
    path: q < 0 ? raw : raw.slice(0, q),
    params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}
