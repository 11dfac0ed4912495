/*
 * meta.c — the front end of the metadata store: picks the backend from the
 * URL scheme, validates and caps every argument, then calls the ops table.
 */
#include "meta/meta_int.h"
#include "base/grow.h"

#include "base/strbuf.h"
#include "base/uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define META_URL_MAX  2048
#define META_POOL_MAX 64

struct meta {
    const struct meta_ops *ops;
    void *impl;
    char display[META_URL_MAX];
};

int meta_adopt_row(meta_track_t *t, meta_track_t *rows, size_t n, int *duplicate)
{
    int adopted = n == 1;
    if (adopted) {
        int own = strcmp(rows[0].id, t->id) == 0;
        meta_track_release(t);
        *t = rows[0];
        rows[0].chromaprint = NULL; /* moved */
        *duplicate = !own;
    }
    meta_tracks_free(rows, n);
    return adopted;
}

char *meta_query_list(const meta_query_t *q, const char *open, const char *close, int json_ids)
{
    strbuf_t sb;
    strbuf_init(&sb, 64 * META_BATCH_MAX);
    strbuf_append(&sb, open);
    for (size_t i = 0; i < q->n; i++) {
        if (i)
            strbuf_append(&sb, ",");
        if (q->kind == MQ_BY_FP)
            strbuf_printf(&sb, "%u", (unsigned)q->nums[i]);
        else if (json_ids)
            strbuf_json_string(&sb, q->ids[i]);
        else
            strbuf_append(&sb, q->ids[i]);
    }
    strbuf_append(&sb, close);
    if (sb.overflow) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb, NULL);
}

void meta_copy_str(char *dst, size_t n, const char *src)
{
    if (!n)
        return;
    if (!src)
        src = "";
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

meta_track_t *meta_tracks_push(meta_track_t **arr, size_t *n, size_t *cap)
{
    meta_track_t *na = grow_one(*arr, *n, cap, sizeof *na, 16);
    if (!na)
        return NULL;
    *arr = na;
    meta_track_t *t = &(*arr)[(*n)++];
    memset(t, 0, sizeof *t);
    return t;
}

/* "postgresql", "postgres" with an optional "+driver" suffix. */
static int is_pg_scheme(const char *url, size_t *scheme_len)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return 0;
    size_t len = (size_t)(sep - url);
    size_t base = len;
    const char *plus = memchr(url, '+', len);
    if (plus)
        base = (size_t)(plus - url);
    *scheme_len = len;
    return (base == 10 && strncasecmp(url, "postgresql", 10) == 0) ||
           (base == 8 && strncasecmp(url, "postgres", 8) == 0);
}

ai_err_t meta_open(const char *database_url, int pool_size, meta_t **out, ai_error_t *err)
{
    *out = NULL;
    if (!database_url || !database_url[0])
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "DATABASE_URL is empty");
    if (strlen(database_url) >= META_URL_MAX - 16)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "DATABASE_URL is too long");
    if (pool_size < 1)
        pool_size = 1;
    if (pool_size > META_POOL_MAX)
        pool_size = META_POOL_MAX;

    char target[META_URL_MAX];
    const struct meta_ops *ops;
    size_t scheme_len = 0;
    if (strncasecmp(database_url, "sqlite://", 9) == 0) {
        const char *rest = database_url + 9;
        if (rest[0] != '/' || !rest[1] || rest[1] == '?')
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "DATABASE_URL: expected sqlite:///relative/path or "
                                "sqlite:////absolute/path, got \"%s\"",
                                database_url);
        meta_copy_str(target, sizeof target, rest + 1);
        char *q = strchr(target, '?');
        if (q)
            *q = '\0';
        ops = &meta_sqlite_ops;
    } else if (is_pg_scheme(database_url, &scheme_len)) {
        snprintf(target, sizeof target, "postgresql%s", database_url + scheme_len);
        ops = &meta_postgres_ops;
    } else {
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "DATABASE_URL: unsupported scheme (use sqlite:// or postgresql://)");
    }

    meta_t *m = calloc(1, sizeof *m);
    if (!m)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    m->ops = ops;
    if (ops == &meta_sqlite_ops)
        meta_copy_str(m->display, sizeof m->display, database_url);
    ai_err_t rc = ops->open(target, pool_size, &m->impl, m->display, sizeof m->display, err);
    if (rc != AI_OK) {
        free(m);
        return rc;
    }
    *out = m;
    return AI_OK;
}

