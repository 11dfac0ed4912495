/* Spectral peak picking with a local-maximum neighbourhood and density control. */
#include "fp/fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fp_params_default(fp_params_t *p)
{
    p->fmin_bin = 16;  /* 250 Hz */
    p->fmax_bin = 320; /* 5 kHz */
    p->nb_freq = 10;
    p->nb_time = 4;
    p->min_prominence = 2.0f;
    p->peaks_per_second = 32;
    p->fanout = 3;
    p->query_fanout = 5;
    p->dt_min = 2;
    p->dt_max = 63;
    p->span_min = 6;
}

/* Silence and near-silence produce no peaks: log power floor. */
#define FP_ABS_FLOOR (-12.0f)

typedef struct {
    fp_peak_t pk;
    float score;
} cand_t;

static int cand_by_score_desc(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->pk.t != y->pk.t)
        return x->pk.t < y->pk.t ? -1 : 1;
    return (int)x->pk.f - (int)y->pk.f;
}

static int peak_by_time(const void *a, const void *b)
{
    const fp_peak_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (int)x->f - (int)y->f;
}

/* Offset in (-0.5, 0.5) of the vertex of the parabola through (-1,a), (0,b),
 * (1,c), where b is a maximum: the peak position between samples. */
static float vertex(float a, float b, float c)
{
    float den = a - 2 * b + c;
    if (!(den < 0))
        return 0;
    float d = 0.5f * (a - c) / den;
    return d > 0.5f ? 0.5f : d < -0.5f ? -0.5f : d;
}

/* Sliding maximum over [i-r, i+r] of n values with stride, into out. */
static void max_filter(const float *in, size_t n, size_t stride, int r, float *out)
{
    for (size_t i = 0; i < n; i++) {
        size_t lo = i >= (size_t)r ? i - (size_t)r : 0;
        size_t hi = i + (size_t)r < n ? i + (size_t)r : n - 1;
        float m = in[lo * stride];
        for (size_t j = lo + 1; j <= hi; j++)
            if (in[j * stride] > m)
                m = in[j * stride];
        out[i] = m;
    }
}

ai_err_t fp_find_peaks(const float *spec, size_t frames, const fp_params_t *p, fp_peak_t **peaks,
                       size_t *npeaks, ai_error_t *err)
{
    *peaks = NULL;
    *npeaks = 0;
    int f0 = p->fmin_bin < 1 ? 1 : p->fmin_bin;
    int f1 = p->fmax_bin > FP_NBINS - 1 ? FP_NBINS - 1 : p->fmax_bin;
    if (frames == 0 || f1 <= f0)
        return AI_OK;
    size_t nb = (size_t)(f1 - f0);
    /* fmax[t][b]: max over the frequency neighbourhood; then over time. */
    float *fmax = malloc(frames * nb * sizeof *fmax);
    float *tmax = malloc(frames * sizeof *tmax);
    float *mean = malloc(frames * sizeof *mean);
    size_t cap = 1024, nc = 0;
    cand_t *c = malloc(cap * sizeof *c);
    ai_err_t rc = AI_OK;
    if (!fmax || !tmax || !mean || !c) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory finding peaks");
        goto done;
    }
    for (size_t t = 0; t < frames; t++) {
        const float *row = spec + t * FP_NBINS + f0;
        max_filter(row, nb, 1, p->nb_freq, fmax + t * nb);
        double s = 0;
        for (size_t b = 0; b < nb; b++)
            s += row[b];
        mean[t] = (float)(s / (double)nb);
    }
    size_t fps = (size_t)lround(1.0 / fp_frame_seconds());
    for (size_t b = 0; b < nb; b++) {
        max_filter(fmax + b, frames, nb, p->nb_time, tmax);
        for (size_t t = 0; t < frames; t++) {
            float v = spec[t * FP_NBINS + f0 + b];
            if (v < tmax[t] || v < FP_ABS_FLOOR || v - mean[t] < p->min_prominence)
                continue;
            /* plateaus: only the first bin of equal neighbours counts */
            if (b > 0 && spec[t * FP_NBINS + f0 + b - 1] == v)
                continue;
            if (nc == cap) {
                cand_t *nc2 = realloc(c, cap * 2 * sizeof *c);
                if (!nc2) {
                    rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory finding peaks");
                    goto done;
                }
                c = nc2;
                cap *= 2;
            }
            size_t fb = (size_t)f0 + b;
            float df = vertex(spec[t * FP_NBINS + fb - 1], v, spec[t * FP_NBINS + fb + 1]);
            float dt = t > 0 && t + 1 < frames
                           ? vertex(spec[(t - 1) * FP_NBINS + fb], v, spec[(t + 1) * FP_NBINS + fb])
                           : 0;
            c[nc].pk = (fp_peak_t){(uint32_t)t, (uint16_t)fb, v, (float)t + dt, (float)fb + df};
            c[nc].score = v - mean[t];
            nc++;
        }
    }
    /* Density control: the strongest peaks_per_second of each one-second block. */
    qsort(c, nc, sizeof *c, cand_by_score_desc);
    {
        size_t nblocks = frames / fps + 1;
        unsigned *used = calloc(nblocks, sizeof *used);
        fp_peak_t *out = malloc((nc ? nc : 1) * sizeof *out);
        if (!used || !out) {
            free(used);
            free(out);
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory finding peaks");
            goto done;
        }
        size_t n = 0;
        for (size_t i = 0; i < nc; i++) {
            size_t blk = c[i].pk.t / fps;
            if (used[blk] >= (unsigned)p->peaks_per_second)
                continue;
            used[blk]++;
            out[n++] = c[i].pk;
        }
        free(used);
        qsort(out, n, sizeof *out, peak_by_time);
        *peaks = out;
        *npeaks = n;
    }
done:
    free(fmax);
    free(tmax);
    free(mean);
    free(c);
    return rc;
}
