/*
 * sqlite.c — the embedded metadata-store backend (the only file that includes
 * sqlite3.h).  A fixed pool of connections to one database file in WAL mode:
 * readers never block, writers serialise on SQLite's lock with a busy
 * timeout.  Each connection keeps its prepared statements; a call borrows a
 * connection for its duration (mutex + condition variable).
 */
#include "meta/meta_int.h"

#include "base/fsutil.h"
#include "base/strbuf.h"

#include <pthread.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define SQ_POOL_MAX 8
#define SQ_BUSY_MS  15000

enum {
    S_INSERT,
    S_BY_ID,
    S_BY_HASH,
    S_LIST,
    S_LIST_COUNT,
    S_BY_FP,
    S_BY_IDS,
    S_PENDING,
    S_NEAR,
    S_SCAN,
    S_SET_READY,
    S_SET_READY_OWNED,
    S_CLAIM,
    S_UPDATE_INFO,
    S_DELETE,
    S_COUNT,
    S_PING,
    S__N
};

/* Unix time in seconds with fractions (lease_until is stored as one). */
#define EPOCH_NOW "((julianday('now') - 2440587.5) * 86400.0)"
#define COLS                                                                                       \
    "SELECT id, fp_track_no, status, title, artist, album, duration_seconds, sample_rate, "        \
    "channels, bitrate, format, file_hash_sha256, file_size_bytes, file_path, "                    \
    "fingerprint_indexed, embedding_model, embedding_dim, chromaprint, chromaprint_duration, "     \
    "created_at, updated_at, coalesce(owner, ''), lease_until - " EPOCH_NOW " FROM tracks "
#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
#define LIST_WHERE                                                                                 \
    "WHERE (?1 IS NULL OR lower(title) LIKE ?1 ESCAPE '\\' OR lower(artist) LIKE ?1 ESCAPE '\\' "  \
    "OR lower(album) LIKE ?1 ESCAPE '\\') AND (?2 = 0 OR status = 'ready') "                     \
    "AND (?5 IS NULL OR lower(artist) = lower(?5)) AND (?6 IS NULL OR lower(album) = lower(?6)) "
/* ?7 = meta_sort_t, ?8 = 1 for descending (meta_tracks_list in meta.h) */
#define SORT_TEXT "CASE ?7 WHEN 1 THEN lower(title) WHEN 2 THEN lower(artist) WHEN 3 THEN lower(album) END"
#define SORT_NUM  "CASE ?7 WHEN 4 THEN duration_seconds END"
#define LIST_ORDER                                                                                 \
    "ORDER BY " SORT_TEXT " IS NULL, CASE WHEN ?8 = 0 THEN " SORT_TEXT " END ASC, "               \
    "CASE WHEN ?8 = 1 THEN " SORT_TEXT " END DESC, CASE WHEN ?8 = 0 THEN " SORT_NUM " END ASC, "  \
    "CASE WHEN ?8 = 1 THEN " SORT_NUM " END DESC, CASE WHEN ?8 = 0 THEN created_at END ASC, "     \
    "CASE WHEN ?8 = 1 THEN created_at END DESC, CASE WHEN ?8 = 0 THEN fp_track_no END ASC, "      \
    "CASE WHEN ?8 = 1 THEN fp_track_no END DESC "

