/* Search orchestration: decode once, run the lanes, join TrackInfo, JSON. */
#include "search/search.h"
#include "audio/audio.h"
#include "base/clock.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"

#include <stdlib.h>
#include <string.h>

int search_mode_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "exact") == 0)
        return SEARCH_MODE_EXACT;
    if (strcmp(s, "vibe") == 0)
        return SEARCH_MODE_VIBE;
    if (strcmp(s, "both") == 0)
        return SEARCH_MODE_BOTH;
    return -1;
}

const char *search_mode_name(search_mode_t m)
{
    return m == SEARCH_MODE_EXACT ? "exact" : m == SEARCH_MODE_VIBE ? "vibe" : "both";
}

static void lane_fail(search_lane_status_t *st, ai_err_t code, const char *msg)
{
    st->code = code;
    snprintf(st->message, sizeof st->message, "%s", msg);
}

/* The exact lane: peaks of the 16 kHz clip → index → TrackInfo join. */
static ai_err_t exact_lane(library_t *lib, const audio_pcm_t *pcm, size_t max_results,
                           deadline_t deadline, search_result_t *res, ai_error_t *err)
{
    const fp_params_t *p = library_fp_params(lib);
    float *spec = NULL;
    fp_peak_t *peaks = NULL;
    size_t frames = 0, np = 0, nm = 0;
    fpindex_match_t *m = calloc(max_results, sizeof *m);
    if (!m)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    fpindex_query_opts_t qo = {.max_results = max_results, .deadline = deadline, .cancel = NULL};
    ai_err_t rc = fp_spectrogram(pcm->samples, pcm->n, &spec, &frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, frames, p, &peaks, &np, err);
    free(spec);
    if (rc == AI_OK)
        rc = fpindex_match_peaks(library_fpindex(lib), peaks, np, p, &qo, m, &nm, err);
    free(peaks);
    meta_track_t *tracks = NULL;
    size_t nt = 0;
    if (rc == AI_OK && nm > 0) {
        uint32_t nums[SEARCH_MAX_RESULTS];
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
    for (size_t i = 0; rc == AI_OK && i < nm; i++) {
        for (size_t k = 0; k < nt; k++) {
            if (tracks[k].fp_track_no != m[i].track_no)
                continue;
            search_exact_match_t *e = &res->exact[res->nexact++];
            e->track = tracks[k];
            tracks[k].chromaprint = NULL; /* moved */
            e->confidence = m[i].confidence;
            e->offset_seconds = m[i].offset_seconds;
            e->aligned_hashes = m[i].aligned_hashes;
            break;
        }
    }
    meta_tracks_free(tracks, nt);
    free(m);
    return rc;
}

ai_err_t search_run(library_t *lib, const void *data, size_t len, const search_opts_t *o,
                    search_result_t *res, ai_error_t *err)
{
    memset(res, 0, sizeof *res);
    double t0 = o->started_ms > 0 ? o->started_ms : clock_now_ms();
    if (o->max_results < 1 || o->max_results > SEARCH_MAX_RESULTS) {
        ai_error_set(err, AI_ERR_VALIDATION_ERROR, "max_results must be between 1 and %d",
                     SEARCH_MAX_RESULTS);
        ai_error_details(err, "{\"field\":\"max_results\"}");
        return AI_ERR_VALIDATION_ERROR;
    }
    res->mode = o->mode;
    if (o->mode == SEARCH_MODE_VIBE)
        return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                            "the vibe (similarity) lane is not available in this build");
    const config_t *cfg = library_config(lib);
    audio_format_t fmt;
    ai_err_t rc = audio_sniff(data, len, &fmt, err);
    if (rc)
        return rc;
    audio_decoded_t d = {0};
    audio_decode_opts_t dopt = {.rates = {FP_SAMPLE_RATE},
                                .nrates = 1,
                                .max_seconds = SEARCH_MAX_SECONDS,
                                .truncate = 1,
                                .timeout_s = cfg->exact_timeout_s + 2};
    rc = audio_decode(data, len, fmt, &dopt, &d, err);
    if (rc)
        return rc;
    res->audio_seconds = d.decoded_s;
    if (d.decoded_s < SEARCH_MIN_SECONDS) {
        ai_error_set(err, AI_ERR_AUDIO_TOO_SHORT, "the clip is %.1f s; at least %.0f s is needed",
                     d.decoded_s, SEARCH_MIN_SECONDS);
        ai_error_details(err, "{\"audio_duration_seconds\":%.2f}", d.decoded_s);
        audio_decoded_release(&d);
        return AI_ERR_AUDIO_TOO_SHORT;
    }

    ai_error_t lerr;
    ai_error_clear(&lerr);
    ai_err_t erc = exact_lane(lib, &d.pcm[0], o->max_results, deadline_in(cfg->exact_timeout_s),
                              res, &lerr);
    audio_decoded_release(&d);
    if (erc != AI_OK)
        lane_fail(&res->exact_status, erc, lerr.message);
    if (o->mode == SEARCH_MODE_BOTH)
        lane_fail(&res->vibe_status, AI_ERR_SERVICE_UNAVAILABLE,
                  "the vibe (similarity) lane is not available in this build");
    if (erc != AI_OK && (o->mode == SEARCH_MODE_EXACT || erc == AI_ERR_SERVICE_UNAVAILABLE)) {
        search_result_release(res);
        *err = lerr;
        return erc;
    }
    res->query_ms = clock_now_ms() - t0;
    return AI_OK;
}

