/* /api/v1/tracks: list, detail, delete and the stored audio (Range, ETag). */
#include "http/http_int.h"
#include "audio/audio.h"
#include "base/clock.h"
#include "base/uuid.h"
#include "meta/meta.h"
#include "search/search.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A query integer in [lo, hi]; absent → def.  -1 (with the error sent) when
 * it is malformed or out of range. */
static long query_int(http_req_t *req, const char *name, long def, long lo, long hi)
{
    const char *v = http_req_query(req, name);
    if (!v)
        return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) {
        ai_error_t e;
        ai_error_clear(&e);
        ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "%s must be an integer between %ld and %ld", name,
                     lo, hi);
        ai_error_details(&e, "{\"field\":\"%s\"}", name);
        http_reply_error(req, &e);
        return -1;
    }
    return n;
}

static void reply_query_error(http_req_t *req, const char *field, const char *msg)
{
    ai_error_t e;
    ai_error_clear(&e);
    ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "%s", msg);
    ai_error_details(&e, "{\"field\":\"%s\"}", field);
    http_reply_error(req, &e);
}

/* A free-text query parameter of at most META_SEARCH_MAX bytes (absent →
 * NULL); 0 with the error sent when it is longer. */
static int query_text(http_req_t *req, const char *name, const char **out)
{
    *out = http_req_query(req, name);
    if (*out && strlen(*out) > META_SEARCH_MAX) {
        reply_query_error(req, name,
                          arena_sprintf(&req->arena, "%s is longer than %d bytes", name,
                                        META_SEARCH_MAX));
        return 0;
    }
    return 1;
}

/* sort and dir into o; 0 with the error sent when either is unknown. */
static int query_order(http_req_t *req, meta_list_opts_t *o)
{
    const char *sort = http_req_query(req, "sort"), *dir = http_req_query(req, "dir");
    int s = sort ? meta_sort_parse(sort) : META_SORT_INGESTED_AT;
    if (s < 0) {
        reply_query_error(req, "sort",
                          "sort must be title, artist, album, duration or ingested_at");
        return 0;
    }
    o->sort = (meta_sort_t)s;
    if (!dir)
        o->dir = META_DIR_DEFAULT;
    else if (strcmp(dir, "asc") == 0)
        o->dir = META_DIR_ASC;
    else if (strcmp(dir, "desc") == 0)
        o->dir = META_DIR_DESC;
    else {
        reply_query_error(req, "dir", "dir must be asc or desc");
        return 0;
    }
    return 1;
}