static const char *const sql_text[S__N] = {
    [S_INSERT] = "INSERT INTO tracks (id, status, title, artist, album, duration_seconds, "
                 "sample_rate, channels, bitrate, format, file_hash_sha256, file_size_bytes, "
                 "file_path, fingerprint_indexed, embedding_model, embedding_dim, chromaprint, "
                 "chromaprint_duration, owner, lease_until) VALUES (?1, 'pending', NULLIF(?2, ''), "
                 "NULLIF(?3, ''), NULLIF(?4, ''), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                 "NULLIF(?14, ''), ?15, ?16, ?17, NULLIF(?18, ''), " EPOCH_NOW
                 " + ?19) ON CONFLICT (file_hash_sha256) DO NOTHING RETURNING fp_track_no, "
                 "created_at, updated_at",
    [S_BY_ID] = COLS "WHERE id = ?1",
    [S_BY_HASH] = COLS "WHERE file_hash_sha256 = ?1",
    [S_LIST] = COLS LIST_WHERE LIST_ORDER "LIMIT ?3 OFFSET ?4",
    [S_LIST_COUNT] = "SELECT count(*) FROM tracks " LIST_WHERE,
    [S_BY_FP] = COLS "WHERE status = 'ready' AND fp_track_no IN (SELECT value FROM json_each(?1))",
    [S_BY_IDS] = COLS "WHERE status = 'ready' AND id IN (SELECT value FROM json_each(?1))",
    [S_PENDING] = COLS "WHERE status = 'pending' ORDER BY created_at, fp_track_no",
    [S_NEAR] = COLS "WHERE status = 'ready' AND chromaprint IS NOT NULL AND duration_seconds "
                    "BETWEEN ?1 AND ?2 ORDER BY fp_track_no LIMIT ?3",
    [S_SCAN] = COLS "WHERE status = 'ready' AND fp_track_no > ?1 ORDER BY fp_track_no LIMIT ?2",
    [S_SET_READY] = "UPDATE tracks SET status = 'ready', updated_at = " NOW " WHERE id = ?1",
    [S_SET_READY_OWNED] = "UPDATE tracks SET status = 'ready', owner = NULL, updated_at = " NOW
                          " WHERE id = ?1 AND status = 'pending' AND owner = ?2",
    [S_CLAIM] = "UPDATE tracks SET owner = NULLIF(?3, ''), lease_until = " EPOCH_NOW
                " + ?4 WHERE id = ?1 AND status = 'pending' AND coalesce(owner, '') = ?2",
    [S_UPDATE_INFO] = "UPDATE tracks SET fingerprint_indexed = ?2, embedding_model = "
                      "NULLIF(?3, ''), embedding_dim = ?4, updated_at = " NOW " WHERE id = ?1",
    [S_DELETE] = "DELETE FROM tracks WHERE id = ?1",
    [S_COUNT] = "SELECT coalesce(sum(status = 'ready'), 0), coalesce(sum(status = 'pending'), 0) "
                "FROM tracks",
    [S_PING] = "SELECT 1",
};

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st[S__N];
    int busy;
} sq_conn_t;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sq_conn_t conns[SQ_POOL_MAX];
    int nconns;
    char path[1024];
} sq_t;

static ai_err_t sq_fail(sqlite3 *db, ai_error_t *err, const char *what)
{
    ai_err_t code =
        db && sqlite3_errcode(db) == SQLITE_FULL ? AI_ERR_STORAGE_FULL : AI_ERR_INTERNAL_ERROR;
    return ai_error_set(err, code, "SQLite %s: %s", what,
                        db ? sqlite3_errmsg(db) : "out of memory");
}

static sq_conn_t *sq_acquire(sq_t *s)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->nconns; i++)
            if (!s->conns[i].busy) {
                s->conns[i].busy = 1;
                pthread_mutex_unlock(&s->mu);
                return &s->conns[i];
            }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

