#include "startup/startup.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "embed/embed.h"
#include "fpindex/fpindex.h"
#include "meta/meta.h"
#include "tls/tls.h"
#include "vecstore/vecstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static startup_check_t *begin(startup_check_t *out, size_t *n, const char *component)
{
    startup_check_t *c = &out[(*n)++];
    memset(c, 0, sizeof *c);
    c->component = component;
    c->ms = clock_now_ms();
    return c;
}

static void end(startup_check_t *c, startup_status_t st)
{
    c->status = st;
    c->ms = clock_now_ms() - c->ms;
}

static void check_data_dir(const config_t *cfg, startup_check_t *c)
{
    ai_error_t err;
    char probe[CONFIG_STR_MAX + 64];
    snprintf(probe, sizeof probe, "%s/.write-probe", cfg->data_dir);
    ai_err_t rc = fs_mkdir_p(cfg->data_dir, &err);
    if (rc == AI_ERR_STORAGE_FULL && fs_is_dir(cfg->data_dir))
        rc = AI_OK;
    if (rc == AI_OK)
        rc = fs_write_atomic(probe, "ok", 2, &err);
    if (rc == AI_ERR_STORAGE_FULL) { /* searches still work; ingest answers STORAGE_FULL */
        snprintf(c->detail, sizeof c->detail,
                 "data directory %s is full: ingest is refused until space is freed (%s)",
                 cfg->data_dir, err.message);
        end(c, STARTUP_WARN);
        return;
    }
    if (rc != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "data directory %s is not writable: %s",
                 cfg->data_dir, err.message);
        end(c, STARTUP_FAIL);
        return;
    }
    unlink(probe);
    snprintf(c->detail, sizeof c->detail, "%s writable", cfg->data_dir);
    end(c, STARTUP_OK);
}

/* *tracks gets the number of ready tracks (-1 when unknown). */
static void check_metadata(const config_t *cfg, startup_check_t *c, long long *tracks)
{
    ai_error_t err;
    meta_t *m = NULL;
    int applied = 0;
    char url[CONFIG_STR_MAX];
    config_redact_url(cfg->database_url, url, sizeof url);
    if (meta_open(cfg->database_url, 1, &m, &err) != AI_OK || meta_ping(m, &err) != AI_OK ||
        meta_migrate(m, &applied, &err) != AI_OK) {
        /* meta's messages already name the store and its password-free URL */
        if (strstr(err.message, "://"))
            snprintf(c->detail, sizeof c->detail, "%s", err.message);
        else
            snprintf(c->detail, sizeof c->detail, "metadata store %s: %s", url, err.message);
        meta_close(m);
        end(c, STARTUP_FAIL);
        return;
    }
    snprintf(c->detail, sizeof c->detail, "%s at %s (%d migration%s applied now)",
             meta_backend_name(m), meta_display_url(m), applied, applied == 1 ? "" : "s");
    long long pending = 0;
    if (meta_tracks_count(m, tracks, &pending, &err) != AI_OK)
        *tracks = -1;
    meta_close(m);
    end(c, STARTUP_OK);
}

static void check_fpindex(const config_t *cfg, startup_check_t *c)
{
    ai_error_t err;
    char dir[CONFIG_STR_MAX + 16];
    snprintf(dir, sizeof dir, "%s/fpindex", cfg->data_dir);
    fpindex_t *idx = NULL;
    fpindex_stats_t st;
    if (fpindex_open(dir, &idx, &err) != AI_OK || fpindex_stats(idx, &st, &err) != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "%s", err.message);
        fpindex_close(idx);
        end(c, STARTUP_FAIL);
        return;
    }
    snprintf(c->detail, sizeof c->detail, "%s: %llu tracks, %llu hashes, %.1f MB", dir,
             (unsigned long long)st.tracks, (unsigned long long)st.hashes, (double)st.bytes / 1e6);
    fpindex_close(idx);
    end(c, STARTUP_OK);
}

/* Loads the embedding model; *dim gets its vector size (0 on failure). */
static void check_embedder(const config_t *cfg, startup_check_t *c, int *dim)
{
    ai_error_t err;
    embedder_t *e = NULL;
    char stats[CONFIG_STR_MAX + 32];
    snprintf(stats, sizeof stats, "%s/vectors/stats.txt", cfg->data_dir);
    *dim = 0;
    if (embed_open(cfg->embedding_model, stats, &e, &err) != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "EMBEDDING_MODEL=%s: %s", cfg->embedding_model,
                 err.message);
        end(c, STARTUP_FAIL);
        return;
    }
    const embed_info_t *info = embed_info(e);
    *dim = info->dim;
    int slow = info->load_ms > STARTUP_EMBEDDER_SLOW_MS;
    snprintf(c->detail, sizeof c->detail, "%s, %d dimensions, loaded in %.1f ms%s", info->name,
             info->dim, info->load_ms, slow ? " (slow: over 5 s)" : "");
    embed_close(e);
    end(c, slow ? STARTUP_WARN : STARTUP_OK);
}

