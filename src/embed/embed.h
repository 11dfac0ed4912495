/*
 * embed.h — audio embedders for the vibe (similarity) lane.
 *
 * An embedder turns mono PCM into one vector per analysis window.  The
 * public API is model-neutral: a model is a table of operations inside the
 * module (embed_int.h), so a learned model (CLAP via ONNX Runtime, later)
 * plugs in without touching callers.  The first model is "vibe-lite-v1", a
 * deterministic DSP descriptor (no weights; see docs/vibe-lane.md):
 * timbre, spectral shape, rhythm, key-invariant harmony and dynamics blocks.
 *
 * Pipeline.  embed_pcm_raw() gives the raw (un-standardised) descriptor of
 * each window; embed_finish() standardises every dimension with the
 * per-library statistics (mean/std, loaded from stats_path at open), weights
 * the blocks and L2-normalises, so cosine similarity = dot product.  The
 * library stores finished vectors.  rebuild-index recomputes the statistics:
 * embed_pcm_raw() over every track → embed_stats_add() → embed_stats_save()
 * → embed_load_stats() (or reopen) → embed_finish() of the kept raw vectors.
 * Without a stats file the built-in statistics are used (identity: mean 0,
 * std 1; the raw features are already scaled to comparable ranges).
 *
 * Windows.  Window window_s (10 s), hop hop_s (5 s).  A track of n samples
 * gets windows starting at 0, hop, 2·hop, … while they fit entirely; if the
 * end of the track is not covered, one last window is added that ENDS at the
 * track's end (start = n − window): every window is a full 10 s of real
 * audio, nothing is padded or dropped.  A clip shorter than one window (the
 * 3–10 s search clips) yields exactly one vector over the whole clip.  Less
 * than EMBED_MIN_SECONDS of audio → AI_ERR_AUDIO_TOO_SHORT.
 * embed_window_count()/embed_window_start() give the same layout so callers
 * can fill offset_sec/duration_sec of each chunk.
 *
 * Sample rate.  vibe-lite works at 16 kHz: the same PCM the exact lane
 * decodes (one decode serves both lanes, ingest keeps ~1/3 the memory of
 * 48 kHz), the band up to 8 kHz holds the timbre/harmony/rhythm cues the
 * descriptor uses, and phone-mic clips are band-limited below that anyway.
 *
 * Determinism: scalar FFTW plans (FFTW_NO_SIMD, FFTW_ESTIMATE), fixed
 * summation order; the same PCM gives the same vector on every machine
 * (to float rounding of libm).  Gain-invariant: each window is normalised to
 * unit RMS before analysis.
 *
 * Thread-safety: an embedder_t is immutable after embed_open (except
 * embed_load_stats, which must not run concurrently with other calls on the
 * same embedder); embed_pcm_raw / embed_finish / embed_info may be called
 * from many threads at once.  embed_stats_acc_t is not thread-safe.
 */
#ifndef AI_EMBED_EMBED_H
#define AI_EMBED_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define EMBED_MIN_SECONDS 1.0
#define EMBED_MAX_DIM     2048   /* upper bound of embed_info()->dim for any model */
#define EMBED_MAX_WINDOWS 100000 /* > 138 h of audio per call: VALIDATION_ERROR */

typedef struct embedder embedder_t;

typedef struct {
    char name[64];          /* "vibe-lite-v1": stored as tracks.embedding_model */
    int dim;                /* vector length */
    int sample_rate;        /* PCM rate embed_pcm_raw expects (16000 for vibe-lite) */
    double window_s, hop_s; /* 10.0, 5.0 */
    double load_ms;         /* time embed_open took */
    int stats_count;        /* raw vectors behind the loaded statistics (0 = built-in) */
} embed_info_t;

/* Opens a model.  model: "vibe-lite" (or its full name "vibe-lite-v1");
 * "clap" → AI_ERR_SERVICE_UNAVAILABLE (ONNX Runtime is not available in this
 * build); anything else → AI_ERR_VALIDATION_ERROR.  stats_path: file with the
 * per-library standardisation statistics (NULL or missing file → built-in
 * statistics; a file of another model or dimension is ignored with a
 * warning; an unreadable/corrupt file → AI_ERR_INTERNAL_ERROR).  FFT setup
 * failure / no memory → AI_ERR_INTERNAL_ERROR. */
