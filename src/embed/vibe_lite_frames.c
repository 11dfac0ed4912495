/* vibe-lite-v1: the blocks computed from the per-frame series alone
 * (rhythm, texture, dynamics); see vibe_lite.c for the layout. */
#include "embed/vibe_lite_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int vl_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void vl_mean_std(const float *x, size_t n, size_t stride, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i * stride];
    double m = n ? s / (double)n : 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i * stride] - m;
        ss += d * d;
    }
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)n) : 0;
}

static double interp(const double *r, size_t nr, double lag)
{
    size_t i = (size_t)lag;
    if (i + 1 >= nr)
        return i < nr ? r[i] : 0.0;
    double f = lag - (double)i;
    return r[i] * (1 - f) + r[i + 1] * f;
}

void vl_put_rhythm(const frames_t *fr, float *out)
{
    /* Onset strength = log-mel flux; frames 1..nf-1. */
    const float *o = fr->flux + 1;
    size_t no = fr->nf - 1;
    double mu, sd;
    vl_mean_std(o, no, 1, &mu, &sd);
    enum { LMAX = 64 };
    double r[LMAX + 1] = {0};
    size_t nr = no < LMAX + 1 ? no : LMAX + 1;
    double r0 = 0;
    for (size_t t = 0; t < no; t++)
        r0 += (o[t] - mu) * (o[t] - mu);
    r0 /= (double)no;
    if (r0 > 1e-12)
        for (size_t l = 0; l < nr; l++) {
            double a = 0;
            for (size_t t = 0; t + l < no; t++)
                a += (o[t] - mu) * (o[t + l] - mu);
            r[l] = a / (double)(no - l) / r0;
        }
    const double fps = (double)SR / HOP;
    double clarity = 0;
    for (int j = 0; j < NTEMPO; j++) {
        double bpm_lo = 40.0 * pow(6.0, (double)j / NTEMPO);
        double bpm_hi = 40.0 * pow(6.0, (double)(j + 1) / NTEMPO);
        double best = -1;
        double lag0 = 60.0 * fps / bpm_hi, lag1 = 60.0 * fps / bpm_lo;
        int nsteps = (int)((lag1 - lag0) / 0.25) + 1;
        for (int k = 0; k < nsteps; k++) {
            double v = interp(r, nr, lag0 + 0.25 * k);
            if (v > best)
                best = v;
        }
        out[OFF_RHYTHM + j] = (float)best;
        if (best > clarity)
            clarity = best;
    }
    size_t dense = 0;
    for (size_t t = 0; t < no; t++)
        dense += o[t] > mu + sd;
    out[OFF_RHYTHM + NTEMPO] = (float)clarity;
    out[OFF_RHYTHM + NTEMPO + 1] = (float)mu;
    out[OFF_RHYTHM + NTEMPO + 2] = (float)(mu > 1e-9 ? sd / mu : 0);
    out[OFF_RHYTHM + NTEMPO + 3] = (float)((double)dense / (double)no);
}

/* Texture: for each of NGRP mel band groups, how the band's loudness
 * envelope moves — the share of its variance in NMOD modulation-frequency
 * bands (log10) and its standard deviation.  Separates sustained pads from
 * tremolo strings from percussive loops independently of tempo detection. */
void vl_put_texture(const frames_t *fr, float *env, float *out)
{
    static const double edges[NMOD + 1] = {0.25, 0.75, 1.5, 3.0, 6.0, 12.0};
    const double fps = (double)SR / HOP;
    size_t nf = fr->nf;
    for (int gi = 0; gi < NGRP; gi++) {
        double m, sd;
        vl_mean_std(fr->grp + gi, nf, NGRP, &m, &sd);
        double tot = 0;
        for (size_t t = 0; t < nf; t++) {
            double w = 0.5 - 0.5 * cos(2.0 * M_PI * ((double)t + 0.5) / (double)nf);
            env[t] = (float)((fr->grp[t * NGRP + (size_t)gi] - m) * w);
            tot += (double)env[t] * env[t];
        }
        for (int b = 0; b < NMOD; b++) {
            size_t k0 = (size_t)ceil(edges[b] * (double)nf / fps);
            size_t k1 = (size_t)ceil(edges[b + 1] * (double)nf / fps);
            double pw = 0;
            for (size_t k = k0 < 1 ? 1 : k0; k < k1 && k < nf / 2; k++) {
                /* DFT bin k by a rotating phasor (double: no drift over a window). */
                double c = cos(2.0 * M_PI * (double)k / (double)nf);
                double sn = -sin(2.0 * M_PI * (double)k / (double)nf);
                double pr = 1, pi = 0, re = 0, im = 0;
                for (size_t t = 0; t < nf; t++) {
                    re += env[t] * pr;
                    im += env[t] * pi;
                    double x = pr * c - pi * sn;
                    pi = pr * sn + pi * c;
                    pr = x;
                }
                pw += re * re + im * im;
            }
            double frac = tot > 1e-12 ? 2.0 * pw / ((double)nf * tot) : 0.0;
            out[OFF_TEX + gi * (NMOD + 1) + b] = (float)log10(frac + 1e-4);
        }
        out[OFF_TEX + gi * (NMOD + 1) + NMOD] = (float)sd;
    }
}

void vl_put_dynamics(const frames_t *fr, const float *pcm, size_t n, double g, float *sorted,
                     float *out)
{
    size_t nf = fr->nf;
    memcpy(sorted, fr->edb, nf * sizeof *sorted);
    qsort(sorted, nf, sizeof *sorted, vl_cmp_float);
    double p10 = sorted[(size_t)(0.10 * (double)(nf - 1))];
    double p95 = sorted[(size_t)(0.95 * (double)(nf - 1))];
    double m, sd, ch = 0;
    vl_mean_std(fr->edb, nf, 1, &m, &sd);
    size_t quiet = 0;
    for (size_t t = 0; t < nf; t++) {
        if (t)
            ch += fabs((double)fr->edb[t] - fr->edb[t - 1]);
        quiet += fr->edb[t] < p95 - 30.0;
    }
    double peak = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)pcm[i]);
        if (a > peak)
            peak = a;
    }
    out[OFF_DYN + 0] = (float)((p95 - p10) / 10.0);
    out[OFF_DYN + 1] = (float)(sd / 10.0);
    out[OFF_DYN + 2] = (float)(nf > 1 ? ch / (double)(nf - 1) / 10.0 : 0);
    out[OFF_DYN + 3] = (float)((double)quiet / (double)nf);
    out[OFF_DYN + 4] = (float)(peak * g > 1e-9 ? 20.0 * log10(peak * g) / 10.0 : 0);
}