void h_tracks_list(http_req_t *req)
{
    long page = query_int(req, "page", 1, 1, 1000000);
    if (page < 0)
        return;
    long size = query_int(req, "pageSize", 50, 1, META_PAGE_SIZE_MAX);
    if (size < 0)
        return;
    meta_list_opts_t o = {.page = (int)page, .page_size = (int)size, .ready_only = 1};
    if (!query_text(req, "search", &o.search) || !query_text(req, "artist", &o.artist) ||
        !query_text(req, "album", &o.album) || !query_order(req, &o))
        return;
    meta_track_t *t = NULL;
    size_t n = 0;
    long long total = 0;
    ai_error_t e;
    if (meta_tracks_list(library_meta(req->srv->lib), &o, &t, &n, &total, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    strbuf_t *b = &req->resp.body;
    strbuf_append(b, "{\"data\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_append(b, ",");
        search_track_info_json(&t[i], b);
    }
    strbuf_printf(b,
                  "],\"pagination\":{\"page\":%ld,\"pageSize\":%ld,\"totalItems\":%lld,"
                  "\"totalPages\":%lld}}",
                  page, size, total, (total + size - 1) / size);
    meta_tracks_free(t, n);
    http_reply_json(req, 200);
}

/* The ready track named by the path's {id}; 0 with the error sent otherwise. */
static int load_track(http_req_t *req, meta_track_t *t)
{
    ai_error_t e;
    ai_error_clear(&e);
    meta_track_init(t);
    if (!uuid_valid(req->arg)) {
        ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "track id must be a UUID");
        ai_error_details(&e, "{\"field\":\"id\"}");
    } else if (meta_track_get(library_meta(req->srv->lib), req->arg, t, &e) == AI_OK &&
               t->status != META_READY) {
        meta_track_release(t);
        ai_error_set(&e, AI_ERR_NOT_FOUND, "no track %s", req->arg);
    }
    if (e.code == AI_OK)
        return 1;
    if (e.code == AI_ERR_NOT_FOUND)
        snprintf(e.message, sizeof e.message, "no track %s", req->arg);
    http_reply_error(req, &e);
    return 0;
}

static void json_str_or_null(strbuf_t *b, const char *key, const char *v)
{
    strbuf_printf(b, ",\"%s\":", key);
    strbuf_json_string(b, v && *v ? v : NULL);
}

void h_track_get(http_req_t *req)
{
    meta_track_t t;
    if (!load_track(req, &t))
        return;
    strbuf_t *b = &req->resp.body;
    search_track_info_json(&t, b);
    b->len--; /* reopen the TrackInfo object */
    strbuf_printf(b, ",\"sample_rate\":%d,\"channels\":%d,\"bitrate\":%lld", t.sample_rate,
                  t.channels, t.bitrate);
    json_str_or_null(b, "format", t.format);
    json_str_or_null(b, "file_hash_sha256", t.file_hash_sha256);
    strbuf_printf(b, ",\"file_size_bytes\":%lld", t.file_size_bytes);
    strbuf_printf(b, ",\"fingerprint_indexed\":%s,\"olaf_indexed\":%s",
                  t.fingerprint_indexed ? "true" : "false",
                  t.fingerprint_indexed ? "true" : "false");
    json_str_or_null(b, "embedding_model", t.embedding_model);
    if (t.embedding_dim > 0)
        strbuf_printf(b, ",\"embedding_dim\":%d", t.embedding_dim);
    else
        strbuf_append(b, ",\"embedding_dim\":null");
    json_str_or_null(b, "updated_at", t.updated_at);
    strbuf_append(b, "}");
    meta_track_release(&t);
    http_reply_json(req, 200);
}

void h_track_delete(http_req_t *req)
{
    meta_track_t t;
    if (!load_track(req, &t))
        return;
    meta_track_release(&t);
    ai_error_t e;
    if (library_delete(req->srv->lib, req->arg, &e) != AI_OK) {
        http_reply_error(req, &e);
        return;
    }
    req->resp.status = 204;
}

int http_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    char *end;
    if (*p == '-') { /* suffix: the last N bytes */
        if (p[1] < '0' || p[1] > '9')
            return 0;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (*end)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        *len = n < size ? n : size;
        *start = size - *len;
        return 1;
    }
    if (*p < '0' || *p > '9')
        return 0;
    unsigned long long a = strtoull(p, &end, 10), b = UINT64_MAX;
    if (*end != '-')
        return 0;
    if (end[1]) {
        if (end[1] < '0' || end[1] > '9')
            return 0;
        b = strtoull(end + 1, &end, 10);
        if (*end || b < a)
            return 0;
    }
    if (a >= size)
        return -1;
    if (b >= size)
        b = size - 1;
    *start = a;
    *len = b - a + 1;
    return 1;
}

static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    return strstr(inm, etag) != NULL;
}

void h_track_audio(http_req_t *req)
{
    meta_track_t t;
    if (!load_track(req, &t))
        return;
    char path[PATH_MAX];
    library_track_path(req->srv->lib, &t, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        http_reply_code(req, AI_ERR_FILE_NOT_FOUND, "the stored audio of track %s is missing",
                        req->arg);
        meta_track_release(&t);
        return;
    }
    char etag[80], date[64];
    snprintf(etag, sizeof etag, "\"%s\"", t.file_hash_sha256);
    http_resp_header(req, "ETag", etag);
    http_resp_header(req, "Last-Modified", clock_http_date(sb.st_mtime, date, sizeof date));
    http_resp_header(req, "Accept-Ranges", "bytes");
    http_resp_header(req, "Cache-Control", "private, max-age=3600");
    req->resp.content_type = audio_format_mime(audio_format_from_name(t.format));
    meta_track_release(&t);
    if (etag_matches(http_req_header(req, "If-None-Match"), etag)) {
        close(fd);
        req->resp.status = 304;
        return;
    }
    uint64_t size = (uint64_t)sb.st_size, start = 0, len = size;
    const char *range = http_req_header(req, "Range");
    const char *if_range = http_req_header(req, "If-Range");
    int r =
        if_range && strcmp(if_range, etag) != 0 ? 0 : http_parse_range(range, size, &start, &len);
    char cr[96];
    if (r < 0) {
        close(fd);
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
        http_resp_header(req, "Content-Range", cr);
        ai_error_t e;
        ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "range %s is not satisfiable (size %llu)", range,
                     (unsigned long long)size);
        http_reply_error(req, &e);
        req->resp.status = 416;
        return;
    }
    req->resp.fd = fd;
    req->resp.fd_off = start;
    req->resp.fd_len = len;
    req->resp.status = r > 0 ? 206 : 200;
    if (r > 0) {
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + len - 1), (unsigned long long)size);
        http_resp_header(req, "Content-Range", cr);
    }
}
