/* /health, /api/v1/version, /metrics and the web UI's static files. */
#include "http/http_int.h"
#include "base/version.h"
#include "fpindex/fpindex.h"
#include "meta/meta.h"
#include "startup/startup.h"
#include "vecstore/vecstore.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void h_health(http_req_t *req)
{
    strbuf_t *b = &req->resp.body;
    const char *deep = http_req_query(req, "deep");
    if (!deep || strcmp(deep, "1") != 0) {
        strbuf_printf(b, "{\"status\":\"ok\",\"version\":\"%s\"}", ai_version());
        http_reply_json(req, 200);
        return;
    }
    ai_error_t e;
    ai_error_clear(&e);
    library_t *lib = req->srv->lib;
    int meta_ok = meta_ping(library_meta(lib), &e) == AI_OK;
    fpindex_stats_t st;
    int fp_ok = fpindex_stats(library_fpindex(lib), &st, &e) == AI_OK;
    int dim = 0;
    int vs_ok = vecstore_dim(library_vecstore(lib), &dim, &e) == AI_OK;
    /* a store that answers but holds fewer vectors than the library has tracks */
    long long tracks = -1, pending = 0;
    uint64_t vectors = 0;
    char gap[300] = "";
    int vs_missing = vs_ok && meta_ok &&
                     meta_tracks_count(library_meta(lib), &tracks, &pending, &e) == AI_OK &&
                     vecstore_count(library_vecstore(lib), &vectors, &e) == AI_OK &&
                     startup_vectors_missing(tracks, vectors, gap, sizeof gap);
    int emb_ok = library_embedder(lib) != NULL;
    int ok = meta_ok && fp_ok && vs_ok && !vs_missing && emb_ok;
    /* low free space: still serving searches (200), but ingest is refused */
    unsigned long long free_b = 0;
    int disk_low = 0;
    int disk_ok = library_disk_free(lib, &free_b, &disk_low, &e) == AI_OK;
    strbuf_printf(b,
                  "{\"status\":\"%s\",\"version\":\"%s\",\"checks\":{\"metadata\":\"%s\","
                  "\"fingerprint_index\":\"%s\",\"vector_store\":\"%s\",\"embedder\":\"%s\","
                  "\"disk\":\"%s\"},\"disk_free_mb\":%llu",
                  ok && disk_ok && !disk_low ? "ok" : "degraded", ai_version(),
                  meta_ok ? "ok" : "down", fp_ok ? "ok" : "down",
                  vs_ok ? vs_missing ? "missing_vectors" : "ok" : "down", emb_ok ? "ok" : "down",
                  !disk_ok   ? "unknown"
                  : disk_low ? "low"
                             : "ok",
                  free_b >> 20);
    if (vs_missing) {
        strbuf_append(b, ",\"detail\":{\"vector_store\":");
        strbuf_json_string(b, gap);
        strbuf_append(b, "}");
    }
    strbuf_append(b, "}");
    http_reply_json(req, ok ? 200 : 503);
}

void h_version(http_req_t *req)
{
    strbuf_printf(&req->resp.body,
                  "{\"name\":\"audio-ident\",\"version\":\"%s\",\"git_sha\":\"%s\","
                  "\"build_time\":\"%s\"}",
                  ai_version(), ai_git_sha(), ai_build_time());
    http_reply_json(req, 200);
}

void h_metrics(http_req_t *req)
{
    strbuf_t *b = &req->resp.body;
    metrics_render(req->srv->metrics, b);
    library_t *lib = req->srv->lib;
    ai_error_t e;
    long long ready = 0, pending = 0;
    if (meta_tracks_count(library_meta(lib), &ready, &pending, &e) == AI_OK) {
        metrics_gauge(b, "audio_ident_tracks", "Tracks in the library (ready).", NULL,
                      (double)ready);
        metrics_gauge(b, "audio_ident_tracks_pending", "Tracks being ingested.", NULL,
                      (double)pending);
    }
    fpindex_stats_t st;
    if (fpindex_stats(library_fpindex(lib), &st, &e) == AI_OK) {
        metrics_gauge(b, "audio_ident_fingerprint_tracks", "Tracks in the fingerprint index.", NULL,
                      (double)st.tracks);
        metrics_gauge(b, "audio_ident_fingerprint_hashes", "Hash postings in the index.", NULL,
                      (double)st.hashes);
        metrics_gauge(b, "audio_ident_fingerprint_index_bytes", "Fingerprint index size on disk.",
                      NULL, (double)st.bytes);
    }
    req->resp.status = 200;
    req->resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *mime;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].mime;
    return "application/octet-stream";
}

/* Files of WEB_DIR; "/" is index.html.  The resolved path must stay inside
 * WEB_DIR (no "..", no symlink escapes). */
void h_static(http_req_t *req)
{
    const char *root = req->srv->web_root;
    const char *rel = req->path[1] ? req->path + 1 : "index.html";
    if (!root[0]) {
        http_reply_code(req, AI_ERR_NOT_FOUND, "the web UI is not installed (WEB_DIR=%s)",
                        req->srv->cfg->web_dir);
        return;
    }
    char want[PATH_MAX], real[PATH_MAX];
    int n = snprintf(want, sizeof want, "%s/%s", root, rel);
    size_t rl = strlen(root);
    if (n < 0 || (size_t)n >= sizeof want || strstr(rel, "..") || !realpath(want, real) ||
        strncmp(real, root, rl) != 0 || real[rl] != '/') {
        http_reply_code(req, AI_ERR_NOT_FOUND, "no such page: %s", req->path);
        return;
    }
    struct stat sb;
    if (stat(real, &sb) == 0 && S_ISDIR(sb.st_mode) &&
        strlen(real) + sizeof "/index.html" <= sizeof real)
        strcat(real, "/index.html");
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        http_reply_code(req, AI_ERR_NOT_FOUND, "no such page: %s", req->path);
        return;
    }
    req->resp.fd = fd;
    req->resp.fd_off = 0;
    req->resp.fd_len = (uint64_t)sb.st_size;
    req->resp.status = 200;
    req->resp.content_type = mime_of(real);
    http_resp_header(req, "Cache-Control", "no-cache");
    http_resp_header(req, "X-Content-Type-Options", "nosniff");
}
