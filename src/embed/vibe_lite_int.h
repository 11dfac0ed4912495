/*
 * vibe_lite_int.h — inside vibe-lite-v1: the analysis constants, the vector
 * layout and the per-frame series shared by vibe_lite.c (FFT passes, timbre,
 * shape, harmony) and vibe_lite_frames.c (rhythm, texture, dynamics).
 * Pure functions of their inputs; thread-safe.
 */
#ifndef AI_EMBED_VIBE_LITE_INT_H
#define AI_EMBED_VIBE_LITE_INT_H

#include <stddef.h>

#define SR        16000
#define NFFT      1024
#define NBIN      (NFFT / 2 + 1)
#define HOP       512
#define NFFT_C    8192
#define NBIN_C    (NFFT_C / 2 + 1)
#define HOP_C     4096
#define NMEL      40
#define NCEP      20 /* c0..c19; c0 (loudness) is not used */
#define NC        (NCEP - 1)
#define NBAND     6
#define NTEMPO    12
#define EPS       1e-10
#define MEL_LO_HZ 250.0
#define MEL_HI_HZ 4000.0
#define KLO       16 /* FFT bins of MEL_LO_HZ .. MEL_HI_HZ */
#define KHI       257

#define OFF_TIMBRE  0
#define LEN_TIMBRE  (3 * NC)
#define OFF_SHAPE   (OFF_TIMBRE + LEN_TIMBRE)
#define LEN_SHAPE   (10 + 2 * NBAND)
#define OFF_RHYTHM  (OFF_SHAPE + LEN_SHAPE)
#define LEN_RHYTHM  (NTEMPO + 4)
#define OFF_HARMONY (OFF_RHYTHM + LEN_RHYTHM)
#define LEN_HARMONY (12 + 6 + 6 + 1)
#define OFF_DYN     (OFF_HARMONY + LEN_HARMONY)
#define LEN_DYN     5
#define OFF_TEX     (OFF_DYN + LEN_DYN)
#define NGRP        4 /* mel band groups of the texture block */
#define NMOD        5 /* modulation bands 0.25-0.75-1.5-3-6-12 Hz */
#define LEN_TEX     (NGRP * (NMOD + 1))
#define DIM         (OFF_TEX + LEN_TEX)

/* Per-frame series computed in the short-FFT pass. */
typedef struct {
    size_t nf;
    float *cep;                                  /* nf × NC */
    float *cent, *bw, *roll, *flat, *flux, *edb; /* nf each (flux[0] = 0) */
    float *grp;                                  /* nf × NGRP mean log-mel of each band group */
    double contrast[NBAND], valley[NBAND];
    size_t ncontrast;
} frames_t;

int vl_cmp_float(const void *a, const void *b);
/* Mean and population std of n values at x[0], x[stride], ... */
void vl_mean_std(const float *x, size_t n, size_t stride, double *mean, double *sd);
void vl_put_rhythm(const frames_t *fr, float *out);
/* env: scratch of fr->nf floats. */
void vl_put_texture(const frames_t *fr, float *env, float *out);
/* pcm/n/g: the window and its unit-RMS gain; sorted: scratch of fr->nf floats. */
void vl_put_dynamics(const frames_t *fr, const float *pcm, size_t n, double g, float *sorted,
                     float *out);

#endif
