// HTTPS: the API over TLS with a certificate made at test time by
// `audio-ident cert --self-signed` (curl --cacert and node https trust it as
// the CA), HSTS, and the startup errors for a mismatched key and an expired
// certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, buildFixtures, copyData, sh, startServer, stopServer } from './server.mjs';

let fx, srv, tls;
const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../web');

function makeCert(dir, ...hosts) {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  sh(BIN, ['cert', '--self-signed', '--cert', cert, '--key', key, '--days', '30', ...hosts]);
  return { cert, key };
}

before(async () => {
  fx = buildFixtures();
  tls = makeCert(join(fx.root, 'tls'), '127.0.0.1', 'localhost');
  makeCert(join(fx.root, 'renewed'), 'renewed.example', 'localhost');
  srv = await startServer({ DATA_DIR: copyData(fx, 'tls'), TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: tls.key, WEB_DIR });
});
after(async () => { assert.equal(await stopServer(srv), 0); });

// curl trusting only the generated certificate; returns status, headers, body.
function curl(path, ...args) {
  let out = execFileSync('curl', ['-sS', '--cacert', tls.cert, '-D', '-', `${srv.base}${path}`, ...args]).toString();
  while (/^HTTP\/1\.1 1\d\d /.test(out)) out = out.slice(out.indexOf('\r\n\r\n') + 4); // 100 Continue
  const cut = out.indexOf('\r\n\r\n');
  const head = out.slice(0, cut).split('\r\n');
  const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(head[0].split(' ')[1]), headers, body: out.slice(cut + 4) };
}

