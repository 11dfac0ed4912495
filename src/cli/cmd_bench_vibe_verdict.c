/* bench-vibe: the calibrated vibe score — the library's calibration, then
 * every query clip through the lane's rule with and without the score floor
 * and the silence gate: own-track recall@5 of music clips, and how many
 * non-music clips (own track "-") come back with no vibe match. */
#include "audio/audio.h"
#include "cli/cli.h"
#include "cli/cmd_bench_vibe.h"
#include "embed/embed.h"
#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bv_calibrate(const lib_t *L, embed_calib_t *cal)
{
    const float **vecs = calloc(L->nt + 1, sizeof *vecs);
    size_t *nvec = calloc(L->nt + 1, sizeof *nvec);
    int rc = -1;
    if (vecs && nvec) {
        for (size_t t = 0; t < L->nt; t++) {
            vecs[t] = L->vec + L->t[t].first * (size_t)L->dim;
            nvec[t] = L->t[t].nvec;
        }
        embed_lib_view_t v = {vecs, nvec, L->nt, L->dim};
        rc = embed_calib_compute(&v, cal) > 0 ? 0 : -1;
    }
    free(vecs);
    free(nvec);
    return rc;
}

/* One clip: its level, the music gate of the lane's windows, then the lane's
 * scores of every track. */
static int score_clip(const config_t *cfg, const embedder_t *e, const embed_lib_view_t *v,
                      const char *path, search_clip_t *clip, embed_gate_t *gate, double *score)
{
    audio_decoded_t d;
    memset(&d, 0, sizeof d);
    ai_error_t err;
    if (cli_decode_file_16k(cfg, path, &d, &err) != AI_OK) {
        fprintf(stderr, "bench-vibe: skipping %s: %s\n", path, err.message);
        return -1;
    }
    search_clip_analyze(d.pcm[0].samples, d.pcm[0].n, 16000, clip);
    float *q = NULL;
    size_t nq = 0;
    ai_err_t rc = embed_pcm_raw(e, d.pcm[0].samples, d.pcm[0].n, &q, &nq, &err);
    audio_decoded_release(&d);
    if (rc != AI_OK) {
        fprintf(stderr, "bench-vibe: skipping %s: %s\n", path, err.message);
        return -1;
    }
    /* the lane's windows: first, middle, last */
    size_t nw = nq < 3 ? nq : 3;
    for (size_t w = 0; w < nw; w++) {
        size_t wi = nw == 1 ? 0 : w * (nq - 1) / (nw - 1);
        memmove(q + w * (size_t)v->dim, q + wi * (size_t)v->dim, (size_t)v->dim * sizeof *q);
    }
    embed_music_gate(e, q, nw, gate);
    embed_finish(e, q, nw);
    int r = embed_lane_scores(v, q, nw, SIZE_MAX, score);
    free(q);
    return r;
}

/* Floors for music-like clips tried besides SEARCH_VIBE_MIN_SCORE, to show
 * the trade-off (clips the gate refuses keep SEARCH_VIBE_MIN_SCORE_UNLIKE). */
static const double sweep[] = {0.0, 0.50, 0.80, 0.90, 0.95};
#define NSWEEP (sizeof sweep / sizeof sweep[0])

typedef struct {
    char variant[64];
    size_t n, silent, unlike, r5, r5_floor, quiet_before, quiet_after;
    size_t r5_at[NSWEEP], quiet_at[NSWEEP];
    double max_score;
} vgrp_t;

