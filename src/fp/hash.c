/* Triplet hashes invariant to changes of speed, tempo and pitch.
 *
 * Three peaks A (anchor), B, C with tA < tB < tC.  A speed or tempo change
 * scales time, a speed or pitch change scales frequency; on a log-frequency
 * axis a frequency scale is a shift.  So
 *   rho = (tB - tA) / (tC - tA)        (time-gap ratio)
 *   d2  = L(B) - L(A), d3 = L(C) - L(A) (log-frequency differences)
 * do not change, while the anchor's log-frequency class (4 semitones wide)
 * and the span class (tC - tA, ×1.5 per class) move by at most one class
 * under a ±12 % change.  The index stores each triplet under its own cells;
 * the query emits the neighbouring cells a stored triplet may fall in. */
#include "fp/fp.h"

#include <math.h>
#include <stdlib.h>

#define L_BITS    4
#define S_BITS    3
#define R_BITS    4
#define D_BITS    6
#define L_CLASSES 13  /* 52 semitones of band / 4 */
#define L_WIDTH   4.0 /* semitones per anchor class */
#define S_RATIO   1.5 /* span class width (ratio) */
#define S_BASE    4.0 /* frames: class 0 = spans below 6 frames */
#define R_CELLS   16
#define D_CELLS   48 /* -12 .. +12 semitones in half semitones */
#define D_WIDTH   0.5
/* Query-side jitter tolerances (half-widths of the zone near a cell edge
 * where the neighbouring cell is looked up too). */
#define TOL_RHO 0.015
#define TOL_D   0.10 /* semitones */
#define TOL_L   0.10 /* semitones */
#define TOL_S   0.02 /* log-span */

uint32_t fp_hash_pack(int lclass, int sclass, int rho, int d2, int d3)
{
    return (uint32_t)lclass << (S_BITS + R_BITS + 2 * D_BITS) |
           (uint32_t)sclass << (R_BITS + 2 * D_BITS) | (uint32_t)rho << (2 * D_BITS) |
           (uint32_t)d2 << D_BITS | (uint32_t)d3;
}

void fp_hash_unpack(uint32_t h, int *lclass, int *sclass, int *rho, int *d2, int *d3)
{
    *d3 = (int)(h & ((1u << D_BITS) - 1));
    *d2 = (int)((h >> D_BITS) & ((1u << D_BITS) - 1));
    *rho = (int)((h >> (2 * D_BITS)) & ((1u << R_BITS) - 1));
    *sclass = (int)((h >> (R_BITS + 2 * D_BITS)) & ((1u << S_BITS) - 1));
    *lclass = (int)(h >> (S_BITS + R_BITS + 2 * D_BITS));
}

double fp_semitones(double bin)
{
    return 12.0 * log2(bin / FP_LF_BASE_BIN);
}

/* Cells of a value x on a grid of width w starting at x0 with n cells: the
 * cell itself, and the neighbour on a side when x lies within tol of that
 * edge.  Returns the count (1..3), cells ascending. */
static int cells(double x, double x0, double w, int n, double tol, int out[3])
{
    double u = (x - x0) / w;
    if (!(u > -1.0))
        u = -1.0; /* also NaN: the first cell */
    if (u > n)
        u = n;
    int c = (int)floor(u);
    int k = 0;
    if (c < 0)
        c = 0;
    if (c > n - 1)
        c = n - 1;
    double lo = x0 + c * w, hi = lo + w;
    if (c > 0 && x - lo < tol)
        out[k++] = c - 1;
    out[k++] = c;
    if (c < n - 1 && hi - x < tol)
        out[k++] = c + 1;
    return k;
}

typedef struct {
    double tq, L; /* time (frames), log-frequency (semitones), mapped back */
} pt_t;

/* Emits the hash variants of triplet (a, b, c) into out; returns the count. */
static size_t emit(const pt_t *a, const pt_t *b, const pt_t *c, uint32_t t, double scale_tol,
                   int query, fp_hash_t *out)
{
    double span = c->tq - a->tq;
    double rho = (b->tq - a->tq) / span;
    double d2 = b->L - a->L, d3 = c->L - a->L;
    double ls = log(span / S_BASE) / log(S_RATIO);
    int cl[3], cs[3], cr[3], c2[3], c3[3];
    int nl, ns, nr, n2, n3;
    if (query) {
        /* a frequency scale of 1 ± tol shifts log-frequency by up to
         * 12·log2(1 + tol) semitones, a time scale the span likewise */
        double lsh = 12.0 * log2(1.0 + scale_tol), ssh = log(1.0 + scale_tol) / log(S_RATIO);
        nl = cells(a->L, 0, L_WIDTH, L_CLASSES, TOL_L + lsh, cl);
        ns = cells(ls, 0, 1, 1 << S_BITS, TOL_S / log(S_RATIO) + ssh, cs);
        nr = cells(rho, 0, 1.0 / R_CELLS, R_CELLS, TOL_RHO, cr);
        n2 = cells(d2, -FP_TRI_MAX_SEMIS, D_WIDTH, D_CELLS, TOL_D, c2);
        n3 = cells(d3, -FP_TRI_MAX_SEMIS, D_WIDTH, D_CELLS, TOL_D, c3);
    } else {
        nl = cells(a->L, 0, L_WIDTH, L_CLASSES, 0, cl);
        ns = cells(ls, 0, 1, 1 << S_BITS, 0, cs);
        nr = cells(rho, 0, 1.0 / R_CELLS, R_CELLS, 0, cr);
        n2 = cells(d2, -FP_TRI_MAX_SEMIS, D_WIDTH, D_CELLS, 0, c2);
        n3 = cells(d3, -FP_TRI_MAX_SEMIS, D_WIDTH, D_CELLS, 0, c3);
    }
    long sq = lround(span * FP_SPAN_UNIT), lq = lround(a->L * FP_LF_UNIT);
    uint8_t span8 = (uint8_t)(sq < 1 ? 1 : sq > 255 ? 255 : sq);
    uint8_t lf8 = (uint8_t)(lq < 0 ? 0 : lq > 255 ? 255 : lq);
    size_t n = 0;
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < ns; j++)
            for (int k = 0; k < nr; k++)
                for (int x = 0; x < n2; x++)
                    for (int y = 0; y < n3 && n < FP_MAX_VARIANTS; y++)
                        out[n++] = (fp_hash_t){fp_hash_pack(cl[i], cs[j], cr[k], c2[x], c3[y]), t,
                                               span8, lf8};
    return n;
}