static void sq_release(sq_t *s, sq_conn_t *c)
{
    pthread_mutex_lock(&s->mu);
    c->busy = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* The cached statement `id`, reset and unbound. */
static sqlite3_stmt *sq_stmt(sq_conn_t *c, int id, ai_error_t *err)
{
    if (!c->st[id]) {
        if (sqlite3_prepare_v3(c->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &c->st[id],
                               NULL) != SQLITE_OK) {
            sq_fail(c->db, err, "prepare");
            c->st[id] = NULL;
            return NULL;
        }
    } else {
        sqlite3_reset(c->st[id]);
        sqlite3_clear_bindings(c->st[id]);
    }
    return c->st[id];
}

static ai_err_t sq_exec(sqlite3 *db, const char *sql, ai_error_t *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ai_error_set(err, AI_ERR_INTERNAL_ERROR, "SQLite: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return AI_ERR_INTERNAL_ERROR;
    }
    return AI_OK;
}

static void sq_close(void *impl)
{
    sq_t *s = impl;
    if (!s)
        return;
    for (int i = 0; i < s->nconns; i++) {
        for (int k = 0; k < S__N; k++)
            sqlite3_finalize(s->conns[i].st[k]);
        sqlite3_close(s->conns[i].db);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static ai_err_t sq_open_conn(sq_t *s, sq_conn_t *c, ai_error_t *err)
{
    int rc = sqlite3_open_v2(
        s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "cannot open SQLite database %s: %s",
                            s->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(c->db, SQ_BUSY_MS);
    /* WAL: readers do not block the writer; NORMAL sync is durable against a
     * process crash (kill -9), which is what ingest's repair relies on. */
    ai_err_t e = sq_exec(c->db,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                         "PRAGMA foreign_keys = ON;",
                         err);
    if (e != AI_OK)
        ai_error_prefix(err, "cannot open SQLite database %s", s->path);
    return e == AI_OK ? AI_OK : AI_ERR_SERVICE_UNAVAILABLE;
}

static ai_err_t sq_open(const char *target, int pool_size, void **impl, char *display,
                        size_t display_len, ai_error_t *err)
{
    (void)display;
    (void)display_len;
    *impl = NULL;
    sq_t *s = calloc(1, sizeof *s);
    if (!s)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (strlen(target) >= sizeof s->path) {
        sq_close(s);
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "DATABASE_URL: path too long");
    }
    strcpy(s->path, target);
    char dir[1024];
    strcpy(dir, target);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        ai_err_t rc = fs_mkdir_p(dir, err);
        if (rc != AI_OK) {
            sq_close(s);
            return rc;
        }
    }
    int n = pool_size < SQ_POOL_MAX ? pool_size : SQ_POOL_MAX;
    for (int i = 0; i < n; i++) {
        ai_err_t rc = sq_open_conn(s, &s->conns[i], err);
        s->nconns = i + 1;
        if (rc != AI_OK) {
            sq_close(s);
            return rc;
        }
    }
    *impl = s;
    return AI_OK;
}

static ai_err_t sq_migrate(void *impl, int *applied, ai_error_t *err)
{
    sq_t *s = impl;
    sq_conn_t *c = sq_acquire(s);
    ai_err_t rc = AI_OK;
    *applied = 0;
    for (size_t i = 0; i < meta_nmigrations && rc == AI_OK; i++) {
        const meta_migration_t *mg = &meta_migrations[i];
        if (strcmp(mg->backend, "sqlite") != 0)
            continue;
        /* BEGIN IMMEDIATE takes the write lock first, so two processes
         * migrating at once run one after the other. */
        rc = sq_exec(c->db,
                     "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at TEXT NOT NULL DEFAULT (" NOW "))",
                     err);
        if (rc != AI_OK)
            break;
        sqlite3_stmt *st = NULL;
        int done = 0;
        if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &st,
                               NULL) != SQLITE_OK) {
            rc = sq_fail(c->db, err, "migrate");
        } else {
            sqlite3_bind_int(st, 1, mg->version);
            int step = sqlite3_step(st);
            if (step == SQLITE_ROW)
                done = 1;
            else if (step != SQLITE_DONE)
                rc = sq_fail(c->db, err, "migrate");
        }
        sqlite3_finalize(st);
        if (rc == AI_OK && !done) {
            rc = sq_exec(c->db, mg->sql, err);
            if (rc != AI_OK)
                ai_error_prefix(err, "migration %03d_%s", mg->version, mg->name);
            char ins[256];
            snprintf(ins, sizeof ins,
                     "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')", mg->version,
                     mg->name);
            if (rc == AI_OK)
                rc = sq_exec(c->db, ins, err);
            if (rc == AI_OK)
                (*applied)++;
        }
        if (rc == AI_OK)
            rc = sq_exec(c->db, "COMMIT", err);
        if (rc != AI_OK)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    /* The schema changed under the cached statements of other connections;
     * SQLite re-prepares them itself on SQLITE_SCHEMA. */
    sq_release(s, c);
    return rc;
}

static ai_err_t sq_ping(void *impl, ai_error_t *err)
{
    sq_t *s = impl;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, S_PING, err);
    ai_err_t rc = AI_OK;
    if (!st)
        rc = AI_ERR_SERVICE_UNAVAILABLE;
    else if (sqlite3_step(st) != SQLITE_ROW)
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "SQLite: %s", sqlite3_errmsg(c->db));
    if (st)
        sqlite3_reset(st);
    sq_release(s, c);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? (const char *)p : "";
}

