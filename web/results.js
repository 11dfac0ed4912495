// Renders a /api/v1/search answer with the server's verdict as the headline:
// "Identified", "Possibly …", "Not in the library" or "We couldn't hear
// anything"; vibe results follow as *other* tracks that resemble the clip,
// described in words from their calibrated score.  Raw numbers (aligned
// hashes, cosine similarity, mode, request id, clip level) stay in a
// "Technical details" disclosure.
import { TRUST_THRESHOLD } from './api.js';
import { h, clear, clock, percent, techDetails } from './dom.js';
import { playToggle } from './player.js';

export const VERDICTS = ['identified', 'possible', 'similar', 'not_found', 'silent'];
export const VERDICT_WORDS = {
  identified: 'Identified',
  possible: 'Possible match',
  similar: 'Similar tracks only',
  not_found: 'Not in the library',
  silent: 'Nothing heard',
};

const LANES = { exact: 'Exact-match', vibe: 'Similarity' };

// The server's verdict; for answers without one (older servers) the same
// rule derived from the lists.
export function verdictOf(r) {
  if (VERDICTS.includes(r.verdict)) return r.verdict;
  const exact = Array.isArray(r.exact_matches) ? r.exact_matches : [];
  const vibe = Array.isArray(r.vibe_matches) ? r.vibe_matches : [];
  if (exact.length) return exact[0].confidence >= TRUST_THRESHOLD ? 'identified' : 'possible';
  return vibe.length ? 'similar' : 'not_found';
}

// Words for a vibe match's calibrated score (0..1, the share of unrelated
// pairs in the library that are less alike; the server returns ≥ 0.50):
// how strongly another track resembles the clip.  level 1–3 drives the dots next to the words
// (0: an older server sent no score, so no level is claimed).
export function resemblance(m) {
  const s = typeof m.score === 'number' ? m.score : null;
  if (s === null) return { word: 'Sounds similar', level: 0 };
  if (s >= 0.99) return { word: 'Strong resemblance', level: 3 };
  if (s >= 0.95) return { word: 'Some resemblance', level: 2 };
  return { word: 'Faint resemblance', level: 1 };
}

function laneErrorText(lane, e) {
  const name = LANES[lane] || lane;
  const code = e && e.code;
  const what = code === 'SEARCH_TIMEOUT' ? 'timed out' : code === 'SERVICE_UNAVAILABLE' ? 'is unavailable' : 'failed';
  const other = lane === 'vibe' ? 'exact matches' : 'similar-sounding tracks';
  return `${name} search ${what}, so only ${other} are shown.`;
}

const byline = (t) => [t.artist || 'Unknown artist', t.album].filter(Boolean).join(' · ');
const quoted = (t) => `“${t.title || 'Untitled'}”${t.artist ? ` by ${t.artist}` : ''}`;

function trackLink(t, offset) {
  const q = offset > 0 ? `?t=${Math.floor(offset)}` : '';
  return h('a', { href: `#/tracks/${t.id}${q}` }, t.title || 'Untitled');
}

function confidenceBar(value) {
  return h(
    'div',
    { class: 'conf' },
    h('span', { class: 'conf-text' }, `${percent(value)} confidence`),
    h('div', { class: 'bar', 'aria-hidden': 'true' }, h('div', { class: 'bar-fill', style: `width:${percent(value)}` })),
  );
}

function exactCard(m, top) {
  const t = m.track || {};
  const slot = h('div', { class: 'player-slot' });
  return h(
    'article',
    { class: `match exact${top ? ' top' : ''}`, 'data-track-id': t.id },
    h(
      'div',
      { class: 'match-main' },
      h(top ? 'h3' : 'h4', { class: 'match-title' }, trackLink(t, m.offset_seconds)),
      h('p', { class: 'byline' }, byline(t)),
      h('p', { class: 'where' }, 'Your clip is ', h('span', { class: 'offset' }, `at ${clock(m.offset_seconds)}`), ' in this track'),
    ),
    h('div', { class: 'match-side' }, confidenceBar(m.confidence), playToggle(slot, t.id, m.offset_seconds, t.title)),
    slot,
  );
}