void meta_close(meta_t *m)
{
    if (!m)
        return;
    m->ops->close(m->impl);
    free(m);
}

const char *meta_backend_name(const meta_t *m)
{
    return m->ops->name;
}

const char *meta_display_url(const meta_t *m)
{
    return m->display;
}

ai_err_t meta_migrate(meta_t *m, int *applied, ai_error_t *err)
{
    int dummy = 0;
    return m->ops->migrate(m->impl, applied ? applied : &dummy, err);
}

ai_err_t meta_ping(meta_t *m, ai_error_t *err)
{
    return m->ops->ping(m->impl, err);
}

void meta_track_init(meta_track_t *t)
{
    memset(t, 0, sizeof *t);
}

void meta_track_release(meta_track_t *t)
{
    if (!t)
        return;
    free(t->chromaprint);
    memset(t, 0, sizeof *t);
}

void meta_tracks_free(meta_track_t *tracks, size_t n)
{
    for (size_t i = 0; tracks && i < n; i++)
        free(tracks[i].chromaprint);
    free(tracks);
}

static int is_sha256_hex(const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return s[64] == '\0';
}

/* Validates id and copies it lower-cased into out; NOT_FOUND when malformed. */
static ai_err_t norm_id(const char *id, char out[UUID_STR_LEN], ai_error_t *err)
{
    if (!id || !uuid_valid(id))
        return ai_error_set(err, AI_ERR_NOT_FOUND, "track not found");
    for (size_t i = 0; i < UUID_STR_LEN; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    return AI_OK;
}

ai_err_t meta_track_insert_pending(meta_t *m, meta_track_t *t, int *duplicate, ai_error_t *err)
{
    int dup = 0;
    if (!is_sha256_hex(t->file_hash_sha256))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "file_hash_sha256 must be 64 hex characters");
    for (char *p = t->file_hash_sha256; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char id[UUID_STR_LEN];
    if (uuid_v4(id) != AI_OK)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "no entropy for a track id");
    char saved[UUID_STR_LEN];
    memcpy(saved, t->id, sizeof saved);
    memcpy(t->id, id, sizeof t->id);
    ai_err_t rc = m->ops->insert_pending(m->impl, t, &dup, err);
    if (rc != AI_OK)
        memcpy(t->id, saved, sizeof saved);
    if (duplicate)
        *duplicate = rc == AI_OK ? dup : 0;
    return rc;
}

ai_err_t meta_track_set_ready(meta_t *m, const char *id, const char *owner, ai_error_t *err)
{
    char lid[UUID_STR_LEN];
    ai_err_t rc = norm_id(id, lid, err);
    if (rc == AI_OK && owner && strlen(owner) >= META_OWNER_MAX)
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR, "owner too long");
    return rc != AI_OK ? rc : m->ops->set_ready(m->impl, lid, owner, err);
}

ai_err_t meta_track_claim(meta_t *m, const char *id, const char *expected, const char *new_owner,
                          double lease_s, int *claimed, ai_error_t *err)
{
    char lid[UUID_STR_LEN];
    *claimed = 0;
    ai_err_t rc = norm_id(id, lid, err);
    if (rc == AI_OK && (!expected || !new_owner || strlen(expected) >= META_OWNER_MAX ||
                        strlen(new_owner) >= META_OWNER_MAX || !(lease_s < 1e7)))
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR, "bad owner or lease");
    if (rc == AI_ERR_NOT_FOUND) { /* a malformed id names no row */
        ai_error_clear(err);
        return AI_OK;
    }
    return rc != AI_OK ? rc
                       : m->ops->claim(m->impl, lid, expected, new_owner, lease_s, claimed, err);
}

ai_err_t meta_track_update_index_info(meta_t *m, const char *id, int fingerprint_indexed,
                                      const char *embedding_model, int embedding_dim,
                                      ai_error_t *err)
{
    char lid[UUID_STR_LEN];
    ai_err_t rc = norm_id(id, lid, err);
    if (rc != AI_OK)
        return rc;
    if (embedding_model && strlen(embedding_model) >= sizeof(((meta_track_t *)0)->embedding_model))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "embedding_model is too long");
    return m->ops->update_index_info(m->impl, lid, fingerprint_indexed ? 1 : 0,
                                     embedding_model ? embedding_model : "", embedding_dim, err);
}