/* Reads the COLS row into *t; AI_ERR_INTERNAL_ERROR on OOM. */
static ai_err_t sq_read_row(sqlite3_stmt *st, meta_track_t *t, ai_error_t *err)
{
    meta_copy_str(t->id, sizeof t->id, col_text(st, 0));
    t->fp_track_no = (uint32_t)sqlite3_column_int64(st, 1);
    t->status = strcmp(col_text(st, 2), "ready") == 0 ? META_READY : META_PENDING;
    meta_copy_str(t->title, sizeof t->title, col_text(st, 3));
    meta_copy_str(t->artist, sizeof t->artist, col_text(st, 4));
    meta_copy_str(t->album, sizeof t->album, col_text(st, 5));
    t->duration_seconds = sqlite3_column_double(st, 6);
    t->sample_rate = sqlite3_column_int(st, 7);
    t->channels = sqlite3_column_int(st, 8);
    t->bitrate = sqlite3_column_int64(st, 9);
    meta_copy_str(t->format, sizeof t->format, col_text(st, 10));
    meta_copy_str(t->file_hash_sha256, sizeof t->file_hash_sha256, col_text(st, 11));
    t->file_size_bytes = sqlite3_column_int64(st, 12);
    meta_copy_str(t->file_path, sizeof t->file_path, col_text(st, 13));
    t->fingerprint_indexed = sqlite3_column_int(st, 14) != 0;
    meta_copy_str(t->embedding_model, sizeof t->embedding_model, col_text(st, 15));
    t->embedding_dim = sqlite3_column_int(st, 16);
    t->chromaprint = NULL;
    if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
        t->chromaprint = strdup(col_text(st, 17));
        if (!t->chromaprint)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    t->chromaprint_duration = sqlite3_column_double(st, 18);
    meta_copy_str(t->created_at, sizeof t->created_at, col_text(st, 19));
    meta_copy_str(t->updated_at, sizeof t->updated_at, col_text(st, 20));
    meta_copy_str(t->owner, sizeof t->owner, col_text(st, 21));
    t->lease_left_s = sqlite3_column_double(st, 22);
    return AI_OK;
}

/* Steps st to the end, appending every row. */
static ai_err_t sq_collect(sqlite3 *db, sqlite3_stmt *st, meta_track_t **rows, size_t *n,
                           ai_error_t *err)
{
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        meta_track_t *t = meta_tracks_push(rows, n, &cap);
        if (!t)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        ai_err_t rc = sq_read_row(st, t, err);
        if (rc != AI_OK)
            return rc;
    }
    return step == SQLITE_DONE ? AI_OK : sq_fail(db, err, "query");
}

