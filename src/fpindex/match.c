/* fpindex matcher: offset histogram, chance model, confidence. */
#include "fpindex/fpindex_int.h"
#include "base/grow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A hash with more postings than this is a stop word: it is in so many
 * tracks that it carries no information, and is neither voted nor verified. */
#define FPI_STOP_POSTINGS 8000
/* Candidates re-counted beyond max_results. */
#define FPI_EXTRA_VERIFY 6
/* Clip hashes looked at (a 30 s clip has ~6,000). */
#define FPI_MAX_QUERY_HASHES 65536

/* ------------------------------------------------------------ votes */

/* A vote is one 49-bit key, track << 25 | (offset + 2^24): frames are
 * below 2^24, so offsets lie in (-2^24, 2^24).  Keys are radix-sorted; a
 * run of equal keys is one (track, offset) count, runs of a track are
 * adjacent, and offsets one frame apart are neighbouring runs. */
#define VOTE_OFF_BITS 25
#define VOTE_OFF_BIAS (1 << 24)
#define RADIX_BITS    11

static uint64_t vote_key(uint32_t track, int64_t off)
{
    return (uint64_t)track << VOTE_OFF_BITS | (uint64_t)(off + VOTE_OFF_BIAS);
}

/* LSD radix sort of n keys below 2^55; returns whichever buffer holds the result. */
static uint64_t *sort_keys(uint64_t *a, uint64_t *tmp, size_t n)
{
    uint32_t cnt[1u << RADIX_BITS];
    for (int shift = 0; shift < 55; shift += RADIX_BITS) {
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i] >> shift) & ((1u << RADIX_BITS) - 1)]++;
        uint32_t sum = 0;
        for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
            uint32_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[(a[i] >> shift) & ((1u << RADIX_BITS) - 1)]++] = a[i];
        uint64_t *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* ------------------------------------------------------------ scoring */

