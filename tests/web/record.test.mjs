// Recording in real Chromium with a fake microphone against the real server:
// Cancel discards, Stop before 3 s explains instead of sending, silence gives
// the "can't hear anything" hint and the "couldn't hear" verdict, and a
// recording interrupted by navigation is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildFixtures, startServer, stopServer, launch, newPage, shots, verdictFocusedInView } from './helpers.mjs';

let fx, srv, music, quiet;

before(async () => {
  fx = buildFixtures();
  srv = await startServer({ DATA_DIR: fx.data });
  music = await launch(fx.micClip);
  quiet = await launch(fx.silenceMic);
});

after(async () => {
  if (music) await music.close();
  if (quiet) await quiet.close();
  await stopServer(srv);
});

async function recordingPage(browser) {
  const page = await newPage(browser, srv.base);
  page.searches = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/search')) page.searches++;
  });
  await page.goto('/');
  await page.click('#record');
  await page.waitForSelector('.rec-btn.recording');
  return page;
}

async function done(page) {
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
}

test('Cancel during recording discards the clip: nothing is sent', async () => {
  const page = await recordingPage(music);
  await page.waitForTimeout(3500);
  await page.click('#cancel-recording');
  await page.waitForFunction(() => !document.querySelector('.rec-btn.recording'));
  assert.match(await page.textContent('#rec-status'), /discarded\. Nothing was sent/);
  assert.ok(await page.isHidden('#cancel-recording'));
  assert.match(await page.textContent('#record'), /Record/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'record', 'focus back on the record button');
  await page.waitForTimeout(500);
  assert.equal(page.searches, 0);
  await done(page);
});

test('Stop before 3 s explains why the clip cannot be searched, without sending it', async () => {
  const page = await recordingPage(music);
  await page.waitForTimeout(1000);
  await page.click('#record');
  await page.waitForFunction(() => /only \d\.\d s/.test(document.querySelector('#rec-status').textContent));
  assert.match(await page.textContent('#rec-status'), /at least 3 seconds/);
  await page.waitForTimeout(500);
  assert.equal(page.searches, 0);
  await shots(page, '15-too-short-recording');
  await done(page);
});

test('silence: "can\'t hear anything" after 2 s while recording, then the "couldn\'t hear" verdict', async () => {
  const page = await recordingPage(quiet);
  assert.equal(await page.textContent('#quiet-hint'), '');
  await page.waitForFunction(() => /can’t hear anything/.test(document.querySelector('#quiet-hint').textContent), null, { timeout: 4000 });
  const at = await page.textContent('.rec-time');
  assert.match(at, /^0:0[2-3] /, `hint shown after about 2 s (at ${at})`);
  await shots(page, '16-quiet-hint');
  await page.waitForTimeout(1800);
  await page.click('#record');
  await page.waitForSelector('#verdict', { timeout: 20000 });
  assert.equal(await page.textContent('#verdict'), 'We couldn’t hear anything — move closer to the music');
  assert.equal(await page.getAttribute('#results .verdict', 'data-verdict'), 'silent');
  assert.equal(await page.$('#results .match'), null, 'silence offers no track');
  assert.ok(await verdictFocusedInView(page));
  await done(page);
});

test('navigating away mid-recording keeps the clip; it can be searched on return', async () => {
  const page = await recordingPage(music);
  await page.waitForTimeout(4500);
  await page.click('nav a[href="#/library"]');
  await page.waitForSelector('table.tracks');
  await page.click('nav a[href="#/"]');
  await page.waitForSelector('#kept-clip');
  assert.match(await page.textContent('#kept-clip'), /left the page while recording\. Your [45]-second recording was kept/);
  assert.equal(page.searches, 0, 'not sent without asking');
  await page.click('#send-kept');
  await page.waitForSelector('#results .identified', { timeout: 20000 });
  assert.match(await page.textContent('#results .identified'), /Square Dance/);
  await done(page);
});
