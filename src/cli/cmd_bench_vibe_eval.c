/* `audio-ident bench-vibe`: retrieval scoring, metrics and the scan benchmark. */
#include "cli/cmd_bench_vibe.h"

#include "base/clock.h"
#include "embed/embed.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float bv_dot(const float *a, const float *b, int dim)
{
    float s[8] = {0};
    int i = 0;
    for (; i + 8 <= dim; i += 8)
        for (int k = 0; k < 8; k++)
            s[k] += a[i + k] * b[i + k];
    float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < dim; i++)
        r += a[i] * b[i];
    return r;
}

/* Min-heap of the best TOPK (sim, id). */
typedef struct {
    float s[TOPK];
    size_t id[TOPK];
    int n;
} topk_t;

static void topk_push(topk_t *h, float s, size_t id)
{
    int i;
    if (h->n < TOPK) {
        i = h->n++;
    } else {
        if (s <= h->s[0])
            return;
        i = 0; /* replace the root and sift down */
        for (;;) {
            int c = 2 * i + 1;
            if (c >= h->n)
                break;
            if (c + 1 < h->n && h->s[c + 1] < h->s[c])
                c++;
            if (h->s[c] >= s)
                break;
            h->s[i] = h->s[c];
            h->id[i] = h->id[c];
            i = c;
        }
        h->s[i] = s;
        h->id[i] = id;
        return;
    }
    while (i > 0 && h->s[(i - 1) / 2] > s) {
        h->s[i] = h->s[(i - 1) / 2];
        h->id[i] = h->id[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->s[i] = s;
    h->id[i] = id;
}

/* Lane rule: per track, mean of its top-3 similarities to any query window
 * plus 0.05·min(unique chunks of it among the per-window global top-K / 5, 1).
 * Tracks never scored keep -1e9. exclude = track index or SIZE_MAX. */
void bv_score_tracks(const lib_t *L, const float *q, size_t nq, size_t exclude, double *score,
                     float *best3, int *uniq, unsigned char *seen)
{
    memset(seen, 0, L->nchunks);
    for (size_t t = 0; t < L->nt; t++) {
        uniq[t] = 0;
        best3[3 * t] = best3[3 * t + 1] = best3[3 * t + 2] = -2.0f;
    }
    topk_t h;
    double *wsum = L->agg == BV_AGG_PERWIN ? calloc(L->nt, sizeof *wsum) : NULL;
    for (size_t w = 0; w < nq; w++) {
        h.n = 0;
        for (size_t t = 0; t < L->nt; t++) {
            if (t == exclude)
                continue;
            float *b = best3 + 3 * t, wbest = -2.0f;
            for (size_t c = L->t[t].first; c < L->t[t].first + L->t[t].nvec; c++) {
                float s = bv_dot(q + w * (size_t)L->dim, L->vec + c * (size_t)L->dim, L->dim);
                topk_push(&h, s, c);
                if (s > wbest)
                    wbest = s;
                if (s > b[2]) {
                    b[2] = s;
                    if (b[2] > b[1]) {
                        float x = b[1];
                        b[1] = b[2];
                        b[2] = x;
                    }
                    if (b[1] > b[0]) {
                        float x = b[0];
                        b[0] = b[1];
                        b[1] = x;
                    }
                }
            }
            if (wsum)
                wsum[t] += wbest;
        }
        for (int i = 0; i < h.n; i++)
            seen[h.id[i]] = 1;
    }
    for (size_t t = 0; t < L->nt; t++) {
        score[t] = -1e9;
        if (t == exclude)
            continue;
        for (size_t c = L->t[t].first; c < L->t[t].first + L->t[t].nvec; c++)
            uniq[t] += seen[c];
        double s = 0;
        int k = 0;
        for (int i = 0; i < 3; i++)
            if (best3[3 * t + i] > -1.5f) {
                s += best3[3 * t + i];
                k++;
            }
        if (!k)
            continue;
        if (L->agg == BV_AGG_MAX)
            score[t] = best3[3 * t];
        else if (L->agg == BV_AGG_TOP3)
            score[t] = s / k;
        else if (wsum)
            score[t] = wsum[t] / (double)nq;
        else
            score[t] = s / k + 0.05 * fmin(uniq[t] / 5.0, 1.0);
    }
    free(wsum);
}

/* Ranks tracks by score (desc, ties by index), exclude left out; returns count. */
size_t bv_rank_tracks(const double *score, size_t nt, size_t exclude, size_t *order)
{
    size_t n = 0;
    for (size_t t = 0; t < nt; t++) {
        if (t == exclude)
            continue;
        size_t i = n++;
        while (i > 0 && score[order[i - 1]] < score[t]) {
            order[i] = order[i - 1];
            i--;
        }
        order[i] = t;
    }
    return n;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static double avg_prec(const lib_t *L, const size_t *order, size_t n, const char *label, size_t R)
{
    double ap = 0;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(L->t[order[i]].label, label) == 0) {
            hits++;
            ap += (double)hits / (double)(i + 1);
        }
    return R ? ap / (double)R : 0;
}

void bv_free5(void *a, void *b, void *c, void *d, void *e)
{
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

/* Same-soundtrack retrieval over the library (finished vectors in L->vec). */
int bv_eval_retrieval(const lib_t *L, bv_retrieval_t *r, int per_label)
{
    memset(r, 0, sizeof *r);
    size_t nt = L->nt;
    double *score = malloc(nt * sizeof *score);
    float *best3 = malloc(3 * nt * sizeof *best3);
    int *uniq = malloc(nt * sizeof *uniq);
    size_t *order = malloc(nt * sizeof *order);
    unsigned char *seen = malloc(L->nchunks + 1);
    if (!score || !best3 || !uniq || !order || !seen) {
        bv_free5(score, best3, uniq, order, seen);
        return -1;
    }
    uint32_t seed = 20261125;
    for (size_t q = 0; q < nt; q++) {
        size_t R = 0;
        for (size_t t = 0; t < nt; t++)
            R += t != q && strcmp(L->t[t].label, L->t[q].label) == 0;
        if (R == 0)
            continue;
        /* Query: the windows of a 20 s excerpt from the middle of the track. */
        size_t nq = L->t[q].nvec < 3 ? L->t[q].nvec : 3;
        size_t w0 = L->t[q].first + (L->t[q].nvec - nq) / 2;
        bv_score_tracks(L, L->vec + w0 * (size_t)L->dim, nq, q, score, best3, uniq, seen);
        size_t n = bv_rank_tracks(score, nt, q, order);
        size_t k5 = n < 5 ? n : 5, good = 0;
        for (size_t i = 0; i < k5; i++)
            good += strcmp(L->t[order[i]].label, L->t[q].label) == 0;
        r->p5 += (double)good / 5.0;
        r->map += avg_prec(L, order, n, L->t[q].label, R);
        r->p5_rand += (double)R / (double)n;
        double apr = 0;
        for (int s = 0; s < 50; s++) { /* random rankings: shuffle */
            for (size_t i = n; i > 1; i--) {
                size_t j = lcg(&seed) % i, x = order[i - 1];
                order[i - 1] = order[j];
                order[j] = x;
            }
            apr += avg_prec(L, order, n, L->t[q].label, R);
        }
        r->map_rand += apr / 50;
        r->nq++;
        if (per_label)
            printf("    %-28.28s %-12s p@5 %.2f\n", strrchr(L->t[q].path, '/') + 1, L->t[q].label,
                   (double)good / 5.0);
    }
    if (r->nq) {
        r->p5 /= (double)r->nq;
        r->map /= (double)r->nq;
        r->p5_rand /= (double)r->nq;
        r->map_rand /= (double)r->nq;
    }
    bv_free5(score, best3, uniq, order, seen);
    return 0;
}

/* Brute-force cosine top-K over n random unit vectors: ms per query window. */
double bv_bench_scan(size_t n, int dim, int nwin, int queries, double *p95)
{
    enum { MAXW = 3 };
    if (nwin < 1 || nwin > MAXW || dim > EMBED_MAX_DIM)
        return -1;
    float *v = calloc(n * (size_t)dim, sizeof *v), *q = calloc(MAXW * (size_t)dim, sizeof *q);
    double *ms = malloc((size_t)queries * sizeof *ms), tot = 0;
    if (!v || !q || !ms) {
        free(v);
        free(q);
        free(ms);
        return -1;
    }
    uint32_t s = 7;
    for (size_t i = 0; i < n * (size_t)dim; i++)
        v[i] = (float)lcg(&s) / 16777216.0f - 0.5f;
    topk_t h[MAXW];
    for (int k = 0; k < queries; k++) {
        for (int i = 0; i < nwin * dim; i++)
            q[i] = (float)lcg(&s) / 16777216.0f - 0.5f;
        double t0 = clock_now_ms();
        for (int w = 0; w < nwin; w++)
            h[w].n = 0;
        /* All query windows in one pass over the vectors (memory-bound). */
        for (size_t i = 0; i < n; i++)
            for (int w = 0; w < nwin; w++)
                topk_push(&h[w], bv_dot(q + (size_t)w * dim, v + i * (size_t)dim, dim), i);
        ms[k] = clock_now_ms() - t0;
        tot += ms[k];
    }
    for (int i = 1; i < queries; i++) /* insertion sort for the p95 */
        for (int j = i; j > 0 && ms[j - 1] > ms[j]; j--) {
            double x = ms[j];
            ms[j] = ms[j - 1];
            ms[j - 1] = x;
        }
    *p95 = ms[(int)(0.95 * (queries - 1))];
    free(ms);
    free(q);
    free(v);
    return tot / queries;
}
