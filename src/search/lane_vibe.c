/* The vibe (similarity) lane.  Not wired to an embedder and vector store yet. */
#include "search/search_int.h"

int search_lane_vibe_rate(library_t *lib)
{
    (void)lib;
    return 0;
}

ai_err_t search_lane_vibe(const search_lane_ctx_t *ctx, search_result_t *res, ai_error_t *err)
{
    (void)ctx;
    (void)res;
    return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                        "the vibe (similarity) lane is not available in this build");
}
