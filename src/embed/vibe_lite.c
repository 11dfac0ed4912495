/*
 * vibe-lite-v1: a deterministic DSP descriptor of one window of 16 kHz PCM.
 *
 * Layout of the raw vector (see docs/vibe-lane.md for the reasoning):
 *   timbre   57  MFCC c1..c19 (40 mel bands, log power): mean, std, std of deltas
 *   shape    22  centroid, bandwidth, 85 % roll-off (kHz), log flatness, log-mel
 *                flux: mean+std each; octave-band contrast (6) and valley (6)
 *   rhythm   16  onset-strength autocorrelation max-pooled into 12 log-spaced
 *                tempo bins (40..240 BPM), pulse clarity, onset mean, cv, density
 *   harmony  25  mean chroma profile rotated so its strongest class is first (12),
 *                |DFT| 1..6 of that profile (6), mean per-frame chroma |DFT| 1..6
 *                (6), chroma entropy (1)
 *   dynamics  5  loudness range p95-p10, std, mean frame-to-frame change (dB/10),
 *                quiet-frame fraction, crest factor
 *   texture  24  per 4 mel band groups: log share of the loudness envelope's
 *                variance in 5 modulation bands 0.25..12 Hz, and its std
 * Timbre, shape and texture look at 250-4000 Hz only (phone-mic robust);
 * rhythm, texture and dynamics are in vibe_lite_frames.c.
 * The window is scaled to unit RMS first, so every feature is gain-invariant.
 */
#include "embed/embed_int.h"
#include "base/planlock.h"
#include "embed/vibe_lite_int.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner is not thread-safe (executing a plan is): plans are made
 * once per embedder under this lock, scalar-only (FFTW_NO_SIMD) so results
 * do not depend on the CPU's vector units, FFTW_ESTIMATE so no timing. */

typedef struct {
    fftwf_plan plan, plan_c;
    float hann[NFFT], hann_c[NFFT_C];
    double pnorm, pnorm_c; /* scale power so a unit-RMS signal sums to ~1 */
    int mel_lo[NMEL], mel_hi[NMEL];
    float mel_w[NMEL][NBIN];
    float dct[NCEP][NMEL];
    int band_lo[NBAND], band_hi[NBAND];
    int chroma_lo, chroma_hi;
    unsigned char chroma_class[NBIN_C]; /* lower pitch class of the bin (255: unused) */
    float chroma_frac[NBIN_C];          /* share of the next class up */
} vl_state_t;

static double hz_to_mel(double f)
{
    return 2595.0 * log10(1.0 + f / 700.0);
}

static double mel_to_hz(double m)
{
    return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
}

static void vl_destroy(void *p)
{
    vl_state_t *s = p;
    if (!s)
        return;
    plan_lock();
    if (s->plan)
        fftwf_destroy_plan(s->plan);
    if (s->plan_c)
        fftwf_destroy_plan(s->plan_c);
    plan_unlock();
    free(s);
}

