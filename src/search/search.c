/* Search orchestration: decode once, run the lanes, join TrackInfo, JSON. */
#include "search/search.h"
#include "audio/audio.h"
#include "base/clock.h"
#include "fp/fp.h"
#include "search/search_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

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

/* A lane waits here when AI_TEST_LANE_DELAY names it ("vibe:5000"): tests use
 * it to force a lane past its deadline.  Sleeps in small steps so the
 * deadline and cancellation still apply; SEARCH_TIMEOUT when the deadline
 * passes first. */
static ai_err_t test_delay(const config_t *cfg, const char *lane, const search_lane_ctx_t *c,
                           ai_error_t *err)
{
    size_t n = strlen(lane);
    if (strncmp(cfg->test_lane_delay, lane, n) != 0 || cfg->test_lane_delay[n] != ':')
        return AI_OK;
    double until = clock_now_ms() + atof(cfg->test_lane_delay + n + 1);
    while (clock_now_ms() < until) {
        if (deadline_passed(c->deadline) || (c->cancel && atomic_load(c->cancel)))
            return ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "the %s lane timed out", lane);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return AI_OK;
}

typedef ai_err_t (*lane_fn)(const search_lane_ctx_t *, search_result_t *, ai_error_t *);

/* One lane of one request: runs in the request's thread or in its own. */
typedef struct {
    const char *name;
    lane_fn fn;
    search_lane_ctx_t ctx;
    search_result_t *res;
    search_lane_status_t *status;
    pthread_t thread;
    int threaded;
} lane_run_t;

static void lane_exec(lane_run_t *l)
{
    ai_error_t e;
    ai_error_clear(&e);
    double t0 = clock_now_ms();
    ai_err_t rc = test_delay(library_config(l->ctx.lib), l->name, &l->ctx, &e);
    if (rc == AI_OK)
        rc = l->fn(&l->ctx, l->res, &e);
    l->status->ran = 1;
    l->status->ms = clock_now_ms() - t0;
    l->status->code = rc;
    snprintf(l->status->message, sizeof l->status->message, "%s", rc ? e.message : "");
}

static void *lane_thread(void *arg)
{
    lane_exec(arg);
    return NULL;
}

/* A request runs at most one lane in a second thread, so lane threads are
 * bounded by the callers' own pool (the HTTP server's WORKERS).  When no
 * thread can be made the lane runs inline: correct, just not parallel. */
static void lane_start(lane_run_t *l)
{
    l->threaded = pthread_create(&l->thread, NULL, lane_thread, l) == 0;
    if (!l->threaded)
        lane_exec(l);
}

static void lane_join(lane_run_t *l)
{
    if (l->threaded)
        pthread_join(l->thread, NULL);
}

/* In `both` mode the trusted top exact match is not also a "sounds like". */
static void vibe_drop_identified(search_result_t *res, size_t max_results)
{
    if (res->nexact > 0 && res->exact[0].confidence >= SEARCH_TRUST_CONFIDENCE) {
        for (size_t i = 0; i < res->nvibe; i++) {
            if (strcmp(res->vibe[i].track.id, res->exact[0].track.id) != 0)
                continue;
            meta_track_release(&res->vibe[i].track);
            memmove(&res->vibe[i], &res->vibe[i + 1], (res->nvibe - i - 1) * sizeof *res->vibe);
            res->nvibe--;
            break;
        }
    }
    while (res->nvibe > max_results)
        meta_track_release(&res->vibe[--res->nvibe].track);
}

static ai_err_t decode_clip(library_t *lib, const void *data, size_t len, int vibe_rate,
                            audio_decoded_t *d, ai_error_t *err)
{
    const config_t *cfg = library_config(lib);
    audio_format_t fmt;
    ai_err_t rc = audio_sniff(data, len, &fmt, err);
    if (rc)
        return rc;
    audio_decode_opts_t dopt = {.rates = {FP_SAMPLE_RATE, vibe_rate},
                                .nrates = vibe_rate > 0 && vibe_rate != FP_SAMPLE_RATE ? 2 : 1,
                                .max_seconds = SEARCH_MAX_SECONDS,
                                .truncate = 1,
                                .timeout_s = cfg->exact_timeout_s + 2};
    rc = audio_decode(data, len, fmt, &dopt, d, err);
    if (rc)
        return rc;
    if (d->decoded_s < SEARCH_MIN_SECONDS) {
        ai_error_set(err, AI_ERR_AUDIO_TOO_SHORT, "the clip is %.1f s; at least %.0f s is needed",
                     d->decoded_s, SEARCH_MIN_SECONDS);
        ai_error_details(err, "{\"audio_duration_seconds\":%.2f}", d->decoded_s);
        audio_decoded_release(d);
        return AI_ERR_AUDIO_TOO_SHORT;
    }
    return AI_OK;
}