ai_err_t embed_open(const char *model, const char *stats_path, embedder_t **out, ai_error_t *err);

/* Frees the embedder; NULL is fine. */
void embed_close(embedder_t *e);

/* Model description; valid until embed_close. */
const embed_info_t *embed_info(const embedder_t *e);

/* Number of windows for n samples (0 when n is below EMBED_MIN_SECONDS), and
 * the start (seconds) and length (seconds) of window i of them. */
size_t embed_window_count(const embedder_t *e, size_t n);
double embed_window_start(const embedder_t *e, size_t n, size_t i);
double embed_window_duration(const embedder_t *e, size_t n, size_t i);

/* Raw (un-standardised) descriptor of every window of mono PCM (float in
 * [-1,1], info.sample_rate).  *out: malloc'd nvec*dim floats, caller frees.
 * AI_ERR_AUDIO_TOO_SHORT below EMBED_MIN_SECONDS; AI_ERR_VALIDATION_ERROR
 * for more than EMBED_MAX_WINDOWS windows or NULL pcm;
 * AI_ERR_INTERNAL_ERROR when out of memory.  Silence gives a valid vector. */
ai_err_t embed_pcm_raw(const embedder_t *e, const float *pcm, size_t n, float **out, size_t *nvec,
                       ai_error_t *err);

/* In place, for nvec vectors of dim floats: standardise each dimension
 * (stats), weight each block, L2-normalise.  Non-finite values become 0. */
void embed_finish(const embedder_t *e, float *vecs, size_t nvec);

/* Blocks of the vector (for evaluation and tuning): number of blocks, and
 * name/offset/length/weight of block i (returns 0 if i is out of range). */
int embed_block_count(const embedder_t *e);
int embed_block_get(const embedder_t *e, int i, const char **name, int *offset, int *len,
                    double *weight);

/* embed_finish with other block weights (nblocks values; NULL = the model's). */
void embed_finish_weighted(const embedder_t *e, const double *block_weights, float *vecs,
                           size_t nvec);

/* embed_pcm_raw + embed_finish. */
ai_err_t embed_pcm(const embedder_t *e, const float *pcm, size_t n, float **out, size_t *nvec,
                   ai_error_t *err);

/*
 * Music gate: does a clip look like anything a music library holds?  Two
 * tests on raw windows (before embed_finish), both cheap (no extra DSP):
 *   - distance: mean over the dimensions of z² (z = the value standardised
 *     with the statistics in use, each z² capped at 100).  Music windows of a
 *     library sit near 1 (99.5 % of the bench corpus's windows <= 6.1); speech,
 *     tones, sweeps and beeps are at 6.2-32.  A window above
 *     EMBED_GATE_MAX_DISTANCE is unlike the library's music;
 *   - change: the model's timbral-change measure (embed_int.h); below its
 *     floor the window is as steady as stationary noise or a tone (noise sits
 *     inside the distance bound: standardisation clips nothing there).
 * A clip is music-like when at least one of its windows passes both.
 */
#define EMBED_GATE_MAX_DISTANCE 6.0

typedef struct {
    double distance; /* the smallest distance of the windows */
    double change;   /* the largest change of the windows (-1: model has none) */
    int music;       /* 1: some window passes both tests */
} embed_gate_t;

/* The gate of nvec raw windows (nvec 0: not music-like).  Thread-safe. */
void embed_music_gate(const embedder_t *e, const float *raw, size_t nvec, embed_gate_t *out);

/* Replaces the statistics from stats_path (same rules as embed_open; NULL →
 * built-in).  Not safe concurrently with other calls on e. */
ai_err_t embed_load_stats(embedder_t *e, const char *stats_path, ai_error_t *err);

