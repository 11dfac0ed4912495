/* fpindex matcher: offset histogram, chance model, confidence. */
#include "fpindex/fpindex_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A hash's postings beyond this are skipped: such a hash is in so many tracks
 * that it carries no information, and scanning it would cost time. */
#define MAX_POSTINGS 20000
#define OFFSET_BIAS (1 << 30)

/* ------------------------------------------------------------ vote table */

typedef struct {
    uint64_t key; /* 0 = empty; else (track << 32 | biased offset) + 1 */
    uint32_t count;
} vote_t;

typedef struct {
    vote_t *v;
    size_t cap, n;
} votes_t;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static int votes_grow(votes_t *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 4096;
    vote_t *nv = calloc(ncap, sizeof *nv);
    if (!nv)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].key)
            continue;
        size_t j = mix(t->v[i].key) & (ncap - 1);
        while (nv[j].key)
            j = (j + 1) & (ncap - 1);
        nv[j] = t->v[i];
    }
    free(t->v);
    t->v = nv;
    t->cap = ncap;
    return 0;
}

static vote_t *votes_slot(votes_t *t, uint64_t key, int create)
{
    if (create && (t->n + 1) * 2 > t->cap && votes_grow(t) != 0)
        return NULL;
    if (!t->cap)
        return NULL;
    key += 1;
    size_t j = mix(key) & (t->cap - 1);
    while (t->v[j].key && t->v[j].key != key)
        j = (j + 1) & (t->cap - 1);
    if (!t->v[j].key) {
        if (!create)
            return NULL;
        t->v[j].key = key;
        t->n++;
    }
    return &t->v[j];
}

static uint64_t vote_key(uint32_t track, int64_t off)
{
    return (uint64_t)track << 32 | (uint32_t)(off + OFFSET_BIAS);
}

/* ------------------------------------------------------------ scoring */

typedef struct {
    uint32_t track;
    uint32_t total;   /* all votes for the track */
    uint32_t aligned; /* best offset, ±1 frame merged */
    int64_t offset;
} cand_t;

static int cand_by_aligned(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->aligned != y->aligned)
        return x->aligned < y->aligned ? 1 : -1;
    return x->track < y->track ? -1 : x->track > y->track;
}

static int match_by_score(const void *a, const void *b)
{
    const fpindex_match_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->track_no < y->track_no ? -1 : x->track_no > y->track_no;
}

/* log10 of P(X >= a) for X ~ Poisson(lambda). */
static double log10_poisson_tail(uint32_t a, double lambda)
{
    if (a == 0)
        return 0;
    double ll = log(lambda), m = -INFINITY, terms[64];
    int nt = 0;
    for (uint32_t k = a; k < a + 64; k++) {
        double lt = -lambda + k * ll - lgamma((double)k + 1);
        terms[nt++] = lt;
        if (lt > m)
            m = lt;
        if (lt < m - 40)
            break;
    }
    double s = 0;
    for (int i = 0; i < nt; i++)
        s += exp(terms[i] - m);
    /* s >= 1: the largest term contributes exp(0) */
    return (m + log(s > 1 ? s : 1)) / log(10.0);
}

double fpindex_confidence(double score)
{
    if (!(score > 0))
        return 0;
    /* Calibrated on the exact-lane benchmark (docs/exact-lane.md): unrelated
     * audio stays below 20, so 20 maps to ~0.12 and 31 to 0.85. */
    double c = 1.0 / (1.0 + exp(-(score - 26.0) / 2.9));
    return c < 0 ? 0 : c > 1 ? 1 : c;
}

static int stop_requested(const fpindex_query_opts_t *o)
{
    return deadline_passed(o->deadline) || (o->cancel && atomic_load(o->cancel));
}

/* ------------------------------------------------------------ query */

