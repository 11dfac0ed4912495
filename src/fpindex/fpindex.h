/*
 * fpindex.h — the inverted index of landmark hashes (LMDB) and the matcher.
 *
 * Layout (one LMDB environment in a directory):
 *   "post"   hash bucket (high hash bits) -> sorted 8-byte postings (low hash
 *            bits, track u24, frame u24), DUPSORT|DUPFIXED so postings sit
 *            densely in pages (track numbers and frames are limited to 2^24);
 *   "tracks" track (u32) -> header (frames) + the track's distinct hash values,
 *            so a delete finds exactly its postings without re-decoding audio.
 * The map grows automatically (doubling) when a write finds it full.
 *
 * Matching (docs/exact-lane.md): each distinct clip hash's posting list is
 * located (page runs in the read transaction, nothing copied); lists longer
 * than a stop-word cap are ignored.  Votes for (track, time offset) are cast
 * from the rarest hashes first until a per-query budget is spent, so common
 * hashes cannot flood the vote table.  The best candidates are then
 * re-counted over every (non-stop-word) hash: A = clip hashes with a posting
 * of the track within ±1 frame of the offset, against a chance expectation
 * summed hash by hash from the track's own postings of that hash.  The
 * Poisson tail of A, corrected for the offsets and tracks tried, is the
 * score, mapped to a calibrated `confidence` in [0,1]; matches below
 * FPINDEX_MIN_SCORE are not returned, so unknown audio gives no match.
 * Hashes are invariant to speed, tempo and pitch changes; the candidates'
 * time scale is searched during verification and the frequency scale read
 * from the aligned postings (fpindex_match_t.speed, .pitch_cents).
 *
 * Lifecycle: fpindex_open → … → fpindex_close (accepts NULL).
 * Thread-safety: one fpindex_t per process, shared by all threads.  Queries
 * run concurrently (each in its own short read transaction); writes are
 * serialised internally.  All returned arrays are malloc'd, caller frees.
 * Errors: AI_ERR_INTERNAL_ERROR (LMDB failure, corrupt index — the message
 * names the directory and LMDB's reason), AI_ERR_SEARCH_TIMEOUT (deadline or
 * cancel flag during a query), AI_ERR_VALIDATION_ERROR (bad arguments).
 */
#ifndef AI_FPINDEX_FPINDEX_H
#define AI_FPINDEX_FPINDEX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/error.h"
#include "fp/fp.h"

typedef struct fpindex fpindex_t;

/* Version of the on-disk hash and posting layout, recorded in the
 * environment ("meta" database); an index written with another version must
 * be rebuilt. */
#define FPINDEX_FORMAT 3

/* Opens (creating when absent) the index in directory dir.  An index of
 * another format is refused (AI_ERR_INTERNAL_ERROR, the message says to run
 * `audio-ident rebuild-index --fingerprints`). */
ai_err_t fpindex_open(const char *dir, fpindex_t **out, ai_error_t *err);
/* Same, but an index of another format is emptied and stamped with this
 * build's format (rebuild-index --fingerprints re-adds every track). */
ai_err_t fpindex_open_reset(const char *dir, fpindex_t **out, ai_error_t *err);
/* Same with an explicit initial map size in bytes (tests exercise growth). */
ai_err_t fpindex_open_sized(const char *dir, size_t initial_map, fpindex_t **out, ai_error_t *err);
void fpindex_close(fpindex_t *idx);

/* Adds a track's hashes in one transaction; `frames` is the track length in
 * frames (for the chance model).  Replaces an existing track_no. */
ai_err_t fpindex_add_track(fpindex_t *idx, uint32_t track_no, const fp_hash_t *h, size_t n,
                           uint32_t frames, ai_error_t *err);
