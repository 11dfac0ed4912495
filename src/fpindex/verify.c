/* fpindex verification: a candidate track's aligned hashes under the best
 * time scale, and the frequency scale read from them.
 *
 * Triplet hashes do not change with speed, tempo or pitch, so a matching
 * posting of a clip played at scale s sits at track frame
 *   tp = s · (tc - tmid) + centre
 * (tc the clip frame, tmid the clip's centre, centre the clip centre's place
 * in the track).  Each (clip hash, posting) pair estimates s from the ratio
 * of the two spans; the median of a candidate's pairs is the starting point,
 * and scales within ±SCALE_SEARCH of it are tried in SCALE_STEP steps, the
 * best (scale, centre) being the one that puts most pairs within ±1 frame.
 * The frequency scale is the median log-frequency difference of the aligned
 * pairs' anchors. */
#include "fpindex/fpindex_int.h"
#include "base/grow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_STEP  0.002
#define SCALE_STEPS 15                  /* each side of the median */
#define PAIR_RADIUS (3 * FPI_VOTE_CELL) /* pairs kept around the vote cell */
#define HIST_RADIUS (4 * FPI_VOTE_CELL)
#define HIST_SIZE   (2 * HIST_RADIUS + 1)

typedef struct {
    float tc, a;
    uint32_t tp, q; /* q: the clip hash (distinct value) the pair belongs to */
    int16_t dlf;    /* clip anchor lf - track anchor lf, quarter semitones */
} pair_t;

typedef struct {
    pair_t *p;
    size_t n, cap;
} pairs_t;

static int push_pair(pairs_t *ps, pair_t x)
{
    pair_t *np = grow_one(ps->p, ps->n, &ps->cap, sizeof *np, 256);
    if (!np)
        return ENOMEM;
    ps->p = np;
    ps->p[ps->n++] = x;
    return 0;
}