static void init_tables(vl_state_t *s)
{
    double h2 = 0, h2c = 0;
    for (int i = 0; i < NFFT; i++) {
        s->hann[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / NFFT));
        h2 += (double)s->hann[i] * s->hann[i];
    }
    for (int i = 0; i < NFFT_C; i++) {
        s->hann_c[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / NFFT_C));
        h2c += (double)s->hann_c[i] * s->hann_c[i];
    }
    s->pnorm = 2.0 / (h2 * NFFT);
    s->pnorm_c = 2.0 / (h2c * NFFT_C);

    /* Triangular mel filters 30 Hz .. 8 kHz, each normalised to unit area so a
     * band's value is an average power density. */
    double m0 = hz_to_mel(MEL_LO_HZ), m1 = hz_to_mel(MEL_HI_HZ);
    for (int m = 0; m < NMEL; m++) {
        double fl = mel_to_hz(m0 + (m1 - m0) * m / (NMEL + 1));
        double fc = mel_to_hz(m0 + (m1 - m0) * (m + 1) / (NMEL + 1));
        double fh = mel_to_hz(m0 + (m1 - m0) * (m + 2) / (NMEL + 1));
        double sum = 0;
        s->mel_lo[m] = NBIN;
        s->mel_hi[m] = 0;
        for (int k = 0; k < NBIN; k++) {
            double f = (double)k * SR / NFFT, w = 0;
            if (f > fl && f < fc)
                w = (f - fl) / (fc - fl);
            else if (f >= fc && f < fh)
                w = (fh - f) / (fh - fc);
            s->mel_w[m][k] = (float)w;
            sum += w;
            if (w > 0) {
                if (k < s->mel_lo[m])
                    s->mel_lo[m] = k;
                s->mel_hi[m] = k + 1;
            }
        }
        if (sum <= 0) { /* narrower than a bin: take the nearest bin */
            int k = (int)lround(fc * NFFT / SR);
            s->mel_w[m][k] = 1.0f;
            s->mel_lo[m] = k;
            s->mel_hi[m] = k + 1;
            sum = 1;
        }
        for (int k = 0; k < NBIN; k++)
            s->mel_w[m][k] = (float)(s->mel_w[m][k] / sum);
    }
    for (int j = 0; j < NCEP; j++)
        for (int m = 0; m < NMEL; m++)
            s->dct[j][m] = (float)(sqrt(2.0 / NMEL) * cos(M_PI * j * (m + 0.5) / NMEL));

    static const double edges[NBAND + 1] = {MEL_LO_HZ, 400, 630, 1000, 1600, 2500, MEL_HI_HZ};
    for (int b = 0; b < NBAND; b++) {
        s->band_lo[b] = (int)ceil(edges[b] * NFFT / SR);
        s->band_hi[b] = (int)ceil(edges[b + 1] * NFFT / SR);
    }

    s->chroma_lo = (int)ceil(100.0 * NFFT_C / SR);
    s->chroma_hi = (int)floor(2000.0 * NFFT_C / SR) + 1;
    for (int k = 0; k < NBIN_C; k++) {
        s->chroma_class[k] = 255;
        if (k >= s->chroma_lo && k < s->chroma_hi) {
            double f = (double)k * SR / NFFT_C;
            double p = 12.0 * log2(f / 440.0) + 69.0, fl = floor(p);
            s->chroma_class[k] = (unsigned char)((long)fl % 12);
            s->chroma_frac[k] = (float)(p - fl);
        }
    }
}

static ai_err_t vl_create(void **out, ai_error_t *err)
{
    *out = NULL;
    vl_state_t *s = calloc(1, sizeof *s);
    float *in = fftwf_malloc(NFFT_C * sizeof *in);
    fftwf_complex *X = fftwf_malloc(NBIN_C * sizeof *X);
    if (s && in && X) {
        plan_lock();
        s->plan = fftwf_plan_dft_r2c_1d(NFFT, in, X, FFTW_ESTIMATE | FFTW_NO_SIMD);
        s->plan_c = fftwf_plan_dft_r2c_1d(NFFT_C, in, X, FFTW_ESTIMATE | FFTW_NO_SIMD);
        plan_unlock();
    }
    fftwf_free(in);
    fftwf_free(X);
    if (!s || !s->plan || !s->plan_c) {
        vl_destroy(s);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot set up the FFT");
    }
    init_tables(s);
    *out = s;
    return AI_OK;
}

/* Sum of the k smallest of a[0..n) (k <= n); reorders a (quickselect,
 * deterministic middle pivot). */
static double sum_smallest(float *a, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float piv = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                float x = a[i];
                a[i++] = a[j];
                a[j--] = x;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
    double s = 0;
    for (int i = 0; i < k; i++)
        s += a[i];
    return s;
}