function vibeCard(m) {
  const t = m.track || {};
  const slot = h('div', { class: 'player-slot' });
  const r = resemblance(m);
  return h(
    'article',
    { class: 'match vibe', 'data-track-id': t.id, 'data-level': String(r.level) },
    h('div', { class: 'match-main' }, h('h4', { class: 'match-title' }, trackLink(t, 0)), h('p', { class: 'byline' }, byline(t))),
    h(
      'div',
      { class: 'match-side' },
      h(
        'p',
        { class: 'resemblance' },
        r.level ? [h('span', { class: 'dots', 'aria-hidden': 'true' }, '●'.repeat(r.level) + '○'.repeat(3 - r.level)), ' '] : null,
        r.word,
      ),
      playToggle(slot, t.id, 0, t.title),
    ),
    slot,
  );
}

// The link someone else can open: the track page at the matched offset.
function shareText(m) {
  const t = m.track || {};
  const q = m.offset_seconds > 0 ? `?t=${Math.floor(m.offset_seconds)}` : '';
  const url = `${location.origin}${location.pathname}#/tracks/${t.id}${q}`;
  return { line: [t.title || 'Untitled', t.artist, t.album].filter(Boolean).join(' – '), url };
}

function shareActions(m) {
  const { line, url } = shareText(m);
  const text = `${line}\n${url}`;
  const status = h('span', { class: 'share-status', role: 'status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      id: 'copy-result',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(text);
          status.textContent = 'Copied.';
        } catch {
          const box = h('input', { type: 'text', readonly: true, value: text.replace('\n', ' '), 'aria-label': 'Text to copy', class: 'copy-box' });
          clear(status, 'Copy this: ', box);
          box.select();
        }
      },
    },
    'Copy title and link',
  );
  const share =
    typeof navigator.share === 'function'
      ? h(
          'button',
          { type: 'button', class: 'button secondary', onclick: () => navigator.share({ title: line, text: line, url }).catch(() => {}) },
          'Share…',
        )
      : null;
  return h('div', { class: 'row share' }, copy, share, status);
}

function details(r, exact, vibe) {
  const rows = [
    ['Request id', r.request_id],
    ['Verdict', r.verdict || '(not sent; derived)'],
    ['Mode', r.mode_used],
    ['Server time', typeof r.query_duration_ms === 'number' ? `${r.query_duration_ms} ms` : null],
  ];
  const c = r.clip || {};
  if (typeof c.duration_seconds === 'number') rows.push(['Clip length', `${c.duration_seconds.toFixed(1)} s`]);
  if (typeof c.rms_dbfs === 'number') rows.push(['Clip level', `${c.rms_dbfs.toFixed(1)} dBFS`]);
  if (typeof c.active_ratio === 'number') rows.push(['Active frames', percent(c.active_ratio)]);
  exact.forEach((m, i) =>
    rows.push([`Exact ${i + 1}`, `${(m.track || {}).title}: confidence ${m.confidence}, ${m.aligned_hashes} aligned hashes, offset ${m.offset_seconds} s`]),
  );
  vibe.forEach((m, i) =>
    rows.push([`Vibe ${i + 1}`, `${(m.track || {}).title}: score ${m.score ?? '–'}, similarity ${m.similarity}, model ${m.embedding_model || '–'}`]),
  );
  for (const [lane, e] of Object.entries(r.lane_errors || {})) rows.push([`Lane ${lane}`, `${e.code}: ${e.message}`]);
  return techDetails(rows, 'Technical details');
}

