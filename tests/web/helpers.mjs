// Fixtures for the browser suite: a small generated library ingested with
// the real binary, real `audio-ident serve` processes on free loopback ports
// serving web/, and Debian's Chromium driven by playwright-core.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { BIN, sh, startServer as startServerWith } from '../lib/serve.mjs';

export { BIN, sh };
const HERE = dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = resolve(HERE, '../../web');
export const ARTIFACTS = process.env.WEB_ARTIFACTS || join(HERE, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';


// Four distinct 30 s "songs" the fingerprinter tells apart (several voices
// and a noise bed each: a bare sweep or tone has too few distinct peak
// triplets to be identified, like a steady tone), and short
// fillers so the library has more than one page.
const SONGS = [
  ['Alpha Artist - First Light', ['synth', '30', 'pluck', 'C3', 'pluck', 'E3', 'sine', '300-1200', 'sawtooth', '110-180', 'brownnoise', 'tremolo', '3', '40']],
  ['Beta Band - Square Dance', ['synth', '30', 'pluck', 'D3', 'pluck', 'A3', 'sine', '500-1500', 'sawtooth', '130-200', 'brownnoise', 'tremolo', '7', '60']],
  ['Gamma - Rising Sines', ['synth', '30', 'sine', '300-2400', 'pluck', 'A2', 'sawtooth', '150-220', 'brownnoise', 'tremolo', '5', '50']],
  ['Delta Duo - Saw Waves', ['synth', '30', 'sawtooth', '220-330', 'pluck', 'G2', 'sine', '800-1800', 'brownnoise', 'tremolo', '2', '70']],
];
const FILLER_NOTES = ['A2', 'B2', 'D3', 'F3', 'A3', 'C4', 'E4', 'G4'];

export function buildFixtures() {
  const root = mkdtempSync(join(tmpdir(), 'ai-web-'));
  const lib = join(root, 'library');
  const extra = join(root, 'ingest-root', 'more');
  mkdirSync(lib, { recursive: true });
  mkdirSync(extra, { recursive: true });
  const songs = SONGS.map(([name, recipe]) => {
    const file = join(lib, `${name}.wav`);
    sh('sox', ['-n', '-r', '22050', '-c', '1', file, ...recipe]);
    return { file, artist: name.split(' - ')[0], title: name.split(' - ')[1] };
  });
  FILLER_NOTES.forEach((note, i) => {
    const file = join(lib, `Filler Ensemble - Etude ${String(i + 1).padStart(2, '0')}.wav`);
    sh('sox', ['-n', '-r', '22050', '-c', '1', file, 'synth', '12', 'pluck', note, 'sine', `${200 + i * 150}-${900 + i * 97}`, 'tremolo', String(2 + i), '35']);
  });
  // The fake microphone plays this (Chromium wants 16-bit PCM WAV).
  const micClip = join(root, 'mic.wav');
  sh('sox', [songs[1].file, '-r', '48000', '-c', '2', '-b', '16', micClip, 'trim', '8', '12']);
  const wavClip = join(root, 'rising-clip.wav');
  sh('sox', [songs[2].file, wavClip, 'trim', '5', '8']);
  const webmClip = join(root, 'saw-clip.webm');
  sh('ffmpeg', ['-loglevel', 'error', '-y', '-i', songs[3].file, '-ss', '10', '-t', '8', '-c:a', 'libopus', '-b:a', '96k', webmClip]);
  const shortClip = join(root, 'short.wav');
  sh('sox', [songs[0].file, shortClip, 'trim', '0', '2']);
  // Silence for the fake microphone, and a tune that is not in the library.
  const silenceMic = join(root, 'silence.wav');
  sh('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', silenceMic, 'synth', '12', 'sine', '440', 'vol', '0']);
  const unknownSong = join(root, 'unknown-song.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', unknownSong, 'synth', '8', 'pluck', 'F2', 'pluck', 'C4', 'sine', '700-1300', 'tremolo', '11', '55']);
  const unknown = join(root, 'unknown.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', unknown, 'synth', '8', 'pinknoise', 'tremolo', '9', '80']);
  const notAudio = join(root, 'notes.txt');
  writeFileSync(notAudio, 'these are not the notes you are looking for\n'.repeat(20));
  const fakeWav = join(root, 'fake.wav');
  writeFileSync(fakeWav, 'plain text pretending to be a wav file\n'.repeat(20));
  const newSong = join(root, 'Epsilon - Night Train.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', newSong, 'synth', '20', 'square', '440-220', 'tremolo', '6', '45']);
  const dirSong = join(extra, 'Zeta - Far Away.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', dirSong, 'synth', '20', 'pluck', 'D2', 'pluck', 'A2', 'tremolo', '4', '30']);
  const data = join(root, 'data');
  sh(BIN, ['ingest', lib], { DATA_DIR: data });
  return {
    root, lib, data, songs, micClip, silenceMic, unknownSong, wavClip, webmClip, shortClip, unknown, notAudio, fakeWav,
    newSong, dupSong: songs[0].file, ingestRoot: join(root, 'ingest-root'), trackCount: SONGS.length + FILLER_NOTES.length,
  };
}

export { copyData, stopServer } from '../lib/serve.mjs';

// The real server, serving this repository's web/ unless env says otherwise.
export function startServer(env) {
  return startServerWith({ WEB_DIR, ...env });
}

export function launch(micFile) {
  const args = ['--autoplay-policy=no-user-gesture-required'];
  if (micFile)
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${micFile}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// A page that fails the test on any uncaught script error.
export async function newPage(browser, base, opts = {}) {
  const ctx = await browser.newContext({ baseURL: base, viewport: opts.viewport || { width: 1100, height: 850 }, ...opts.context });
  if (opts.init) await ctx.addInitScript(opts.init);
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text());
  });
  return page;
}

// Desktop and 375 px screenshots of the page's current state.
export async function shots(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const vp = page.viewportSize();
  await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 740 });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-mobile.png`), fullPage: true });
  await page.setViewportSize(vp);
}

// Text a person sees in el (closed <details> excluded): no raw jargon there.
export function visibleText(page, selector) {
  return page.evaluate((sel) => document.querySelector(sel).innerText, selector);
}
export const JARGON = /aligned hashes|mode (both|exact|vibe)|\b[A-Z]{3,}_[A-Z_]{3,}\b|\bHTTP_\d+/;

// The verdict heading has focus and lies fully inside the window.
export function verdictFocusedInView(page) {
  return page.evaluate(() => {
    const v = document.querySelector('#verdict');
    if (!v || document.activeElement !== v) return false;
    const r = v.getBoundingClientRect();
    const all = document.querySelector('#results').getBoundingClientRect();
    const whole = all.height > window.innerHeight || (all.top >= 0 && all.bottom <= window.innerHeight + 1);
    return r.top >= 0 && r.bottom <= window.innerHeight && whole;
  });
}

// Horizontal overflow of the document at the current viewport, in px.
export function overflowX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// Form controls without an accessible name (label, aria-label(ledby), text).
export function unlabelled(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.type === 'hidden') continue;
      const byLabel = el.labels && [...el.labels].some((l) => l.textContent.trim());
      const aria = (el.getAttribute('aria-label') || '').trim();
      const ledby = (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/)
        .some((id) => id && document.getElementById(id)?.textContent.trim());
      const text = el.tagName === 'BUTTON' && el.textContent.trim();
      if (!byLabel && !aria && !ledby && !text) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  });
}
