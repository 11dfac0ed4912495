/* POST /api/v1/ingest (admin): one uploaded file, or a server directory. */
#include "http/http_int.h"
#include "base/fsutil.h"
#include "http/fields.h"
#include "http/multipart.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *part_text(http_req_t *req, const multipart_part_t *parts, size_t n,
                             const char *name)
{
    const multipart_part_t *p = multipart_find(parts, n, name, NULL);
    return p ? arena_strndup(&req->arena, (const char *)p->data, p->len) : NULL;
}

/* Resolves dir (relative paths are relative to INGEST_ROOT) and checks it
 * lies under INGEST_ROOT. */
static ai_err_t resolve_dir(const config_t *cfg, const char *dir, char *out, ai_error_t *err)
{
    char root[PATH_MAX], want[PATH_MAX * 2];
    if (!realpath(cfg->ingest_root, root))
        return ai_error_set(err, AI_ERR_DIRECTORY_NOT_FOUND, "INGEST_ROOT %s does not exist",
                            cfg->ingest_root);
    if (dir[0] == '/')
        snprintf(want, sizeof want, "%s", dir);
    else
        snprintf(want, sizeof want, "%s/%s", root, dir);
    size_t rl = strlen(root);
    if (!realpath(want, out) || !fs_is_dir(out))
        return ai_error_set(err, AI_ERR_DIRECTORY_NOT_FOUND, "directory %s does not exist", dir);
    if (strncmp(out, root, rl) != 0 || (out[rl] != '/' && out[rl] != '\0' && rl > 1))
        return ai_error_set(err, AI_ERR_DIRECTORY_NOT_FOUND, "directory %s is outside INGEST_ROOT",
                            dir);
    return AI_OK;
}