/* Removes a track's postings; an absent track is AI_OK. */
ai_err_t fpindex_delete_track(fpindex_t *idx, uint32_t track_no, ai_error_t *err);
/* 1 when the track is indexed, 0 when not (or on error). */
int fpindex_has_track(fpindex_t *idx, uint32_t track_no);
/* All indexed track numbers (ascending). */
ai_err_t fpindex_list_tracks(fpindex_t *idx, uint32_t **nums, size_t *n, ai_error_t *err);
/* Removes everything (rebuild-index --fingerprints). */
ai_err_t fpindex_drop_all(fpindex_t *idx, ai_error_t *err);

/* Reads every posting page once, so that the first queries of a process do
 * not pay for mapping the index (a server can call it at start; the
 * benchmark does, to measure the steady state). */
ai_err_t fpindex_warm(fpindex_t *idx, ai_error_t *err);

/* Writes a compacted copy of the index into the existing empty directory
 * dest (consistent while the index is in use: backups, size measurement). */
ai_err_t fpindex_copy_compact(fpindex_t *idx, const char *dest, ai_error_t *err);

typedef struct {
    uint64_t tracks, hashes, bytes;
} fpindex_stats_t;
ai_err_t fpindex_stats(fpindex_t *idx, fpindex_stats_t *st, ai_error_t *err);

typedef struct {
    uint32_t track_no;
    double confidence;     /* [0,1], calibrated */
    double score;          /* significance (-log10 of the corrected p-value) */
    double offset_seconds; /* where the clip starts in the track */
    uint32_t aligned_hashes;
    double speed;       /* time scale: track seconds per clip second (1.08 = the
                         * clip plays 8 % fast; 1.0 = unchanged) */
    double pitch_cents; /* frequency scale of the clip against the track, cents
                         * (+133 for a clip sped up 8 %; 0 = unchanged pitch) */
} fpindex_match_t;

#define FPINDEX_MIN_SCORE   20.0 /* below: not returned */
#define FPINDEX_MIN_ALIGNED 8

/* Votes cast per query (postings × clip occurrences), spent on the rarest
 * hashes first: by default FPINDEX_BUDGET_PER_TRACK per indexed track, at
 * least FPINDEX_DEFAULT_BUDGET and at most FPINDEX_MAX_BUDGET (16 MB of sort
 * keys per running query). */
#define FPINDEX_DEFAULT_BUDGET   100000
#define FPINDEX_BUDGET_PER_TRACK 50
#define FPINDEX_MAX_BUDGET       2000000

typedef struct {
    size_t max_results;       /* 1..; out has room for this many */
    size_t max_postings;      /* vote budget; 0 = the default above */
    double min_score;         /* weaker matches dropped; 0 = FPINDEX_MIN_SCORE (the
                               * benchmark lowers it to see the unrelated audio's scores) */
    deadline_t deadline;      /* 0 = none */
    const atomic_int *cancel; /* may be NULL; nonzero = stop */
} fpindex_query_opts_t;

/* Matches one set of hashes: the clip's time scale against the track is
 * searched within ±FPINDEX_MAX_SCALE (hashes with span 0 count as unscaled). */
#define FPINDEX_MAX_SCALE 0.13
ai_err_t fpindex_query(fpindex_t *idx, const fp_hash_t *h, size_t n, const fpindex_query_opts_t *o,
                       fpindex_match_t *out, size_t *nout, ai_error_t *err);

/* Matches a clip's peaks: first with the query hashes of the unchanged
 * anchor-frequency and span classes (plus jitter neighbours), then — unless
 * that gave a decisive match leading the next track by a wide margin — with
 * the neighbouring classes a ±12 % change of speed, tempo or pitch reaches;
 * the better pass per track wins.  This is what the exact lane calls. */
ai_err_t fpindex_match_peaks(fpindex_t *idx, const fp_peak_t *peaks, size_t npeaks,
                             const fp_params_t *p, const fpindex_query_opts_t *o,
                             fpindex_match_t *out, size_t *nout, ai_error_t *err);

/* Maps a significance score to the calibrated confidence (exposed for tests
 * and the benchmark's calibration table). */
double fpindex_confidence(double score);

#endif