static ai_err_t triplets(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p, double speed,
                         double scale_tol, int query, fp_hash_t **hashes, size_t *nhashes,
                         ai_error_t *err)
{
    *hashes = NULL;
    *nhashes = 0;
    if (npeaks < 3)
        return AI_OK;
    int fan = query ? (p->query_fanout > p->fanout ? p->query_fanout : p->fanout) : p->fanout;
    if (fan < 2)
        fan = 2;
    if (fan > 16)
        fan = 16;
    int dt_max = p->dt_max < 63 ? p->dt_max : 63;
    size_t per = (size_t)(fan * (fan - 1) / 2) * (query ? FP_MAX_VARIANTS : 1);
    if (npeaks > SIZE_MAX / per / sizeof(fp_hash_t))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "too many peaks");
    pt_t *pt = malloc(npeaks * sizeof *pt);
    size_t cap = npeaks * per;
    fp_hash_t *out = malloc(cap * sizeof *out);
    if (!pt || !out) {
        free(pt);
        free(out);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory hashing peaks");
    }
    for (size_t i = 0; i < npeaks; i++) {
        double fq = peaks[i].fq > 0 ? peaks[i].fq : peaks[i].f;
        double tq = peaks[i].fq > 0 ? peaks[i].tq : peaks[i].t;
        double fb = fq / speed > 1.0 ? fq / speed : 1.0; /* bin 0 has no log-frequency */
        pt[i] = (pt_t){tq * speed, fp_semitones(fb)};
    }
    size_t n = 0;
    for (size_t i = 0; i < npeaks; i++) {
        size_t tg[16];
        int nt = 0;
        for (size_t j = i + 1; j < npeaks && nt < fan; j++) {
            double dt = pt[j].tq - pt[i].tq;
            if (dt < p->dt_min)
                continue;
            if (dt > dt_max)
                break;
            if (fabs(pt[j].L - pt[i].L) >= FP_TRI_MAX_SEMIS)
                continue;
            tg[nt++] = j;
        }
        uint32_t t = (uint32_t)lround(pt[i].tq > 0 ? pt[i].tq : 0);
        for (int a = 0; a < nt; a++)
            for (int b = a + 1; b < nt; b++) {
                const pt_t *B = &pt[tg[a]], *C = &pt[tg[b]];
                if (C->tq - pt[i].tq < p->span_min || C->tq - B->tq < 1.0)
                    continue;
                n += emit(&pt[i], B, C, t, scale_tol, query, out + n);
            }
    }
    free(pt);
    if (n == 0) {
        free(out);
        return AI_OK;
    }
    fp_hash_t *shrunk = realloc(out, n * sizeof *out);
    *hashes = shrunk ? shrunk : out;
    *nhashes = n;
    return AI_OK;
}

ai_err_t fp_hash_peaks(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p, double speed,
                       fp_hash_t **hashes, size_t *nhashes, ai_error_t *err)
{
    return triplets(peaks, npeaks, p, speed > 0 ? speed : 1.0, 0, 0, hashes, nhashes, err);
}

ai_err_t fp_query_hashes(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p,
                         double scale_tol, fp_hash_t **hashes, size_t *nhashes, ai_error_t *err)
{
    return triplets(peaks, npeaks, p, 1.0, scale_tol < 0 ? 0 : scale_tol, 1, hashes, nhashes, err);
}

ai_err_t fp_extract(const float *pcm16k, size_t n, const fp_params_t *p, fp_hash_t **hashes,
                    size_t *nhashes, size_t *npeaks_out, ai_error_t *err)
{
    float *spec = NULL;
    size_t frames = 0, npeaks = 0;
    fp_peak_t *peaks = NULL;
    *hashes = NULL;
    *nhashes = 0;
    ai_err_t rc = fp_spectrogram(pcm16k, n, &spec, &frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, frames, p, &peaks, &npeaks, err);
    if (rc == AI_OK)
        rc = fp_hash_peaks(peaks, npeaks, p, 1.0, hashes, nhashes, err);
    if (npeaks_out)
        *npeaks_out = npeaks;
    free(spec);
    free(peaks);
    return rc;
}