// Fills el with the answer; returns the verdict heading (to focus).
export function renderResults(el, r) {
  const exact = Array.isArray(r.exact_matches) ? r.exact_matches : [];
  const vibe = Array.isArray(r.vibe_matches) ? r.vibe_matches : [];
  const verdict = verdictOf(r);
  const vibeMode = r.mode_used === 'vibe';
  const top = exact[0];
  const head = h('h2', { class: 'verdict-head', id: 'verdict', tabindex: '-1' });
  const parts = [];
  let sub = null;
  let summary;

  if (verdict === 'identified' && top) {
    head.append(h('span', { class: 'badge', 'aria-hidden': 'true' }, '✓'), ' Identified');
    summary = `Identified: ${quoted(top.track || {})}.`;
  } else if (verdict === 'possible' && top) {
    head.append(`Possibly ${quoted(top.track || {})}`);
    sub = `We are not sure: no match reached ${percent(TRUST_THRESHOLD)} confidence. A longer or cleaner clip helps.`;
    summary = `Possibly ${quoted(top.track || {})}, not certain.`;
  } else if (verdict === 'silent') {
    head.append('We couldn’t hear anything — move closer to the music');
    sub = 'The clip was (almost) silent, so it was not searched. Hold the device nearer the speaker, turn the music up, or upload a file.';
    summary = 'We couldn’t hear anything in the clip.';
  } else if (vibeMode) {
    head.append(verdict === 'similar' ? 'Tracks with a similar sound' : 'Nothing in the library sounds like this');
    sub = verdict === 'similar' ? 'Similarity mode does not identify recordings; these tracks resemble your clip.' : null;
    summary = verdict === 'similar' ? 'Found tracks with a similar sound.' : 'Nothing in the library sounds like this clip.';
  } else {
    head.append('Not in the library');
    sub =
      verdict === 'similar'
        ? 'No recording in the library matches this clip. Below are other tracks with a similar sound.'
        : 'We could not match this clip to any track we know.';
    summary = 'Not in the library.';
  }
  const ms = typeof r.query_duration_ms === 'number' ? r.query_duration_ms : null;
  parts.push(
    h(
      'p',
      { class: 'summary' },
      // The verdict heading below says it visibly; this sentence is for
      // screen readers, announced by the live region.
      h('span', { class: 'summary-text visually-hidden' }, summary),
      ms !== null ? h('span', { class: 'timing' }, ` Answered in ${ms.toFixed(ms < 10 ? 1 : 0)} ms.`) : null,
    ),
  );
  for (const [lane, e] of Object.entries(r.lane_errors || {}))
    parts.push(h('div', { class: 'notice warn lane-error', 'data-lane': lane }, laneErrorText(lane, e)));

  const verdictBox = h('div', { class: `verdict v-${verdict}`, 'data-verdict': verdict }, head, sub ? h('p', { class: 'verdict-sub' }, sub) : null);
  if (verdict === 'identified' && top) {
    parts.push(h('section', { class: 'group identified', 'aria-labelledby': 'verdict' }, verdictBox, exactCard(top, true), shareActions(top)));
  } else if (verdict === 'possible' && top) {
    parts.push(h('section', { class: 'group possible', 'aria-labelledby': 'verdict' }, verdictBox, exact.map((m) => exactCard(m, false)), shareActions(top)));
  } else {
    const advice =
      verdict === 'not_found' && !vibeMode
        ? h(
            'p',
            { class: 'advice' },
            'Try recording closer to the speaker or a louder, longer part of the song, or check the ',
            h('a', { href: '#/library' }, 'library'),
            ' to see what is in it.',
          )
        : null;
    parts.push(h('div', { class: `empty${verdict === 'silent' ? ' silent' : ''}` }, verdictBox, advice));
  }
  const rest = verdict === 'identified' ? exact.slice(1) : verdict === 'possible' ? [] : exact;
  if (rest.length)
    parts.push(
      h(
        'section',
        { class: 'group others', 'aria-labelledby': 'h-others' },
        h('h3', { id: 'h-others' }, 'Other possible matches'),
        rest.map((m) => exactCard(m, false)),
      ),
    );
  if (vibe.length) {
    const title = vibeMode ? 'Similar-sounding tracks' : 'Other tracks that sound similar';
    parts.push(
      h(
        'section',
        { class: 'group sounds-like', 'aria-labelledby': 'h-vibe' },
        h('h3', { id: 'h-vibe' }, title),
        vibeMode ? null : h('p', { class: 'hint' }, 'These are different recordings that resemble your clip, not matches for it.'),
        vibe.map(vibeCard),
      ),
    );
  }
  parts.push(details(r, exact, vibe));
  clear(el, parts);
  return head;
}
