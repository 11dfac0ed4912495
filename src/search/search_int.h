/*
 * search_int.h — the lanes of a search, internal to the search module.
 *
 * A lane is a function that answers one question about a decoded clip and
 * appends its matches to a search_result_t: the exact lane fills
 * res->exact/nexact, the vibe lane res->vibe/nvibe.  Lanes run in parallel
 * (search.c), so a lane touches only its own fields of res.  Each lane must
 * honour ctx->deadline and ctx->cancel cooperatively and return
 * AI_ERR_SEARCH_TIMEOUT when the deadline passes; search.c joins every lane
 * before it answers.
 */
#ifndef AI_SEARCH_INT_H
#define AI_SEARCH_INT_H

#include <stdatomic.h>

#include "audio/audio.h"
#include "base/clock.h"
#include "search/search.h"

typedef struct {
    library_t *lib;
    const audio_pcm_t *pcm; /* mono PCM at the lane's rate, at most SEARCH_MAX_SECONDS */
    size_t max_results;     /* matches wanted (already bounded by SEARCH_MAX_RESULTS + 1) */
    deadline_t deadline;
    const atomic_int *cancel; /* non-zero: the request was abandoned */
} search_lane_ctx_t;

/* Landmark fingerprint lane at FP_SAMPLE_RATE.  Errors: SEARCH_TIMEOUT,
 * SERVICE_UNAVAILABLE (metadata store down), INTERNAL_ERROR. */
ai_err_t search_lane_exact(const search_lane_ctx_t *ctx, search_result_t *res, ai_error_t *err);

/* PCM rate the vibe lane wants for this library; 0 when the lane is not
 * available (then search_lane_vibe explains why). */
int search_lane_vibe_rate(library_t *lib);

/* Similarity lane.  Errors: SEARCH_TIMEOUT, SERVICE_UNAVAILABLE (vector
 * store or embedder unavailable, metadata store down), INTERNAL_ERROR. */
ai_err_t search_lane_vibe(const search_lane_ctx_t *ctx, search_result_t *res, ai_error_t *err);

#endif
