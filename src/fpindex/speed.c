/* fpindex two-pass query: the exact lane's entry point.  The clip's triplet
 * hashes are invariant to speed, tempo and pitch, except for two coarse
 * classes (anchor log-frequency, span) that a change moves to a neighbour:
 * the first pass looks up only the classes as measured (all that an
 * unchanged clip needs), the second also the neighbouring classes a ±12 %
 * change reaches; each track keeps its better pass. */
#include "fpindex/fpindex_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPASSES             2
#define FPI_DECISIVE_MARGIN 10.0 /* score lead over the next track to stop early */
/* scale tolerance of each pass (fp_query_hashes) */
static const double pass_tol[NPASSES] = {0.0, 0.12};

static int decisive(fpindex_match_t *all, size_t n)
{
    if (n == 0)
        return 0;
    qsort(all, n, sizeof *all, fpi_match_by_score);
    return all[0].confidence >= 0.99 &&
           (n == 1 || all[0].score - all[1].score >= FPI_DECISIVE_MARGIN);
}

ai_err_t fpindex_match_peaks(fpindex_t *idx, const fp_peak_t *peaks, size_t npeaks,
                             const fp_params_t *p, const fpindex_query_opts_t *o,
                             fpindex_match_t *out, size_t *nout, ai_error_t *err)
{
    *nout = 0;
    if (!o || o->max_results == 0)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "invalid fingerprint query");
    size_t cap = o->max_results * NPASSES;
    fpindex_match_t *all = calloc(cap, sizeof *all), *part = calloc(o->max_results, sizeof *part);
    if (!all || !part) {
        free(all);
        free(part);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory matching");
    }
    size_t nall = 0;
    ai_err_t rc = AI_OK;
    for (size_t s = 0; s < NPASSES && rc == AI_OK; s++) {
        fp_hash_t *h = NULL;
        size_t nh = 0, np = 0;
        rc = fp_query_hashes(peaks, npeaks, p, pass_tol[s], &h, &nh, err);
        if (rc == AI_OK)
            rc = fpindex_query(idx, h, nh, o, part, &np, err);
        free(h);
        for (size_t i = 0; rc == AI_OK && i < np; i++) {
            /* the same track under several hypotheses: keep the best */
            size_t j = 0;
            while (j < nall && all[j].track_no != part[i].track_no)
                j++;
            part[i].score -= log10((double)NPASSES);
            part[i].confidence = fpindex_confidence(part[i].score);
            if (part[i].score < fpi_min_score(o))
                continue;
            if (j == nall)
                all[nall++] = part[i];
            else if (part[i].score > all[j].score)
                all[j] = part[i];
        }
        /* a decisive, unambiguous match needs no second pass */
        if (s == 0 && decisive(all, nall))
            break;
    }
    if (rc == AI_OK) {
        qsort(all, nall, sizeof *all, fpi_match_by_score);
        *nout = nall < o->max_results ? nall : o->max_results;
        memcpy(out, all, *nout * sizeof *out);
    }
    free(all);
    free(part);
    return rc;
}