// node https with the generated CA and a keep-alive agent.
function get(agent, path) {
  return new Promise((resolve, reject) => {
    const req = request(`${srv.base}${path}`, { agent, ca: readFileSync(tls.cert) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, socket: req.socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS: the listener speaks TLS with the configured certificate, HSTS on every answer', () => {
  assert.match(srv.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(srv.logText(), /startup: tls: CN=127\.0\.0\.1, .*IP:127\.0\.0\.1, DNS:localhost.*expires \S+Z \(in 30 days\)/);
  const h = curl('/health');
  assert.equal(h.status, 200);
  assert.equal(JSON.parse(h.body).status, 'ok');
  assert.equal(h.headers['strict-transport-security'], 'max-age=31536000');
  const nf = curl('/api/v1/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.headers['strict-transport-security'], 'max-age=31536000');
  // the name in the certificate is checked: localhost is in it
  const byName = execFileSync('curl', ['-sS', '--cacert', tls.cert, '-o', '/dev/null', '-w', '%{http_code}',
    srv.base.replace('127.0.0.1', 'localhost') + '/health']).toString();
  assert.equal(byName, '200');
  // untrusted without the CA; plain HTTP gets no answer on the TLS port
  const noCa = spawnSync('curl', ['-sS', '-o', '/dev/null', `${srv.base}/health`]);
  assert.equal(noCa.status, 60, 'curl: certificate not trusted');
  const plain = spawnSync('curl', ['-sS', '-m', '5', '-o', '/dev/null', srv.base.replace('https:', 'http:') + '/health']);
  assert.notEqual(plain.status, 0, 'plain HTTP on the HTTPS port fails');
});

test('HTTPS: search, tracks, ranged audio and ingest over TLS (curl --cacert)', () => {
  const s = curl('/api/v1/search', '-F', `audio=@${fx.clip};type=audio/wav`, '-F', 'mode=exact');
  assert.equal(s.status, 200, s.body);
  const res = JSON.parse(s.body);
  assert.equal(res.exact_matches[0].track.title, 'Square Dance');
  const list = JSON.parse(curl('/api/v1/tracks?pageSize=10').body);
  assert.equal(list.pagination.totalItems, 4);
  const id = list.data[0].id;
  const range = curl(`/api/v1/tracks/${id}/audio`, '-H', 'Range: bytes=0-99');
  assert.equal(range.status, 206);
  assert.equal(range.headers['content-length'], '100');
  assert.match(range.headers['content-range'], /^bytes 0-99\/\d+$/);
  const got = execFileSync('curl', ['-sS', '--cacert', tls.cert, '-o', join(fx.root, 'whole.bin'), '-w', '%{size_download}',
    `${srv.base}/api/v1/tracks/${id}/audio`]).toString();
  const total = Number(range.headers['content-range'].split('/')[1]);
  assert.ok(total > 1e6, 'a file of several TLS records');
  assert.equal(Number(got), total, 'the whole file arrives over TLS');
  const ing = curl('/api/v1/ingest', '-F', `audio=@${fx.fresh2};type=audio/wav`);
  assert.equal(ing.status, 201, ing.body);
  const web = curl('/');
  assert.equal(web.status, 200);
  assert.match(web.headers['content-type'], /text\/html/);
});

test('HTTPS: keep-alive reuses one TLS session for many requests (node https)', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const first = await get(agent, '/health');
  assert.equal(first.status, 200);
  assert.equal(first.socket.getPeerCertificate().subject.CN, '127.0.0.1');
  for (let i = 0; i < 5; i++) {
    const r = await get(agent, '/api/v1/version');
    assert.equal(r.status, 200);
    assert.equal(r.socket, first.socket, 'same connection');
  }
  agent.destroy();
});

test('HSTS_MAX_AGE=0 leaves the header out; plain HTTP never sends it', async (t) => {
  const off = await startServer({ DATA_DIR: copyData(fx, 'hsts0'), TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: tls.key, HSTS_MAX_AGE: '0' });
  const plain = await startServer({ DATA_DIR: copyData(fx, 'plain'), HSTS_MAX_AGE: '600' });
  t.after(async () => { await stopServer(off); await stopServer(plain); });
  const out = execFileSync('curl', ['-sS', '--cacert', tls.cert, '-D', '-', '-o', '/dev/null', `${off.base}/health`]).toString();
  assert.match(out, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(out, /strict-transport-security/i);
  const r = await fetch(`${plain.base}/health`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('strict-transport-security'), null);
});

test('SIGHUP: a renewed certificate is presented to new connections; open ones go on', async (t) => {
  const dir = join(fx.root, 'hup');
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  copyFileSync(tls.cert, cert);
  copyFileSync(tls.key, key);
  const hup = await startServer({ DATA_DIR: copyData(fx, 'hup'), TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  t.after(() => stopServer(hup));
  const until = async (re) => {
    for (let i = 0; i < 50 && !re.test(hup.logText()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(hup.logText(), re);
  };
  // a kept-alive connection, handshaken with the first certificate
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const ca = Buffer.concat([readFileSync(tls.cert), readFileSync(join(fx.root, 'renewed', 'cert.pem'))]);
  const viaAgent = (path) => new Promise((resolve, reject) => {
    const req = request(`${hup.base}${path}`, { agent, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, socket: req.socket }));
    });
    req.on('error', reject);
    req.end();
  });
  const first = await viaAgent('/health');
  const fp1 = first.socket.getPeerCertificate().fingerprint256;
  // renew: new files, SIGHUP
  copyFileSync(join(fx.root, 'renewed', 'cert.pem'), cert);
  copyFileSync(join(fx.root, 'renewed', 'key.pem'), key);
  hup.kill('SIGHUP');
  await until(/SIGHUP: tls: now presenting CN=renewed\.example.*\(open connections keep theirs\)/);
  const again = await viaAgent('/api/v1/version');
  assert.equal(again.status, 200);
  assert.equal(again.socket, first.socket, 'the open connection was not dropped');
  assert.equal(again.socket.getPeerCertificate().fingerprint256, fp1);
  const fresh = (caFile) => spawnSync('curl', ['-sS', '--cacert', caFile, '-o', '/dev/null', '-w', '%{http_code}',
    hup.base.replace('127.0.0.1', 'localhost') + '/health']);
  assert.equal(fresh(join(fx.root, 'renewed', 'cert.pem')).stdout.toString(), '200', 'a new connection gets the new certificate');
  assert.equal(fresh(tls.cert).status, 60, 'and no longer the old one');
  // a broken renewal is refused; the last good certificate stays
  copyFileSync(tls.key, key);
  hup.kill('SIGHUP');
  await until(/SIGHUP: TLS_KEY_FILE \S+ does not match the certificate.*still presenting the previous certificate/);
  assert.equal(fresh(join(fx.root, 'renewed', 'cert.pem')).stdout.toString(), '200');
  agent.destroy();
  assert.equal(await stopServer(hup), 0);
});

// serve must refuse to start, with one FATAL line naming the problem.
function startFails(env) {
  const r = spawnSync(BIN, ['serve'], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: copyData(fx, 'bad'), ...env }, timeout: 20000 });
  const fatal = r.stderr.toString().split('\n').filter((l) => l.startsWith('FATAL'));
  return { status: r.status, fatal };
}

test('a key that does not match the certificate: serve exits 1 with one clear line', () => {
  const other = makeCert(join(fx.root, 'other'), 'localhost');
  const r = startFails({ TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: other.key });
  assert.equal(r.status, 1);
  assert.equal(r.fatal.length, 1, r.fatal.join('\n'));
  assert.equal(r.fatal[0], `FATAL: tls: TLS_KEY_FILE ${other.key} does not match the certificate in TLS_CERT_FILE ${tls.cert} (CN=127.0.0.1, O=audio-ident (self-signed))`);
  const missing = startFails({ TLS_CERT_FILE: join(fx.root, 'nope.pem'), TLS_KEY_FILE: tls.key });
  assert.equal(missing.status, 1);
  assert.match(missing.fatal[0], /^FATAL: tls: TLS_CERT_FILE \S+nope\.pem: no such file$/);
  const half = spawnSync(BIN, ['serve'], { env: { ...process.env, PORT: '0', TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: '' } });
  assert.equal(half.status, 1);
  assert.match(half.stderr.toString(), /TLS_KEY_FILE: required when TLS_CERT_FILE is set/);
});

test('an expired certificate: serve exits 1 naming the expiry date', () => {
  // openssl signs a certificate valid only during the first day of 2020
  const dir = join(fx.root, 'expired');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n' +
    'default_md = sha256\npolicy = p\nrand_serial = yes\n[p]\ncommonName = supplied\n');
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem',
    '-out', 'req.csr', '-subj', '/CN=old.example']);
  run(['ca', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-startdate', '20200101000000Z',
    '-enddate', '20200102000000Z', '-batch', '-notext', '-out', 'cert.pem']);
  const r = startFails({ TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') });
  assert.equal(r.status, 1);
  assert.equal(r.fatal.length, 1, r.fatal.join('\n'));
  assert.equal(r.fatal[0], `FATAL: tls: TLS_CERT_FILE ${join(dir, 'cert.pem')}: the certificate (CN=old.example) expired on 2020-01-02T00:00:00Z`);
});