/* Runs a query expected to return at most one row into *t. */
static ai_err_t get_one(meta_t *m, const meta_query_t *q, meta_track_t *t, ai_error_t *err)
{
    meta_track_t *rows = NULL;
    size_t n = 0;
    ai_err_t rc = m->ops->select(m->impl, q, &rows, &n, NULL, err);
    if (rc != AI_OK)
        return rc;
    if (n == 0) {
        meta_tracks_free(rows, n);
        return ai_error_set(err, AI_ERR_NOT_FOUND, "track not found");
    }
    *t = rows[0];
    rows[0].chromaprint = NULL;
    meta_tracks_free(rows, n);
    return AI_OK;
}

ai_err_t meta_track_get(meta_t *m, const char *id, meta_track_t *t, ai_error_t *err)
{
    char lower[UUID_STR_LEN];
    ai_err_t rc = norm_id(id, lower, err);
    if (rc != AI_OK)
        return rc;
    meta_query_t q = {.kind = MQ_BY_ID, .key = lower};
    return get_one(m, &q, t, err);
}

ai_err_t meta_track_get_by_hash(meta_t *m, const char *sha256, meta_track_t *t, ai_error_t *err)
{
    if (!is_sha256_hex(sha256))
        return ai_error_set(err, AI_ERR_NOT_FOUND, "track not found");
    char lower[65];
    for (size_t i = 0; i < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)sha256[i]);
    meta_query_t q = {.kind = MQ_BY_HASH, .key = lower};
    return get_one(m, &q, t, err);
}

ai_err_t meta_track_delete(meta_t *m, const char *id, ai_error_t *err)
{
    char lid[UUID_STR_LEN];
    ai_err_t rc = norm_id(id, lid, err);
    return rc != AI_OK ? rc : m->ops->del(m->impl, lid, err);
}

/* "%text%" with % _ \ escaped by \ and ASCII lower-cased. */
static char *like_pattern(const char *s)
{
    strbuf_t sb;
    strbuf_init(&sb, 3 * META_SEARCH_MAX + 8);
    strbuf_append(&sb, "%");
    for (const char *p = s; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (c == '%' || c == '_' || c == '\\')
            strbuf_appendn(&sb, "\\", 1);
        strbuf_appendn(&sb, &c, 1);
    }
    strbuf_append(&sb, "%");
    if (sb.overflow) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb, NULL);
}

int meta_sort_parse(const char *s)
{
    static const char *const names[] = {[META_SORT_INGESTED_AT] = "ingested_at",
                                        [META_SORT_TITLE] = "title",
                                        [META_SORT_ARTIST] = "artist",
                                        [META_SORT_ALBUM] = "album",
                                        [META_SORT_DURATION] = "duration"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

ai_err_t meta_tracks_list(meta_t *m, const meta_list_opts_t *o, meta_track_t **tracks, size_t *n,
                          long long *total, ai_error_t *err)
{
    *tracks = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (o->page < 1 || o->page > 1000000)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "page must be >= 1");
    if (o->page_size < 1 || o->page_size > META_PAGE_SIZE_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "pageSize must be in 1..%d",
                            META_PAGE_SIZE_MAX);
    if ((int)o->sort < META_SORT_INGESTED_AT || o->sort > META_SORT_DURATION ||
        (int)o->dir < META_DIR_DEFAULT || o->dir > META_DIR_DESC)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "unknown sort order");
    if ((o->artist && strlen(o->artist) > META_SEARCH_MAX) ||
        (o->album && strlen(o->album) > META_SEARCH_MAX))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "artist and album must be at most %d bytes", META_SEARCH_MAX);
    char *pattern = NULL;
    if (o->search && o->search[0]) {
        if (strlen(o->search) > META_SEARCH_MAX)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "search must be at most %d bytes",
                                META_SEARCH_MAX);
        pattern = like_pattern(o->search);
        if (!pattern)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    meta_query_t q = {.kind = MQ_LIST,
                      .pattern = pattern,
                      .artist = o->artist && o->artist[0] ? o->artist : NULL,
                      .album = o->album && o->album[0] ? o->album : NULL,
                      .sort = (int)o->sort,
                      .desc = o->dir == META_DIR_DESC ||
                              (o->dir == META_DIR_DEFAULT && o->sort == META_SORT_INGESTED_AT),
                      .ready_only = o->ready_only ? 1 : 0,
                      .limit = o->page_size,
                      .offset = (long long)(o->page - 1) * o->page_size};
    long long tot = 0;
    ai_err_t rc = m->ops->select(m->impl, &q, tracks, n, &tot, err);
    free(pattern);
    if (rc == AI_OK && total)
        *total = tot;
    return rc;
}

