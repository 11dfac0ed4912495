/*
 * `audio-ident bench-vibe`: evaluation of the vibe lane's embedder.
 *
 * Input (made by bench/vibe.sh): a TSV of tracks (path, label = source
 * soundtrack) and optionally a TSV of query clips (path, own track path,
 * variant).  Every track is embedded (10 s windows, 5 s hop), library
 * statistics are computed from all raw vectors and saved (--stats), vectors
 * are finished, then:
 *   - same-soundtrack retrieval: every track queries with the windows of a
 *     20 s excerpt from its middle; tracks are scored by the lane's rule (mean
 *     of the top-3 chunk similarities + 0.05·min(unique chunks in the global
 *     top-K / 5, 1)); precision@5 and mAP excluding the query's own track, vs
 *     the random baseline; the same per block alone (ablation);
 *   - own-track recall@1/@5 of the query clips per variant;
 *   - embed time per window; brute-force cosine top-K over N synthetic
 *     vectors (flat-store scan cost) for each N of --synthetic.
 */
#include "audio/audio.h"
#include "base/clock.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "embed/embed.h"
#include "cli/cmd_bench_vibe.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LINE  4096
#define MAX_ITEMS 100000

/* Splits "a\tb\tc" into up to n fields in place; returns the field count. */
static int split_tabs(char *line, char **f, int n)
{
    int k = 0;
    line[strcspn(line, "\r\n")] = 0;
    while (k < n) {
        f[k++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            break;
        *tab = 0;
        line = tab + 1;
    }
    return k;
}

static void lib_release(lib_t *L)
{
    for (size_t i = 0; i < L->nt; i++) {
        free(L->t[i].path);
        free(L->t[i].label);
        free(L->t[i].composer);
    }
    free(L->t);
    free(L->raw);
    free(L->vec);
    memset(L, 0, sizeof *L);
}

/* Appends nv vectors to the library arrays. */
static int lib_append(lib_t *L, size_t *cap, const float *raw, size_t nv)
{
    size_t dim = (size_t)L->dim;
    if (!L->raw || L->nchunks + nv > *cap) {
        size_t nc = (*cap ? *cap * 2 : 1024) + nv;
        float *r = realloc(L->raw, nc * dim * sizeof *r);
        if (!r)
            return -1;
        L->raw = r;
        *cap = nc;
    }
    memcpy(L->raw + L->nchunks * dim, raw, nv * dim * sizeof *raw);
    L->nchunks += nv;
    return 0;
}

/* Decodes a file at 16 kHz and embeds it (raw: not yet standardised).  ms
 * (may be NULL) accumulates the embedding's wall and CPU milliseconds.  A file
 * that cannot be used is reported and gives -1. */
static int embed_file(const config_t *cfg, const embedder_t *e, const char *path, int raw,
                      float **v, size_t *nv, double ms[2])
{
    audio_decoded_t d;
    memset(&d, 0, sizeof d);
    ai_error_t err;
    *v = NULL;
    *nv = 0;
    if (cli_decode_file_16k(cfg, path, &d, &err) != AI_OK) {
        fprintf(stderr, "bench-vibe: skipping %s: %s\n", path, err.message);
        return -1;
    }
    double t0 = clock_now_ms();
    clock_t c0 = clock();
    ai_err_t rc = raw ? embed_pcm_raw(e, d.pcm[0].samples, d.pcm[0].n, v, nv, &err)
                      : embed_pcm(e, d.pcm[0].samples, d.pcm[0].n, v, nv, &err);
    if (ms) {
        ms[0] += clock_now_ms() - t0;
        ms[1] += (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
    }
    audio_decoded_release(&d);
    if (rc != AI_OK) {
        fprintf(stderr, "bench-vibe: skipping %s: %s\n", path, err.message);
        return -1;
    }
    return 0;
}

static int load_tracks(const config_t *cfg, const embedder_t *e, const char *manifest, lib_t *L,
                       double embed_ms[2], size_t *nwin)
{
    FILE *f = fopen(manifest, "r");
    if (!f) {
        fprintf(stderr, "bench-vibe: cannot open %s\n", manifest);
        return -1;
    }
    char line[MAX_LINE];
    size_t cap = 0, tcap = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) && L->nt < MAX_ITEMS) {
        char *fld[3] = {NULL, NULL, NULL};
        int nf = split_tabs(line, fld, 3);
        if (nf < 2 || !*fld[0])
            continue;
        float *v = NULL;
        size_t nv = 0;
        if (embed_file(cfg, e, fld[0], 1, &v, &nv, embed_ms) != 0)
            continue;
        *nwin += nv;
        if (L->nt == tcap) {
            size_t nc = tcap ? tcap * 2 : 64;
            track_t *t = realloc(L->t, nc * sizeof *t);
            if (!t)
                rc = -1;
            else {
                L->t = t;
                tcap = nc;
            }
        }
        if (rc == 0) {
            track_t *t = &L->t[L->nt];
            t->first = L->nchunks;
            t->nvec = nv;
            t->path = strdup(fld[0]);
            t->label = strdup(fld[1]);
            t->composer = strdup(nf > 2 ? fld[2] : "");
            L->nt++;
            if (!t->path || !t->label || !t->composer || lib_append(L, &cap, v, nv) != 0)
                rc = -1;
        }
        free(v);
        if (L->nt % 10 == 0)
            fprintf(stderr, "\rbench-vibe: embedded %zu tracks", L->nt);
    }
    fprintf(stderr, "\rbench-vibe: embedded %zu tracks, %zu windows\n", L->nt, L->nchunks);
    fclose(f);
    return rc;
}

