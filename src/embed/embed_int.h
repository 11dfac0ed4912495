/*
 * embed_int.h — inside the embed module: the model operations table.
 *
 * A model describes its vector as named blocks (offset, length, weight);
 * embed.c does windowing, statistics, standardisation, block weighting and
 * normalisation for every model, so a model only computes the raw vector of
 * one window.  A model's state is read-only after create, so window() may
 * run on many threads at once (all scratch memory is per call).
 */
#ifndef AI_EMBED_EMBED_INT_H
#define AI_EMBED_EMBED_INT_H

#include "embed/embed.h"

typedef struct {
    const char *name;
    int offset, len;
    double weight; /* block weight; applied as weight/sqrt(len) per dimension */
} embed_block_t;

typedef struct {
    const char *name; /* full versioned name, e.g. "vibe-lite-v1" */
    int dim, sample_rate;
    double window_s, hop_s;
    int nblocks;
    const embed_block_t *blocks;
    /* Built-in statistics (dim means and stds), NULL = identity. */
    const float *default_mean, *default_std;
    /* Built-in calibration (EMBED_CALIB_POINTS lane similarities), NULL = the
     * lane similarity itself is the score. */
    const float *default_calib;
    /* Music gate (embed_music_gate): raw dimensions [change_off, change_off +
     * change_len) measure how much the timbre changes within a window; their
     * mean below change_floor is the steadiness of stationary noise or a
     * tone.  change_len 0: no such test. */
    int change_off, change_len;
    double change_floor;
    ai_err_t (*create)(void **state, ai_error_t *err);
    void (*destroy)(void *state);
    /* Raw vector of one window of n samples (n >= EMBED_MIN_SECONDS·rate). */
    ai_err_t (*window)(const void *state, const float *pcm, size_t n, float *out, ai_error_t *err);
} embed_ops_t;

extern const embed_ops_t embed_vibe_lite_ops;
extern const float embed_vibe_lite_mean[], embed_vibe_lite_std[]; /* vibe_lite_stats.c */
extern const float embed_vibe_lite_calib[];                        /* vibe_lite_stats.c */

#endif
