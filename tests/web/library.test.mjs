// Library, track and admin pages in real Chromium against the real server:
// search/pagination, sort and artist filter done by the server across pages,
// play buttons in the list, every TrackDetail field, playback with Range,
// deep links, ingest queue with a duplicate, directory ingest, admin token
// and delete, 360 px layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildFixtures, copyData, startServer, stopServer, launch, newPage, shots, overflowX, unlabelled } from './helpers.mjs';

const TOKEN = 's3cret-token-for-tests';
let fx, srv, secured, browser;

before(async () => {
  fx = buildFixtures();
  srv = await startServer({ DATA_DIR: copyData(fx, 'open'), INGEST_ROOT: fx.ingestRoot });
  secured = await startServer({ DATA_DIR: copyData(fx, 'secured'), ADMIN_TOKEN: TOKEN });
  browser = await launch(null);
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(srv);
  await stopServer(secured);
});

async function done(page) {
  assert.deepEqual(page.errors, [], 'no script errors');
  await page.context().close();
}

const rowCount = (page) => page.$$eval('table.tracks tbody tr[data-track-id]', (r) => r.length);
const titles = (page) => page.$$eval('table.tracks tbody td.col-title', (c) => c.map((x) => x.textContent.trim()));

test('library: total, page size, next/previous, debounced search', async () => {
  const page = await newPage(browser, srv.base);
  await page.goto('/#/library');
  await page.waitForSelector('table.tracks tbody tr[data-track-id]');
  assert.match(await page.textContent('.lib-status'), new RegExp(`^${fx.trackCount} tracks`));
  assert.deepEqual(await unlabelled(page), []);
  assert.equal(await rowCount(page), fx.trackCount, 'default page size 25 shows all');
  await shots(page, '10-library');

  await page.selectOption('#lib-size', '10');
  await page.waitForFunction(() => document.querySelector('#lib-page').textContent === 'Page 1 of 2');
  assert.equal(await rowCount(page), 10);
  assert.ok(await page.isDisabled('#lib-prev'));
  await page.click('#lib-next');
  await page.waitForFunction(() => document.querySelector('#lib-page').textContent === 'Page 2 of 2');
  assert.equal(await rowCount(page), fx.trackCount - 10);
  assert.ok(await page.isDisabled('#lib-next'));
  assert.match(page.url(), /#\/library\?page=2&size=10/, 'state kept in the URL');
  await page.click('#lib-prev');
  await page.waitForFunction(() => document.querySelector('#lib-page').textContent === 'Page 1 of 2');

  let calls = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/tracks?')) calls++;
  });
  await page.type('#lib-search', 'dance', { delay: 30 });
  await page.waitForFunction(() => /matching “dance”/.test(document.querySelector('.lib-status').textContent));
  assert.ok(calls <= 3, `search is debounced (${calls} requests for 5 keystrokes)`);
  assert.deepEqual(await titles(page), ['Square Dance']);
  await page.fill('#lib-search', 'no such thing');
  await page.waitForSelector('.empty-row');
  assert.match(await page.textContent('.empty-row'), /No track matches/);
  await page.fill('#lib-search', '');
  await page.waitForFunction(() => /^\d+ tracks$/.test(document.querySelector('.lib-status').textContent));

  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await overflowX(page)) <= 0, 'no horizontal scroll at 360 px');
  await done(page);
});

const cmp = (a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true });

