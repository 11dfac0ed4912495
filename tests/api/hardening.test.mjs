// One client cannot take the service down, nothing leaks into logs or
// errors, strict fields: slow headers/bodies, per-address connection cap,
// upload budget, port in use, log forging, Content-Length, chunked 413.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, buildFixtures, copyData, startServer, stopServer } from './server.mjs';

let fx, srv, base, port;

before(async () => {
  fx = buildFixtures();
  srv = await startServer({ DATA_DIR: copyData(fx, 'hard'), HEADER_TIMEOUT_S: '2', MIN_BODY_RATE_BYTES: '1024' });
  base = srv.base;
  port = Number(new URL(base).port);
});
after(async () => { assert.equal(await stopServer(srv), 0); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Raw request over a socket from an optional local address; resolves with
// the status (0 when closed without an answer), the raw text and JSON body.
function raw(text, { localAddress, body, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let data = Buffer.alloc(0);
    const t = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('connect', () => { sock.write(text); if (body) sock.write(body); });
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(t);
      const s = data.toString('latin1');
      let json = null;
      try { json = JSON.parse(s.slice(s.indexOf('\r\n\r\n') + 4)); } catch { /* none */ }
      resolve({ status: s.startsWith('HTTP/1.1 ') ? Number(s.slice(9, 12)) : 0, raw: s, body: json });
    });
  });
}

function form(parts) {
  const fd = new FormData();
  for (const [k, v, name] of parts) {
    if (v instanceof Blob) fd.append(k, v, name ?? 'clip.wav');
    else fd.append(k, v);
  }
  return fd;
}