typedef struct {
    char variant[64];
    size_t n, r1, r5;
} clipgrp_t;

static int eval_clips(const config_t *cfg, const embedder_t *e, const lib_t *L,
                      const char *manifest, clipgrp_t *g, size_t *ng, size_t maxg, double *clip_ms,
                      size_t *nclips)
{
    FILE *f = fopen(manifest, "r");
    if (!f) {
        fprintf(stderr, "bench-vibe: cannot open %s\n", manifest);
        return -1;
    }
    size_t nt = L->nt;
    double *score = malloc(nt * sizeof *score);
    float *best3 = malloc(3 * nt * sizeof *best3);
    int *uniq = malloc(nt * sizeof *uniq);
    size_t *order = malloc(nt * sizeof *order);
    unsigned char *seen = malloc(L->nchunks + 1);
    char line[MAX_LINE];
    int rc = (!score || !best3 || !uniq || !order || !seen) ? -1 : 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char *fld[3];
        if (split_tabs(line, fld, 3) != 3)
            continue;
        size_t own = SIZE_MAX;
        for (size_t t = 0; t < nt; t++)
            if (strcmp(L->t[t].path, fld[1]) == 0)
                own = t;
        if (own == SIZE_MAX)
            continue;
        float *v = NULL;
        size_t nv = 0;
        double t0 = clock_now_ms();
        if (embed_file(cfg, e, fld[0], 0, &v, &nv, NULL) != 0)
            continue;
        size_t nq = nv < 3 ? nv : 3;
        bv_score_tracks(L, v, nq, SIZE_MAX, score, best3, uniq, seen);
        *clip_ms += clock_now_ms() - t0;
        (*nclips)++;
        size_t n = bv_rank_tracks(score, nt, SIZE_MAX, order), pos = n;
        for (size_t i = 0; i < n; i++)
            if (order[i] == own)
                pos = i;
        free(v);
        size_t k = 0;
        while (k < *ng && strcmp(g[k].variant, fld[2]) != 0)
            k++;
        if (k == *ng) {
            if (*ng == maxg)
                continue;
            memset(&g[k], 0, sizeof g[k]);
            snprintf(g[k].variant, sizeof g[k].variant, "%s", fld[2]);
            (*ng)++;
        }
        g[k].n++;
        g[k].r1 += pos < 1;
        g[k].r5 += pos < 5;
    }
    fclose(f);
    bv_free5(score, best3, uniq, order, seen);
    return rc;
}

/* Same-composer retrieval among the tracks that carry an artist tag: a view
 * of the library with only those tracks, labelled by composer. */