test('library: sorting and the artist filter are done by the server, across all pages; play buttons toggle', async () => {
  const page = await newPage(browser, srv.base);
  const urls = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/tracks?')) urls.push(decodeURIComponent(r.url()));
  });
  await page.goto('/#/library?size=5');
  await page.waitForFunction(() => /^Page 1 of \d+$/.test(document.querySelector('#lib-page').textContent));
  const pages = Number((await page.textContent('#lib-page')).split(' of ')[1]);
  assert.ok(pages >= 3, `several pages (${pages})`);
  await page.click('button[data-sort=title]');
  await page.waitForFunction(() => document.querySelector('th.col-title').getAttribute('aria-sort') === 'ascending');
  await page.waitForFunction(() => !document.querySelector('table.tracks').hasAttribute('aria-busy'));
  assert.ok(urls.some((u) => /sort=title&dir=asc/.test(u)), `sort sent to the server: ${urls.at(-1)}`);
  const all = [];
  for (let p = 1; p <= pages; p++) {
    if (p > 1) {
      await page.click('#lib-next');
      await page.waitForFunction((n) => document.querySelector('#lib-page').textContent.startsWith(`Page ${n} `), p);
      await page.waitForFunction(() => !document.querySelector('table.tracks').hasAttribute('aria-busy'));
    }
    all.push(...(await titles(page)));
  }
  assert.equal(all.length, fx.trackCount, 'every track once');
  assert.deepEqual(all, [...all].sort(cmp), 'one order across all pages, not per page');
  assert.match(page.url(), /sort=title&dir=asc/, 'sort kept in the URL');

  await page.click('button[data-sort=duration]');
  await page.click('button[data-sort=duration]');
  await page.waitForFunction(() => document.querySelector('th.col-duration_seconds').getAttribute('aria-sort') === 'descending');
  await page.waitForFunction(() => document.querySelector('#lib-page').textContent.startsWith('Page 1 '));
  await page.waitForFunction(() => !document.querySelector('table.tracks').hasAttribute('aria-busy'));
  const longest = await page.$$eval('table.tracks tbody td.col-duration_seconds', (c) => c.map((x) => x.textContent));
  assert.deepEqual(longest.slice(0, 4), ['0:30', '0:30', '0:30', '0:30'], 'the longest tracks of the whole library first');

  // The artist filter (whole name) is set from the table and shown as a chip.
  await page.click('table.tracks tbody button[data-filter=artist]:text-is("Filler Ensemble")');
  await page.waitForFunction(() => /^8 tracks matching artist “Filler Ensemble”/.test(document.querySelector('.lib-status').textContent));
  assert.ok(urls.some((u) => /artist=Filler Ensemble/.test(u.replace(/\+/g, ' '))), 'artist filter sent to the server');
  assert.match(page.url(), /artist=Filler(\+|%20)Ensemble/, 'filter kept in the URL');
  const artists = await page.$$eval('table.tracks tbody td.col-artist', (c) => c.map((x) => x.textContent));
  assert.ok(artists.length > 0 && artists.every((a) => a === 'Filler Ensemble'));
  assert.match(await page.textContent('#lib-filters'), /Artist: Filler Ensemble/);
  await shots(page, '10c-library-filtered');
  await page.click('#lib-filters button[data-filter=artist]');
  await page.waitForFunction((n) => new RegExp(`^${n} tracks$`).test(document.querySelector('.lib-status').textContent), fx.trackCount);
  assert.equal(await page.textContent('#lib-filters'), '');
  const btn = 'table.tracks tbody tr:first-child button.row-play';
  const name = (await page.getAttribute(btn, 'aria-label')).replace(/^Play: /, '');
  await page.click(btn);
  await page.waitForFunction(() => {
    const a = document.querySelector('#lib-audio');
    return a && !a.paused && a.currentTime > 0.3;
  });
  assert.equal(await page.getAttribute(btn, 'aria-label'), `Pause: ${name}`);
  assert.match(await page.textContent('.now-playing'), new RegExp(`Playing: ${name}`));
  await shots(page, '10b-library-playing');
  await page.click(btn);
  await page.waitForFunction(() => document.querySelector('#lib-audio').paused);
  assert.equal(await page.getAttribute(btn, 'aria-label'), `Play: ${name}`);
  await done(page);
});