ai_err_t fpindex_query(fpindex_t *idx, const fp_hash_t *h, size_t n,
                       const fpindex_query_opts_t *o, fpindex_match_t *out, size_t *nout,
                       ai_error_t *err)
{
    *nout = 0;
    if (!idx || !o || o->max_results == 0 || (n && !h))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "invalid fingerprint query");
    if (n == 0)
        return AI_OK;
    MDB_txn *txn;
    ai_err_t rc = fpi_read_begin(idx, &txn, err);
    if (rc)
        return rc;
    votes_t votes = {0};
    cand_t *cands = NULL;
    unsigned char *plist = NULL;
    size_t plist_cap = 0;
    MDB_cursor *cur = NULL;
    int r = mdb_cursor_open(txn, idx->post, &cur);
    uint32_t qmax = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        if ((i & 127) == 0 && stop_requested(o)) {
            rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "fingerprint query stopped at its deadline");
            goto done;
        }
        if (h[i].t > qmax)
            qmax = h[i].t;
        uint32_t bucket = fpi_bucket(h[i].hash);
        unsigned char seek[8] = {(unsigned char)(h[i].hash >> 8), (unsigned char)h[i].hash};
        MDB_val k = {sizeof bucket, &bucket}, v = {sizeof seek, seek};
        int g = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
        if (g == MDB_NOTFOUND)
            continue;
        if (g != 0) {
            r = g;
            break;
        }
        /* Collect this hash's postings (the bucket's items with its low bits). */
        size_t np = 0;
        int more = 1;
        for (g = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); g == 0 && more;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
            const unsigned char *p = v.mv_data;
            for (size_t j = 0; j + 8 <= v.mv_size; j += 8) {
                /* GET_MULTIPLE hands out whole pages, which may start before
                 * the position GET_BOTH_RANGE found */
                int c = memcmp(p + j, seek, 2);
                if (c < 0)
                    continue;
                if (c > 0) {
                    more = 0;
                    break;
                }
                if (np == plist_cap) {
                    size_t ncap = plist_cap ? plist_cap * 2 : 1024;
                    if (ncap > MAX_POSTINGS + 1)
                        ncap = MAX_POSTINGS + 1;
                    if (np == ncap) { /* over the cap: an uninformative hash */
                        more = 0;
                        np = ncap;
                        break;
                    }
                    unsigned char *nl = realloc(plist, ncap * 8);
                    if (!nl) {
                        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
                        goto done;
                    }
                    plist = nl;
                    plist_cap = ncap;
                }
                memcpy(plist + np * 8, p + j, 8);
                np++;
            }
        }
        if (g != 0 && g != MDB_NOTFOUND) {
            r = g;
            break;
        }
        if (np > MAX_POSTINGS)
            continue;
        for (size_t j = 0; j < np; j++) {
            uint32_t track, t;
            fpi_posting_unpack(plist + j * 8, &track, &t);
            vote_t *slot = votes_slot(&votes, vote_key(track, (int64_t)t - h[i].t), 1);
            if (!slot) {
                rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
                goto done;
            }
            slot->count++;
        }
    }
    if (r != 0) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "fingerprint index %s: query: %s", idx->dir,
                          mdb_strerror(r));
        goto done;
    }

    /* Per track: total votes and the best ±1-merged offset. */
    votes_t per_track = {0}; /* key = track, count = index into cands + 1 */
    size_t ncands = 0, cap = 0;
    for (size_t s = 0; s < votes.cap; s++) {
        if (!votes.v[s].key)
            continue;
        uint64_t key = votes.v[s].key - 1;
        uint32_t track = (uint32_t)(key >> 32);
        int64_t off = (int64_t)(uint32_t)key - OFFSET_BIAS;
        uint32_t c = votes.v[s].count;
        for (int d = -1; d <= 1; d += 2) {
            vote_t *nb = votes_slot(&votes, vote_key(track, off + d), 0);
            if (nb)
                c += nb->count;
        }
        vote_t *pt = votes_slot(&per_track, track, 1);
        if (!pt) {
            free(per_track.v);
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
            goto done;
        }
        if (!pt->count) {
            if (ncands == cap) {
                size_t ncap = cap ? cap * 2 : 256;
                cand_t *nc = realloc(cands, ncap * sizeof *nc);
                if (!nc) {
                    free(per_track.v);
                    rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
                    goto done;
                }
                cands = nc;
                cap = ncap;
            }
            cands[ncands] = (cand_t){track, 0, 0, 0};
            pt->count = (uint32_t)++ncands;
        }
        if (!cands)
            break; /* unreachable: a counted track always has a candidate */
        cand_t *cd = &cands[pt->count - 1];
        cd->total += votes.v[s].count;
        if (c > cd->aligned || (c == cd->aligned && off < cd->offset)) {
            cd->aligned = c;
            cd->offset = off;
        }
    }
    free(per_track.v);
    if (ncands)
        qsort(cands, ncands, sizeof *cands, cand_by_aligned);

    size_t nscore = ncands < o->max_results * 4 + 16 ? ncands : o->max_results * 4 + 16;
    fpindex_match_t *ms = calloc(nscore ? nscore : 1, sizeof *ms);
    if (!ms) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
        goto done;
    }
    size_t nm = 0;
    double log_tracks = log10((double)(ncands ? ncands : 1));
    for (size_t i = 0; i < nscore; i++) {
        const cand_t *cd = &cands[i];
        if (cd->aligned < FPINDEX_MIN_ALIGNED)
            break;
        double w = (double)fpi_track_frames(idx, txn, cd->track) + qmax + 1;
        double background = cd->total > cd->aligned ? cd->total - cd->aligned : 1;
        double lambda = 3.0 * background / w;
        if (lambda < 1e-6)
            lambda = 1e-6;
        double score = -log10_poisson_tail(cd->aligned, lambda) - log10(w) - log_tracks;
        if (score < FPINDEX_MIN_SCORE)
            continue;
        fpindex_match_t *m = &ms[nm++];
        m->track_no = cd->track;
        m->score = score;
        m->confidence = fpindex_confidence(score);
        m->aligned_hashes = cd->aligned;
        m->offset_seconds = cd->offset > 0 ? (double)cd->offset * fp_frame_seconds() : 0;
        m->speed = 1.0;
    }
    qsort(ms, nm, sizeof *ms, match_by_score);
    *nout = nm < o->max_results ? nm : o->max_results;
    memcpy(out, ms, *nout * sizeof *out);
    free(ms);
