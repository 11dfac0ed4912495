// Test helpers: fixtures made with sox/ffmpeg and real `audio-ident serve`
// processes on free loopback ports.
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, sh } from '../lib/serve.mjs';

export { BIN, sh, copyData, startServer, stopServer } from '../lib/serve.mjs';

// Distinct synthetic tracks the fingerprinter tells apart.
const RECIPES = [
  ['Alpha Artist - First Light', ['synth', '24', 'pluck', 'C3', 'pluck', 'E3', 'pluck', 'G3', 'tremolo', '3', '40']],
  ['Beta Band - Square Dance', ['synth', '24', 'square', '110-880', 'tremolo', '7', '60']],
  ['Gamma - Rising Sines', ['synth', '24', 'sine', '300-2400', 'tremolo', '5', '50']],
  ['Delta Duo - Saw Waves', ['synth', '24', 'sawtooth', '220-330', 'tremolo', '2', '70']],
];

// Builds the library once: a directory of tracks, clips and odd files, and
// a DATA_DIR with the tracks ingested.  Returns paths.
export function buildFixtures() {
  const root = mkdtempSync(join(tmpdir(), 'ai-api-'));
  const lib = join(root, 'library');
  const extra = join(root, 'ingest-root', 'more');
  mkdirSync(lib, { recursive: true });
  mkdirSync(extra, { recursive: true });
  const tracks = RECIPES.map(([name, recipe]) => {
    const file = join(lib, `${name}.wav`);
    sh('sox', ['-n', '-r', '22050', '-c', '1', file, ...recipe]);
    return { name, file, title: name.split(' - ')[1], artist: name.split(' - ')[0] };
  });
  const clip = join(root, 'clip.wav'); // 8 s of track 1 from 10 s
  sh('sox', [tracks[1].file, clip, 'trim', '10', '8']);
  const webm = join(root, 'clip.webm');
  sh('ffmpeg', ['-loglevel', 'error', '-y', '-i', clip, '-c:a', 'libopus', '-b:a', '64k', webm]);
  const short = join(root, 'short.wav');
  sh('sox', [tracks[2].file, short, 'trim', '0', '2']);
  const fresh = join(extra, 'Epsilon - Noise Song.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', fresh, 'synth', '20', 'pluck', 'A2', 'pluck', 'D3', 'tremolo', '4', '30']);
  const fresh2 = join(root, 'upload.wav');
  sh('sox', ['-n', '-r', '22050', '-c', '1', fresh2, 'synth', '20', 'square', '440-220', 'tremolo', '6', '45']);
  const data = join(root, 'data');
  sh(BIN, ['ingest', lib], { DATA_DIR: data });
  return { root, lib, data, tracks, clip, webm, short, fresh, fresh2, ingestRoot: join(root, 'ingest-root') };
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