ai_err_t meta_tracks_by_fp_numbers(meta_t *m, const uint32_t *nums, size_t n, meta_track_t **tracks,
                                   size_t *nout, ai_error_t *err)
{
    *tracks = NULL;
    *nout = 0;
    if (n > META_BATCH_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "too many track numbers");
    if (n == 0)
        return AI_OK;
    meta_query_t q = {.kind = MQ_BY_FP, .nums = nums, .n = n};
    return m->ops->select(m->impl, &q, tracks, nout, NULL, err);
}

ai_err_t meta_tracks_by_ids(meta_t *m, const char *const *ids, size_t n, meta_track_t **tracks,
                            size_t *nout, ai_error_t *err)
{
    *tracks = NULL;
    *nout = 0;
    if (n > META_BATCH_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "too many track ids");
    const char **valid = malloc((n ? n : 1) * sizeof *valid);
    char(*lower)[UUID_STR_LEN] = malloc((n ? n : 1) * sizeof *lower);
    if (!valid || !lower) {
        free(valid);
        free(lower);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !uuid_valid(ids[i]))
            continue;
        for (size_t k = 0; k < UUID_STR_LEN; k++)
            lower[nv][k] = (char)tolower((unsigned char)ids[i][k]);
        valid[nv] = lower[nv];
        nv++;
    }
    ai_err_t rc = AI_OK;
    if (nv) {
        meta_query_t q = {.kind = MQ_BY_IDS, .ids = valid, .n = nv};
        rc = m->ops->select(m->impl, &q, tracks, nout, NULL, err);
    }
    free(valid);
    free(lower);
    return rc;
}

ai_err_t meta_tracks_pending(meta_t *m, meta_track_t **tracks, size_t *n, ai_error_t *err)
{
    *tracks = NULL;
    *n = 0;
    meta_query_t q = {.kind = MQ_PENDING};
    return m->ops->select(m->impl, &q, tracks, n, NULL, err);
}

ai_err_t meta_tracks_near_duration(meta_t *m, double duration, double tol, meta_track_t **tracks,
                                   size_t *n, ai_error_t *err)
{
    *tracks = NULL;
    *n = 0;
    if (!(duration >= 0) || !(tol >= 0) || duration > 1e7 || tol > 1e7)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "bad duration or tolerance");
    meta_query_t q = {
        .kind = MQ_NEAR, .dmin = duration - tol, .dmax = duration + tol, .limit = META_BATCH_MAX};
    return m->ops->select(m->impl, &q, tracks, n, NULL, err);
}

ai_err_t meta_tracks_scan(meta_t *m, uint32_t after_fp_no, size_t limit, meta_track_t **tracks,
                          size_t *n, ai_error_t *err)
{
    *tracks = NULL;
    *n = 0;
    if (limit < 1 || limit > META_BATCH_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "limit must be in 1..%d", META_BATCH_MAX);
    meta_query_t q = {.kind = MQ_SCAN, .after = after_fp_no, .limit = (long long)limit};
    return m->ops->select(m->impl, &q, tracks, n, NULL, err);
}

ai_err_t meta_tracks_count(meta_t *m, long long *ready, long long *pending, ai_error_t *err)
{
    long long r = 0, p = 0;
    ai_err_t rc = m->ops->count(m->impl, &r, &p, err);
    if (rc == AI_OK) {
        if (ready)
            *ready = r;
        if (pending)
            *pending = p;
    }
    return rc;
}
