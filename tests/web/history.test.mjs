// History and result links in real Chromium against the real server: a
// result has its own URL that survives reload and Back, the History page
// keeps the last identifications across reloads, Copy gives title – artist
// – album and a link, and Retry re-sends the same clip after a network error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildFixtures, startServer, stopServer, launch, newPage, shots, overflowX, verdictFocusedInView } from './helpers.mjs';

let fx, srv, browser;

before(async () => {
  fx = buildFixtures();
  srv = await startServer({ DATA_DIR: fx.data });
  browser = await launch(null);
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(srv);
});

async function done(page) {
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
}

test('a result has its own URL: reload and Back keep it; the History page lists it after a reload', async () => {
  const page = await newPage(browser, srv.base, {
    init: 'window.__copied = []; navigator.clipboard.writeText = async (t) => { window.__copied.push(t); };',
  });
  await page.goto('/');
  await page.setInputFiles('#clip-file', fx.wavClip);
  await page.waitForSelector('#results .identified');
  const url = page.url();
  assert.match(url, /#\/result\/[0-9a-f-]{36}$/, `result URL (${url})`);
  const id = url.split('/').pop();
  assert.ok(await verdictFocusedInView(page));

  await page.click('#copy-result');
  await page.waitForFunction(() => /Copied/.test(document.querySelector('.share-status').textContent));
  const [copied] = await page.evaluate(() => window.__copied);
  assert.match(copied, /^Rising Sines – Gamma\n/, 'title – artist (no album in this library)');
  assert.match(copied, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/#/tracks/[0-9a-f-]{36}\\?t=[45]$`, 'm'), 'a link to the track at the offset');

  await page.reload();
  await page.waitForSelector('#results .identified');
  assert.match(await page.textContent('#results .identified'), /Rising Sines/, 'the result survives a reload');
  assert.match(await page.textContent('#results .result-meta'), /Searched .*“rising-clip\.wav”/);

  // A second search, then Back returns to the first result.
  await page.setInputFiles('#clip-file', fx.webmClip);
  await page.waitForFunction((first) => /#\/result\//.test(location.hash) && !location.hash.endsWith(first), id);
  await page.waitForSelector('#results .identified');
  assert.match(await page.textContent('#results .identified'), /Saw Waves/);
  await page.goBack();
  await page.waitForFunction(() => /Rising Sines/.test(document.querySelector('#results .identified')?.textContent || ''));
  assert.ok(page.url().endsWith(id));

  await page.click('nav a[href="#/history"]');
  await page.waitForSelector('table.history-list');
  await page.reload();
  await page.waitForSelector('table.history-list tbody tr');
  const rows = await page.$$eval('table.history-list tbody tr', (r) => r.map((x) => x.innerText.replace(/\s+/g, ' ')));
  assert.equal(rows.length, 2);
  assert.match(rows[0], /Identified Saw Waves · Delta Duo 0:(09|10|11)/);
  assert.match(rows[1], /Identified Rising Sines · Gamma 0:0[45]/);
  await shots(page, '17-history');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await overflowX(page)) <= 0, 'no horizontal scroll at 360 px');
  await page.click(`tr[data-result-id="${id}"] a`);
  await page.waitForSelector('#results .identified');
  assert.match(await page.textContent('#results .identified'), /Rising Sines/);

  // An id this browser does not know is explained, not a blank page.
  await page.goto('/#/result/00000000-0000-4000-8000-000000000000');
  await page.waitForFunction(() => /not stored in this browser/.test(document.querySelector('#results').textContent));
  await page.goto('/#/history');
  await page.click('#clear-history');
  await page.waitForSelector('.empty-history');
  await done(page);
});

test('History keeps only the last 50 identifications', async () => {
  const page = await newPage(browser, srv.base);
  await page.goto('/');
  await page.evaluate(() => {
    const list = [];
    for (let i = 0; i < 50; i++)
      list.push({ id: `old-${i}`, time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), response: { request_id: `old-${i}`, verdict: 'not_found', exact_matches: [], vibe_matches: [] } });
    localStorage.setItem('audio-ident.history', JSON.stringify(list));
  });
  await page.setInputFiles('#clip-file', fx.wavClip);
  await page.waitForSelector('#results .identified');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('audio-ident.history')).map((e) => e.id));
  assert.equal(stored.length, 50);
  assert.ok(!stored.includes('old-49'), 'the oldest entry gave way');
  assert.equal(stored[0], page.url().split('/').pop(), 'newest first');
  await done(page);
});

test('Retry re-sends the same clip after a network error', async () => {
  const page = await newPage(browser, srv.base);
  const sizes = [];
  let fail = true;
  await page.route('**/api/v1/search', (route) => {
    sizes.push(route.request().postDataBuffer().length);
    if (fail) {
      fail = false;
      return route.abort('connectionrefused');
    }
    return route.continue();
  });
  await page.goto('/');
  await page.setInputFiles('#clip-file', fx.wavClip);
  await page.waitForSelector('#retry-search');
  assert.match(await page.textContent('#results [role=alert]'), /Server unreachable/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'retry-search', 'focus on Try again');
  await shots(page, '18-network-error');
  await page.click('#retry-search');
  await page.waitForSelector('#results .identified');
  assert.match(await page.textContent('#results .identified'), /Rising Sines/);
  assert.equal(sizes.length, 2);
  assert.equal(sizes[0], sizes[1], 'the same clip was sent again');
  await done(page);
});