int bv_eval_verdicts(const config_t *cfg, const embedder_t *e, const lib_t *L, const char *manifest,
                     strbuf_t *js)
{
    FILE *f = fopen(manifest, "r");
    if (!f)
        return -1;
    const embed_calib_t *cal = embed_calibration(e);
    const float **vecs = calloc(L->nt + 1, sizeof *vecs);
    size_t *nvec = calloc(L->nt + 1, sizeof *nvec);
    double *score = calloc(L->nt + 1, sizeof *score);
    vgrp_t g[16];
    size_t ng = 0;
    int rc = vecs && nvec && score ? 0 : -1;
    for (size_t t = 0; rc == 0 && t < L->nt; t++) {
        vecs[t] = L->vec + L->t[t].first * (size_t)L->dim;
        nvec[t] = L->t[t].nvec;
    }
    embed_lib_view_t v = {vecs, nvec, L->nt, L->dim};
    char line[4096];
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *own_path = strchr(line, '\t'),
             *variant = own_path ? strchr(own_path + 1, '\t') : NULL;
        if (!variant)
            continue;
        *own_path++ = 0;
        *variant++ = 0;
        size_t own = SIZE_MAX;
        for (size_t t = 0; t < L->nt; t++)
            if (strcmp(L->t[t].path, own_path) == 0)
                own = t;
        if (own == SIZE_MAX && strcmp(own_path, "-") != 0)
            continue;
        search_clip_t clip;
        embed_gate_t gate;
        if (score_clip(cfg, e, &v, line, &clip, &gate, score) != 0)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(g[k].variant, variant) != 0)
            k++;
        if (k == ng) {
            if (ng == 16)
                continue;
            memset(&g[k], 0, sizeof g[k]);
            snprintf(g[k].variant, sizeof g[k].variant, "%s", variant);
            ng++;
        }
        /* rank of the own track; the best calibrated score of any track */
        double floor_of_clip = gate.music ? SEARCH_VIBE_MIN_SCORE : SEARCH_VIBE_MIN_SCORE_UNLIKE;
        size_t above = 0, matched = 0;
        double best = 0;
        for (size_t t = 0; t < L->nt; t++) {
            if (score[t] < 0)
                continue;
            double s = embed_calib_score(cal, score[t]);
            best = s > best ? s : best;
            matched += s >= floor_of_clip;
            if (own != SIZE_MAX && t != own && score[t] > score[own])
                above++;
        }
        int own_found = own != SIZE_MAX && score[own] >= 0 && above < 5;
        g[k].n++;
        g[k].silent += clip.silent;
        g[k].unlike += !clip.silent && !gate.music;
        g[k].r5 += own_found;
        g[k].r5_floor +=
            own_found && !clip.silent && embed_calib_score(cal, score[own]) >= floor_of_clip;
        g[k].quiet_after += clip.silent || matched == 0;
        double own_s = own != SIZE_MAX && score[own] >= 0 ? embed_calib_score(cal, score[own]) : 0;
        for (size_t fi = 0; fi < NSWEEP; fi++) {
            double fl = gate.music ? sweep[fi] : SEARCH_VIBE_MIN_SCORE_UNLIKE;
            g[k].r5_at[fi] += own_found && !clip.silent && own_s >= fl;
            g[k].quiet_at[fi] += clip.silent || best < fl;
        }
        g[k].max_score = best > g[k].max_score ? best : g[k].max_score;
        if (getenv("BENCH_VIBE_VERBOSE"))
            fprintf(stderr,
                    "%s\t%s\tsilent=%d\tmusic=%d\tdistance=%.2f\tchange=%.3f\tbest=%.3f"
                    "\tmatched=%zu\town=%.3f\n",
                    variant, line, clip.silent, gate.music, gate.distance, gate.change, best,
                    matched, own_s);
    }
    fclose(f);
    printf("calibrated score (floor %.2f, %.2f for clips unlike music; calibration from %zu "
           "unrelated pairs), silence gate and music gate\n",
           SEARCH_VIBE_MIN_SCORE, SEARCH_VIBE_MIN_SCORE_UNLIKE, cal->pairs);
    printf("  %-14s %6s %8s %8s %12s %14s %14s %10s\n", "variant", "clips", "silent", "unlike",
           "recall@5", "recall@5 floor", "no vibe match", "max score");
    strbuf_append(js, ",\"verdicts\":{");
    for (size_t k = 0; k < ng; k++) {
        double n = (double)g[k].n;
        printf("  %-14s %6zu %8zu %8zu %12.3f %14.3f %14.3f %10.3f\n", g[k].variant, g[k].n,
               g[k].silent, g[k].unlike, (double)g[k].r5 / n, (double)g[k].r5_floor / n,
               (double)g[k].quiet_after / n, g[k].max_score);
        strbuf_printf(js,
                      "%s\"%s\":{\"n\":%zu,\"silent\":%zu,\"unlike_music\":%zu,"
                      "\"recall_at_5\":%.4f,"
                      "\"recall_at_5_floor\":%.4f,\"no_vibe_match\":%.4f,\"max_score\":%.4f}",
                      k ? "," : "", g[k].variant, g[k].n, g[k].silent, g[k].unlike,
                      (double)g[k].r5 / n, (double)g[k].r5_floor / n, (double)g[k].quiet_after / n,
                      g[k].max_score);
    }
    strbuf_append(js, "}");
    printf("  floor sweep for music-like clips (recall@5 with the floor / share of clips with no "
           "vibe match):\n");
    for (size_t k = 0; k < ng; k++) {
        printf("  %-14s", g[k].variant);
        for (size_t fi = 0; fi < NSWEEP; fi++)
            printf("  %.2f: %.3f/%.3f", sweep[fi], (double)g[k].r5_at[fi] / (double)g[k].n,
                   (double)g[k].quiet_at[fi] / (double)g[k].n);
        printf("\n");
    }
    printf("\n");
    free(vecs);
    free(nvec);
    free(score);
    return rc;
}