static ai_err_t sq_select_on(sq_conn_t *c, const meta_query_t *q, meta_track_t **rows, size_t *n,
                             long long *total, ai_error_t *err)
{
    static const int stmt_of[] = {
        [MQ_BY_ID] = S_BY_ID,   [MQ_BY_HASH] = S_BY_HASH, [MQ_LIST] = S_LIST, [MQ_BY_FP] = S_BY_FP,
        [MQ_BY_IDS] = S_BY_IDS, [MQ_PENDING] = S_PENDING, [MQ_NEAR] = S_NEAR, [MQ_SCAN] = S_SCAN};
    char *json = NULL;
    sqlite3_stmt *st = sq_stmt(c, stmt_of[q->kind], err);
    if (!st)
        return AI_ERR_INTERNAL_ERROR;
    switch (q->kind) {
    case MQ_BY_ID:
    case MQ_BY_HASH:
        sqlite3_bind_text(st, 1, q->key, -1, SQLITE_STATIC);
        break;
    case MQ_LIST:
        if (q->pattern)
            sqlite3_bind_text(st, 1, q->pattern, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, q->ready_only);
        sqlite3_bind_int64(st, 3, q->limit);
        sqlite3_bind_int64(st, 4, q->offset);
        if (q->artist)
            sqlite3_bind_text(st, 5, q->artist, -1, SQLITE_STATIC);
        if (q->album)
            sqlite3_bind_text(st, 6, q->album, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, q->sort);
        sqlite3_bind_int(st, 8, q->desc);
        break;
    case MQ_BY_FP:
    case MQ_BY_IDS:
        json = meta_query_list(q, "[", "]", 1);
        if (!json)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
        break;
    case MQ_PENDING:
        break;
    case MQ_NEAR:
        sqlite3_bind_double(st, 1, q->dmin);
        sqlite3_bind_double(st, 2, q->dmax);
        sqlite3_bind_int64(st, 3, q->limit);
        break;
    case MQ_SCAN:
        sqlite3_bind_int64(st, 1, q->after);
        sqlite3_bind_int64(st, 2, q->limit);
        break;
    }
    ai_err_t rc = sq_collect(c->db, st, rows, n, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(json);
    if (rc != AI_OK || q->kind != MQ_LIST || !total)
        return rc;
    sqlite3_stmt *cs = sq_stmt(c, S_LIST_COUNT, err);
    if (!cs)
        return AI_ERR_INTERNAL_ERROR;
    if (q->pattern)
        sqlite3_bind_text(cs, 1, q->pattern, -1, SQLITE_STATIC);
    sqlite3_bind_int(cs, 2, q->ready_only);
    if (q->artist)
        sqlite3_bind_text(cs, 5, q->artist, -1, SQLITE_STATIC);
    if (q->album)
        sqlite3_bind_text(cs, 6, q->album, -1, SQLITE_STATIC);
    if (sqlite3_step(cs) == SQLITE_ROW)
        *total = sqlite3_column_int64(cs, 0);
    else
        rc = sq_fail(c->db, err, "count");
    sqlite3_reset(cs);
    sqlite3_clear_bindings(cs);
    return rc;
}

static ai_err_t sq_select(void *impl, const meta_query_t *q, meta_track_t **rows, size_t *n,
                          long long *total, ai_error_t *err)
{
    sq_t *s = impl;
    sq_conn_t *c = sq_acquire(s);
    *rows = NULL;
    *n = 0;
    /* One read transaction: the page and its total come from one snapshot. */
    int txn = q->kind == MQ_LIST && sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    ai_err_t rc = sq_select_on(c, q, rows, n, total, err);
    if (txn)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_release(s, c);
    if (rc != AI_OK) {
        meta_tracks_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

static ai_err_t sq_insert_pending(void *impl, meta_track_t *t, int *duplicate, ai_error_t *err)
{
    sq_t *s = impl;
    for (int attempt = 0; attempt < 3; attempt++) {
        sq_conn_t *c = sq_acquire(s);
        sqlite3_stmt *st = sq_stmt(c, S_INSERT, err);
        if (!st) {
            sq_release(s, c);
            return AI_ERR_INTERNAL_ERROR;
        }
        sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, t->artist, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, t->album, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, t->duration_seconds);
        sqlite3_bind_int(st, 6, t->sample_rate);
        sqlite3_bind_int(st, 7, t->channels);
        sqlite3_bind_int64(st, 8, t->bitrate);
        sqlite3_bind_text(st, 9, t->format, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, t->file_hash_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, t->file_size_bytes);
        sqlite3_bind_text(st, 12, t->file_path, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 13, t->fingerprint_indexed ? 1 : 0);
        sqlite3_bind_text(st, 14, t->embedding_model, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 15, t->embedding_dim);
        if (t->chromaprint)
            sqlite3_bind_text(st, 16, t->chromaprint, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 17, t->chromaprint_duration);
        sqlite3_bind_text(st, 18, t->owner, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 19, t->lease_left_s);
        int step = sqlite3_step(st);
        ai_err_t rc = AI_OK;
        int inserted = 0;
        if (step == SQLITE_ROW) {
            inserted = 1;
            t->fp_track_no = (uint32_t)sqlite3_column_int64(st, 0);
            meta_copy_str(t->created_at, sizeof t->created_at, col_text(st, 1));
            meta_copy_str(t->updated_at, sizeof t->updated_at, col_text(st, 2));
            t->status = META_PENDING;
            step = sqlite3_step(st);
        }
        if (step != SQLITE_DONE)
            rc = sq_fail(c->db, err, "insert");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != AI_OK || inserted) {
            sq_release(s, c);
            *duplicate = 0;
            return rc;
        }
        /* Hash conflict: load the existing row. */
        meta_query_t q = {.kind = MQ_BY_HASH, .key = t->file_hash_sha256};
        meta_track_t *rows = NULL;
        size_t n = 0;
        rc = sq_select_on(c, &q, &rows, &n, NULL, err);
        sq_release(s, c);
        if (rc != AI_OK) {
            meta_tracks_free(rows, n);
            return rc;
        }
        if (meta_adopt_row(t, rows, n, duplicate))
            return AI_OK;
    }
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "SQLite insert: row keeps vanishing");
}

