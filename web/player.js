// Plays a stored track from an offset with a plain <audio> element; the
// server answers the browser's Range requests, so seeking does not download
// the whole file.
import { audioUrl } from './api.js';
import { h } from './dom.js';

// Finds or creates the <audio> inside host, seeks to offset and plays.
export function playFrom(host, trackId, offset, label) {
  let audio = host.querySelector('audio');
  if (!audio) {
    audio = h('audio', {
      controls: true,
      preload: 'metadata',
      src: audioUrl(trackId),
      'aria-label': label || 'Track player',
    });
    host.append(audio);
  }
  const start = Math.max(0, offset || 0);
  const go = () => {
    try {
      audio.currentTime = start;
    } catch {
      /* not seekable yet */
    }
    audio.play().catch(() => {
      /* autoplay refused: the controls are there */
    });
  };
  if (audio.readyState >= 1) go();
  else audio.addEventListener('loadedmetadata', go, { once: true });
  return audio;
}

// Only one player plays at a time across the page.
export function installSinglePlayback(root) {
  root.addEventListener(
    'play',
    (e) => {
      for (const a of root.querySelectorAll('audio')) if (a !== e.target && !a.paused) a.pause();
    },
    true,
  );
}