test('track page: every detail field, playback advances over Range requests, deep link with offset', async () => {
  const page = await newPage(browser, srv.base);
  const audio = [];
  page.on('response', (r) => {
    if (/\/audio$/.test(r.url())) audio.push({ status: r.status(), range: r.request().headers().range });
  });
  await page.goto('/#/library?q=Rising');
  await page.waitForFunction(() => document.querySelectorAll('table.tracks tbody tr[data-track-id]').length === 1);
  await page.click('table.tracks td.col-title a');
  await page.waitForFunction(() => document.querySelector('#track-title').textContent === 'Rising Sines');
  assert.match(page.url(), /#\/tracks\/[0-9a-f-]{36}$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'track-title', 'focus moves to the new page heading');
  const labels = await page.$$eval('dl.details dt', (d) => d.map((x) => x.textContent));
  for (const l of ['Title', 'Artist', 'Album', 'Duration', 'Format', 'Sample rate', 'Channels', 'Bitrate', 'File size',
    'Fingerprint indexed', 'Embedding model', 'Embedding dimensions', 'Added', 'Updated', 'SHA-256', 'Track ID'])
    assert.ok(labels.includes(l), `detail field ${l}`);
  const dd = await page.$$eval('dl.details dd', (d) => d.map((x) => x.textContent));
  assert.ok(dd.some((v) => /^[0-9a-f]{64}$/.test(v)), 'sha256 shown');
  assert.ok(dd.includes('0:30'), 'duration shown');
  assert.ok(dd.includes('yes'), 'fingerprint indexed');
  await page.evaluate(() => document.querySelector('#track-audio').play());
  const t0 = await page.evaluate(() => document.querySelector('#track-audio').currentTime);
  await page.waitForFunction((t) => document.querySelector('#track-audio').currentTime > t + 0.5, t0);
  assert.ok(audio.some((a) => a.status === 206 && a.range), `audio fetched with Range: ${JSON.stringify(audio)}`);
  await shots(page, '11-track');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await overflowX(page)) <= 0, 'no horizontal scroll at 360 px');

  const id = page.url().split('/').pop();
  await page.goto(`/#/tracks/${id}?t=12`);
  await page.reload();
  await page.waitForFunction(() => document.querySelector('#track-audio')?.currentTime >= 12);
  assert.match(await page.textContent('.player .hint'), /Starts at 0:12/);

  await page.goto('/#/tracks/00000000-0000-4000-8000-000000000000');
  await page.waitForFunction(() => document.querySelector('#track-title').textContent === 'Track not found');
  assert.match(await page.textContent('[role=alert]'), /NOT_FOUND/);
  await page.goto('/#/nowhere');
  await page.waitForFunction(() => /Page not found/.test(document.querySelector('h1')?.textContent || ''));
  await done(page);
});

// Records every upload percentage the queue shows.
const WATCH_PCT = `window.__pct = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.pct')) window.__pct.push(parseInt(el.textContent, 10));
}).observe(document, { subtree: true, childList: true, characterData: true });`;

test('admin ingest (loopback, no token): two files, one duplicate, one error; directory ingest', async () => {
  const page = await newPage(browser, srv.base, { init: WATCH_PCT });
  await page.goto('/#/admin');
  await page.waitForSelector('#ingest-files', { state: 'attached' });
  assert.deepEqual(await unlabelled(page), []);
  await page.setInputFiles('#ingest-files', [fx.newSong, fx.dupSong, fx.notAudio]);
  await page.waitForFunction(() => /3 files: 1 ingested, 1 duplicate, 1 error\./.test(document.querySelector('#ingest-totals').textContent), null, { timeout: 20000 });
  const states = await page.$$eval('table.queue tbody tr', (r) => r.map((x) => x.dataset.state));
  assert.deepEqual(states, ['ingested', 'duplicate', 'error']);
  assert.match(await page.textContent('table.queue tbody tr:nth-child(1)'), /Night Train/);
  assert.match(await page.textContent('table.queue tbody tr:nth-child(3)'), /UNSUPPORTED_FORMAT/);
  assert.doesNotMatch(await page.evaluate(() => document.querySelector('table.queue').innerText), /UNSUPPORTED_FORMAT/, 'the code only in the details');
  assert.ok(Math.max(...(await page.evaluate(() => window.__pct))) > 0, 'upload progress in percent was shown');
  assert.match(await page.textContent('#ingest-root-hint'), /INGEST_ROOT/);
  await shots(page, '12-admin-queue');

  await page.fill('#ingest-dir', 'does/not/exist');
  await page.click('.dir-form button[type=submit]');
  await page.waitForFunction(() => /DIRECTORY_NOT_FOUND/.test(document.querySelector('.dir-result').textContent));
  await page.fill('#ingest-dir', 'more');
  await page.click('.dir-form button[type=submit]');
  await page.waitForSelector('#dir-totals', { timeout: 20000 });
  assert.match(await page.textContent('#dir-totals'), /^1 file: 1 ingested, 0 duplicates, 0 errors\./);
  assert.match(await page.textContent('#dir-added'), /Far Away · Zeta/, 'the added track is listed');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.ok((await overflowX(page)) <= 0, 'no horizontal scroll at 360 px');

  const r = await (await fetch(`${srv.base}/api/v1/tracks?search=Far%20Away`)).json();
  assert.equal(r.pagination.totalItems, 1, 'directory track is in the library');
  await done(page);
});