static void ingest_directory(http_req_t *req, const char *dir)
{
    ai_error_t e;
    char real[PATH_MAX];
    if (resolve_dir(req->srv->cfg, dir, real, &e) != AI_OK || http_cpu_acquire(req, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    library_dir_report_t rep;
    const config_t *cfg = req->srv->cfg;
    int workers = cfg->workers > 0 ? (int)cfg->workers : 0;
    ai_err_t rc = library_ingest_dir(req->srv->lib, real, workers, 0, NULL, &rep, &e);
    http_cpu_release(req);
    if (rc != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    strbuf_t *b = &req->resp.body;
    strbuf_printf(b,
                  "{\"total\":%zu,\"ingested\":%zu,\"duplicates\":%zu,\"failed\":%zu,\"errors\":[",
                  rep.total, rep.ingested, rep.duplicates, rep.nerrors);
    size_t rl = strlen(real);
    for (size_t i = 0; i < rep.nerrors; i++) {
        const char *f = rep.errors[i].file;
        if (strncmp(f, real, rl) == 0 && f[rl] == '/')
            f += rl + 1; /* relative to the directory asked for */
        strbuf_append(b, i ? ",{\"file\":" : "{\"file\":");
        strbuf_json_string(b, f);
        strbuf_append(b, ",\"error\":");
        strbuf_json_string(b, rep.errors[i].error);
        /* "CODE: message" split for clients that switch on the code */
        const char *msg = strstr(rep.errors[i].error, ": ");
        strbuf_append(b, ",\"code\":");
        strbuf_json_string(b, ai_err_name(rep.errors[i].code));
        strbuf_append(b, ",\"message\":");
        strbuf_json_string(b, msg ? msg + 2 : rep.errors[i].error);
        strbuf_append(b, "}");
    }
    strbuf_append(b, "],\"tracks\":[");
    for (size_t i = 0; i < rep.ntracks; i++) {
        const library_dir_track_t *t = &rep.tracks[i];
        const char *f = t->file;
        if (strncmp(f, real, rl) == 0 && f[rl] == '/')
            f += rl + 1;
        strbuf_append(b, i ? ",{\"file\":" : "{\"file\":");
        strbuf_json_string(b, f);
        strbuf_printf(b, ",\"track_id\":\"%s\",\"title\":", t->res.track_id);
        strbuf_json_string(b, t->res.title);
        strbuf_append(b, ",\"artist\":");
        if (t->res.artist[0])
            strbuf_json_string(b, t->res.artist);
        else
            strbuf_append(b, "null");
        strbuf_append(b, "}");
    }
    strbuf_append(b, "]}");
    library_dir_report_release(&rep);
    http_reply_json(req, 200);
}

static void ingest_file(http_req_t *req, const multipart_part_t *audio,
                        const library_ingest_opts_t *o)
{
    ai_error_t e;
    if ((long long)audio->len > req->srv->cfg->max_ingest_bytes) {
        ai_error_set(&e, AI_ERR_FILE_TOO_LARGE, "Max ingest size is %lld bytes",
                     req->srv->cfg->max_ingest_bytes);
        http_reply_error(req, &e);
        return;
    }
    if (http_cpu_acquire(req, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    library_ingest_result_t r;
    ai_err_t rc = library_ingest_bytes(req->srv->lib, audio->data, audio->len, o, &r, &e);
    http_cpu_release(req);
    if (rc != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    strbuf_t *b = &req->resp.body;
    strbuf_printf(b, "{\"track_id\":\"%s\",\"title\":", r.track_id);
    strbuf_json_string(b, r.title[0] ? r.title : NULL);
    strbuf_append(b, ",\"artist\":");
    strbuf_json_string(b, r.artist[0] ? r.artist : NULL);
    strbuf_printf(b, ",\"status\":\"%s\"}", r.duplicate ? "duplicate" : "ingested");
    http_reply_json(req, r.duplicate ? 200 : 201);
}

/* {"directory": "..."} */
static void ingest_json(http_req_t *req)
{
    ai_error_t e;
    char dir[PATH_MAX];
    if (http_ingest_json_dir(req->body, req->body_len, HTTP_JSON_BODY_MAX, dir, sizeof dir, &e) !=
        AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    ingest_directory(req, dir);
}

/* title, artist, album: optional, at most HTTP_TAG_MAX_BYTES, no control
 * bytes.  0 with the error sent. */
static int tag_fields_ok(http_req_t *req, const multipart_part_t *parts, size_t n)
{
    static const char *const tags[] = {"title", "artist", "album"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t count;
        const multipart_part_t *p = multipart_find(parts, n, tags[i], &count);
        if (!p)
            continue;
        if (count == 1 &&
            http_field_text_ok((const char *)p->data, p->len, HTTP_TAG_MAX_BYTES))
            continue;
        ai_error_t e;
        ai_error_set(&e, AI_ERR_VALIDATION_ERROR,
                     count > 1 ? "the field %s appears more than once"
                               : "%s must be at most %d bytes of text without control characters",
                     tags[i], HTTP_TAG_MAX_BYTES);
        ai_error_details(&e, "{\"field\":\"%s\"}", tags[i]);
        http_reply_error(req, &e);
        return 0;
    }
    return 1;
}

void h_ingest(http_req_t *req)
{
    const char *ct = http_req_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/json", 16) == 0) {
        ingest_json(req);
        return;
    }
    ai_error_t e;
    multipart_part_t *parts;
    size_t n, count;
    if (multipart_parse(&req->arena, ct, req->body, req->body_len, &parts, &n, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    const multipart_part_t *audio = multipart_find(parts, n, "audio", &count);
    const char *dir = part_text(req, parts, n, "directory");
    if (count > 1 || (!audio && !dir) || (audio && dir)) {
        ai_error_set(&e, AI_ERR_VALIDATION_ERROR,
                     "send exactly one \"audio\" file or one \"directory\" field");
        ai_error_details(&e, "{\"field\":\"audio\"}");
        http_reply_error(req, &e);
        return;
    }
    if (dir) {
        ingest_directory(req, dir);
        return;
    }
    if (!tag_fields_ok(req, parts, n))
        return;
    library_ingest_opts_t o = {.title = part_text(req, parts, n, "title"),
                               .artist = part_text(req, parts, n, "artist"),
                               .album = part_text(req, parts, n, "album"),
                               .source_name = audio->filename};
    ingest_file(req, audio, &o);
}
