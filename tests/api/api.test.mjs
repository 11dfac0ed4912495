// Every public endpoint of API.md against a real server: success shapes,
// error codes, multipart edge cases, Range/ETag, CORS, concurrency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { buildFixtures, copyData, startServer, stopServer, UUID_RE } from './server.mjs';

let fx, srv, base;

before(async () => {
  fx = buildFixtures();
  srv = await startServer({ DATA_DIR: copyData(fx, 'main'), INGEST_ROOT: fx.ingestRoot,
                            CORS_ORIGINS: 'http://allowed.example', MAX_CONN_PER_IP: '64' });
  base = srv.base;
});
after(async () => { assert.equal(await stopServer(srv), 0); });

const audioBlob = (file, type = 'audio/wav') => new Blob([readFileSync(file)], { type });

async function search(fields, opts = {}) {
  const fd = new FormData();
  for (const [k, v] of fields) {
    if (v instanceof Blob) fd.append(k, v, opts.filename ?? 'clip.wav');
    else fd.append(k, v);
  }
  const r = await fetch(`${base}/api/v1/search`, { method: 'POST', body: fd });
  return { status: r.status, body: await r.json(), headers: r.headers };
}

function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
  if ('details' in res.body.error) assert.equal(typeof res.body.error.details, 'object');
}

