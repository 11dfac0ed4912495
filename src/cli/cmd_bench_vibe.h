/*
 * cmd_bench_vibe.h — inside `audio-ident bench-vibe`: the labelled library of
 * embedded chunks and the retrieval/scan measurements (cmd_bench_vibe_eval.c).
 * Single-threaded; every function allocates its own scratch memory.
 */
#ifndef AI_CLI_CMD_BENCH_VIBE_H
#define AI_CLI_CMD_BENCH_VIBE_H

#include <stddef.h>

#include "base/strbuf.h"
#include "config/config.h"
#include "embed/embed.h"

#define TOPK 100

/* Track aggregation rules compared by the bench (the lane uses BV_AGG_LANE). */
enum {
    BV_AGG_LANE = 0, /* mean of the track's top-3 chunk similarities + diversity bonus */
    BV_AGG_MAX,      /* best chunk similarity */
    BV_AGG_TOP3,     /* mean of the top-3, no bonus */
    BV_AGG_PERWIN,   /* mean over query windows of each window's best chunk */
    BV_AGG__COUNT
}; /* chunks per query window, as the lane's vector query */

typedef struct {
    char *path, *label;
    char *composer;     /* "" when the file has no artist tag */
    size_t first, nvec; /* chunk range in the global arrays */
} track_t;

typedef struct {
    track_t *t;
    size_t nt;
    float *raw, *vec; /* nchunks × dim */
    size_t nchunks;
    int dim;
    int agg; /* track aggregation rule: BV_AGG_* */
} lib_t;

typedef struct {
    double p5, map, p5_rand, map_rand;
    size_t nq;
} bv_retrieval_t;

/* Dot product (cosine of unit vectors), 8 partial sums. */
float bv_dot(const float *a, const float *b, int dim);
/* Lane rule per track: mean of its top-3 similarities to any of the nq query
 * windows + 0.05·min(unique chunks of it in the per-window global top-K / 5, 1).
 * exclude = a track index to leave out or SIZE_MAX; unscored tracks get -1e9.
 * Scratch: best3 (3·nt), uniq (nt), seen (nchunks). */
void bv_score_tracks(const lib_t *L, const float *q, size_t nq, size_t exclude, double *score,
                     float *best3, int *uniq, unsigned char *seen);
/* Track indices by score (desc, ties by index) without exclude; returns the count. */
size_t bv_rank_tracks(const double *score, size_t nt, size_t exclude, size_t *order);
/* Same-label retrieval over L->vec; -1 when out of memory. */
int bv_eval_retrieval(const lib_t *L, bv_retrieval_t *r, int per_label);
/* Mean ms of a brute-force top-K scan of n random dim-d vectors for nwin (1..3)
 * query windows in one pass; p95 too; -1 on OOM or bad arguments. */
double bv_bench_scan(size_t n, int dim, int nwin, int queries, double *p95);
/* The calibration of the vibe score measured on L (finished vectors); -1
 * when too few tracks or out of memory. */
int bv_calibrate(const lib_t *L, embed_calib_t *cal);
/* Query clips (path, own track path or "-" for non-music, variant) through
 * the silence gate and the lane's rule with the calibrated score floor;
 * prints a table and appends "verdicts" to js.  -1 on I/O or OOM. */
int bv_eval_verdicts(const config_t *cfg, const embedder_t *e, const lib_t *L, const char *manifest,
                     strbuf_t *js);
void bv_free5(void *a, void *b, void *c, void *d, void *e);

#endif
