// Closed-loop HTTP load: C clients each post clips back to back for a fixed
// time; prints throughput and latency percentiles per concurrency level.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, clipDir, secs, jsonOut] = process.argv.slice(2);
const clips = readdirSync(clipDir).sort().map((f) => readFileSync(join(clipDir, f)));
const levels = (process.env.BENCH_API_LEVELS || '1,4,16').split(',').map(Number);
const mode = process.env.BENCH_API_MODE || 'both';

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function client(until, lat, stats, k) {
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

const rows = [];
// warm-up: page cache, connections
await client(performance.now() + 2000, [], { errors: 0, identified: 0, laneErrors: 0 }, 0);
for (const c of levels) {
  const lat = [];
  const stats = { errors: 0, identified: 0, laneErrors: 0 };
  const t0 = performance.now();
  const until = t0 + Number(secs) * 1000;
  await Promise.all(Array.from({ length: c }, (_, k) => client(until, lat, stats, k * 5)));
  const wall = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  rows.push({ clients: c, requests: lat.length, rps: lat.length / wall, p50: pct(lat, 50), p95: pct(lat, 95),
              p99: pct(lat, 99), errors: stats.errors, identified: stats.identified, lane_errors: stats.laneErrors });
}
console.log(`\nPOST /api/v1/search, 10 s WebM/Opus clips, mode=${mode} (closed loop)`);
console.log('clients  requests   req/s   p50 ms   p95 ms   p99 ms  errors  identified  lane_errors');
for (const r of rows)
  console.log(`${String(r.clients).padStart(7)}  ${String(r.requests).padStart(8)}  ${r.rps.toFixed(1).padStart(6)}  ` +
              `${r.p50.toFixed(1).padStart(7)}  ${r.p95.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ` +
              `${String(r.errors).padStart(6)}  ${String(r.identified).padStart(10)}  ${String(r.lane_errors).padStart(11)}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ bench: 'api', rows }, null, 2));