int startup_vectors_missing(long long tracks, unsigned long long vectors, char *msg, size_t n)
{
    if (tracks <= 0 || vectors >= (unsigned long long)tracks)
        return 0;
    snprintf(msg, n,
             "%llu vectors for %lld tracks in the library: %s; run `audio-ident rebuild-index "
             "--vectors` to recreate them",
             vectors, tracks, vectors ? "some tracks have no vectors" : "the vectors are missing");
    return 1;
}

/* Reaches the vector store, checks its dimension against the model's and its
 * size against the library's `tracks` (-1 = unknown). */
static void check_vecstore(const config_t *cfg, startup_check_t *c, int model_dim, long long tracks)
{
    ai_error_t err;
    vecstore_t *vs = NULL;
    int dim = 0;
    if (vecstore_open(cfg, &vs, &err) != AI_OK || vecstore_dim(vs, &dim, &err) != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "%s", err.message);
        vecstore_close(vs);
        end(c, STARTUP_FAIL);
        return;
    }
    if (model_dim && dim && dim != model_dim) {
        snprintf(c->detail, sizeof c->detail,
                 "%s holds %d-dimensional vectors but the model makes %d; run `audio-ident "
                 "rebuild-index --vectors`",
                 vecstore_location(vs), dim, model_dim);
        vecstore_close(vs);
        end(c, STARTUP_FAIL);
        return;
    }
    uint64_t n = 0;
    if (vecstore_count(vs, &n, &err) != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "%s", err.message);
        vecstore_close(vs);
        end(c, STARTUP_FAIL);
        return;
    }
    char gap[300];
    int missing = startup_vectors_missing(tracks, n, gap, sizeof gap);
    if (missing)
        snprintf(c->detail, sizeof c->detail, "%s %s: %s", vecstore_backend(vs),
                 vecstore_location(vs), gap);
    else
        snprintf(c->detail, sizeof c->detail, "%s %s: %llu vectors%s", vecstore_backend(vs),
                 vecstore_location(vs), (unsigned long long)n,
                 dim ? "" : " (collection created on first ingest)");
    vecstore_close(vs);
    end(c, missing ? STARTUP_WARN : STARTUP_OK);
}

/* TLS_CERT_FILE / TLS_KEY_FILE: readable, matching, valid now; a warning
 * within TLS_EXPIRY_WARN_DAYS of expiry. */
static void check_tls(const config_t *cfg, startup_check_t *c)
{
    if (!cfg->tls_cert_file[0]) {
        snprintf(c->detail, sizeof c->detail, "plain HTTP (TLS_CERT_FILE unset)");
        end(c, STARTUP_SKIPPED);
        return;
    }
    ai_error_t err;
    tls_cert_info_t info;
    if (tls_load(cfg->tls_cert_file, cfg->tls_key_file, time(NULL), &info, NULL, &err) != AI_OK) {
        snprintf(c->detail, sizeof c->detail, "%s", err.message);
        end(c, STARTUP_FAIL);
        return;
    }
    char line[sizeof c->detail];
    tls_describe(&info, line, sizeof line);
    int soon = info.days_left < TLS_EXPIRY_WARN_DAYS;
    snprintf(c->detail, sizeof c->detail, "%s%s", line, soon ? "; renew it soon" : "");
    end(c, soon ? STARTUP_WARN : STARTUP_OK);
}

size_t startup_run(const config_t *cfg, startup_check_t out[STARTUP_MAX_CHECKS], int *failed)
{
    size_t n = 0;
    check_tls(cfg, begin(out, &n, "tls"));
    check_data_dir(cfg, begin(out, &n, "data_dir"));
    long long tracks = -1;
    check_metadata(cfg, begin(out, &n, "metadata"), &tracks);
    check_fpindex(cfg, begin(out, &n, "fingerprint_index"));
    int dim = 0;
    check_embedder(cfg, begin(out, &n, "embedder"), &dim);
    check_vecstore(cfg, begin(out, &n, "vector_store"), dim, tracks);
    *failed = -1;
    for (size_t i = 0; i < n; i++)
        if (out[i].status == STARTUP_FAIL) {
            *failed = (int)i;
            break;
        }
    return n;
}

void startup_print_table(const startup_check_t *c, size_t n, FILE *out)
{
    static const char *names[] = {"ok", "WARN", "FAIL", "skipped"};
    fprintf(out, "%-18s %-7s %9s  %s\n", "component", "status", "time", "detail");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%-18s %-7s %7.1fms  %s\n", c[i].component, names[c[i].status], c[i].ms,
                c[i].detail);
}

void startup_fatal_line(const startup_check_t *c, char *buf, size_t n)
{
    snprintf(buf, n, "FATAL: %s: %s", c->component, c->detail);
}
