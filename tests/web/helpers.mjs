// Fixtures for the browser suite: a small generated library ingested with
// the real binary, real `audio-ident serve` processes on free loopback ports
// serving web/, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BIN = process.env.AI_BIN;
const HERE = dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = resolve(HERE, '../../web');
export const ARTIFACTS = process.env.WEB_ARTIFACTS || join(HERE, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function sh(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

// Four distinct 30 s "songs" the fingerprinter tells apart, and short
// fillers so the library has more than one page.
const SONGS = [
  ['Alpha Artist - First Light', ['synth', '30', 'pluck', 'C3', 'pluck', 'E3', 'pluck', 'G3', 'tremolo', '3', '40']],
  ['Beta Band - Square Dance', ['synth', '30', 'square', '110-880', 'tremolo', '7', '60']],
  ['Gamma - Rising Sines', ['synth', '30', 'sine', '300-2400', 'tremolo', '5', '50']],
  ['Delta Duo - Saw Waves', ['synth', '30', 'sawtooth', '220-330', 'tremolo', '2', '70']],
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
    root, lib, data, songs, micClip, wavClip, webmClip, shortClip, unknown, notAudio, fakeWav,
    newSong, dupSong: songs[0].file, ingestRoot: join(root, 'ingest-root'), trackCount: SONGS.length + FILLER_NOTES.length,
  };
}

// A private copy of the data dir for servers that change the library.
export function copyData(fx, name) {
  const dir = join(fx.root, `data-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(fx.data, dir, { recursive: true });
  return dir;
}

export function startServer(env) {
  return new Promise((resolveP, reject) => {
    const proc = spawn(BIN, ['serve'], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_PER_MIN: '100000', WEB_DIR, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    const onData = (d) => {
      log += d.toString();
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m && !proc.base) {
        clearTimeout(timer);
        proc.base = `http://127.0.0.1:${m[1]}`;
        proc.logText = () => log;
        waitHealthy(proc.base).then(() => resolveP(proc), reject);
      }
    };
    proc.stderr.on('data', onData);
    proc.stdout.on('data', onData);
    proc.on('exit', (code) => {
      if (!proc.base) {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}):\n${log}`));
      }
    });
  });
}

async function waitHealthy(base) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/health never answered 200`);
}

export function stopServer(proc) {
  return new Promise((res) => {
    if (!proc || proc.exitCode !== null) return res(proc ? proc.exitCode : 0);
    proc.on('exit', (code) => res(code));
    proc.kill('SIGTERM');
  });
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
