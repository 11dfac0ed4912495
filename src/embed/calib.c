/* The vibe lane's track rule on brute-force scores, and the calibration of
 * its similarities against the library's unrelated pairs. */
#include "embed/embed.h"

#include <stdlib.h>
#include <string.h>

static int by_float_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The K-th largest value of v[0..n) (n > K), by sorting a copy. */
static float kth_largest(const float *v, size_t n, size_t k, float *tmp)
{
    memcpy(tmp, v, n * sizeof *v);
    qsort(tmp, n, sizeof *tmp, by_float_desc);
    return tmp[k - 1];
}

int embed_lane_scores(const embed_lib_view_t *L, const float *q, size_t nq, size_t exclude,
                      double *score)
{
    size_t nc = 0;
    for (size_t t = 0; t < L->ntracks; t++)
        nc += L->nvec[t];
    float *dots = malloc((nc + 1) * sizeof *dots), *tmp = malloc((nc + 1) * sizeof *tmp);
    float *best = malloc((nc + 1) * sizeof *best);
    if (!dots || !tmp || !best) {
        free(dots);
        free(tmp);
        free(best);
        return -1;
    }
    for (size_t i = 0; i < nc; i++)
        best[i] = -1.0f; /* not among any window's nearest chunks */
    for (size_t w = 0; w < nq; w++) {
        const float *qw = q + w * (size_t)L->dim;
        size_t c = 0;
        for (size_t t = 0; t < L->ntracks; t++)
            for (size_t k = 0; k < L->nvec[t]; k++)
                dots[c++] = embed_dot(qw, L->vecs[t] + k * (size_t)L->dim, L->dim);
        float thr = nc > EMBED_LANE_CHUNKS_PER_WIN
                        ? kth_largest(dots, nc, EMBED_LANE_CHUNKS_PER_WIN, tmp)
                        : -2.0f;
        for (size_t i = 0; i < nc; i++) {
            float s = (dots[i] + 1.0f) / 2.0f;
            if (dots[i] >= thr && s > best[i])
                best[i] = s;
        }
    }
    size_t c = 0;
    for (size_t t = 0; t < L->ntracks; t++) {
        float top[EMBED_LANE_TOP_CHUNKS];
        int ntop = 0, chunks = 0;
        for (size_t k = 0; k < L->nvec[t]; k++, c++) {
            float s = best[c];
            if (s < 0)
                continue;
            chunks++;
            if (ntop < EMBED_LANE_TOP_CHUNKS)
                top[ntop++] = s;
            else if (s > top[ntop - 1])
                top[ntop - 1] = s;
            qsort(top, (size_t)ntop, sizeof *top, by_float_desc);
        }
        score[t] = -1.0;
        if (t == exclude || ntop == 0)
            continue;
        double sum = 0;
        for (int k = 0; k < ntop; k++)
            sum += top[k];
        double div = chunks / 5.0;
        score[t] = sum / ntop + EMBED_LANE_DIVERSITY_BONUS * (div < 1 ? div : 1);
        if (score[t] > 1)
            score[t] = 1;
    }
    free(dots);
    free(tmp);
    free(best);
    return 0;
}

int embed_calib_compute(const embed_lib_view_t *L, embed_calib_t *out)
{
    size_t nq = L->ntracks < EMBED_CALIB_MAX_QUERIES ? L->ntracks : EMBED_CALIB_MAX_QUERIES;
    if (L->ntracks < 2)
        return 0;
    size_t cap = nq * L->ntracks + 1, n = 0;
    double *sample = malloc(cap * sizeof *sample), *score = malloc(L->ntracks * sizeof *score);
    float *q = malloc(3 * (size_t)L->dim * sizeof *q);
    int rc = sample && score && q ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nq; i++) {
        size_t t = i * L->ntracks / nq; /* evenly over the library */
        size_t nv = L->nvec[t];
        if (nv == 0)
            continue;
        /* a clip from the track's middle: up to three consecutive windows */
        size_t first = nv > 3 ? nv / 2 - 1 : 0, nw = nv < 3 ? nv : 3;
        memcpy(q, L->vecs[t] + first * (size_t)L->dim, nw * (size_t)L->dim * sizeof *q);
        if (embed_lane_scores(L, q, nw, t, score) != 0)
            rc = -1;
        for (size_t k = 0; rc == 0 && k < L->ntracks; k++)
            if (score[k] >= 0)
                sample[n++] = score[k];
    }
    if (rc == 0 && n >= EMBED_CALIB_MIN_PAIRS) {
        qsort(sample, n, sizeof *sample, by_double);
        for (int i = 0; i < EMBED_CALIB_POINTS; i++) {
            double pos = (double)i * (double)(n - 1) / (EMBED_CALIB_POINTS - 1);
            size_t lo = (size_t)pos;
            size_t hi = lo + 1 < n ? lo + 1 : lo;
            out->q[i] = (float)(sample[lo] + (pos - (double)lo) * (sample[hi] - sample[lo]));
        }
        out->pairs = n;
        rc = 1;
    }
    free(sample);
    free(score);
    free(q);
    return rc;
}

double embed_calib_score(const embed_calib_t *c, double sim)
{
    const float *q = c->q;
    if (sim < q[0])
        return 0.0;
    if (sim >= q[EMBED_CALIB_POINTS - 1])
        return 1.0;
    int lo = 0, hi = EMBED_CALIB_POINTS - 1; /* q[lo] <= sim < q[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (q[mid] <= sim)
            lo = mid;
        else
            hi = mid;
    }
    double span = (double)q[hi] - (double)q[lo];
    double frac = span > 0 ? (sim - q[lo]) / span : 1.0;
    return ((double)lo + frac) / (EMBED_CALIB_POINTS - 1);
}