done:
    if (cur)
        mdb_cursor_close(cur);
    fpi_read_end(idx, txn);
    free(votes.v);
    free(cands);
    free(plist);
    return rc;
}

/* ------------------------------------------------------------ speed hypotheses */

#define NSPEEDS 5
static const double speeds[NSPEEDS] = {1.0, 0.97, 0.985, 1.015, 1.03};

ai_err_t fpindex_match_peaks(fpindex_t *idx, const fp_peak_t *peaks, size_t npeaks,
                             const fp_params_t *p, const fpindex_query_opts_t *o,
                             fpindex_match_t *out, size_t *nout, ai_error_t *err)
{
    *nout = 0;
    if (!o || o->max_results == 0)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "invalid fingerprint query");
    size_t cap = o->max_results * NSPEEDS;
    fpindex_match_t *all = calloc(cap, sizeof *all), *part = calloc(o->max_results, sizeof *part);
    if (!all || !part) {
        free(all);
        free(part);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
    }
    size_t nall = 0;
    ai_err_t rc = AI_OK;
    for (size_t s = 0; s < NSPEEDS && rc == AI_OK; s++) {
        fp_hash_t *h = NULL;
        size_t nh = 0, np = 0;
        rc = fp_hash_peaks(peaks, npeaks, p, speeds[s], &h, &nh, err);
        if (rc == AI_OK)
            rc = fpindex_query(idx, h, nh, o, part, &np, err);
        free(h);
        for (size_t i = 0; rc == AI_OK && i < np; i++) {
            /* the same track under several hypotheses: keep the best */
            size_t j = 0;
            while (j < nall && all[j].track_no != part[i].track_no)
                j++;
            part[i].score -= log10((double)NSPEEDS);
            part[i].confidence = fpindex_confidence(part[i].score);
            part[i].speed = speeds[s];
            if (part[i].score < FPINDEX_MIN_SCORE)
                continue;
            if (j == nall)
                all[nall++] = part[i];
            else if (part[i].score > all[j].score)
                all[j] = part[i];
        }
        /* a decisive match at normal speed needs no other hypothesis */
        if (s == 0 && nall && all[0].confidence >= 0.99)
            break;
    }
    if (rc == AI_OK) {
        qsort(all, nall, sizeof *all, match_by_score);
        *nout = nall < o->max_results ? nall : o->max_results;
        memcpy(out, all, *nout * sizeof *out);
    }
    free(all);
    free(part);
    return rc;
}