function assertTrackInfo(t) {
  assert.match(t.id, UUID_RE);
  for (const k of ['title', 'artist', 'album']) assert.ok(t[k] === null || typeof t[k] === 'string', k);
  assert.equal(typeof t.duration_seconds, 'number');
  assert.match(t.ingested_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
}

async function firstTrack(search = '') {
  const r = await fetch(`${base}/api/v1/tracks?pageSize=100&search=${encodeURIComponent(search)}`);
  return (await r.json()).data[0];
}

test('GET /health and deep health', async () => {
  const r = await fetch(`${base}/health`);
  assert.equal(r.status, 200);
  const b = await r.json();
  assert.equal(b.status, 'ok');
  assert.equal(typeof b.version, 'string');
  const d = await (await fetch(`${base}/health?deep=1`)).json();
  assert.equal(d.checks.metadata, 'ok');
  assert.equal(d.checks.fingerprint_index, 'ok');
  assert.equal(d.checks.vector_store, 'ok');
  assert.equal(d.checks.embedder, 'ok');
  assert.equal(d.status, 'ok');
});

test('deep health says when the library has tracks but the vectors are missing', async () => {
  const dir = copyData(fx, 'novectors');
  rmSync(`${dir}/vectors`, { recursive: true, force: true }); // the vector store was lost
  const s2 = await startServer({ DATA_DIR: dir });
  try {
    const r = await fetch(`${s2.base}/health?deep=1`);
    assert.equal(r.status, 503);
    const d = await r.json();
    assert.equal(d.status, 'degraded');
    assert.equal(d.checks.vector_store, 'missing_vectors');
    assert.match(d.detail.vector_store, /^0 vectors for \d+ tracks in the library: the vectors are missing/);
    assert.match(d.detail.vector_store, /audio-ident rebuild-index --vectors/);
    assert.equal((await fetch(`${s2.base}/health`)).status, 200); // liveness is unaffected
  } finally {
    assert.equal(await stopServer(s2), 0);
  }
});

test('GET /api/v1/version', async () => {
  const b = await (await fetch(`${base}/api/v1/version`)).json();
  assert.equal(b.name, 'audio-ident');
  assert.match(b.git_sha, /^[0-9a-f]{7,}$|^unknown$/);
  assert.match(b.build_time, /Z$/);
  assert.equal(typeof b.version, 'string');
});

test('X-Request-Id: generated, echoed when a valid UUID, replaced otherwise', async () => {
  const r1 = await fetch(`${base}/health`);
  assert.match(r1.headers.get('x-request-id'), UUID_RE);
  const mine = '6f1c0f5e-1111-4222-8333-944444444444';
  const r2 = await fetch(`${base}/health`, { headers: { 'X-Request-Id': mine } });
  assert.equal(r2.headers.get('x-request-id'), mine);
  const r3 = await fetch(`${base}/nope-nope`, { headers: { 'X-Request-Id': 'not-a-uuid' } });
  assert.notEqual(r3.headers.get('x-request-id'), 'not-a-uuid');
  assert.match(r3.headers.get('x-request-id'), UUID_RE);
});

test('request headers over 16 KB are refused with the JSON error shape', async () => {
  const ok = await fetch(`${base}/health`, { headers: { 'X-Pad': 'a'.repeat(15000) } });
  assert.equal(ok.status, 200);
  const big = await fetch(`${base}/health`, { headers: { 'X-Pad': 'a'.repeat(17000) } });
  assertError({ status: big.status, body: await big.json() }, 400, 'VALIDATION_ERROR');
});

test('GET /api/v1/tracks: pagination, search, bounds', async () => {
  const r = await fetch(`${base}/api/v1/tracks?page=1&pageSize=2`);
  assert.equal(r.status, 200);
  const b = await r.json();
  assert.equal(b.data.length, 2);
  b.data.forEach(assertTrackInfo);
  assert.deepEqual(b.pagination, { page: 1, pageSize: 2, totalItems: 4, totalPages: 2 });
  const p2 = await (await fetch(`${base}/api/v1/tracks?page=2&pageSize=2`)).json();
  assert.equal(p2.data.length, 2);
  assert.notEqual(p2.data[0].id, b.data[0].id);
  const s = await (await fetch(`${base}/api/v1/tracks?search=SQUARE`)).json();
  assert.equal(s.data.length, 1);
  assert.equal(s.data[0].title, 'Square Dance');
  for (const q of ['pageSize=500', 'pageSize=0', 'page=0', 'page=abc']) {
    const e = await fetch(`${base}/api/v1/tracks?${q}`);
    assertError({ status: e.status, body: await e.json() }, 400, 'VALIDATION_ERROR');
  }
});

test('GET /api/v1/tracks/{id}: detail fields, bad and unknown ids', async () => {
  const t = await firstTrack('First Light');
  const r = await fetch(`${base}/api/v1/tracks/${t.id}`);
  assert.equal(r.status, 200);
  const d = await r.json();
  assertTrackInfo(d);
  assert.equal(d.title, 'First Light');
  assert.equal(d.artist, 'Alpha Artist');
  for (const k of ['sample_rate', 'channels', 'bitrate', 'file_size_bytes']) assert.equal(typeof d[k], 'number', k);
  assert.equal(d.format, 'wav');
  assert.match(d.file_hash_sha256, /^[0-9a-f]{64}$/);
  assert.equal(d.fingerprint_indexed, true);
  assert.equal(d.olaf_indexed, true);
  assert.ok(d.embedding_model === null || typeof d.embedding_model === 'string');
  assert.ok(d.embedding_dim === null || typeof d.embedding_dim === 'number');
  assert.match(d.updated_at, /Z$/);
  const bad = await fetch(`${base}/api/v1/tracks/not-a-uuid`);
  assertError({ status: bad.status, body: await bad.json() }, 400, 'VALIDATION_ERROR');
  const unk = await fetch(`${base}/api/v1/tracks/00000000-0000-4000-8000-000000000000`);
  assertError({ status: unk.status, body: await unk.json() }, 404, 'NOT_FOUND');
});

test('POST /api/v1/search identifies a clip with every documented field', async () => {
  const r = await search([['audio', audioBlob(fx.clip)], ['mode', 'exact']]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const b = r.body;
  assert.match(b.request_id, UUID_RE);
  assert.equal(r.headers.get('x-request-id'), b.request_id);
  assert.equal(typeof b.query_duration_ms, 'number');
  assert.equal(b.mode_used, 'exact');
  assert.ok(Array.isArray(b.vibe_matches));
  assert.ok(b.exact_matches.length >= 1);
  const m = b.exact_matches[0];
  assertTrackInfo(m.track);
  assert.equal(m.track.title, 'Square Dance');
  assert.ok(m.confidence >= 0.85 && m.confidence <= 1, `confidence ${m.confidence}`);
  assert.ok(Math.abs(m.offset_seconds - 10) < 0.5, `offset ${m.offset_seconds}`);
  // an unchanged clip: time scale 1, no pitch shift
  assert.ok(Math.abs(m.speed - 1) < 0.01, `speed ${m.speed}`);
  assert.ok(Number.isInteger(m.pitch_cents) && Math.abs(m.pitch_cents) <= 20, `pitch ${m.pitch_cents}`);
  assert.ok(Number.isInteger(m.aligned_hashes) && m.aligned_hashes > 0);
  for (let i = 1; i < b.exact_matches.length; i++)
    assert.ok(b.exact_matches[i - 1].confidence >= b.exact_matches[i].confidence);
});

test('search mode both: both lanes answer; the identified track is not repeated in vibe', async () => {
  const r = await search([['audio', audioBlob(fx.clip)]]);
  assert.equal(r.status, 200);
  assert.equal(r.body.mode_used, 'both');
  assert.equal(r.body.lane_errors, undefined, JSON.stringify(r.body.lane_errors));
  assert.equal(r.body.exact_matches[0].track.title, 'Square Dance');
  // the other synthetic tracks do not resemble it above the score floor, and
  // the identified track itself (the one vibe match mode vibe gives) is left out
  for (const v of r.body.vibe_matches) {
    assertTrackInfo(v.track);
    assert.ok(v.similarity >= 0 && v.similarity <= 1);
    assert.ok(v.score >= 0.95 && v.score <= 1);
    assert.equal(v.embedding_model, 'vibe-lite-v1');
    assert.notEqual(v.track.id, r.body.exact_matches[0].track.id, 'identified track excluded from vibe');
  }
  for (let i = 1; i < r.body.vibe_matches.length; i++)
    assert.ok(r.body.vibe_matches[i - 1].similarity >= r.body.vibe_matches[i].similarity);
  const v = await search([['audio', audioBlob(fx.clip)], ['mode', 'vibe'], ['max_results', '2']]);
  assert.equal(v.status, 200);
  assert.equal(v.body.mode_used, 'vibe');
  assert.deepEqual(v.body.exact_matches, []);
  assert.ok(v.body.vibe_matches.length >= 1 && v.body.vibe_matches.length <= 2);
  assert.equal(v.body.vibe_matches[0].track.title, 'Square Dance', 'its own track sounds most alike');
});

test('search: WebM sent as application/octet-stream with a misleading name is sniffed', async () => {
  const r = await search([['audio', audioBlob(fx.webm, 'application/octet-stream')], ['mode', 'exact']],
                         { filename: 'recording.txt' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.exact_matches[0].track.title, 'Square Dance');
});

test('search: field errors and limits', async () => {
  const clip = audioBlob(fx.clip);
  assertError(await search([['mode', 'exact']]), 400, 'VALIDATION_ERROR');
  const two = await search([['audio', clip], ['audio', clip]]);
  assertError(two, 400, 'VALIDATION_ERROR');
  assert.equal(two.body.error.details.field, 'audio');
  assertError(await search([['audio', new Blob([])]]), 400, 'UNSUPPORTED_FORMAT');
  const text = new Blob(['this is not audio at all, just text pretending\n'.repeat(50)], { type: 'audio/mpeg' });
  assertError(await search([['audio', text]], { filename: 'x.mp3' }), 400, 'UNSUPPORTED_FORMAT');
  const short = await search([['audio', audioBlob(fx.short)]]);
  assertError(short, 400, 'AUDIO_TOO_SHORT');
  assert.ok(Math.abs(short.body.error.details.audio_duration_seconds - 2) < 0.1);
  const mode = await search([['audio', clip], ['mode', 'foo']]);
  assertError(mode, 400, 'VALIDATION_ERROR');
  assert.equal(mode.body.error.details.field, 'mode');
  for (const v of ['0', '51', 'abc', '', '1.5']) {
    const r = await search([['audio', clip], ['max_results', v], ['mode', 'exact']]);
    assertError(r, 400, 'VALIDATION_ERROR');
    assert.equal(r.body.error.details.field, 'max_results');
  }
  for (const v of ['1', '50']) {
    const r = await search([['audio', clip], ['max_results', v], ['mode', 'exact']]);
    assert.equal(r.status, 200);
    assert.ok(r.body.exact_matches.length <= Number(v));
  }
});

test('search: 10 MB + 1 byte is FILE_TOO_LARGE; a huge declared body is refused before it is read', async () => {
  const big = new Blob([Buffer.alloc(10 * 1024 * 1024 + 1, 1)]);
  assertError(await search([['audio', big]]), 400, 'FILE_TOO_LARGE');
  const r = await rawPost('/api/v1/search', 'multipart/form-data; boundary=x', null,
                          { 'Content-Length': String(2 * 1024 * 1024 * 1024) });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
});

// Sends a hand-built body (or only headers when body is null) over a raw socket.
import net from 'node:net';
function rawPost(path, contentType, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const sock = net.connect(Number(u.port), u.hostname);
    let data = Buffer.alloc(0);
    const hdrs = { Host: u.host, 'Content-Type': contentType, Connection: 'close',
                   ...(body ? { 'Content-Length': String(body.length) } : {}), ...headers };
    sock.on('connect', () => {
      sock.write(`POST ${path} HTTP/1.1\r\n` + Object.entries(hdrs).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n');
      if (body) sock.write(body);
    });
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('error', reject);
    sock.on('close', () => {
      const s = data.toString('latin1');
      const status = Number(s.slice(9, 12));
      const i = s.indexOf('\r\n\r\n');
      let json = null;
      try { json = JSON.parse(s.slice(i + 4)); } catch { /* not JSON */ }
      resolve({ status, body: json, raw: s });
    });
  });
}

function multipart(boundary, parts) {
  const chunks = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"` +
                            (p.filename ? `; filename="${p.filename}"` : '') + '\r\n' +
                            (p.type ? `Content-Type: ${p.type}\r\n` : '') + '\r\n'));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

test('multipart: quoted boundary, fields after the file, boundary text inside the data', async () => {
  const wav = readFileSync(fx.clip);
  const boundary = 'b0undary with spaces';
  // the boundary string (without a preceding CRLF) inside the file's bytes
  const data = Buffer.concat([wav, Buffer.from(`--${boundary}--junk`)]);
  const body = multipart(boundary, [
    { name: 'audio', filename: 'a.wav', type: 'text/plain', data },
    { name: 'mode', data: 'exact' },
    { name: 'max_results', data: '3' },
  ]);
  const r = await rawPost('/api/v1/search', `multipart/form-data; charset=utf-8; boundary="${boundary}"`, body);
  assert.equal(r.status, 200, r.raw.slice(0, 400));
  assert.equal(r.body.mode_used, 'exact');
  assert.equal(r.body.exact_matches[0].track.title, 'Square Dance');
  const bad = await rawPost('/api/v1/search', 'multipart/form-data; boundary=zzz', Buffer.from('no parts here'));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'VALIDATION_ERROR');
  const notMultipart = await rawPost('/api/v1/search', 'application/json', Buffer.from('{}'));
  assert.equal(notMultipart.body.error.code, 'VALIDATION_ERROR');
});

