/* POST /api/v1/search: multipart audio + mode + max_results → search_run. */
#include "http/http_int.h"
#include "http/fields.h"
#include "http/multipart.h"
#include "search/search.h"

#include <string.h>

/* A form field as a C string in the arena; NULL when absent. */
static const char *field_text(http_req_t *req, const multipart_part_t *p)
{
    return p ? arena_strndup(&req->arena, (const char *)p->data, p->len) : NULL;
}

static void reply_field_error(http_req_t *req, const char *field, const char *msg)
{
    ai_error_t e;
    ai_error_clear(&e);
    ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "%s", msg ? msg : "invalid field");
    ai_error_details(&e, "{\"field\":\"%s\"}", field);
    http_reply_error(req, &e);
}

/* Parses the form into opts and the audio part; 0 with the error sent. */
static int parse_form(http_req_t *req, search_opts_t *o, const multipart_part_t **audio)
{
    ai_error_t e;
    multipart_part_t *parts;
    size_t n, count;
    if (multipart_parse(&req->arena, http_req_header(req, "Content-Type"), req->body, req->body_len,
                        &parts, &n, &e) != AI_OK) {
        http_reply_error(req, &e);
        return 0;
    }
    static const char *const single[] = {"audio", "mode", "max_results"};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
        multipart_find(parts, n, single[i], &count);
        if (count > 1) {
            reply_field_error(
                req, single[i],
                arena_sprintf(&req->arena, "the field %s appears more than once", single[i]));
            return 0;
        }
    }
    *audio = multipart_find(parts, n, "audio", NULL);
    if (!*audio) {
        reply_field_error(req, "audio", "the audio file field is required");
        return 0;
    }
    if ((*audio)->len > (size_t)req->srv->cfg->max_upload_bytes) {
        ai_error_set(&e, AI_ERR_FILE_TOO_LARGE, "Max upload size is %lld bytes (%.0f MB)",
                     req->srv->cfg->max_upload_bytes,
                     (double)req->srv->cfg->max_upload_bytes / (1024.0 * 1024.0));
        http_reply_error(req, &e);
        return 0;
    }
    const multipart_part_t *mode = multipart_find(parts, n, "mode", NULL);
    o->mode = SEARCH_MODE_BOTH;
    if (mode) {
        static const char *const modes[] = {"exact", "vibe", "both"};
        int m = -1;
        for (int i = 0; i < 3; i++)
            if (http_field_is((const char *)mode->data, mode->len, modes[i]))
                m = search_mode_parse(modes[i]);
        if (m < 0) {
            reply_field_error(req, "mode",
                              arena_sprintf(&req->arena,
                                            "mode must be exact, vibe or both (got \"%.40s\")",
                                            field_text(req, mode)));
            return 0;
        }
        o->mode = (search_mode_t)m;
    }
    const multipart_part_t *mr = multipart_find(parts, n, "max_results", NULL);
    o->max_results = 10;
    if (mr) {
        long v;
        if (!http_field_int((const char *)mr->data, mr->len, 1, SEARCH_MAX_RESULTS, &v)) {
            reply_field_error(req, "max_results",
                              arena_sprintf(&req->arena,
                                            "max_results must be an integer between 1 and %d "
                                            "(got \"%.40s\")",
                                            SEARCH_MAX_RESULTS, field_text(req, mr)));
            return 0;
        }
        o->max_results = (size_t)v;
    }
    return 1;
}

void h_search(http_req_t *req)
{
    search_opts_t o = {.started_ms = req->started_ms};
    const multipart_part_t *audio = NULL;
    if (!parse_form(req, &o, &audio))
        return;
    ai_error_t e;
    ai_error_clear(&e);
    if (http_cpu_acquire(req, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    search_result_t res;
    ai_err_t rc = search_run(req->srv->lib, audio->data, audio->len, &o, &res, &e);
    http_cpu_release(req);
    if (res.exact_status.ran)
        metrics_lane(req->srv->metrics, "exact", res.exact_status.code, res.exact_status.ms);
    if (res.vibe_status.ran)
        metrics_lane(req->srv->metrics, "vibe", res.vibe_status.code, res.vibe_status.ms);
    if (rc != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    search_result_json(&res, req->request_id, &req->resp.body);
    search_result_release(&res);
    http_reply_json(req, 200);
}
