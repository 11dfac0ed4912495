// TRUSTED_PROXIES: a forwarded client address counts only when the TCP peer
// is a configured proxy; it then drives the rate limit, the access log and
// the loopback admin rule.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildFixtures, copyData, startServer, stopServer } from './server.mjs';

let fx;
before(() => { fx = buildFixtures(); });

// A rate-limited request that fails fast after the limiter (no audio part):
// 400 when let through, 429 when limited.
async function search(base, headers) {
  const fd = new FormData();
  fd.append('mode', 'exact');
  const r = await fetch(`${base}/api/v1/search`, { method: 'POST', body: fd, headers });
  await r.arrayBuffer();
  return r.status;
}

const ZERO = '00000000-0000-4000-8000-000000000000';

test('an untrusted peer: X-Forwarded-For and Forwarded are ignored', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'untrusted'), RATE_LIMIT_PER_MIN: '2', TRUSTED_PROXIES: '10.0.0.0/8' });
  t.after(() => stopServer(srv));
  const codes = [];
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    codes.push(await search(srv.base, { 'X-Forwarded-For': ip, Forwarded: `for=${ip}` }));
  assert.deepEqual(codes, [400, 400, 429], 'one bucket: the peer 127.0.0.1');
  // a forged header does not take loopback away either: the peer is loopback
  const del = await fetch(`${srv.base}/api/v1/tracks/${ZERO}`, { method: 'DELETE', headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(del.status, 404, 'admin allowed from loopback');
  assert.match(srv.logText(), /client=127\.0\.0\.1/);
  assert.doesNotMatch(srv.logText(), /client=198\.51\.100/);
});

test('a trusted proxy: the forwarded client gets its own bucket and is not loopback', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'trusted'), RATE_LIMIT_PER_MIN: '2', TRUSTED_PROXIES: '127.0.0.1' });
  t.after(() => stopServer(srv));
  const a = { 'X-Forwarded-For': '198.51.100.1' };
  const b = { 'X-Forwarded-For': '127.0.0.5, 198.51.100.2' }; // the client forged the left entry
  assert.deepEqual([await search(srv.base, a), await search(srv.base, a), await search(srv.base, a)], [400, 400, 429]);
  assert.deepEqual([await search(srv.base, b), await search(srv.base, b)], [400, 400], 'another client, another bucket');
  assert.equal(await search(srv.base, { Forwarded: 'for="[2001:db8::7]:4711";proto=https' }), 400);
  assert.equal(await search(srv.base, { Forwarded: 'for="[2001:db8::7]:4711"' }), 400);
  assert.equal(await search(srv.base, { Forwarded: 'for="[2001:db8::7]"' }), 429);
  // admin routes: loopback only (ADMIN_TOKEN unset) means the real client
  const remote = await fetch(`${srv.base}/api/v1/tracks/${ZERO}`, { method: 'DELETE', headers: b });
  assert.equal(remote.status, 401);
  assert.equal((await remote.json()).error.code, 'UNAUTHORIZED');
  const hidden = await fetch(`${srv.base}/api/v1/tracks/${ZERO}`, { method: 'DELETE', headers: { Forwarded: 'for=_hidden' } });
  assert.equal(hidden.status, 401, 'an obfuscated client is not loopback');
  const local = await fetch(`${srv.base}/api/v1/tracks/${ZERO}`, { method: 'DELETE', headers: { 'X-Forwarded-For': '127.0.0.1' } });
  assert.equal(local.status, 404, 'a browser on the proxy host is loopback');
  const direct = await fetch(`${srv.base}/api/v1/tracks/${ZERO}`, { method: 'DELETE' });
  assert.equal(direct.status, 404, 'the proxy host itself, no header');
  const log = srv.logText();
  assert.match(log, /client=198\.51\.100\.1/);
  assert.match(log, /client=198\.51\.100\.2/);
  assert.match(log, /client=2001:db8::7/);
  assert.doesNotMatch(log, /client=127\.0\.0\.5/);
});

// Every client behind a proxy arrives from the proxy's address: the
// per-address connection cap must not apply to it, but still to others.
async function openConnections(base, n, localAddress) {
  const { port } = new URL(base);
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ port: Number(port), host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.on('connect', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n')); // headers left open
    socks.push(s);
  }
  await new Promise((r) => setTimeout(r, 800));
  const open = socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
  for (const s of socks) s.destroy();
  return open;
}

test('MAX_CONN_PER_IP does not apply to a trusted proxy, and still does to other peers', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'proxyconn'), MAX_CONN_PER_IP: '2', TRUSTED_PROXIES: '127.0.0.1' });
  t.after(() => stopServer(srv));
  assert.equal(await openConnections(srv.base, 6, '127.0.0.1'), 6, 'the proxy keeps all its connections');
  assert.equal(await openConnections(srv.base, 6, '127.0.0.3'), 2, 'another peer is capped at 2');
  assert.match(srv.logText(), /per-address connection limit reached \(MAX_CONN_PER_IP=2\)/);
});