test('GET /api/v1/tracks/{id}/audio: Range, ETag, Last-Modified', async () => {
  const t = await firstTrack('Rising Sines');
  const url = `${base}/api/v1/tracks/${t.id}/audio`;
  const full = await fetch(url);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('content-type'), 'audio/wav');
  assert.equal(full.headers.get('accept-ranges'), 'bytes');
  assert.ok(full.headers.get('last-modified'));
  const etag = full.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  const bytes = Buffer.from(await full.arrayBuffer());
  const size = bytes.length;
  assert.deepEqual(bytes, readFileSync(fx.tracks[2].file));
  const r0 = await fetch(url, { headers: { Range: 'bytes=0-0' } });
  assert.equal(r0.status, 206);
  assert.equal(r0.headers.get('content-range'), `bytes 0-0/${size}`);
  assert.equal((await r0.arrayBuffer()).byteLength, 1);
  const suffix = await fetch(url, { headers: { Range: 'bytes=-500' } });
  assert.equal(suffix.status, 206);
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(size - 500));
  const open = await fetch(url, { headers: { Range: 'bytes=100-' } });
  assert.equal(open.status, 206);
  assert.equal(open.headers.get('content-range'), `bytes 100-${size - 1}/${size}`);
  assert.deepEqual(Buffer.from(await open.arrayBuffer()), bytes.subarray(100));
  const out = await fetch(url, { headers: { Range: `bytes=${size}-` } });
  assert.equal(out.status, 416);
  assert.equal(out.headers.get('content-range'), `bytes */${size}`);
  assert.equal((await out.json()).error.code, 'RANGE_NOT_SATISFIABLE');
  const multi = await fetch(url, { headers: { Range: 'bytes=0-1,5-6' } });
  assert.equal(multi.status, 200, 'several ranges: the whole file');
  assert.equal((await multi.arrayBuffer()).byteLength, size);
  const cached = await fetch(url, { headers: { 'If-None-Match': etag } });
  assert.equal(cached.status, 304);
  const head = await fetch(url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers.get('content-length')), size);
});