/* First position in s[a..b) whose (track, frame) key is >= key. */
static uint32_t seg_lower(const unsigned char *s, uint32_t a, uint32_t b, uint64_t key)
{
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (fpi_post_key(s + (size_t)m * FPI_POST) < key)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static int cmp_i16(const void *a, const void *b)
{
    int16_t x = *(const int16_t *)a, y = *(const int16_t *)b;
    return x < y ? -1 : x > y;
}

/* The candidate's pairs near its vote cell, and lambda (chance expectation:
 * for each distinct clip hash occurring nq times, the probability that one
 * of the track's c postings of it lands in a 3-frame window of one of the
 * occurrences by chance, 3·c·nq / w).  Counting distinct hashes, not
 * occurrences, keeps a steady tone — the same few triplets over and over —
 * from lining up with a track's sustained notes. */
static int collect(const gather_t *g, double tmid, verif_t *v, pairs_t *ps)
{
    uint64_t lo = (uint64_t)v->track << 24, hi = (uint64_t)(v->track + 1) << 24;
    double bc = ((double)v->cell + 0.5) * FPI_VOTE_CELL;
    for (size_t i = 0; i < g->nhs; i++) {
        const qh_t *q = &g->hs[i];
        /* the list is sorted across its segments: skip, by binary search on
         * their last items, the segments that end before the track */
        uint32_t sa = q->s0, sb = q->s0 + q->ns, c = 0;
        while (sa < sb) {
            uint32_t m = sa + (sb - sa) / 2;
            const seg_t *sg = &g->segs[m];
            if (fpi_post_key(sg->p + (size_t)(sg->n - 1) * FPI_POST) < lo)
                sa = m + 1;
            else
                sb = m;
        }
        for (uint32_t s = sa; s < q->s0 + q->ns && fpi_post_key(g->segs[s].p) < hi; s++) {
            const seg_t *sg = &g->segs[s];
            uint32_t a = seg_lower(sg->p, 0, sg->n, lo), b = seg_lower(sg->p, a, sg->n, hi);
            c += b - a;
            for (uint32_t k = a; k < b; k++) {
                const unsigned char *pp = sg->p + (size_t)k * FPI_POST;
                uint32_t track, tp;
                fpi_posting_unpack(pp, &track, &tp);
                for (uint32_t j = q->q0; j < q->q0 + q->nq; j++) {
                    const fp_hash_t *h = &g->qs[j];
                    double sc = pp[8] && h->span ? (double)pp[8] / h->span : 1.0;
                    if (fabs(sc - 1.0) > FPINDEX_MAX_SCALE + 0.03)
                        continue;
                    double tc = (double)h->t - tmid;
                    if (fabs((double)tp - sc * tc - bc) > PAIR_RADIUS)
                        continue;
                    pair_t x = {(float)tc, (float)sc, tp, (uint32_t)i,
                                (int16_t)((int)h->lf - (int)pp[9])};
                    if (push_pair(ps, x))
                        return ENOMEM;
                }
            }
        }
        if (c) {
            double pr = 3.0 * c * q->nq / v->w;
            v->lambda += pr < 1 ? pr : 1;
        }
    }
    return 0;
}

/* Best (scale, centre) for the pairs: most pairs within ±1 frame. */
static uint32_t search_scale(const pairs_t *ps, double a0, double bc, double *best_a,
                             double *best_b)
{
    uint32_t hist[HIST_SIZE], best = 0;
    double b0 = bc - HIST_RADIUS;
    /* 0, -1, +1, -2, +2, ...: on a tie the scale nearest the median wins */
    for (int si = 0; si <= 2 * SCALE_STEPS; si++) {
        int step = si % 2 ? -(si + 1) / 2 : si / 2;
        double a = a0 * (1.0 + step * SCALE_STEP);
        memset(hist, 0, sizeof hist);
        for (size_t i = 0; i < ps->n; i++) {
            long k = lround((double)ps->p[i].tp - a * ps->p[i].tc - b0);
            if (k >= 0 && k < HIST_SIZE)
                hist[k]++;
        }
        for (int k = 1; k + 1 < HIST_SIZE; k++) {
            uint32_t c = hist[k - 1] + hist[k] + hist[k + 1];
            if (c > best) {
                best = c;
                *best_a = a;
                *best_b = b0 + k;
            }
        }
    }
    return best;
}

static int verify_one(const gather_t *g, double tmid, verif_t *v, pairs_t *ps, unsigned char *seen)
{
    ps->n = 0;
    v->aligned = 0;
    v->scale = 1.0;
    v->pitch_cents = 0;
    v->nscales = 2 * SCALE_STEPS + 1;
    if (collect(g, tmid, v, ps))
        return ENOMEM;
    if (ps->n < FPINDEX_MIN_ALIGNED)
        return 0;
    float *as = malloc(ps->n * sizeof *as);
    int16_t *d = malloc(ps->n * sizeof *d);
    if (!as || !d) {
        free(as);
        free(d);
        return ENOMEM;
    }
    for (size_t i = 0; i < ps->n; i++)
        as[i] = ps->p[i].a;
    qsort(as, ps->n, sizeof *as, cmp_float);
    double a0 = as[ps->n / 2], a = a0, b = ((double)v->cell + 0.5) * FPI_VOTE_CELL;
    search_scale(ps, a0, b, &a, &b);
    /* aligned = distinct clip hash values with a pair on the line; their
     * anchors' log-frequency differences give the pitch */
    size_t nd = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const pair_t *x = &ps->p[i];
        if (fabs((double)x->tp - a * x->tc - b) > 1.5)
            continue;
        d[nd++] = x->dlf;
        if (!seen[x->q]) {
            seen[x->q] = 1;
            v->aligned++;
        }
    }
    for (size_t i = 0; i < ps->n; i++)
        seen[ps->p[i].q] = 0;
    if (nd) {
        qsort(d, nd, sizeof *d, cmp_i16);
        int med = d[nd / 2];
        double sum = 0;
        size_t m = 0;
        for (size_t i = 0; i < nd; i++)
            if (abs(d[i] - med) <= 2) {
                sum += d[i];
                m++;
            }
        v->pitch_cents = (m ? sum / (double)m : med) * (100.0 / FP_LF_UNIT);
    }
    v->scale = a;
    v->centre = b;
    free(as);
    free(d);
    return 0;
}

int fpi_verify(const gather_t *g, double tmid, verif_t *v, size_t nv)
{
    pairs_t ps = {0};
    unsigned char *seen = calloc(g->nhs ? g->nhs : 1, 1);
    int r = seen ? 0 : ENOMEM;
    for (size_t i = 0; r == 0 && i < nv; i++)
        r = verify_one(g, tmid, &v[i], &ps, seen);
    free(ps.p);
    free(seen);
    return r;
}
