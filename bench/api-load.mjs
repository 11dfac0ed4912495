// Closed-loop HTTP load: C clients each post clips back to back for a fixed
// time; prints throughput and latency percentiles per concurrency level, for
// each base URL given (comma-separated: the same library over http:// and
// https://).
// Then the connection cost: sequential GET /health with keep-alive and with
// a new connection (TCP, and TLS handshake for https) per request.
// https bases are trusted through NODE_EXTRA_CA_CERTS (set by bench/api.sh).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { join } from 'node:path';

const [bases, clipDir, secs, jsonOut] = process.argv.slice(2);
const clips = readdirSync(clipDir).sort().map((f) => readFileSync(join(clipDir, f)));
const levels = (process.env.BENCH_API_LEVELS || '1,4,16').split(',').map(Number);
const mode = process.env.BENCH_API_MODE || 'both';
const pings = Number(process.env.BENCH_API_PINGS || 500);

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function client(base, until, lat, stats, k) {
  let i = k;
  while (performance.now() < until) {
    const fd = new FormData();
    fd.append('audio', new Blob([clips[i++ % clips.length]], { type: 'audio/webm' }), 'clip.webm');
    fd.append('mode', mode);
    const t0 = performance.now();
    try {
      const r = await fetch(`${base}/api/v1/search`, { method: 'POST', body: fd });
      const b = await r.json();
      lat.push(performance.now() - t0);
      if (r.status !== 200) stats.errors++;
      else if (b.exact_matches.length && b.exact_matches[0].confidence >= 0.85) stats.identified++;
      if (b.lane_errors) stats.laneErrors++;
    } catch {
      stats.errors++;
    }
  }
}

// One GET; resolves when the body is read.
function ping(url, agent) {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

// n sequential GET /health on one agent (after a warm-up); latencies in ms.
async function connectionCost(base, keepAlive, n) {
  const Agent = base.startsWith('https:') ? HttpsAgent : HttpAgent;
  const agent = new Agent({ keepAlive, maxSockets: 1 });
  for (let i = 0; i < 10; i++) await ping(`${base}/health`, agent);
  const lat = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await ping(`${base}/health`, agent);
    lat.push(performance.now() - s);
  }
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  return { lat, wall };
}

// The bases take turns in short slices (ROUNDS per level, blocks of pings),
// so a change in the machine's load hits both schemes alike.
const ROUNDS = 4;
const list = bases.split(',');
const rows = [];
const conn = [];
for (const base of list) // warm-up: page cache, connections
  await client(base, performance.now() + 2000, [], { errors: 0, identified: 0, laneErrors: 0 }, 0);
for (const c of levels) {
  const acc = list.map(() => ({ lat: [], wall: 0, stats: { errors: 0, identified: 0, laneErrors: 0 } }));
  for (let r = 0; r < ROUNDS; r++)
    for (const [j, base] of list.entries()) {
      const t0 = performance.now();
      const until = t0 + (Number(secs) * 1000) / ROUNDS;
      await Promise.all(Array.from({ length: c }, (_, k) => client(base, until, acc[j].lat, acc[j].stats, k * 5 + r)));
      acc[j].wall += (performance.now() - t0) / 1000;
    }
  for (const [j, base] of list.entries()) {
    const { lat, wall, stats } = acc[j];
    lat.sort((a, b) => a - b);
    rows.push({ scheme: new URL(base).protocol.slice(0, -1), clients: c, requests: lat.length, rps: lat.length / wall,
                p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), errors: stats.errors,
                identified: stats.identified, lane_errors: stats.laneErrors });
  }
}
for (const keepAlive of [true, false]) {
  const acc = list.map(() => ({ lat: [], wall: 0 }));
  for (let r = 0; r < ROUNDS; r++)
    for (const [j, base] of list.entries()) {
      const part = await connectionCost(base, keepAlive, Math.ceil(pings / ROUNDS));
      acc[j].lat.push(...part.lat);
      acc[j].wall += part.wall;
    }
  for (const [j, base] of list.entries()) {
    const lat = acc[j].lat.sort((a, b) => a - b);
    conn.push({ scheme: new URL(base).protocol.slice(0, -1), keep_alive: keepAlive, requests: lat.length,
                rps: lat.length / acc[j].wall, p50: pct(lat, 50), p95: pct(lat, 95) });
  }
}
console.log(`\nPOST /api/v1/search, 10 s WebM/Opus clips, mode=${mode} (closed loop, keep-alive)`);
console.log('scheme  clients  requests   req/s   p50 ms   p95 ms   p99 ms  errors  identified  lane_errors');
for (const r of rows)
  console.log(`${r.scheme.padEnd(6)}  ${String(r.clients).padStart(7)}  ${String(r.requests).padStart(8)}  ${r.rps.toFixed(1).padStart(6)}  ` +
              `${r.p50.toFixed(1).padStart(7)}  ${r.p95.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ` +
              `${String(r.errors).padStart(6)}  ${String(r.identified).padStart(10)}  ${String(r.lane_errors).padStart(11)}`);
console.log(`\nGET /health, one client, ${pings} requests: connection reused vs a new connection each time`);
console.log('scheme  keep-alive    req/s   p50 ms   p95 ms');
for (const r of conn)
  console.log(`${r.scheme.padEnd(6)}  ${(r.keep_alive ? 'yes' : 'no').padEnd(10)}  ${r.rps.toFixed(0).padStart(7)}  ` +
              `${r.p50.toFixed(2).padStart(7)}  ${r.p95.toFixed(2).padStart(7)}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ bench: 'api', rows, connection: conn }, null, 2));