static void frame_features(const vl_state_t *s, const float *P, const float *E, const float *L,
                           const float *Lprev, frames_t *fr, size_t t, float *tmp)
{
    double total = 0, band = 0, fsum = 0, lsum = 0, esum = 0;
    for (int k = 1; k < NBIN; k++)
        total += P[k];
    for (int k = KLO; k < KHI; k++) {
        double f = (double)k * SR / NFFT / 1000.0;
        band += P[k];
        fsum += f * P[k];
    }
    for (int m = 0; m < NMEL; m++) {
        lsum += L[m];
        esum += E[m];
    }
    double cent = 0, bw = 0, roll = 0;
    if (band > EPS) {
        cent = fsum / band;
        double var = 0, acc = 0;
        int rk = KHI - 1;
        for (int k = KLO; k < KHI; k++) {
            double f = (double)k * SR / NFFT / 1000.0;
            var += (f - cent) * (f - cent) * P[k];
            acc += P[k];
            if (acc >= 0.85 * band && rk == KHI - 1 && k < rk)
                rk = k;
        }
        bw = sqrt(var / band);
        roll = (double)rk * SR / NFFT / 1000.0;
    }
    fr->cent[t] = (float)cent;
    fr->bw[t] = (float)bw;
    fr->roll[t] = (float)roll;
    /* Flatness over the mel bands: log(geometric mean / arithmetic mean). */
    fr->flat[t] = (float)(lsum / NMEL - log(esum / NMEL + EPS));
    fr->edb[t] = (float)(10.0 * log10(total + EPS));
    double flux = 0;
    if (Lprev)
        for (int m = 0; m < NMEL; m++)
            flux += L[m] > Lprev[m] ? L[m] - Lprev[m] : 0;
    fr->flux[t] = (float)(flux / NMEL);
    const int per = NMEL / NGRP;
    for (int gi = 0; gi < NGRP; gi++) {
        double a = 0;
        for (int m = gi * per; m < (gi + 1) * per; m++)
            a += L[m];
        fr->grp[t * NGRP + (size_t)gi] = (float)(a / per);
    }
    for (int j = 1; j < NCEP; j++) {
        double c = 0;
        for (int m = 0; m < NMEL; m++)
            c += (double)s->dct[j][m] * L[m];
        fr->cep[t * NC + (size_t)(j - 1)] = (float)c;
    }
    if (t % 4 != 0)
        return;
    /* Spectral contrast on every 4th frame (sorting is the costly part). */
    for (int b = 0; b < NBAND; b++) {
        int lo = s->band_lo[b], n = s->band_hi[b] - lo;
        memcpy(tmp, P + lo, (size_t)n * sizeof *tmp);
        int na = (int)lround(0.2 * n);
        if (na < 1)
            na = 1;
        double all = 0;
        for (int i = 0; i < n; i++)
            all += tmp[i];
        double va = sum_smallest(tmp, n, na);
        double pk = all - (n - na > 0 ? sum_smallest(tmp, n, n - na) : 0.0);
        pk = log(fmax(pk, 0.0) / na + EPS);
        va = log(va / na + EPS);
        fr->contrast[b] += pk - va;
        fr->valley[b] += va;
    }
    fr->ncontrast++;
}

static void short_pass(const vl_state_t *s, const float *pcm, size_t n, double g, float *in,
                       fftwf_complex *X, frames_t *fr)
{
    float P[NBIN], E[NMEL], L[NMEL], Lprev[NMEL], tmp[NBIN];
    for (size_t t = 0; t < fr->nf; t++) {
        const float *x = pcm + t * HOP;
        for (int i = 0; i < NFFT; i++)
            in[i] = (float)(x[i] * g) * s->hann[i];
        fftwf_execute_dft_r2c(s->plan, in, X);
        for (int k = 0; k < NBIN; k++)
            P[k] = (float)((X[k][0] * X[k][0] + X[k][1] * X[k][1]) * s->pnorm);
        for (int m = 0; m < NMEL; m++) {
            double e = 0;
            for (int k = s->mel_lo[m]; k < s->mel_hi[m]; k++)
                e += (double)s->mel_w[m][k] * P[k];
            E[m] = (float)e;
            L[m] = (float)log(e + EPS);
        }
        frame_features(s, P, E, L, t ? Lprev : NULL, fr, t, tmp);
        memcpy(Lprev, L, sizeof L);
    }
    (void)n;
}