test('unknown route 404, wrong method 405 with Allow', async () => {
  const r = await fetch(`${base}/api/v1/nothing`);
  assertError({ status: r.status, body: await r.json() }, 404, 'NOT_FOUND');
  const m = await fetch(`${base}/api/v1/tracks`, { method: 'PUT' });
  assertError({ status: m.status, body: await m.json() }, 405, 'METHOD_NOT_ALLOWED');
  assert.match(m.headers.get('allow'), /GET/);
  const s = await fetch(`${base}/api/v1/search`);
  assert.equal(s.status, 405);
  assert.match(s.headers.get('allow'), /POST/);
});

test('CORS: preflight and simple requests honour CORS_ORIGINS', async () => {
  const pre = await fetch(`${base}/api/v1/search`, { method: 'OPTIONS', headers: {
    Origin: 'http://allowed.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://allowed.example');
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  const other = await fetch(`${base}/api/v1/search`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const simple = await fetch(`${base}/health`, { headers: { Origin: 'http://allowed.example' } });
  assert.equal(simple.headers.get('access-control-allow-origin'), 'http://allowed.example');
  assert.match(simple.headers.get('access-control-expose-headers'), /X-Request-Id/);
});

test('20 parallel searches give the same answers as sequential ones', async () => {
  const files = [fx.clip, fx.webm];
  const one = async (i) => {
    const r = await search([['audio', audioBlob(files[i % 2])], ['mode', 'exact']]);
    assert.equal(r.status, 200);
    return r.body.exact_matches.map((m) => `${m.track.id}@${m.offset_seconds}`).join(',');
  };
  const seq = [await one(0), await one(1)];
  const par = await Promise.all(Array.from({ length: 20 }, (_, i) => one(i)));
  par.forEach((v, i) => assert.equal(v, seq[i % 2]));
});

test('ingest over HTTP from loopback: file, duplicate, directory, then delete', async () => {
  const fd = new FormData();
  fd.append('audio', audioBlob(fx.fresh2), 'upload.wav');
  fd.append('title', 'Uploaded Song');
  fd.append('artist', 'Uploader');
  const r = await fetch(`${base}/api/v1/ingest`, { method: 'POST', body: fd });
  const b = await r.json();
  assert.equal(r.status, 201, JSON.stringify(b));
  assert.match(b.track_id, UUID_RE);
  assert.equal(b.title, 'Uploaded Song');
  assert.equal(b.artist, 'Uploader');
  assert.equal(b.status, 'ingested');
  const again = await fetch(`${base}/api/v1/ingest`, { method: 'POST', body: fd });
  const a = await again.json();
  assert.equal(again.status, 200);
  assert.equal(a.status, 'duplicate');
  assert.equal(a.track_id, b.track_id);

  const dir = await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                     body: JSON.stringify({ directory: 'more' }) });
  const d = await dir.json();
  assert.equal(dir.status, 200, JSON.stringify(d));
  assert.deepEqual({ total: d.total, ingested: d.ingested, duplicates: d.duplicates }, { total: 1, ingested: 1, duplicates: 0 });
  assert.deepEqual(d.errors, []);
  // the answer names the track it added, so a client can link to it
  assert.equal(d.tracks.length, 1, JSON.stringify(d));
  assert.match(d.tracks[0].track_id, UUID_RE);
  assert.ok(!d.tracks[0].file.startsWith('/'), `relative file name: ${d.tracks[0].file}`);
  const added = await (await fetch(`${base}/api/v1/tracks/${d.tracks[0].track_id}`)).json();
  assert.equal(added.title, d.tracks[0].title);
  const dirAgain = await (await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                               body: JSON.stringify({ directory: 'more' }) })).json();
  assert.deepEqual({ duplicates: dirAgain.duplicates, tracks: dirAgain.tracks }, { duplicates: 1, tracks: [] });
  for (const bad of ['/etc', '../', 'does-not-exist']) {
    const e = await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                   body: JSON.stringify({ directory: bad }) });
    assertError({ status: e.status, body: await e.json() }, 400, 'DIRECTORY_NOT_FOUND');
  }
  const junk = await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"dir' });
  assertError({ status: junk.status, body: await junk.json() }, 400, 'VALIDATION_ERROR');

  const del = await fetch(`${base}/api/v1/tracks/${b.track_id}`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  const gone = await fetch(`${base}/api/v1/tracks/${b.track_id}`);
  assert.equal(gone.status, 404);
  const goneAudio = await fetch(`${base}/api/v1/tracks/${b.track_id}/audio`);
  assert.equal(goneAudio.status, 404);
  const delAgain = await fetch(`${base}/api/v1/tracks/${b.track_id}`, { method: 'DELETE' });
  assert.equal(delAgain.status, 404);
});

