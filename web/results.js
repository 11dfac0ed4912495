// Renders a /api/v1/search answer: "Identified" (top exact match with
// confidence ≥ the trust threshold), "Possible matches" below it, vibe
// results under "Sounds like", or a friendly "not in the library".
import { TRUST_THRESHOLD } from './api.js';
import { h, clear, clock, percent } from './dom.js';
import { playFrom } from './player.js';

const LANES = { exact: 'Exact-match', vibe: 'Similarity' };

function laneErrorText(lane, e) {
  const name = LANES[lane] || lane;
  const code = e && e.code;
  const what = code === 'SEARCH_TIMEOUT' ? 'timed out' : code === 'SERVICE_UNAVAILABLE' ? 'is unavailable' : 'failed';
  return `${name} search ${what}${e && e.message ? `: ${e.message}` : ''}`;
}

function byline(t) {
  return [t.artist || 'Unknown artist', t.album].filter(Boolean).join(' · ');
}

function trackLink(t, offset) {
  const q = offset > 0 ? `?t=${Math.floor(offset)}` : '';
  return h('a', { href: `#/tracks/${t.id}${q}` }, t.title || 'Untitled');
}

function playButton(card, t, offset) {
  const label = offset > 0 ? `Play from ${clock(offset)}` : 'Play';
  return h(
    'button',
    {
      type: 'button',
      class: 'button play',
      'aria-label': `${label}: ${t.title || 'track'}`,
      onclick: () => playFrom(card.querySelector('.player-slot'), t.id, offset, `Player: ${t.title || 'track'}`),
    },
    h('span', { 'aria-hidden': 'true' }, '▶ '),
    label,
  );
}

function confidenceBar(value, label) {
  return h(
    'div',
    { class: 'conf' },
    h('span', { class: 'conf-text' }, `${percent(value)} ${label}`),
    h('div', { class: 'bar', 'aria-hidden': 'true' }, h('div', { class: 'bar-fill', style: `width:${percent(value)}` })),
  );
}

function exactCard(m, top) {
  const t = m.track || {};
  const card = h('article', { class: `match exact${top ? ' top' : ''}`, 'data-track-id': t.id });
  const Heading = top ? 'h3' : 'h4';
  card.append(
    h(
      'div',
      { class: 'match-main' },
      h(Heading, { class: 'match-title' }, trackLink(t, m.offset_seconds)),
      h('p', { class: 'byline' }, byline(t)),
      h(
        'p',
        { class: 'where' },
        h('span', { class: 'offset' }, `at ${clock(m.offset_seconds)}`),
        ' · ',
        h('span', { class: 'hashes' }, `${m.aligned_hashes} aligned hashes`),
      ),
    ),
    h('div', { class: 'match-side' }, confidenceBar(m.confidence, 'confidence'), playButton(card, t, m.offset_seconds)),
    h('div', { class: 'player-slot' }),
  );
  return card;
}

function vibeCard(m) {
  const t = m.track || {};
  const card = h('article', { class: 'match vibe', 'data-track-id': t.id });
  card.append(
    h(
      'div',
      { class: 'match-main' },
      h('h4', { class: 'match-title' }, trackLink(t, 0)),
      h('p', { class: 'byline' }, byline(t)),
    ),
    h('div', { class: 'match-side' }, confidenceBar(m.similarity, 'similar'), playButton(card, t, 0)),
    h('div', { class: 'player-slot' }),
  );
  return card;
}

export function renderResults(el, r) {
  const exact = Array.isArray(r.exact_matches) ? r.exact_matches : [];
  const vibe = Array.isArray(r.vibe_matches) ? r.vibe_matches : [];
  const top = exact[0];
  const identified = !!top && top.confidence >= TRUST_THRESHOLD;
  const parts = [];

  const ms = typeof r.query_duration_ms === 'number' ? r.query_duration_ms : null;
  let summary;
  if (identified) summary = `Identified: ${top.track.title} by ${top.track.artist || 'unknown artist'}.`;
  else if (exact.length) summary = `${exact.length} possible match${exact.length > 1 ? 'es' : ''}, none certain.`;
  else if (vibe.length) summary = 'No exact match; showing tracks that sound alike.';
  else summary = 'No match in the library.';
  parts.push(
    h(
      'p',
      { class: 'summary' },
      h('span', { class: 'summary-text' }, summary),
      ms !== null ? h('span', { class: 'timing' }, ` Answered in ${ms.toFixed(ms < 10 ? 1 : 0)} ms`) : null,
      r.mode_used ? h('span', { class: 'timing' }, ` · mode ${r.mode_used}`) : null,
    ),
  );

  for (const [lane, e] of Object.entries(r.lane_errors || {}))
    parts.push(h('div', { class: 'notice warn lane-error', 'data-lane': lane }, laneErrorText(lane, e)));

  if (identified) {
    parts.push(
      h(
        'section',
        { class: 'group identified', 'aria-labelledby': 'h-identified' },
        h('h2', { id: 'h-identified' }, h('span', { class: 'badge' }, '✓'), ' Identified'),
        exactCard(top, true),
      ),
    );
  }
  const rest = identified ? exact.slice(1) : exact;
  if (rest.length) {
    parts.push(
      h(
        'section',
        { class: 'group possible', 'aria-labelledby': 'h-possible' },
        h('h2', { id: 'h-possible' }, identified ? 'Other possible matches' : 'Possible matches'),
        identified
          ? null
          : h(
              'p',
              { class: 'hint' },
              `None of these reached ${percent(TRUST_THRESHOLD)} confidence, so they may be wrong. A longer or cleaner clip helps.`,
            ),
        rest.map((m) => exactCard(m, false)),
      ),
    );
  }
  if (vibe.length) {
    parts.push(
      h(
        'section',
        { class: 'group sounds-like', 'aria-labelledby': 'h-vibe' },
        h('h2', { id: 'h-vibe' }, 'Sounds like'),
        vibe.map(vibeCard),
      ),
    );
  }
  if (!exact.length && !vibe.length) {
    parts.push(
      h(
        'div',
        { class: 'empty' },
        h('h2', {}, 'Not in the library'),
        h(
          'p',
          {},
          'We could not match this clip to any track we know. Try recording closer to the speaker, a louder or longer part of the song, or check the ',
          h('a', { href: '#/library' }, 'library'),
          ' to see what is in it.',
        ),
      ),
    );
  }
  clear(el, parts);
}