static void put_timbre_shape(const frames_t *fr, float *out)
{
    size_t nf = fr->nf;
    for (int j = 0; j < NC; j++) {
        double m, sd, dm, dsd;
        vl_mean_std(fr->cep + j, nf, NC, &m, &sd);
        out[OFF_TIMBRE + j] = (float)m;
        out[OFF_TIMBRE + NC + j] = (float)sd;
        double s = 0, ss = 0;
        size_t nd = 0;
        for (size_t t = 1; t + 1 < nf; t++) {
            double d =
                0.5 * (fr->cep[(t + 1) * NC + (size_t)j] - fr->cep[(t - 1) * NC + (size_t)j]);
            s += d;
            ss += d * d;
            nd++;
        }
        dm = nd ? s / (double)nd : 0;
        dsd = nd ? sqrt(fmax(ss / (double)nd - dm * dm, 0)) : 0;
        out[OFF_TIMBRE + 2 * NC + j] = (float)dsd;
    }
    const float *series[5] = {fr->cent, fr->bw, fr->roll, fr->flat, fr->flux};
    for (int i = 0; i < 5; i++) {
        double m, sd;
        vl_mean_std(series[i], nf, 1, &m, &sd);
        out[OFF_SHAPE + 2 * i] = (float)m;
        out[OFF_SHAPE + 2 * i + 1] = (float)sd;
    }
    for (int b = 0; b < NBAND; b++) {
        double c = fr->ncontrast ? (double)fr->ncontrast : 1;
        out[OFF_SHAPE + 10 + b] = (float)(fr->contrast[b] / c);
        out[OFF_SHAPE + 10 + NBAND + b] = (float)(fr->valley[b] / c);
    }
}

static double dft_mag(const double *c, int k)
{
    double re = 0, im = 0;
    for (int i = 0; i < 12; i++) {
        re += c[i] * cos(2.0 * M_PI * k * i / 12.0);
        im -= c[i] * sin(2.0 * M_PI * k * i / 12.0);
    }
    return sqrt(re * re + im * im);
}

static void put_harmony(const vl_state_t *s, const float *pcm, size_t n, double g, float *in,
                        fftwf_complex *X, float *out)
{
    size_t nfc = n >= NFFT_C ? (n - NFFT_C) / HOP_C + 1 : 0;
    double prof[12] = {0}, fdft[6] = {0}, ent = 0;
    size_t valid = 0;
    for (size_t t = 0; t < nfc; t++) {
        const float *x = pcm + t * HOP_C;
        for (int i = 0; i < NFFT_C; i++)
            in[i] = (float)(x[i] * g) * s->hann_c[i];
        fftwf_execute_dft_r2c(s->plan_c, in, X);
        double c[12] = {0}, tot = 0;
        for (int k = s->chroma_lo; k < s->chroma_hi; k++) {
            double p = (X[k][0] * X[k][0] + X[k][1] * X[k][1]) * s->pnorm_c;
            double mag = sqrt(p), fr = s->chroma_frac[k];
            int cl = s->chroma_class[k];
            c[cl] += (1.0 - fr) * mag;
            c[(cl + 1) % 12] += fr * mag;
            tot += p;
        }
        double sum = 0;
        for (int i = 0; i < 12; i++)
            sum += c[i];
        if (tot < 1e-6 || sum <= 0) /* frame more than 60 dB below the window RMS */
            continue;
        for (int i = 0; i < 12; i++) {
            c[i] /= sum;
            prof[i] += c[i];
            if (c[i] > 0)
                ent -= c[i] * log(c[i]);
        }
        for (int k = 1; k <= 6; k++)
            fdft[k - 1] += dft_mag(c, k);
        valid++;
    }
    int top = 0;
    if (valid) {
        for (int i = 0; i < 12; i++)
            prof[i] /= (double)valid;
        for (int i = 1; i < 12; i++)
            if (prof[i] > prof[top])
                top = i;
    }
    for (int i = 0; i < 12; i++)
        out[OFF_HARMONY + i] = (float)(12.0 * prof[(top + i) % 12]);
    for (int k = 1; k <= 6; k++) {
        out[OFF_HARMONY + 12 + k - 1] = (float)(4.0 * dft_mag(prof, k));
        out[OFF_HARMONY + 18 + k - 1] = (float)(valid ? 4.0 * fdft[k - 1] / (double)valid : 0);
    }
    out[OFF_HARMONY + 24] = (float)(valid ? 4.0 * ent / (double)valid / log(12.0) : 0);
}