test('admin token: refused without it, kept in sessionStorage, then ingest and delete work', async () => {
  const page = await newPage(browser, secured.base);
  await page.goto('/#/admin');
  await page.setInputFiles('#ingest-files', fx.newSong);
  await page.waitForFunction(() => document.querySelector('table.queue tbody tr')?.dataset.state === 'error');
  assert.match(await page.textContent('table.queue tbody tr'), /UNAUTHORIZED/);
  assert.match(await page.textContent('.admin [role=alert]'), /Admin token needed/);
  await shots(page, '13-admin-token-needed');

  await page.fill('#admin-token', TOKEN);
  assert.ok(await page.isHidden('.token-form button:has-text("Forget")'), 'nothing to forget yet');
  await page.click('.token-form button[type=submit]');
  assert.match(await page.textContent('#token-state'), /token is set/);
  assert.ok(await page.isVisible('.token-form button:has-text("Forget")'));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('audio-ident.adminToken')), TOKEN);
  // The failed row has its own Retry, which now succeeds with the token.
  await page.click('table.queue tbody tr .retry-file');
  await page.waitForFunction(() => /^1 file: 1 ingested, 0 duplicates, 0 errors\./.test(document.querySelector('#ingest-totals').textContent));
  const href = await page.getAttribute('table.queue tbody tr a', 'href');
  const id = href.split('/').pop();
  await page.reload();
  await page.waitForSelector('#token-state');
  assert.match(await page.textContent('#token-state'), /token is set/, 'token survives a reload');

  await page.goto(`/${href}`);
  await page.waitForFunction(() => document.querySelector('#track-title').textContent === 'Night Train');
  await page.click('#delete-track');
  await page.waitForSelector('#confirm-delete');
  assert.ok(await page.isHidden('#delete-track'), 'the first button gives way to the confirmation');
  await shots(page, '14-delete-confirm');
  await page.click('#confirm-delete');
  await page.waitForFunction(() => location.hash.startsWith('#/library'));
  await page.waitForSelector('.flash');
  assert.match(await page.textContent('.flash'), /Deleted “Night Train”/);
  assert.equal((await fetch(`${secured.base}/api/v1/tracks/${id}`)).status, 404);

  // Without the token delete is refused with the server's message.
  await page.evaluate(() => sessionStorage.clear());
  const other = await (await fetch(`${secured.base}/api/v1/tracks?pageSize=1`)).json();
  await page.goto(`/#/tracks/${other.data[0].id}`);
  await page.click('#delete-track');
  await page.click('#confirm-delete');
  await page.waitForFunction(() => /UNAUTHORIZED/.test(document.querySelector('.delete-slot').textContent));
  assert.equal((await fetch(`${secured.base}/api/v1/tracks/${other.data[0].id}`)).status, 200);
  await done(page);
});
