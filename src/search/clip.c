/* What a clip holds before any lane looks at it: level, activity, verdict. */
#include "search/search.h"

#include <math.h>
#include <string.h>

#define CLIP_FRAME_S 0.05 /* level frames of 50 ms */

static double to_dbfs(double rms)
{
    if (rms <= 0)
        return SEARCH_DBFS_MIN;
    double db = 20.0 * log10(rms);
    return db < SEARCH_DBFS_MIN ? SEARCH_DBFS_MIN : db;
}

void search_clip_analyze(const float *pcm, size_t n, int rate, search_clip_t *out)
{
    memset(out, 0, sizeof *out);
    out->rms_dbfs = SEARCH_DBFS_MIN;
    out->silent = 1;
    if (!pcm || n == 0 || rate <= 0)
        return;
    out->duration_seconds = (double)n / rate;
    /* the level of the signal, not of its DC offset: a constant is silence */
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += pcm[i];
    mean /= (double)n;
    size_t frame = (size_t)(CLIP_FRAME_S * rate);
    if (frame < 1)
        frame = 1;
    double total = 0;
    size_t frames = 0, active = 0;
    for (size_t s = 0; s < n; s += frame) {
        size_t e = s + frame < n ? s + frame : n;
        double fm = 0, sum = 0;
        for (size_t i = s; i < e; i++)
            fm += pcm[i];
        fm /= (double)(e - s); /* a slow drift is not activity either */
        for (size_t i = s; i < e; i++) {
            double x = pcm[i] - fm, y = pcm[i] - mean;
            sum += x * x;
            total += y * y;
        }
        frames++;
        if (to_dbfs(sqrt(sum / (double)(e - s))) >= SEARCH_ACTIVE_DBFS)
            active++;
    }
    out->rms_dbfs = to_dbfs(sqrt(total / (double)n));
    out->active_ratio = frames ? (double)active / (double)frames : 0;
    out->silent = out->rms_dbfs < SEARCH_SILENT_DBFS || out->active_ratio < SEARCH_MIN_ACTIVE_RATIO;
}

search_verdict_t search_verdict_of(const search_result_t *res)
{
    if (res->clip.silent)
        return SEARCH_VERDICT_SILENT;
    if (res->mode != SEARCH_MODE_VIBE && res->nexact > 0)
        return res->exact[0].confidence >= SEARCH_TRUST_CONFIDENCE ? SEARCH_VERDICT_IDENTIFIED
                                                                   : SEARCH_VERDICT_POSSIBLE;
    if (res->mode != SEARCH_MODE_EXACT && res->nvibe > 0)
        return SEARCH_VERDICT_SIMILAR;
    return SEARCH_VERDICT_NOT_FOUND;
}

const char *search_verdict_name(search_verdict_t v)
{
    switch (v) {
    case SEARCH_VERDICT_IDENTIFIED:
        return "identified";
    case SEARCH_VERDICT_POSSIBLE:
        return "possible";
    case SEARCH_VERDICT_SIMILAR:
        return "similar";
    case SEARCH_VERDICT_SILENT:
        return "silent";
    case SEARCH_VERDICT_NOT_FOUND:
        break;
    }
    return "not_found";
}