static ai_err_t vl_window(const void *state, const float *pcm, size_t n, float *out,
                          ai_error_t *err)
{
    const vl_state_t *s = state;
    double ss = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(pcm[i]))
            ss += (double)pcm[i] * pcm[i];
        else
            bad++;
    }
    float *clean = NULL;
    if (bad) { /* NaN/Inf samples (broken decoder output) count as silence */
        clean = malloc(n * sizeof *clean);
        if (!clean)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        for (size_t i = 0; i < n; i++)
            clean[i] = isfinite(pcm[i]) ? pcm[i] : 0.0f;
        pcm = clean;
    }
    double rms = n ? sqrt(ss / (double)n) : 0;
    double g = rms > 1e-6 ? 1.0 / rms : 0.0;

    frames_t fr = {0};
    fr.nf = n >= NFFT ? (n - NFFT) / HOP + 1 : 0;
    float *in = fftwf_malloc(NFFT_C * sizeof *in);
    fftwf_complex *X = fftwf_malloc(NBIN_C * sizeof *X);
    float *buf = fr.nf >= 3 ? malloc(fr.nf * (NC + 7 + NGRP) * sizeof *buf) : NULL;
    if (!in || !X || !buf) {
        fftwf_free(in);
        fftwf_free(X);
        free(buf);
        free(clean);
        return ai_error_set(err, fr.nf < 3 ? AI_ERR_AUDIO_TOO_SHORT : AI_ERR_INTERNAL_ERROR,
                            fr.nf < 3 ? "too little audio to embed" : "out of memory");
    }
    fr.cep = buf;
    fr.cent = buf + fr.nf * NC;
    fr.bw = fr.cent + fr.nf;
    fr.roll = fr.bw + fr.nf;
    fr.flat = fr.roll + fr.nf;
    fr.flux = fr.flat + fr.nf;
    fr.edb = fr.flux + fr.nf;
    fr.grp = fr.edb + fr.nf;
    float *sorted = fr.grp + fr.nf * NGRP;

    short_pass(s, pcm, n, g, in, X, &fr);
    put_timbre_shape(&fr, out);
    vl_put_rhythm(&fr, out);
    vl_put_texture(&fr, sorted, out);
    vl_put_dynamics(&fr, pcm, n, g, sorted, out);
    put_harmony(s, pcm, n, g, in, X, out);
    fftwf_free(in);
    fftwf_free(X);
    free(buf);
    free(clean);
    return AI_OK;
}

/* Block weights chosen on the bench corpus (docs/vibe-lane.md): rhythm and
 * harmony survive a phone microphone far better than timbre and shape. */
static const embed_block_t vl_blocks[] = {
    {"timbre", OFF_TIMBRE, LEN_TIMBRE, 1.0}, {"shape", OFF_SHAPE, LEN_SHAPE, 0.5},
    {"rhythm", OFF_RHYTHM, LEN_RHYTHM, 1.0}, {"harmony", OFF_HARMONY, LEN_HARMONY, 1.0},
    {"dynamics", OFF_DYN, LEN_DYN, 0.3},     {"texture", OFF_TEX, LEN_TEX, 1.0},
};

const embed_ops_t embed_vibe_lite_ops = {
    .name = "vibe-lite-v1",
    .dim = DIM,
    .sample_rate = SR,
    .window_s = 10.0,
    .hop_s = 5.0,
    .nblocks = (int)(sizeof vl_blocks / sizeof vl_blocks[0]),
    .blocks = vl_blocks,
    .default_mean = embed_vibe_lite_mean,
    .default_std = embed_vibe_lite_std,
    .default_calib = embed_vibe_lite_calib,
    /* std of MFCC c1..c5 over the window's frames: white, pink, brown and
     * clipped noise all give 0.64 (the log-periodogram's own estimation
     * spread), tones less; music windows of the bench corpus >= 0.79 */
    .change_off = OFF_TIMBRE + NC,
    .change_len = 5,
    .change_floor = 0.75,
    .create = vl_create,
    .destroy = vl_destroy,
    .window = vl_window,
};