typedef struct {
    uint32_t track;
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

int fpi_match_by_score(const void *a, const void *b)
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

/* Per track its best offset (±1 frame merged) from the sorted vote keys,
 * tracks with at least two aligned votes, sorted by that aligned count. */
static ai_err_t best_offsets(const uint64_t *k, size_t n, cand_t **out, size_t *nout,
                             ai_error_t *err)
{
    *out = NULL;
    *nout = 0;
    cand_t *cands = NULL;
    size_t ncands = 0, cap = 0;
    uint64_t prev_key = 0, cur_key = 0;
    uint32_t prev_cnt = 0, cur_cnt = 0;
    cand_t best = {0};
    for (size_t i = 0; i <= n; i++) {
        if (i < n && cur_cnt && k[i] == cur_key) {
            cur_cnt++;
            continue;
        }
        /* the run (cur_key, cur_cnt) is complete; its right neighbour starts at i */
        if (cur_cnt) {
            uint32_t c = cur_cnt;
            if (prev_cnt && prev_key + 1 == cur_key)
                c += prev_cnt;
            for (size_t j = i; j < n && k[j] == cur_key + 1; j++)
                c++;
            uint32_t track = (uint32_t)(cur_key >> VOTE_OFF_BITS);
            if (track != best.track || best.aligned == 0) {
                if (best.aligned >= 2) {
                    cand_t *nc = grow_one(cands, ncands, &cap, sizeof *nc, 256);
                    if (!nc) {
                        free(cands);
                        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
                    }
                    cands = nc;
                    cands[ncands++] = best;
                }
                best = (cand_t){track, 0, 0};
            }
            if (c > best.aligned) {
                best.aligned = c;
                best.offset = (int64_t)(cur_key & ((1ull << VOTE_OFF_BITS) - 1)) - VOTE_OFF_BIAS;
            }
            prev_key = cur_key;
            prev_cnt = cur_cnt;
        }
        if (i < n) {
            cur_key = k[i];
            cur_cnt = 1;
        }
    }
    if (best.aligned >= 2) {
        cand_t *nc = realloc(cands, (ncands + 1) * sizeof *nc);
        if (!nc) {
            free(cands);
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
        }
        cands = nc;
        cands[ncands++] = best;
    }
    if (ncands)
        qsort(cands, ncands, sizeof *cands, cand_by_aligned);
    *out = cands;
    *nout = ncands;
    return AI_OK;
}

/* ------------------------------------------------------------ gathering */

static void gather_free(gather_t *g)
{
    free(g->qs);
    free(g->hs);
    free(g->segs);
}

static int cmp_hash_t(const void *a, const void *b)
{
    const fp_hash_t *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static unsigned low16_at(const unsigned char *p, uint32_t i)
{
    return (unsigned)p[(size_t)i * FPI_POST] << 8 | p[(size_t)i * FPI_POST + 1];
}

/* First item of p[0..n) whose low hash bits are >= lo16 (> when after). */
static uint32_t page_bound(const unsigned char *p, uint32_t n, unsigned lo16, int after)
{
    /* fast paths: a page inside a long list is all one hash */
    if (after ? low16_at(p, n - 1) <= lo16 : low16_at(p, 0) >= lo16)
        return after ? n : 0;
    uint32_t a = 0, b = n;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        unsigned v = low16_at(p, m);
        if (v < lo16 || (after && v == lo16))
            a = m + 1;
        else
            b = m;
    }
    return a;
}

static int push_seg(gather_t *g, const unsigned char *p, uint32_t n)
{
    seg_t *ns = grow_one(g->segs, g->nsegs, &g->segs_cap, sizeof *ns, 1024);
    if (!ns)
        return ENOMEM;
    g->segs = ns;
    g->segs[g->nsegs++] = (seg_t){p, n};
    return 0;
}

/* Finds the posting list of hash `hash` as page segments (no copying). */
static int gather_one(MDB_cursor *cur, gather_t *g, qh_t *q, uint32_t hash)
{
    uint32_t bucket = fpi_bucket(hash);
    unsigned lo16 = hash & 0xFFFFu;
    unsigned char seek[FPI_POST] = {(unsigned char)(lo16 >> 8), (unsigned char)lo16};
    MDB_val k = {sizeof bucket, &bucket}, v = {sizeof seek, seek};
    q->s0 = (uint32_t)g->nsegs;
    int r = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
    if (r == MDB_NOTFOUND)
        return 0;
    if (r != 0)
        return r;
    /* GET_MULTIPLE hands out whole pages, which may start before the item
     * GET_BOTH_RANGE found: bound the hash's run by binary search. */
    for (r = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); r == 0;
         r = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
        const unsigned char *p = v.mv_data;
        uint32_t n = (uint32_t)(v.mv_size / FPI_POST);
        uint32_t a = page_bound(p, n, lo16, 0), b = page_bound(p, n, lo16, 1);
        if (b > a) {
            q->len += b - a;
            if (q->len > FPI_STOP_POSTINGS) {
                q->stop = 1;
                break;
            }
            if ((r = push_seg(g, p + (size_t)a * FPI_POST, b - a)) != 0)
                return r;
        }
        if (b < n)
            break; /* the run ended inside this page */
    }
    if (r != 0 && r != MDB_NOTFOUND)
        return r;
    if (q->stop)
        g->nsegs = q->s0;
    q->ns = (uint32_t)(g->nsegs - q->s0);
    return 0;
}

static int qh_by_len(const void *a, const void *b)
{
    const qh_t *x = a, *y = b;
    uint64_t cx = (uint64_t)x->len * x->nq, cy = (uint64_t)y->len * y->nq;
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return x->q0 < y->q0 ? -1 : x->q0 > y->q0;
}

/* ------------------------------------------------------------ query */

double fpi_min_score(const fpindex_query_opts_t *o)
{
    return o->min_score > 0 ? o->min_score : FPINDEX_MIN_SCORE;
}

static ai_err_t oom(ai_error_t *err)
{
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
}