static ai_err_t sq_update(sq_t *s, int id_stmt, const char *id, int fi, const char *model, int dim,
                          ai_error_t *err)
{
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, id_stmt, err);
    ai_err_t rc = AI_ERR_INTERNAL_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (id_stmt == S_SET_READY_OWNED)
            sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
        if (id_stmt == S_UPDATE_INFO) {
            sqlite3_bind_int(st, 2, fi);
            sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 4, dim);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sq_fail(c->db, err, "update");
        else if (sqlite3_changes(c->db) == 0)
            rc = ai_error_set(err, AI_ERR_NOT_FOUND, "track not found");
        else
            rc = AI_OK;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sq_release(s, c);
    return rc;
}

static ai_err_t sq_set_ready(void *impl, const char *id, const char *owner, ai_error_t *err)
{
    if (owner)
        return sq_update(impl, S_SET_READY_OWNED, id, 0, owner, 0, err);
    return sq_update(impl, S_SET_READY, id, 0, NULL, 0, err);
}

static ai_err_t sq_claim(void *impl, const char *id, const char *expected, const char *new_owner,
                         double lease_s, int *claimed, ai_error_t *err)
{
    sq_t *s = impl;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, S_CLAIM, err);
    ai_err_t rc = AI_ERR_INTERNAL_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, expected, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, new_owner, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, lease_s);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sq_fail(c->db, err, "claim");
        } else {
            *claimed = sqlite3_changes(c->db) > 0;
            rc = AI_OK;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sq_release(s, c);
    return rc;
}

static ai_err_t sq_update_index_info(void *impl, const char *id, int fi, const char *model, int dim,
                                     ai_error_t *err)
{
    return sq_update(impl, S_UPDATE_INFO, id, fi, model, dim, err);
}

static ai_err_t sq_del(void *impl, const char *id, ai_error_t *err)
{
    return sq_update(impl, S_DELETE, id, 0, NULL, 0, err);
}

static ai_err_t sq_count(void *impl, long long *ready, long long *pending, ai_error_t *err)
{
    sq_t *s = impl;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, S_COUNT, err);
    ai_err_t rc = AI_ERR_INTERNAL_ERROR;
    if (st) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            *ready = sqlite3_column_int64(st, 0);
            *pending = sqlite3_column_int64(st, 1);
            rc = AI_OK;
        } else {
            rc = sq_fail(c->db, err, "count");
        }
        sqlite3_reset(st);
    }
    sq_release(s, c);
    return rc;
}

const struct meta_ops meta_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .ping = sq_ping,
    .insert_pending = sq_insert_pending,
    .set_ready = sq_set_ready,
    .claim = sq_claim,
    .update_index_info = sq_update_index_info,
    .del = sq_del,
    .select = sq_select,
    .count = sq_count,
};