test('FILE_NOT_FOUND when the stored original is gone', async () => {
  const t = await firstTrack('Saw Waves');
  const d = await (await fetch(`${base}/api/v1/tracks/${t.id}`)).json();
  const { unlinkSync } = await import('node:fs');
  const dataDir = `${fx.root}/data-main`;
  const path = `${dataDir}/raw/${d.file_hash_sha256.slice(0, 2)}/${d.file_hash_sha256}.wav`;
  statSync(path);
  unlinkSync(path);
  const r = await fetch(`${base}/api/v1/tracks/${t.id}/audio`);
  assertError({ status: r.status, body: await r.json() }, 404, 'FILE_NOT_FOUND');
});

test('GET /metrics: Prometheus text with routes, lanes and index sizes', async () => {
  const r = await fetch(`${base}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const t = await r.text();
  assert.match(t, /audio_ident_http_requests_total\{route="search",status="200"\} \d+/);
  assert.match(t, /audio_ident_http_request_duration_seconds_bucket\{route="search",le="\+Inf"\} \d+/);
  assert.match(t, /audio_ident_search_lane_duration_seconds_count\{lane="exact"\} \d+/);
  assert.match(t, /audio_ident_tracks \d+/);
  assert.match(t, /audio_ident_fingerprint_index_bytes \d+/);
});
