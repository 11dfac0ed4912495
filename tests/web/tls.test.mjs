// HTTPS in real Chromium: the page served over TLS with a certificate made
// at test time is a secure context, so the record button opens the (fake)
// microphone and the recording is identified.  Chromium trusts exactly that
// certificate's key (--ignore-certificate-errors-spki-list), as a phone
// does once the certificate is installed; nothing else is ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BIN, CHROMIUM, buildFixtures, sh, startServer, stopServer, newPage, shots } from './helpers.mjs';

let fx, srv, trusting, untrusting;

before(async () => {
  fx = buildFixtures();
  const dir = join(fx.root, 'tls');
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  sh(BIN, ['cert', '--self-signed', '--cert', cert, '--key', key, '--days', '30', '127.0.0.1']);
  srv = await startServer({ DATA_DIR: fx.data, TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  const spki = new X509Certificate(readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
  const pin = createHash('sha256').update(spki).digest('base64');
  const mic = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${fx.micClip}`];
  trusting = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...mic, `--ignore-certificate-errors-spki-list=${pin}`] });
  untrusting = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: mic });
});

after(async () => {
  if (trusting) await trusting.close();
  if (untrusting) await untrusting.close();
  await stopServer(srv);
});

test('https://127.0.0.1:PORT: a secure context; record through the fake microphone, identified', async () => {
  assert.match(srv.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  const page = await newPage(trusting, srv.base);
  const resp = await page.goto('/');
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['strict-transport-security'] || '', /^max-age=\d+$/);
  assert.equal(await page.evaluate(() => window.isSecureContext && location.protocol), 'https:');
  await page.click('#record');
  await page.waitForSelector('.rec-btn.recording');
  await page.waitForTimeout(4500); // Stop is available at once; a search needs ≥ 3 s
  await page.click('#record');
  await page.waitForSelector('#results .identified', { timeout: 20000 });
  assert.match(await page.textContent('#results .identified'), /Square Dance/);
  await shots(page, '20-https-identified');
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
});

test('the same page from a browser that does not trust the certificate does not load', async () => {
  const page = await untrusting.newPage();
  await assert.rejects(page.goto(`${srv.base}/`), /ERR_CERT_AUTHORITY_INVALID/);
  await page.close();
});