/*
 * Calibration of the vibe lane's similarity.  The lane scores a track by the
 * mean of its EMBED_LANE_TOP_CHUNKS best chunk similarities ((cos+1)/2) among
 * the EMBED_LANE_CHUNKS_PER_WIN nearest chunks of each clip window, plus
 * EMBED_LANE_DIVERSITY_BONUS × min(distinct chunks of it there / 5, 1),
 * capped at 1.  That number means little by itself (most pairs of music
 * land in a narrow band), so the lane also reports a calibrated score: the
 * share of *unrelated* (query, other track) pairs of the library whose lane
 * similarity is lower — an empirical CDF kept as EMBED_CALIB_POINTS
 * quantiles with the embedder statistics.  embed_calib_compute() measures it
 * on a library (rebuild-index --vectors, bench-vibe): up to
 * EMBED_CALIB_MAX_QUERIES tracks spread over the library each query with
 * three windows from their middle, every other track reached is one pair.
 * A model carries a built-in calibration measured on the bench corpus.
 */
#define EMBED_LANE_CHUNKS_PER_WIN  200
#define EMBED_LANE_TOP_CHUNKS      3
#define EMBED_LANE_DIVERSITY_BONUS 0.05
#define EMBED_CALIB_POINTS         101 /* quantiles 0, 1 %, … 100 % */
#define EMBED_CALIB_MAX_QUERIES    128
#define EMBED_CALIB_MIN_PAIRS      200 /* fewer unrelated pairs: keep the built-in one */

typedef struct {
    float q[EMBED_CALIB_POINTS]; /* ascending lane similarities */
    size_t pairs;                /* unrelated pairs behind it (0 = built-in) */
} embed_calib_t;

/* A library of finished vectors, track by track (vecs[t]: nvec[t] × dim). */
typedef struct {
    const float *const *vecs;
    const size_t *nvec;
    size_t ntracks;
    int dim;
} embed_lib_view_t;

/* The lane's similarity of every track to the nq query windows q (finished
 * vectors), by brute force: score[t] (ntracks) is -1 for the exclude track
 * (SIZE_MAX = none) and for tracks no window reached.  -1 on out of memory. */
int embed_lane_scores(const embed_lib_view_t *L, const float *q, size_t nq, size_t exclude,
                      double *score);

/* Measures the calibration of a library into *out: 1 done, 0 too few
 * unrelated pairs (*out unchanged), -1 out of memory. */
int embed_calib_compute(const embed_lib_view_t *L, embed_calib_t *out);

/* The calibrated score of a lane similarity: 0..1, monotone in sim. */
double embed_calib_score(const embed_calib_t *c, double sim);

/* The calibration in use (the library's from its statistics file, else the
 * model's built-in one); valid until embed_load_stats / embed_close. */
const embed_calib_t *embed_calibration(const embedder_t *e);

/* Library statistics accumulator (per-dimension mean and std, computed in
 * double precision; order of adds does not matter beyond rounding). */
typedef struct embed_stats_acc embed_stats_acc_t;

/* AI_ERR_INTERNAL_ERROR when out of memory. */
ai_err_t embed_stats_create(const embedder_t *e, embed_stats_acc_t **out, ai_error_t *err);
/* Adds nvec raw vectors (dim floats each, from embed_pcm_raw of the same model).
 * Non-finite values are skipped per dimension. */
void embed_stats_add(embed_stats_acc_t *a, const float *raw, size_t nvec);
size_t embed_stats_count(const embed_stats_acc_t *a);
/* Writes the statistics to path atomically (fs_write_atomic); with no vectors
 * added the built-in statistics are written.  calib (may be NULL: none) is
 * written with them (a "calibration" line after the dimensions; files
 * without it use the built-in calibration).  AI_ERR_INTERNAL_ERROR on I/O. */
ai_err_t embed_stats_save(const embed_stats_acc_t *a, const embed_calib_t *calib,
                          const char *path, ai_error_t *err);
void embed_stats_destroy(embed_stats_acc_t *a);

/* Cosine similarity of two finished (unit) vectors = their dot product. */
float embed_dot(const float *a, const float *b, int dim);

#endif
