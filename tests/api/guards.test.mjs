// Admin guard, rate limit, lane deadlines and graceful shutdown: each with
// its own server configuration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildFixtures, copyData, startServer, stopServer } from './server.mjs';

let fx;
before(() => { fx = buildFixtures(); });

const clipForm = (mode) => {
  const fd = new FormData();
  fd.append('audio', new Blob([readFileSync(fx.clip)]), 'clip.wav');
  if (mode) fd.append('mode', mode);
  return fd;
};

test('ADMIN_TOKEN: ingest and delete need the bearer token', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'admin'), ADMIN_TOKEN: 's3cret' });
  t.after(() => stopServer(srv));
  const upload = () => {
    const fd = new FormData();
    fd.append('audio', new Blob([readFileSync(fx.fresh2)]), 'u.wav');
    return fd;
  };
  for (const auth of [undefined, 'Bearer wrong', 'Basic s3cret', 'Bearer s3cret2']) {
    const r = await fetch(`${srv.base}/api/v1/ingest`, { method: 'POST', body: upload(),
                                                          headers: auth ? { Authorization: auth } : {} });
    assert.equal(r.status, 401, auth);
    assert.equal((await r.json()).error.code, 'UNAUTHORIZED');
  }
  const ok = await fetch(`${srv.base}/api/v1/ingest`, { method: 'POST', body: upload(),
                                                         headers: { Authorization: 'Bearer s3cret' } });
  assert.equal(ok.status, 201);
  const id = (await ok.json()).track_id;
  const del = await fetch(`${srv.base}/api/v1/tracks/${id}`, { method: 'DELETE' });
  assert.equal(del.status, 401);
  const del2 = await fetch(`${srv.base}/api/v1/tracks/${id}`, { method: 'DELETE', headers: { Authorization: 'Bearer s3cret' } });
  assert.equal(del2.status, 204);
});

test('AUDIO_TOO_LONG: an ingested track longer than MAX_TRACK_SECONDS', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'long'), MAX_TRACK_SECONDS: '10' });
  t.after(() => stopServer(srv));
  const fd = new FormData();
  fd.append('audio', new Blob([readFileSync(fx.fresh2)]), 'twenty-seconds.wav');
  const r = await fetch(`${srv.base}/api/v1/ingest`, { method: 'POST', body: fd });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'AUDIO_TOO_LONG');
  const list = await (await fetch(`${srv.base}/api/v1/tracks`)).json();
  assert.equal(list.pagination.totalItems, 4, 'nothing was added');
});

test('rate limit: 429 with Retry-After beyond RATE_LIMIT_PER_MIN searches', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'rate'), RATE_LIMIT_PER_MIN: '3' });
  t.after(() => stopServer(srv));
  const codes = [];
  let last;
  for (let i = 0; i < 5; i++) {
    last = await fetch(`${srv.base}/api/v1/search`, { method: 'POST', body: clipForm('exact') });
    codes.push(last.status);
    if (last.status === 429) break;
    await last.arrayBuffer();
  }
  assert.deepEqual(codes, [200, 200, 200, 429]);
  assert.equal((await last.json()).error.code, 'RATE_LIMITED');
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  const health = await fetch(`${srv.base}/health`);
  assert.equal(health.status, 200, 'other routes are not limited');
});

test('a lane past its deadline: the other lane still answers; alone it is a 504', async (t) => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'slowvibe'), AI_TEST_LANE_DELAY: 'vibe:10000',
                                  VIBE_TIMEOUT_S: '0.3' });
  t.after(() => stopServer(srv));
  const both = await fetch(`${srv.base}/api/v1/search`, { method: 'POST', body: clipForm('both') });
  const b = await both.json();
  assert.equal(both.status, 200, JSON.stringify(b));
  assert.equal(b.exact_matches[0].track.title, 'Square Dance');
  assert.deepEqual(b.vibe_matches, []);
  assert.equal(b.lane_errors.vibe.code, 'SEARCH_TIMEOUT');
  assert.ok(b.query_duration_ms < 3000, `took ${b.query_duration_ms} ms`);

  const srv2 = await startServer({ DATA_DIR: copyData(fx, 'slowexact'), AI_TEST_LANE_DELAY: 'exact:10000',
                                   EXACT_TIMEOUT_S: '0.3' });
  t.after(() => stopServer(srv2));
  const exact = await fetch(`${srv2.base}/api/v1/search`, { method: 'POST', body: clipForm('exact') });
  assert.equal(exact.status, 504);
  const e = await exact.json();
  assert.equal(e.error.code, 'SEARCH_TIMEOUT');
  assert.equal(e.error.details.lane, 'exact');
  const m = await (await fetch(`${srv2.base}/metrics`)).text();
  assert.match(m, /audio_ident_search_lane_total\{lane="exact",outcome="SEARCH_TIMEOUT"\} 1/);
});

test('SIGTERM: in-flight requests finish, then the server exits 0', async () => {
  const srv = await startServer({ DATA_DIR: copyData(fx, 'shutdown'), AI_TEST_LANE_DELAY: 'exact:1500',
                                  EXACT_TIMEOUT_S: '5' });
  const pending = fetch(`${srv.base}/api/v1/search`, { method: 'POST', body: clipForm('exact') });
  await new Promise((r) => setTimeout(r, 500));
  const exited = stopServer(srv);
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal((await r.json()).exact_matches[0].track.title, 'Square Dance');
  assert.equal(await exited, 0);
  await assert.rejects(fetch(`${srv.base}/health`));
});
