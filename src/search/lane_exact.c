/* The exact lane: landmark peaks of the clip → fingerprint index → TrackInfo. */
#include "search/search_int.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"

#include <stdlib.h>
#include <string.h>

/* Frequency variety of a clip's peaks: the number of distinct 3-bin bands
 * (about 47 Hz at 16 kHz) holding at least one peak.  Music, speech and
 * even noise spread their peaks over dozens of bands; a steady tone, a hum
 * or a chord of pure tones keeps them in a handful, and the landmark pairs
 * of such a clip line up with any sustained note of the same pitch. */
#define TONAL_MAX_BANDS 12 /* docs/api.md; music clips of the bench: 27 and more */
static size_t peak_bands(const fp_peak_t *peaks, size_t np)
{
    unsigned char seen[FP_NBINS / 3 + 1] = {0};
    size_t bands = 0;
    for (size_t i = 0; i < np; i++) {
        size_t b = peaks[i].f / 3u;
        if (b < sizeof seen && !seen[b]) {
            seen[b] = 1;
            bands++;
        }
    }
    return bands;
}

ai_err_t search_lane_exact(const search_lane_ctx_t *ctx, search_result_t *res, ai_error_t *err)
{
    library_t *lib = ctx->lib;
    const audio_pcm_t *pcm = ctx->pcm;
    size_t max_results = ctx->max_results;
    const fp_params_t *p = library_fp_params(lib);
    float *spec = NULL;
    fp_peak_t *peaks = NULL;
    size_t frames = 0, np = 0, nm = 0;
    fpindex_match_t *m = calloc(max_results, sizeof *m);
    if (!m)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    fpindex_query_opts_t qo = {
        .max_results = max_results, .deadline = ctx->deadline, .cancel = ctx->cancel};
    ai_err_t rc = fp_spectrogram(pcm->samples, pcm->n, &spec, &frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, frames, p, &peaks, &np, err);
    free(spec);
    /* a clip of steady tones identifies nothing, however well it aligns */
    size_t bands = rc == AI_OK ? peak_bands(peaks, np) : 0;
    if (rc == AI_OK && bands > TONAL_MAX_BANDS)
        rc = fpindex_match_peaks(library_fpindex(lib), peaks, np, p, &qo, m, &nm, err);
    free(peaks);
    meta_track_t *tracks = NULL;
    size_t nt = 0;
    if (rc == AI_OK && nm > 0) {
        uint32_t nums[SEARCH_MAX_RESULTS + 1];
        for (size_t i = 0; i < nm; i++)
            nums[i] = m[i].track_no;
        rc = meta_tracks_by_fp_numbers(library_meta(lib), nums, nm, &tracks, &nt, err);
    }
    if (rc == AI_OK && nm > 0) {
        res->exact = calloc(nm, sizeof *res->exact);
        if (!res->exact)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    /* keep the matcher's order; a track that is not ready (being ingested or
     * deleted right now) is left out */
    for (size_t i = 0; rc == AI_OK && res->exact && i < nm; i++) {
        for (size_t k = 0; k < nt; k++) {
            if (tracks[k].fp_track_no != m[i].track_no)
                continue;
            search_exact_match_t *e = &res->exact[res->nexact++];
            e->track = tracks[k];
            tracks[k].chromaprint = NULL; /* moved */
            e->confidence = m[i].confidence;
            e->offset_seconds = m[i].offset_seconds;
            e->speed = m[i].speed;
            e->pitch_cents = m[i].pitch_cents;
            e->aligned_hashes = m[i].aligned_hashes;
            break;
        }
    }
    meta_tracks_free(tracks, nt);
    free(m);
    return rc;
}
