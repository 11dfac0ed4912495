/*
 * search.h — identify a clip: one code path for POST /api/v1/search and
 * `audio-ident search`.
 *
 * search_run() sniffs and decodes the clip once (16 kHz for the exact lane,
 * cut to its first 30 s), rejects clips shorter than 3.0 s
 * (AUDIO_TOO_SHORT, details {"audio_duration_seconds": x}), then runs the
 * requested lanes, each under its own deadline (EXACT_TIMEOUT_S /
 * VIBE_TIMEOUT_S) with cooperative cancellation.  In `both` mode a lane that
 * fails or times out leaves its list empty and is reported in lane_errors;
 * in a single-lane mode its error is the result (SEARCH_TIMEOUT → 504).
 * Matches are joined to their TrackInfo in one metadata query.
 *
 * Before any lane runs, the clip's level is measured (search_clip_analyze):
 * a clip below the level/activity floor is `silent` — no lane runs, no
 * matches, AI_OK.  Every answer carries a verdict (search_verdict_of):
 * identified (top exact match >= SEARCH_TRUST_CONFIDENCE), possible (exact
 * candidates below it), similar (vibe matches only), not_found, silent.
 *
 * In `both` mode the lanes run in parallel (the vibe lane in a second
 * thread) and the trusted top exact match (confidence >=
 * SEARCH_TRUST_CONFIDENCE) is left out of the vibe list.  AI_TEST_LANE_DELAY
 * (tests only) holds a lane back to exercise the deadlines.
 *
 * Thread-safety: search_run may run concurrently on one library_t.
 * Ownership: search_result_t owns its arrays; release with
 * search_result_release().
 */
#ifndef AI_SEARCH_SEARCH_H
#define AI_SEARCH_SEARCH_H

#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "library/library.h"
#include "meta/meta.h"

#define SEARCH_MIN_SECONDS 3.0
#define SEARCH_MAX_SECONDS 30.0
#define SEARCH_MAX_RESULTS 50
/* The UI's "Identified" threshold (API.md): right >= 99 % of the time. */
#define SEARCH_TRUST_CONFIDENCE 0.85

/* Clip level floor (docs/api.md "clip").  Levels are of the clip minus its
 * DC offset, in dBFS (full scale = 0), never below SEARCH_DBFS_MIN.  A 50 ms
 * frame is active when its level is >= SEARCH_ACTIVE_DBFS; a clip is silent
 * when its level is < SEARCH_SILENT_DBFS or fewer than
 * SEARCH_MIN_ACTIVE_RATIO of its frames are active. */
#define SEARCH_DBFS_MIN         (-120.0)
#define SEARCH_ACTIVE_DBFS      (-55.0)
#define SEARCH_SILENT_DBFS      (-60.0)
#define SEARCH_MIN_ACTIVE_RATIO 0.2

typedef enum { SEARCH_MODE_EXACT, SEARCH_MODE_VIBE, SEARCH_MODE_BOTH } search_mode_t;

/* "exact" | "vibe" | "both" → mode; returns -1 when unknown. */
int search_mode_parse(const char *s);
const char *search_mode_name(search_mode_t m);

typedef struct {
    meta_track_t track;
    double confidence, offset_seconds;
    double speed, pitch_cents; /* the clip against the track (fpindex_match_t) */
    unsigned aligned_hashes;
} search_exact_match_t;

/* Vibe matches: `similarity` is the lane's raw number (mean of the best chunk
 * cosines mapped to [0,1], plus a small bonus); `score` is its calibrated
 * value (embed_calib_score: the share of the library's unrelated pairs that
 * are less alike).  Only matches with score >= SEARCH_VIBE_MIN_SCORE are
 * returned when the clip passes the music gate (embed_music_gate), and only
 * near duplicates (score >= SEARCH_VIBE_MIN_SCORE_UNLIKE) when it does not:
 * speech, noise and tones find nothing, unless the library holds such a
 * sound itself. */
#define SEARCH_VIBE_MIN_SCORE        0.50
#define SEARCH_VIBE_MIN_SCORE_UNLIKE 0.98

typedef struct {
    meta_track_t track;
    double similarity;
    double score;
    char embedding_model[64];
} search_vibe_match_t;

typedef struct {
    int ran;       /* the mode asked for this lane */
    ai_err_t code; /* AI_OK = the lane answered */
    char message[256];
    double ms; /* the lane's own time */
} search_lane_status_t;

typedef enum {
    SEARCH_VERDICT_NOT_FOUND = 0,
    SEARCH_VERDICT_IDENTIFIED,
    SEARCH_VERDICT_POSSIBLE,
    SEARCH_VERDICT_SIMILAR,
    SEARCH_VERDICT_SILENT
} search_verdict_t;

typedef struct {
    double duration_seconds;
    double rms_dbfs;     /* SEARCH_DBFS_MIN .. 0 */
    double active_ratio; /* 0..1: share of active 50 ms frames */
    int silent;          /* below the floor: no lane runs */
} search_clip_t;

typedef struct {
    search_mode_t mode;
    search_verdict_t verdict;
    search_clip_t clip;
    search_exact_match_t *exact;
    size_t nexact;
    search_vibe_match_t *vibe;
    size_t nvibe;
    search_lane_status_t exact_status, vibe_status;
    double audio_seconds;
    double query_ms; /* whole request, decode included */
} search_result_t;

typedef struct {
    search_mode_t mode;
    size_t max_results; /* 1..SEARCH_MAX_RESULTS per lane */
    double started_ms;  /* clock_now_ms() when the request began (0 = now) */
} search_opts_t;

/* Runs a search on an uploaded clip.  Errors: UNSUPPORTED_FORMAT,
 * AUDIO_TOO_SHORT, VALIDATION_ERROR (max_results), SEARCH_TIMEOUT or the
 * lane's error in single-lane mode, SERVICE_UNAVAILABLE (metadata store down
 * or vibe lane absent), INTERNAL_ERROR.  On error *res holds no matches,
 * but its lane statuses still tell which lanes ran and how long they took. */
ai_err_t search_run(library_t *lib, const void *data, size_t len, const search_opts_t *o,
                    search_result_t *res, ai_error_t *err);
void search_result_release(search_result_t *res);

/* Level and activity of mono PCM at rate (n == 0 → silent). */
void search_clip_analyze(const float *pcm, size_t n, int rate, search_clip_t *out);

/* The verdict of a finished result (its mode, clip and match lists). */
search_verdict_t search_verdict_of(const search_result_t *res);
/* "identified" | "possible" | "similar" | "not_found" | "silent" */
const char *search_verdict_name(search_verdict_t v);

/* The API.md response body of a search (request_id may be NULL). */
void search_result_json(const search_result_t *res, const char *request_id, strbuf_t *out);

/* TrackInfo JSON object of API.md (id, title, artist, album, duration_seconds,
 * ingested_at); shared with the tracks endpoints and CLI. */
void search_track_info_json(const meta_track_t *t, strbuf_t *out);

#endif