/* The lane whose error is the request's error, or NULL when the request
 * answers 200: in a single-lane mode its lane's error; in `both` mode only
 * when both lanes failed and one of them for another reason than its
 * deadline (e.g. the metadata store is down: 503, not an empty 200). */
static const search_lane_status_t *search_failure(const search_result_t *res)
{
    const search_lane_status_t *e = &res->exact_status, *v = &res->vibe_status;
    if (res->mode == SEARCH_MODE_EXACT)
        return e->code ? e : NULL;
    if (res->mode == SEARCH_MODE_VIBE)
        return v->code ? v : NULL;
    if (!e->code || !v->code)
        return NULL;
    if (e->code != AI_ERR_SEARCH_TIMEOUT)
        return e;
    return v->code != AI_ERR_SEARCH_TIMEOUT ? v : NULL;
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
    const config_t *cfg = library_config(lib);
    int want_exact = o->mode != SEARCH_MODE_VIBE, want_vibe = o->mode != SEARCH_MODE_EXACT;
    int vibe_rate = want_vibe ? search_lane_vibe_rate(lib) : 0;
    audio_decoded_t d = {0};
    ai_err_t rc = decode_clip(lib, data, len, vibe_rate, &d, err);
    if (rc)
        return rc;
    res->audio_seconds = d.decoded_s;
    search_clip_analyze(d.pcm[0].samples, d.pcm[0].n, FP_SAMPLE_RATE, &res->clip);
    if (res->clip.silent) { /* nothing to listen to: no lane runs */
        audio_decoded_release(&d);
        res->verdict = SEARCH_VERDICT_SILENT;
        res->query_ms = clock_now_ms() - t0;
        return AI_OK;
    }

    atomic_int cancel = 0;
    lane_run_t exact = {
        .name = "exact",
        .fn = search_lane_exact,
        .ctx = {lib, &d.pcm[0], o->max_results, deadline_in(cfg->exact_timeout_s), &cancel},
        .res = res,
        .status = &res->exact_status};
    /* one extra vibe match, in case the identified track has to be dropped */
    lane_run_t vibe = {.name = "vibe",
                       .fn = search_lane_vibe,
                       .ctx = {lib, vibe_rate == FP_SAMPLE_RATE ? &d.pcm[0] : &d.pcm[1],
                               o->max_results + 1, deadline_in(cfg->vibe_timeout_s), &cancel},
                       .res = res,
                       .status = &res->vibe_status};
    if (want_vibe && want_exact)
        lane_start(&vibe);
    else if (want_vibe)
        lane_exec(&vibe);
    if (want_exact)
        lane_exec(&exact);
    if (want_vibe && want_exact)
        lane_join(&vibe);
    audio_decoded_release(&d);
    vibe_drop_identified(res, o->max_results);

    const search_lane_status_t *fail = search_failure(res);
    if (fail) {
        ai_err_t code = fail->code;
        ai_error_set(err, code, "%s", fail->message);
        ai_error_details(err, "{\"lane\":\"%s\"}", fail == &res->exact_status ? "exact" : "vibe");
        search_lane_status_t es = res->exact_status, vs = res->vibe_status;
        search_result_release(res);
        res->exact_status = es; /* kept for the caller's metrics */
        res->vibe_status = vs;
        return code;
    }
    res->verdict = search_verdict_of(res);
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
    strbuf_printf(out,
                  ",\"query_duration_ms\":%.1f,\"mode_used\":\"%s\",\"verdict\":\"%s\","
                  "\"clip\":{\"duration_seconds\":%.2f,\"rms_dbfs\":%.1f,\"active_ratio\":%.3f},"
                  "\"exact_matches\":[",
                  res->query_ms, search_mode_name(res->mode), search_verdict_name(res->verdict),
                  res->clip.duration_seconds, res->clip.rms_dbfs, res->clip.active_ratio);
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
        strbuf_printf(out, ",\"similarity\":%.4f,\"score\":%.4f,\"embedding_model\":",
                      v->similarity, v->score);
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
