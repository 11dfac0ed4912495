// axe-core (WCAG 2 A/AA rules) on every page state, light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { buildFixtures, startServer, stopServer, launch, newPage } from './helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
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

async function violations(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
}

const STATES = [
  ['home', async (p) => { await p.goto('/'); await p.waitForSelector('#record'); }],
  ['identified', async (p) => {
    await p.goto('/');
    await p.setInputFiles('#clip-file', fx.wavClip);
    await p.waitForSelector('#results .identified');
  }],
  ['error', async (p) => {
    await p.goto('/');
    await p.setInputFiles('#clip-file', fx.shortClip);
    await p.waitForSelector('#results [role=alert]');
    await p.click('#results details.tech summary');
  }],
  ['not-found', async (p) => {
    await p.goto('/');
    await p.setInputFiles('#clip-file', fx.unknownSong);
    await p.waitForSelector('#verdict');
    await p.click('#results details.tech summary');
  }],
  ['history', async (p) => { await p.goto('/#/history'); await p.waitForSelector('table.history-list tbody tr'); }],
  ['library', async (p) => {
    await p.goto('/#/library');
    await p.waitForSelector('table.tracks tbody tr[data-track-id]');
    await p.click('table.tracks tbody tr:first-child button.row-play');
    await p.waitForSelector('.now-playing:not([hidden])');
  }],
  ['track', async (p) => {
    await p.goto('/#/library?q=Rising');
    await p.waitForFunction(() => document.querySelectorAll('table.tracks tbody tr[data-track-id]').length === 1);
    await p.click('table.tracks td.col-title a');
    await p.waitForSelector('dl.details');
  }],
  ['admin', async (p) => {
    await p.goto('/#/admin');
    await p.setInputFiles('#ingest-files', [fx.dupSong, fx.notAudio]);
    await p.waitForFunction(() => /2 files: 0 ingested, 1 duplicate, 1 error/.test(document.querySelector('#ingest-totals').textContent));
  }],
];

test('axe finds no WCAG 2.1 A/AA violations on any page state, light or dark', async () => {
  const page = await newPage(browser, srv.base);
  const found = [];
  for (const [name, go] of STATES) {
    await page.emulateMedia({ colorScheme: 'light' });
    await go(page);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const v of await violations(page)) found.push(`${name} (${scheme}): ${v}`);
    }
  }
  assert.deepEqual(found, []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