ai_err_t fpindex_query(fpindex_t *idx, const fp_hash_t *h, size_t n, const fpindex_query_opts_t *o,
                       fpindex_match_t *out, size_t *nout, ai_error_t *err)
{
    *nout = 0;
    if (!idx || !o || o->max_results == 0 || (n && !h))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "invalid fingerprint query");
    if (n == 0)
        return AI_OK;
    if (n > FPI_MAX_QUERY_HASHES)
        n = FPI_MAX_QUERY_HASHES;
    MDB_txn *txn;
    ai_err_t rc = fpi_read_begin(idx, &txn, err);
    if (rc)
        return rc;
    gather_t g = {0};
    uint64_t *keys = NULL;
    cand_t *cands = NULL;
    fpindex_match_t *ms = NULL;
    MDB_cursor *cur = NULL;
    uint32_t qmax = 0, qmin = UINT32_MAX;
    MDB_stat tst;
    int r = mdb_stat(txn, idx->tracks, &tst);
    if (r == 0)
        r = mdb_cursor_open(txn, idx->post, &cur);
    /* the default budget grows with the library: posting lists grow with it,
     * and a fixed budget would reach ever fewer of the clip's hashes */
    size_t budget = o->max_postings;
    if (budget == 0) {
        uint64_t scaled = (uint64_t)FPINDEX_BUDGET_PER_TRACK * (r == 0 ? tst.ms_entries : 0);
        budget = scaled > FPINDEX_DEFAULT_BUDGET ? (size_t)scaled : FPINDEX_DEFAULT_BUDGET;
        if (budget > FPINDEX_MAX_BUDGET)
            budget = FPINDEX_MAX_BUDGET;
    }
    g.qs = malloc(n * sizeof *g.qs);
    g.hs = malloc(n * sizeof *g.hs);
    if (!g.qs || !g.hs) {
        rc = oom(err);
        goto done;
    }
    memcpy(g.qs, h, n * sizeof *h);
    qsort(g.qs, n, sizeof *g.qs, cmp_hash_t);
    g.nqs = n;

    /* 1. each distinct hash's posting list, located but not read */
    for (size_t i = 0; r == 0 && i < n;) {
        if ((g.nhs & 127) == 0 && stop_requested(o)) {
            rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT,
                              "fingerprint query stopped at its deadline");
            goto done;
        }
        size_t j = i;
        while (j < n && g.qs[j].hash == g.qs[i].hash) {
            if (g.qs[j].t > qmax)
                qmax = g.qs[j].t;
            if (g.qs[j].t < qmin)
                qmin = g.qs[j].t;
            j++;
        }
        qh_t *q = &g.hs[g.nhs++];
        *q = (qh_t){(uint32_t)i, (uint32_t)(j - i), 0, 0, 0, 0};
        r = gather_one(cur, &g, q, g.qs[i].hash);
        if (r == ENOMEM) {
            rc = oom(err);
            goto done;
        }
        i = j;
    }
    if (r != 0) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "fingerprint index %s: query: %s", idx->dir,
                          mdb_strerror(r));
        goto done;
    }

    /* 2. votes from the rarest hashes first, until the postings budget is
     * spent: rare hashes are the informative ones, common ones only flood
     * the vote table.  This finds the candidate (track, offset) pairs. */
    qh_t *order = malloc((g.nhs ? g.nhs : 1) * sizeof *order);
    if (!order) {
        rc = oom(err);
        goto done;
    }
    memcpy(order, g.hs, g.nhs * sizeof *order);
    qsort(order, g.nhs, sizeof *order, qh_by_len);
    size_t spent = 0, nvoted = 0;
    while (nvoted < g.nhs) {
        const qh_t *q = &order[nvoted];
        size_t cost = (size_t)q->len * q->nq;
        if (!q->stop && spent + cost > budget && spent > 0)
            break;
        spent += q->stop ? 0 : cost;
        nvoted++;
    }
    keys = malloc((spent ? spent : 1) * 2 * sizeof *keys);
    if (!keys) {
        free(order);
        rc = oom(err);
        goto done;
    }
    /* a vote: where the clip's centre lies in the track, from the posting's
     * frame and the time scale its span suggests (a few percent off, hence
     * cells of FPI_VOTE_CELL frames, neighbouring cells merged) */
    size_t nk = 0;
    double tmid = ((double)qmin + qmax) / 2;
    for (size_t i = 0; i < nvoted && g.segs; i++) {
        const qh_t *q = &order[i];
        if (q->stop)
            continue;
        for (size_t s = q->s0; s < (size_t)q->s0 + q->ns && s < g.nsegs; s++)
            for (uint32_t k = 0; k < g.segs[s].n; k++) {
                const unsigned char *pp = g.segs[s].p + (size_t)k * FPI_POST;
                uint32_t track, t;
                fpi_posting_unpack(pp, &track, &t);
                for (uint32_t j = q->q0; j < q->q0 + q->nq && nk < spent; j++) {
                    const fp_hash_t *qh = &g.qs[j];
                    double sc = pp[8] && qh->span ? (double)pp[8] / qh->span : 1.0;
                    if (fabs(sc - 1.0) > FPINDEX_MAX_SCALE + 0.03)
                        continue;
                    double centre = (double)t - sc * ((double)qh->t - tmid);
                    keys[nk++] = vote_key(track, (int64_t)floor(centre / FPI_VOTE_CELL));
                }
            }
    }
    free(order);
    if (stop_requested(o)) {
        rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "fingerprint query stopped at its deadline");
        goto done;
    }
    const uint64_t *sorted = sort_keys(keys, keys + spent, nk);
    size_t ncands = 0;
    rc = best_offsets(sorted, nk, &cands, &ncands, err);
    if (rc)
        goto done;

    /* 3. the best candidates re-counted over all hashes, with their own
     * chance expectation; -log10 of the Poisson tail, corrected for the
     * offsets and tracks tried, is the score. */
    size_t nver =
        ncands < o->max_results + FPI_EXTRA_VERIFY ? ncands : o->max_results + FPI_EXTRA_VERIFY;
    ms = calloc(nver ? nver : 1, sizeof *ms);
    if (!ms) {
        rc = oom(err);
        goto done;
    }
    verif_t *vs = calloc(nver ? nver : 1, sizeof *vs);
    if (!vs) {
        rc = oom(err);
        goto done;
    }
    size_t nv = 0;
    for (size_t i = 0; i < nver; i++) {
        const cand_t *cd = &cands[i];
        double w = (double)fpi_track_frames(idx, txn, cd->track) + qmax + 1;
        vs[nv++] = (verif_t){.track = cd->track, .cell = cd->offset, .w = w};
    }
    if (g.segs && fpi_verify(&g, tmid, vs, nv) != 0) {
        free(vs);
        rc = oom(err);
        goto done;
    }
    size_t nm = 0;
    double log_tracks = log10((double)(tst.ms_entries > 1 ? tst.ms_entries : 1));
    for (size_t i = 0; i < nv; i++) {
        const verif_t *vf = &vs[i];
        if (vf->aligned < FPINDEX_MIN_ALIGNED)
            continue;
        double lambda = vf->lambda < 1e-6 ? 1e-6 : vf->lambda;
        double score = -log10_poisson_tail(vf->aligned, lambda) - log10(vf->w) - log_tracks -
                       log10((double)(vf->nscales ? vf->nscales : 1));
        if (score < fpi_min_score(o))
            continue;
        fpindex_match_t *m = &ms[nm++];
        m->track_no = vf->track;
        m->score = score;
        m->confidence = fpindex_confidence(score);
        m->aligned_hashes = vf->aligned;
        /* where the clip's first frame lies in the track */
        double start = vf->centre - vf->scale * tmid;
        m->offset_seconds = start > 0 ? start * fp_frame_seconds() : 0;
        m->speed = vf->scale;
        m->pitch_cents = vf->pitch_cents;
    }
    free(vs);
    qsort(ms, nm, sizeof *ms, fpi_match_by_score);
    *nout = nm < o->max_results ? nm : o->max_results;
    memcpy(out, ms, *nout * sizeof *out);
done:
    if (cur)
        mdb_cursor_close(cur);
    fpi_read_end(idx, txn);
    gather_free(&g);
    free(keys);
    free(cands);
    free(ms);
    return rc;
}