void search_result_release(search_result_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nexact; i++)
        meta_track_release(&res->exact[i].track);
    for (size_t i = 0; i < res->nvibe; i++)
        meta_track_release(&res->vibe[i].track);
    free(res->exact);
    free(res->vibe);
    memset(res, 0, sizeof *res);
}

static void json_nullable(strbuf_t *out, const char *s)
{
    strbuf_json_string(out, s && *s ? s : NULL);
}

void search_track_info_json(const meta_track_t *t, strbuf_t *out)
{
    strbuf_printf(out, "{\"id\":\"%s\",\"title\":", t->id);
    json_nullable(out, t->title);
    strbuf_append(out, ",\"artist\":");
    json_nullable(out, t->artist);
    strbuf_append(out, ",\"album\":");
    json_nullable(out, t->album);
    strbuf_printf(out, ",\"duration_seconds\":%.3f,\"ingested_at\":", t->duration_seconds);
    json_nullable(out, t->created_at);
    strbuf_append(out, "}");
}

static void lane_error_json(strbuf_t *out, const char *lane, const search_lane_status_t *st,
                            int *first)
{
    if (st->code == AI_OK)
        return;
    strbuf_printf(out, "%s\"%s\":{\"code\":\"%s\",\"message\":", *first ? "" : ",", lane,
                  ai_err_name(st->code));
    strbuf_json_string(out, st->message);
    strbuf_append(out, "}");
    *first = 0;
}

void search_result_json(const search_result_t *res, const char *request_id, strbuf_t *out)
{
    strbuf_append(out, "{\"request_id\":");
    strbuf_json_string(out, request_id);
    strbuf_printf(out, ",\"query_duration_ms\":%.1f,\"mode_used\":\"%s\",\"exact_matches\":[",
                  res->query_ms, search_mode_name(res->mode));
    for (size_t i = 0; i < res->nexact; i++) {
        const search_exact_match_t *e = &res->exact[i];
        strbuf_append(out, i ? ",{\"track\":" : "{\"track\":");
        search_track_info_json(&e->track, out);
        strbuf_printf(out, ",\"confidence\":%.4f,\"offset_seconds\":%.2f,\"aligned_hashes\":%u}",
                      e->confidence, e->offset_seconds, e->aligned_hashes);
    }
    strbuf_append(out, "],\"vibe_matches\":[");
    for (size_t i = 0; i < res->nvibe; i++) {
        const search_vibe_match_t *v = &res->vibe[i];
        strbuf_append(out, i ? ",{\"track\":" : "{\"track\":");
        search_track_info_json(&v->track, out);
        strbuf_printf(out, ",\"similarity\":%.4f,\"embedding_model\":", v->similarity);
        strbuf_json_string(out, v->embedding_model);
        strbuf_append(out, "}");
    }
    strbuf_append(out, "]");
    if (res->exact_status.code != AI_OK || res->vibe_status.code != AI_OK) {
        int first = 1;
        strbuf_append(out, ",\"lane_errors\":{");
        lane_error_json(out, "exact", &res->exact_status, &first);
        lane_error_json(out, "vibe", &res->vibe_status, &first);
        strbuf_append(out, "}");
    }
    strbuf_append(out, "}");
}