static int eval_composers(const lib_t *L, bv_retrieval_t *r)
{
    memset(r, 0, sizeof *r);
    lib_t C = *L;
    C.t = malloc((L->nt ? L->nt : 1) * sizeof *C.t);
    if (!C.t)
        return -1;
    C.nt = 0;
    for (size_t i = 0; i < L->nt; i++)
        if (L->t[i].composer[0]) {
            C.t[C.nt] = L->t[i];
            C.t[C.nt].label = L->t[i].composer;
            C.nt++;
        }
    int rc = C.nt > 1 ? bv_eval_retrieval(&C, r, 0) : 0;
    free(C.t);
    return rc;
}

static void refinish(const embedder_t *e, lib_t *L, const double *w)
{
    memcpy(L->vec, L->raw, L->nchunks * (size_t)L->dim * sizeof *L->vec);
    embed_finish_weighted(e, w, L->vec, L->nchunks);
}

static int parse_weights(const char *s, double *w, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        w[i] = strtod(s, &end);
        if (end == s)
            return -1;
        s = *end == ',' ? end + 1 : end;
    }
    return 0;
}

int cli_bench_vibe(const config_t *cfg, int argc, char **argv)
{
    const char *tracks = NULL, *queries = NULL, *stats = NULL, *json = NULL, *weights = NULL;
    const char *synth = "1000,100000,1000000";
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--verbose") == 0) {
            verbose = 1;
            continue;
        }
        if (!v)
            goto usage;
        if (strcmp(a, "--tracks") == 0)
            tracks = v;
        else if (strcmp(a, "--queries") == 0)
            queries = v;
        else if (strcmp(a, "--stats") == 0)
            stats = v;
        else if (strcmp(a, "--json") == 0)
            json = v;
        else if (strcmp(a, "--weights") == 0)
            weights = v;
        else if (strcmp(a, "--synthetic") == 0)
            synth = v;
        else
            goto usage;
        i++;
    }
    if (!tracks || !stats)
        goto usage;

    ai_error_t err;
    embedder_t *e = NULL;
    if (embed_open(cfg->embedding_model, NULL, &e, &err) != AI_OK) {
        fprintf(stderr, "bench-vibe: %s\n", err.message);
        return 1;
    }
    const embed_info_t *in = embed_info(e);
    int nb = embed_block_count(e), rc = 1;
    double w[16];
    for (int b = 0; b < nb && b < 16; b++) {
        const char *name;
        int off, len;
        embed_block_get(e, b, &name, &off, &len, &w[b]);
    }
    if (weights && parse_weights(weights, w, nb) != 0) {
        fprintf(stderr, "bench-vibe: --weights needs %d comma-separated numbers\n", nb);
        embed_close(e);
        return 2;
    }
    lib_t L = {.dim = in->dim};
    double embed_ms[2] = {0, 0}, clip_ms = 0; /* wall, CPU */
    size_t nwin = 0, nclips = 0, ng = 0;
    clipgrp_t g[16];
    embed_stats_acc_t *acc = NULL;
    strbuf_t js;
    strbuf_init(&js, 1 << 20);
    if (load_tracks(cfg, e, tracks, &L, embed_ms, &nwin) != 0 || L.nt < 2)
        goto done;
    if (embed_stats_create(e, &acc, &err) != AI_OK)
        goto done;
    embed_stats_add(acc, L.raw, L.nchunks);
    if (embed_stats_save(acc, NULL, stats, &err) != AI_OK || embed_load_stats(e, stats, &err) != AI_OK) {
        fprintf(stderr, "bench-vibe: %s\n", err.message);
        goto done;
    }
    L.vec = malloc(L.nchunks * (size_t)L.dim * sizeof *L.vec);
    if (!L.vec)
        goto done;

    printf("\nvibe lane: %s, dim %d (%zu bytes/vector float32), %zu tracks, %zu chunks\n", in->name,
           in->dim, (size_t)in->dim * sizeof(float), L.nt, L.nchunks);
    printf("embed: %.2f ms per 10 s window wall, %.2f ms CPU (%.0fx real time per core with "
           "the 5 s hop)\n\n",
           embed_ms[0] / (double)nwin, embed_ms[1] / (double)nwin,
           5000.0 / (embed_ms[1] / (double)nwin));
    printf("same-soundtrack retrieval (query: 20 s from the middle, own track excluded)\n");
    printf("  %-22s %8s %8s\n", "descriptor", "p@5", "mAP");
    bv_retrieval_t r, rb;
    double one[16];
    for (int b = 0; b < nb; b++) {
        const char *name;
        int off, len;
        double dw;
        embed_block_get(e, b, &name, &off, &len, &dw);
        for (int k = 0; k < nb; k++)
            one[k] = k == b ? 1.0 : 0.0;
        refinish(e, &L, one);
        if (bv_eval_retrieval(&L, &rb, 0) != 0)
            goto done;
        printf("  %-22s %8.3f %8.3f\n", name, rb.p5, rb.map);
        strbuf_printf(&js, "%s\"%s\":{\"p_at_5\":%.4f,\"map\":%.4f}", b ? "," : "\"blocks\":{",
                      name, rb.p5, rb.map);
    }
    strbuf_append(&js, "},");
    /* Extra weight sets to compare: --weights "a,b,..;a,b,..". */
    for (const char *ws = weights ? strchr(weights, ';') : NULL; ws; ws = strchr(ws + 1, ';')) {
        if (parse_weights(ws + 1, one, nb) != 0)
            break;
        refinish(e, &L, one);
        if (bv_eval_retrieval(&L, &rb, 0) != 0)
            goto done;
        char nm[64];
        int len = 0;
        for (int b = 0; b < nb && len < (int)sizeof nm - 8; b++)
            len += snprintf(nm + len, sizeof nm - (size_t)len, "%s%.2g", b ? "," : "w=", one[b]);
        printf("  %-22s %8.3f %8.3f\n", nm, rb.p5, rb.map);
    }
    refinish(e, &L, w);
    if (bv_eval_retrieval(&L, &r, verbose) != 0)
        goto done;
    printf("  %-22s %8.3f %8.3f\n", "all (weighted)", r.p5, r.map);
    static const char *agg_names[BV_AGG__COUNT] = {
        "lane rule", "aggregate: max", "aggregate: top-3 mean", "aggregate: per-window"};
    for (int a = 1; a < BV_AGG__COUNT; a++) {
        L.agg = a;
        if (bv_eval_retrieval(&L, &rb, 0) != 0)
            goto done;
        printf("  %-22s %8.3f %8.3f\n", agg_names[a], rb.p5, rb.map);
    }
    L.agg = BV_AGG_LANE;
    bv_retrieval_t rcm;
    if (eval_composers(&L, &rcm) == 0 && rcm.nq)
        printf("  %-22s %8.3f %8.3f   (%zu tagged queries; random %.3f / %.3f)\n", "same composer",
               rcm.p5, rcm.map, rcm.nq, rcm.p5_rand, rcm.map_rand);
    printf("  %-22s %8.3f %8.3f\n", "random baseline", r.p5_rand, r.map_rand);
    printf("  p@5 / random = %.2fx over %zu queries\n\n", r.p5 / r.p5_rand, r.nq);
    /* the library's own calibration of the vibe score, saved with its
     * statistics as rebuild-index does; printed for the built-in table */
    embed_calib_t cal;
    if (bv_calibrate(&L, &cal) == 0) {
        if (embed_stats_save(acc, &cal, stats, &err) != AI_OK ||
            embed_load_stats(e, stats, &err) != AI_OK) {
            fprintf(stderr, "bench-vibe: %s\n", err.message);
            goto done;
        }
        printf("vibe score calibration (%zu unrelated pairs), lane similarity at 0, 5, ... 100 %%:\n ",
               cal.pairs);
        for (int i = 0; i < EMBED_CALIB_POINTS; i += 5)
            printf(" %.3f", cal.q[i]);
        printf("\n\n");
    }
    strbuf_printf(&js,
                  "\"model\":\"%s\",\"dim\":%d,\"tracks\":%zu,\"chunks\":%zu,"
                  "\"embed_ms_per_window\":%.3f,\"embed_cpu_ms_per_window\":%.3f,\"p_at_5\":%.4f,"
                  "\"map\":%.4f,"
                  "\"p_at_5_random\":%.4f,\"map_random\":%.4f",
                  in->name, in->dim, L.nt, L.nchunks, embed_ms[0] / (double)nwin,
                  embed_ms[1] / (double)nwin, r.p5, r.map, r.p5_rand, r.map_rand);
    strbuf_printf(&js,
                  ",\"composer\":{\"queries\":%zu,\"p_at_5\":%.4f,\"map\":%.4f,"
                  "\"p_at_5_random\":%.4f,\"map_random\":%.4f}",
                  rcm.nq, rcm.p5, rcm.map, rcm.p5_rand, rcm.map_rand);

    if (queries) {
        if (eval_clips(cfg, e, &L, queries, g, &ng, 16, &clip_ms, &nclips) != 0)
            goto done;
        printf("own-track retrieval of query clips (library of %zu tracks)\n", L.nt);
        printf("  %-22s %6s %10s %10s\n", "variant", "clips", "recall@1", "recall@5");
        strbuf_append(&js, ",\"clips\":{");
        for (size_t k = 0; k < ng; k++) {
            printf("  %-22s %6zu %10.3f %10.3f\n", g[k].variant, g[k].n,
                   (double)g[k].r1 / (double)g[k].n, (double)g[k].r5 / (double)g[k].n);
            strbuf_printf(&js, "%s\"%s\":{\"n\":%zu,\"recall_at_1\":%.4f,\"recall_at_5\":%.4f}",
                          k ? "," : "", g[k].variant, g[k].n, (double)g[k].r1 / (double)g[k].n,
                          (double)g[k].r5 / (double)g[k].n);
        }
        strbuf_append(&js, "}");
        if (nclips)
            printf("  clip embed + score: %.2f ms mean\n", clip_ms / (double)nclips);
        printf("\n");
        if (bv_eval_verdicts(cfg, e, &L, queries, &js) != 0)
            goto done;
    }

    printf("brute-force cosine top-%d over synthetic float32 vectors, single thread\n"
           "(1 window; 3 windows = a 20-30 s clip, scored in one pass over the vectors)\n",
           TOPK);
    printf("  %10s %10s %10s %12s %12s %10s\n", "vectors", "1w mean ms", "1w p95 ms", "3w mean ms",
           "3w p95 ms", "MB");
    strbuf_append(&js, ",\"scan\":[");
    const char *p = synth;
    for (int k = 0; *p; k++) {
        char *end;
        unsigned long long n = strtoull(p, &end, 10);
        if (end == p || n == 0 || n > 20000000ULL)
            break;
        int nq = n >= 1000000 ? 5 : n >= 100000 ? 20 : 100;
        double p95 = 0, p95_3 = 0, mean = bv_bench_scan((size_t)n, in->dim, 1, nq, &p95);
        double mean3 = bv_bench_scan((size_t)n, in->dim, 3, nq, &p95_3);
        printf("  %10llu %10.3f %10.3f %12.3f %12.3f %10.1f\n", n, mean, p95, mean3, p95_3,
               (double)n * in->dim * sizeof(float) / 1e6);
        strbuf_printf(&js,
                      "%s{\"vectors\":%llu,\"mean_ms\":%.3f,\"p95_ms\":%.3f,"
                      "\"mean_ms_3_windows\":%.3f,\"p95_ms_3_windows\":%.3f}",
                      k ? "," : "", n, mean, p95, mean3, p95_3);
        p = *end == ',' ? end + 1 : end;
    }
    strbuf_append(&js, "]");
    if (json) {
        FILE *jf = fopen(json, "w");
        if (jf) {
            fprintf(jf, "{%s}\n", strbuf_cstr(&js));
            fclose(jf);
        }
    }
    rc = 0;
done:
    strbuf_release(&js);
    embed_stats_destroy(acc);
    lib_release(&L);
    embed_close(e);
    return rc;
usage:
    fprintf(stderr, "usage: audio-ident bench-vibe --tracks TSV --stats FILE [--queries TSV]\n"
                    "       [--synthetic N,N,...] [--weights W,...] [--json FILE] [--verbose]\n");
    return 2;
}
