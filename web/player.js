// Plays a stored track from an offset with a plain <audio> element; the
// server answers the browser's Range requests, so seeking does not download
// the whole file.
import { audioUrl } from './api.js';
import { h, clock } from './dom.js';

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

// A "▶ Play from m:ss" button that plays the track into host from offset and
// reads "Pause" while that player plays; pausing shows the play label again.
export function playToggle(host, trackId, offset, title) {
  const name = title || 'track';
  const playLabel = offset > 0 ? `Play from ${clock(offset)}` : 'Play';
  const icon = h('span', { class: 'play-icon', 'aria-hidden': 'true' }, '▶');
  const text = h('span', { class: 'play-text' }, playLabel);
  const btn = h('button', { type: 'button', class: 'button play', 'aria-label': `${playLabel}: ${name}` }, icon, ' ', text);
  let wired = null;
  const show = (playing) => {
    btn.classList.toggle('playing', playing);
    icon.textContent = playing ? '❚❚' : '▶';
    text.textContent = playing ? 'Pause' : playLabel;
    btn.setAttribute('aria-label', `${playing ? 'Pause' : playLabel}: ${name}`);
  };
  btn.addEventListener('click', () => {
    const audio = host.querySelector('audio');
    if (audio && !audio.paused) {
      audio.pause();
      return;
    }
    const a = playFrom(host, trackId, offset, `Player: ${name}`);
    if (wired !== a) {
      wired = a;
      a.addEventListener('play', () => show(true));
      a.addEventListener('playing', () => show(true));
      for (const ev of ['pause', 'ended', 'emptied']) a.addEventListener(ev, () => show(false));
    }
    show(true);
  });
  return btn;
}