test('strict fields: " 5", "10\\0" and "exact\\0" are VALIDATION_ERROR', async () => {
  const clip = new Blob([readFileSync(fx.clip)], { type: 'audio/wav' });
  for (const [k, v] of [['max_results', ' 5'], ['max_results', '10\0'], ['max_results', '+5'],
                        ['mode', 'exact\0'], ['mode', 'EXACT']]) {
    const r = await fetch(`${base}/api/v1/search`, { method: 'POST', body: form([['audio', clip], [k, v]]) });
    const b = await r.json();
    assert.equal(r.status, 400, `${k}=${JSON.stringify(v)}`);
    assert.equal(b.error.code, 'VALIDATION_ERROR');
    assert.equal(b.error.details.field, k);
  }
  for (const q of ['page=%201', 'page=1%00', 'pageSize=5%20', 'search=a%00b']) {
    const r = await fetch(`${base}/api/v1/tracks?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal((await r.json()).error.code, 'VALIDATION_ERROR');
  }
});

test('ingest: title/artist/album over 511 bytes or with control bytes are refused', async () => {
  const wav = new Blob([readFileSync(fx.fresh2)], { type: 'audio/wav' });
  for (const [k, v] of [['artist', 'x'.repeat(512)], ['title', 'a\nb'], ['album', 'é'.repeat(256)]]) {
    const r = await fetch(`${base}/api/v1/ingest`, { method: 'POST', body: form([['audio', wav, 'u.wav'], [k, v]]) });
    const b = await r.json();
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.equal(b.error.code, 'VALIDATION_ERROR');
    assert.equal(b.error.details.field, k);
  }
  const ok = await fetch(`${base}/api/v1/ingest`, { method: 'POST', body: form([['audio', wav, 'u.wav'], ['artist', 'y'.repeat(511)]]) });
  assert.equal(ok.status, 201);
  assert.equal((await ok.json()).artist.length, 511);
});

test('log forging: CR/LF in the path never start a new log line', async () => {
  const r = await fetch(`${base}/x%0a2026-01-01T00:00:00.000Z%20warn%20%20FORGED%0d`);
  assert.equal(r.status, 404);
  await sleep(200);
  const lines = srv.logText().split('\n');
  assert.ok(!lines.some((l) => l.startsWith('2026-01-01T00:00:00.000Z')), 'a forged line');
  assert.ok(lines.some((l) => l.includes('\\n2026-01-01T00:00:00.000Z warn  FORGED\\r')), 'escaped path logged');
});

test('Content-Length: abc is refused with 400 and the connection closed (by libmicrohttpd, see http.md)', async () => {
  const r = await raw('POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: abc\r\n\r\n');
  assert.equal(r.status, 400, r.raw.slice(0, 300));
  assert.match(r.raw, /Connection: close/);
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 200);
});

test('a chunked upload that grows past the cap is answered 413', async () => {
  const head = 'POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n' +
               'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
  const chunk = Buffer.alloc(1024 * 1024, 65);
  const parts = [];
  for (let i = 0; i < 12; i++) parts.push(Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  const r = await raw(head, { body: Buffer.concat(parts), timeoutMs: 20000 });
  assert.equal(r.status, 413, r.raw.slice(0, 300));
  assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
});

test('request headers not complete within HEADER_TIMEOUT_S: the connection is closed', async () => {
  const t0 = Date.now();
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.on('connect', r));
  sock.write('GET /health HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => sock.write('X-A: b\r\n'), 300); // bytes keep coming
  await new Promise((r) => sock.on('close', r));
  clearInterval(drip);
  const took = Date.now() - t0;
  assert.ok(took >= 1800 && took < 6000, `closed after ${took} ms`);
});

test('keep-alive: a second request within the deadline is served; an idle connection is closed after it', async () => {
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.on('connect', r));
  let data = '';
  sock.on('data', (d) => { data += d.toString('latin1'); });
  const closed = new Promise((r) => sock.on('close', r));
  const req = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
  sock.write(req);
  await sleep(1000);
  sock.write(req);
  await sleep(500);
  assert.equal((data.match(/HTTP\/1\.1 200/g) || []).length, 2, data.slice(0, 300));
  const t0 = Date.now();
  await closed;
  const idle = Date.now() - t0;
  assert.ok(idle >= 1000 && idle < 4500, `idle connection closed after ${idle} ms`);
});

test('a body slower than MIN_BODY_RATE_BYTES is cut off', async () => {
  const t0 = Date.now();
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.on('connect', r));
  sock.on('error', () => {});
  sock.write('POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n');
  const drip = setInterval(() => sock.write('x'), 100);
  await new Promise((r) => sock.on('close', r));
  clearInterval(drip);
  const took = Date.now() - t0;
  assert.ok(took >= 9000 && took < 15000, `closed after ${took} ms`);
});

test('MAX_CONN_PER_IP: 300 slow connections from one address; others are still served within 1 s', async () => {
  // the attacker uses 127.0.0.2 (still loopback), normal clients 127.0.0.1
  const slow = [];
  for (let i = 0; i < 300; i++) {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    s.on('error', () => {});
    s.on('connect', () => s.write('GET /health HTTP/1.1\r\n'));
    slow.push(s);
  }
  const drip = setInterval(() => { for (const s of slow) if (!s.destroyed) s.write('X: y\r\n'); }, 500);
  await sleep(1000); // the flood is in: 16 held, the rest refused
  const results = [];
  for (let round = 0; round < 10; round++) {
    const batch = Array.from({ length: 10 }, async () => {
      const t = Date.now();
      try {
        const r = await fetch(`${base}/api/v1/tracks?pageSize=1`, { signal: AbortSignal.timeout(1000) });
        await r.json();
        return r.status === 200 && Date.now() - t <= 1000;
      } catch { return false; }
    });
    results.push(...(await Promise.all(batch)));
    await sleep(100);
  }
  const open = slow.filter((s) => !s.destroyed && s.readyState === 'open').length;
  clearInterval(drip);
  for (const s of slow) s.destroy();
  const ok = results.filter(Boolean).length;
  assert.ok(ok >= 99, `${ok} of ${results.length} normal requests answered within 1 s`);
  assert.ok(open <= 16, `${open} slow connections open (MAX_CONN_PER_IP=16)`);
  const refusals = srv.logText().split('\n').filter((l) => l.includes('connection limit')).length;
  assert.ok(refusals <= 60, `${refusals} refusal lines: the library's log lines are rate-limited`);
});

test('MAX_INFLIGHT_UPLOAD_BYTES: a declared body beyond the budget is 503 with Retry-After', async () => {
  const small = await startServer({ DATA_DIR: copyData(fx, 'budget'), MAX_INFLIGHT_UPLOAD_BYTES: '1048576' });
  try {
    const p = Number(new URL(small.base).port);
    const r = await new Promise((resolve) => {
      const sock = net.connect({ port: p, host: '127.0.0.1' });
      let data = '';
      sock.on('connect', () => sock.write('POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 2000000\r\n\r\n'));
      sock.on('data', (d) => { data += d.toString('latin1'); });
      sock.on('error', () => {});
      sock.on('close', () => resolve(data));
    });
    assert.match(r, /^HTTP\/1\.1 503/);
    assert.match(r, /Retry-After: 5/i);
    assert.match(r, /"SERVICE_UNAVAILABLE"/);
    const fine = await fetch(`${small.base}/api/v1/search`, { method: 'POST',
      body: form([['audio', new Blob([readFileSync(fx.clip)])], ['mode', 'exact']]) });
    assert.equal(fine.status, 200, 'a body within the budget is served');
  } finally {
    assert.equal(await stopServer(small), 0);
  }
});

test('two servers on one port: the second exits non-zero naming the port', async () => {
  const second = spawn(BIN, ['serve'], { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port),
                                                DATA_DIR: copyData(fx, 'second') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  second.stdout.on('data', (d) => { out += d; });
  second.stderr.on('data', (d) => { out += d; });
  const code = await new Promise((r) => second.on('exit', r));
  assert.notEqual(code, 0, out);
  assert.match(out, new RegExp(`port ${port}.*Address already in use`));
  const still = await fetch(`${base}/health`);
  assert.equal(still.status, 200, 'the first server still answers');
});
