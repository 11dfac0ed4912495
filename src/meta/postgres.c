/*
 * postgres.c — the PostgreSQL metadata-store backend (the only file that
 * includes libpq-fe.h).  A pool of pool_size connections, opened lazily
 * after the first; statements are prepared once per connection.  A call
 * whose connection was lost (server restart, pg_terminate_backend) resets
 * the connection and retries once; a server that cannot be reached gives
 * AI_ERR_SERVICE_UNAVAILABLE "cannot reach PostgreSQL at <url without
 * password>: <reason>".
 */
#include "meta/meta_int.h"

#include "base/log.h"
#include "base/strbuf.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_POOL_MAX        64
#define PG_CONNECT_TIMEOUT "5"
#define PG_MIGRATE_LOCK    "7340021" /* pg_advisory_xact_lock key of `migrate` */

enum {
    P_INSERT,
    P_BY_ID,
    P_BY_HASH,
    P_LIST_ALL,
    P_LIST_SEARCH,
    P_COUNT_ALL,
    P_COUNT_SEARCH,
    P_BY_FP,
    P_BY_IDS,
    P_PENDING,
    P_NEAR,
    P_SCAN,
    P_SET_READY,
    P_SET_READY_OWNED,
    P_CLAIM,
    P_UPDATE_INFO,
    P_DELETE,
    P_COUNT,
    P_PING,
    P__N
};

#define TS(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define COLS                                                                                       \
    "SELECT id, fp_track_no, status, title, artist, album, duration_seconds, sample_rate, "        \
    "channels, bitrate, format, file_hash_sha256, file_size_bytes, file_path, "                    \
    "fingerprint_indexed::int, embedding_model, embedding_dim, chromaprint, "                      \
    "chromaprint_duration, " TS("ingested_at") ", " TS("updated_at") ", coalesce(owner, ''), "    \
    "extract(epoch FROM lease_until - clock_timestamp())::float8 FROM tracks "
#define SEARCH                                                                                     \
    "(title ILIKE $1 ESCAPE '\\' OR artist ILIKE $1 ESCAPE '\\' OR album ILIKE $1 ESCAPE '\\')"
/* $5 artist, $6 album (NULL = any); $7 meta_sort_t, $8 1 = descending */
#define FILTER                                                                                     \
    "AND ($5::text IS NULL OR lower(artist) = lower($5)) "                                        \
    "AND ($6::text IS NULL OR lower(album) = lower($6)) "
#define SORT_TEXT                                                                                  \
    "CASE $7::int WHEN 1 THEN lower(title) WHEN 2 THEN lower(artist) WHEN 3 THEN lower(album) END"
#define SORT_NUM "CASE $7::int WHEN 4 THEN duration_seconds END"
#define ORDER_PAGE                                                                                 \
    "ORDER BY " SORT_TEXT " IS NULL, CASE WHEN $8::int = 0 THEN " SORT_TEXT " END ASC, "          \
    "CASE WHEN $8::int = 1 THEN " SORT_TEXT " END DESC, CASE WHEN $8::int = 0 THEN " SORT_NUM     \
    " END ASC, CASE WHEN $8::int = 1 THEN " SORT_NUM " END DESC, "                                \
    "CASE WHEN $8::int = 0 THEN ingested_at END ASC, CASE WHEN $8::int = 1 THEN ingested_at END "   \
    "DESC, CASE WHEN $8::int = 0 THEN fp_track_no END ASC, "                                       \
    "CASE WHEN $8::int = 1 THEN fp_track_no END DESC LIMIT $3 OFFSET $4"
/* the count's filter: $2 artist, $3 album (after the pattern: $3, $4) */
#define COUNT_FILTER(a, b)                                                                         \
    " AND (" a "::text IS NULL OR lower(artist) = lower(" a ")) AND (" b                          \
    "::text IS NULL OR lower(album) = lower(" b "))"

static const struct {
    const char *sql;
    int nparams;
} stmts[P__N] = {
    [P_INSERT] = {"INSERT INTO tracks (id, status, title, artist, album, duration_seconds, "
                  "sample_rate, channels, bitrate, format, file_hash_sha256, file_size_bytes, "
                  "file_path, fingerprint_indexed, embedding_model, embedding_dim, chromaprint, "
                  "chromaprint_duration, owner, lease_until) VALUES ($1, 'pending', NULLIF($2, ''), "
                  "NULLIF($3, ''), NULLIF($4, ''), $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                  "NULLIF($14, ''), $15, $16, $17, NULLIF($18, ''), clock_timestamp() + "
                  "$19::float8 * interval '1 second') ON CONFLICT (file_hash_sha256) DO NOTHING "
                  "RETURNING fp_track_no, " TS("ingested_at") ", " TS("updated_at"),
                  19},
    [P_BY_ID] = {COLS "WHERE id = $1", 1},
    [P_BY_HASH] = {COLS "WHERE file_hash_sha256 = $1", 1},
    [P_LIST_ALL] = {COLS "WHERE $1::text IS NULL AND ($2::int = 0 OR status = 'ready') " FILTER
                         ORDER_PAGE,
                    8},
    [P_LIST_SEARCH] = {COLS "WHERE " SEARCH " AND ($2::int = 0 OR status = 'ready') " FILTER
                            ORDER_PAGE,
                       8},
    [P_COUNT_ALL] = {"SELECT count(*) FROM tracks WHERE ($1::int = 0 OR status = 'ready')"
                     COUNT_FILTER("$2", "$3"),
                     3},
    [P_COUNT_SEARCH] = {"SELECT count(*) FROM tracks WHERE " SEARCH
                        " AND ($2::int = 0 OR status = 'ready')" COUNT_FILTER("$3", "$4"),
                        4},
    [P_BY_FP] = {COLS "WHERE status = 'ready' AND fp_track_no = ANY($1::bigint[])", 1},
    [P_BY_IDS] = {COLS "WHERE status = 'ready' AND id = ANY($1::uuid[])", 1},
    [P_PENDING] = {COLS "WHERE status = 'pending' ORDER BY ingested_at, fp_track_no", 0},
    [P_NEAR] = {COLS "WHERE status = 'ready' AND chromaprint IS NOT NULL AND duration_seconds "
                     "BETWEEN $1 AND $2 ORDER BY fp_track_no LIMIT $3",
                3},
    [P_SCAN] = {COLS "WHERE status = 'ready' AND fp_track_no > $1 ORDER BY fp_track_no LIMIT $2",
                2},
    [P_SET_READY] = {"UPDATE tracks SET status = 'ready', updated_at = now() WHERE id = $1", 1},
    [P_SET_READY_OWNED] = {"UPDATE tracks SET status = 'ready', owner = NULL, updated_at = now() "
                           "WHERE id = $1 AND status = 'pending' AND owner = $2",
                           2},
    [P_CLAIM] = {"UPDATE tracks SET owner = NULLIF($3, ''), lease_until = clock_timestamp() + "
                 "$4::float8 * interval '1 second' WHERE id = $1 AND status = 'pending' AND "
                 "coalesce(owner, '') = $2",
                 4},
    [P_UPDATE_INFO] = {"UPDATE tracks SET fingerprint_indexed = $2, embedding_model = "
                       "NULLIF($3, ''), embedding_dim = $4, updated_at = now() WHERE id = $1",
                       4},
    [P_DELETE] = {"DELETE FROM tracks WHERE id = $1", 1},
    [P_COUNT] = {"SELECT count(*) FILTER (WHERE status = 'ready'), count(*) FILTER (WHERE status = "
                 "'pending') FROM tracks",
                 0},
    [P_PING] = {"SELECT 1", 0},
};

typedef struct {
    PGconn *pc;
    unsigned prepared; /* bit i: statement i prepared on this connection */
    int busy;
} pg_conn_t;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pg_conn_t conns[PG_POOL_MAX];
    int nconns;
    char *conninfo;
    char display[512];
} pg_t;

static void pg_notice(void *user, const char *msg)
{
    (void)user;
    log_debug("postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* First line of libpq's error text (it ends in \n and may add hint lines). */
static void pg_reason(PGconn *pc, char *out, size_t n)
{
    const char *msg = pc ? PQerrorMessage(pc) : "out of memory";
    if (!msg || !msg[0])
        msg = "unknown error";
    size_t len = strcspn(msg, "\n");
    if (len >= n)
        len = n - 1;
    memcpy(out, msg, len);
    out[len] = '\0';
}

static ai_err_t pg_unreachable(pg_t *p, PGconn *pc, ai_error_t *err)
{
    char reason[300];
    pg_reason(pc, reason, sizeof reason);
    return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "cannot reach PostgreSQL at %s: %s",
                        p->display, reason);
}

static PGconn *pg_connect(const char *conninfo)
{
    /* conninfo (a URI) is expanded last, so its own connect_timeout wins. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {PG_CONNECT_TIMEOUT, "audio-ident", conninfo, NULL};
    PGconn *pc = PQconnectdbParams(keys, vals, 1);
    if (pc)
        PQsetNoticeProcessor(pc, pg_notice, NULL);
    return pc;
}

/* Makes c usable: connects it on first use, resets it when it was lost. */
static ai_err_t pg_ensure(pg_t *p, pg_conn_t *c, ai_error_t *err)
{
    if (!c->pc) {
        c->pc = pg_connect(p->conninfo);
        c->prepared = 0;
    } else if (PQstatus(c->pc) != CONNECTION_OK) {
        PQreset(c->pc);
        c->prepared = 0;
    }
    if (!c->pc || PQstatus(c->pc) != CONNECTION_OK)
        return pg_unreachable(p, c->pc, err);
    return AI_OK;
}

static pg_conn_t *pg_acquire(pg_t *p)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (int i = 0; i < p->nconns; i++)
            if (!p->conns[i].busy && p->conns[i].pc) {
                p->conns[i].busy = 1;
                pthread_mutex_unlock(&p->mu);
                return &p->conns[i];
            }
        for (int i = 0; i < p->nconns; i++)
            if (!p->conns[i].busy) {
                p->conns[i].busy = 1;
                pthread_mutex_unlock(&p->mu);
                return &p->conns[i];
            }
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

static void pg_release(pg_t *p, pg_conn_t *c)
{
    pthread_mutex_lock(&p->mu);
    c->busy = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static ai_err_t pg_fail(PGresult *res, PGconn *pc, const char *what, ai_error_t *err)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !msg[0])
        msg = PQerrorMessage(pc);
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "PostgreSQL %s: %.*s", what,
                        (int)strcspn(msg, "\n"), msg);
}

/* Runs prepared statement id; returns its result (caller PQclear()s) or NULL
 * with *err set.  A lost connection is reset and the statement retried once. */
static PGresult *pg_run(pg_t *p, pg_conn_t *c, int id, const char *const *vals, ai_error_t *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (pg_ensure(p, c, err) != AI_OK)
            return NULL;
        char name[16];
        snprintf(name, sizeof name, "ai_s%d", id);
        if (!(c->prepared & (1u << id))) {
            PGresult *pr = PQprepare(c->pc, name, stmts[id].sql, stmts[id].nparams, NULL);
            int ok = PQresultStatus(pr) == PGRES_COMMAND_OK;
            if (!ok && PQstatus(c->pc) != CONNECTION_OK && attempt == 0) {
                log_warn("postgresql: connection lost, reconnecting");
                PQclear(pr);
                continue;
            }
            if (!ok) {
                pg_fail(pr, c->pc, "prepare", err);
                PQclear(pr);
                return NULL;
            }
            PQclear(pr);
            c->prepared |= 1u << id;
        }
        PGresult *res = PQexecPrepared(c->pc, name, stmts[id].nparams, vals, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            return res;
        if (PQstatus(c->pc) != CONNECTION_OK && attempt == 0) {
            log_warn("postgresql: connection lost, reconnecting");
            PQclear(res);
            continue;
        }
        if (PQstatus(c->pc) != CONNECTION_OK)
            pg_unreachable(p, c->pc, err);
        else
            pg_fail(res, c->pc, "query", err);
        PQclear(res);
        return NULL;
    }
    return NULL;
}

static void pg_close(void *impl)
{
    pg_t *p = impl;
    if (!p)
        return;
    for (int i = 0; i < p->nconns; i++)
        if (p->conns[i].pc)
            PQfinish(p->conns[i].pc);
    free(p->conninfo);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static ai_err_t pg_open(const char *target, int pool_size, void **impl, char *display,
                        size_t display_len, ai_error_t *err)
{
    *impl = NULL;
    pg_t *p = calloc(1, sizeof *p);
    if (!p || !(p->conninfo = strdup(target))) {
        free(p);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->nconns = pool_size < PG_POOL_MAX ? pool_size : PG_POOL_MAX;
    PGconn *pc = pg_connect(target);
    p->conns[0].pc = pc;
    /* Built from what libpq parsed, so it never contains the password. */
    const char *port = pc ? PQport(pc) : NULL;
    snprintf(p->display, sizeof p->display, "postgresql://%s@%s:%s/%s",
             pc && PQuser(pc) ? PQuser(pc) : "", pc && PQhost(pc) ? PQhost(pc) : "",
             port && port[0] ? port : "5432", pc && PQdb(pc) ? PQdb(pc) : "");
    meta_copy_str(display, display_len, p->display);
    if (!pc || PQstatus(pc) != CONNECTION_OK) {
        ai_err_t rc = pg_unreachable(p, pc, err);
        pg_close(p);
        return rc;
    }
    *impl = p;
    return AI_OK;
}

/* Simple-protocol command(s) on c; returns 0 on success.  For SELECTs *ntuples. */
static int pg_simple(pg_conn_t *c, const char *sql, int *ntuples, ai_error_t *err)
{
    PGresult *res = PQexec(c->pc, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_fail(res, c->pc, "migrate", err);
        PQclear(res);
        return -1;
    }
    if (ntuples)
        *ntuples = PQntuples(res);
    PQclear(res);
    return 0;
}

static ai_err_t pg_migrate(void *impl, int *applied, ai_error_t *err)
{
    pg_t *p = impl;
    pg_conn_t *c = pg_acquire(p);
    ai_err_t rc = pg_ensure(p, c, err);
    *applied = 0;
    /* A session-level advisory lock makes a whole run exclusive: a second
     * `migrate` waits, then finds every migration applied, instead of
     * interleaving with the first (it is released below, or with the
     * connection if this process dies). */
    int locked = rc == AI_OK &&
                 pg_simple(c, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")", NULL, err) == 0;
    if (rc == AI_OK && !locked)
        rc = AI_ERR_INTERNAL_ERROR;
    for (size_t i = 0; i < meta_nmigrations && rc == AI_OK; i++) {
        const meta_migration_t *mg = &meta_migrations[i];
        if (strcmp(mg->backend, "postgres") != 0)
            continue;
        /* The transaction-level lock (re-entrant with the session lock above)
         * keeps a migration atomic with its schema_migrations row. */
        char sql[256];
        int present = 0;
        snprintf(sql, sizeof sql, "SELECT 1 FROM schema_migrations WHERE version = %d",
                 mg->version);
        if (pg_simple(c,
                      "BEGIN; SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK "); "
                      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY "
                      "KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                      NULL, err) != 0 ||
            pg_simple(c, sql, &present, err) != 0) {
            rc = AI_ERR_INTERNAL_ERROR;
        } else if (!present) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')", mg->version,
                     mg->name);
            if (pg_simple(c, mg->sql, NULL, err) != 0) {
                ai_error_prefix(err, "migration %03d_%s", mg->version, mg->name);
                rc = AI_ERR_INTERNAL_ERROR;
            } else if (pg_simple(c, sql, NULL, err) != 0) {
                rc = AI_ERR_INTERNAL_ERROR;
            } else {
                (*applied)++;
            }
        }
        if (rc == AI_OK && pg_simple(c, "COMMIT", NULL, err) != 0)
            rc = AI_ERR_INTERNAL_ERROR;
        if (rc != AI_OK) {
            PQclear(PQexec(c->pc, "ROLLBACK"));
            if (PQstatus(c->pc) != CONNECTION_OK)
                rc = pg_unreachable(p, c->pc, err);
        }
    }
    if (locked && PQstatus(c->pc) == CONNECTION_OK)
        PQclear(PQexec(c->pc, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")"));
    pg_release(p, c);
    return rc;
}

static ai_err_t pg_ping(void *impl, ai_error_t *err)
{
    pg_t *p = impl;
    pg_conn_t *c = pg_acquire(p);
    PGresult *res = pg_run(p, c, P_PING, NULL, err);
    pg_release(p, c);
    if (!res)
        return err ? err->code : AI_ERR_SERVICE_UNAVAILABLE;
    PQclear(res);
    return AI_OK;
}

/* The error code pg_run left in *err (err may be NULL). */
static ai_err_t pg_code(const ai_error_t *err)
{
    return err && err->code != AI_OK ? err->code : AI_ERR_INTERNAL_ERROR;
}

static ai_err_t pg_read_rows(PGresult *res, meta_track_t **rows, size_t *n, ai_error_t *err)
{
    size_t cap = 0;
    int nt = PQntuples(res);
    for (int r = 0; r < nt; r++) {
        meta_track_t *t = meta_tracks_push(rows, n, &cap);
        if (!t)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
#define V(i) PQgetvalue(res, r, i)
        meta_copy_str(t->id, sizeof t->id, V(0));
        t->fp_track_no = (uint32_t)strtoul(V(1), NULL, 10);
        t->status = strcmp(V(2), "ready") == 0 ? META_READY : META_PENDING;
        meta_copy_str(t->title, sizeof t->title, V(3));
        meta_copy_str(t->artist, sizeof t->artist, V(4));
        meta_copy_str(t->album, sizeof t->album, V(5));
        t->duration_seconds = strtod(V(6), NULL);
        t->sample_rate = atoi(V(7));
        t->channels = atoi(V(8));
        t->bitrate = strtoll(V(9), NULL, 10);
        meta_copy_str(t->format, sizeof t->format, V(10));
        meta_copy_str(t->file_hash_sha256, sizeof t->file_hash_sha256, V(11));
        t->file_size_bytes = strtoll(V(12), NULL, 10);
        meta_copy_str(t->file_path, sizeof t->file_path, V(13));
        t->fingerprint_indexed = atoi(V(14)) != 0;
        meta_copy_str(t->embedding_model, sizeof t->embedding_model, V(15));
        t->embedding_dim = atoi(V(16));
        if (!PQgetisnull(res, r, 17) && !(t->chromaprint = strdup(V(17))))
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        t->chromaprint_duration = strtod(V(18), NULL);
        meta_copy_str(t->created_at, sizeof t->created_at, V(19));
        meta_copy_str(t->updated_at, sizeof t->updated_at, V(20));
        meta_copy_str(t->owner, sizeof t->owner, V(21));
        t->lease_left_s = strtod(V(22), NULL);
#undef V
    }
    return AI_OK;
}

static ai_err_t pg_select_on(pg_t *p, pg_conn_t *c, const meta_query_t *q, meta_track_t **rows,
                             size_t *n, long long *total, ai_error_t *err)
{
    char a[8][32];
    const char *vals[8] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    char *arr = NULL;
    int id = P_PING;
    switch (q->kind) {
    case MQ_BY_ID:
    case MQ_BY_HASH:
        id = q->kind == MQ_BY_ID ? P_BY_ID : P_BY_HASH;
        vals[0] = q->key;
        break;
    case MQ_LIST:
        id = q->pattern ? P_LIST_SEARCH : P_LIST_ALL;
        snprintf(a[1], sizeof a[1], "%d", q->ready_only);
        snprintf(a[2], sizeof a[2], "%lld", q->limit);
        snprintf(a[3], sizeof a[3], "%lld", q->offset);
        vals[0] = q->pattern;
        vals[1] = a[1];
        vals[2] = a[2];
        vals[3] = a[3];
        vals[4] = q->artist;
        vals[5] = q->album;
        snprintf(a[6], sizeof a[6], "%d", q->sort);
        snprintf(a[7], sizeof a[7], "%d", q->desc);
        vals[6] = a[6];
        vals[7] = a[7];
        break;
    case MQ_BY_FP:
    case MQ_BY_IDS:
        id = q->kind == MQ_BY_FP ? P_BY_FP : P_BY_IDS;
        if (!(arr = meta_query_list(q, "{", "}", 0)))
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        vals[0] = arr;
        break;
    case MQ_PENDING:
        id = P_PENDING;
        break;
    case MQ_NEAR:
        id = P_NEAR;
        snprintf(a[0], sizeof a[0], "%.17g", q->dmin);
        snprintf(a[1], sizeof a[1], "%.17g", q->dmax);
        snprintf(a[2], sizeof a[2], "%lld", q->limit);
        vals[0] = a[0];
        vals[1] = a[1];
        vals[2] = a[2];
        break;
    case MQ_SCAN:
        id = P_SCAN;
        snprintf(a[0], sizeof a[0], "%u", (unsigned)q->after);
        snprintf(a[1], sizeof a[1], "%lld", q->limit);
        vals[0] = a[0];
        vals[1] = a[1];
        break;
    }
    PGresult *res = pg_run(p, c, id, vals, err);
    free(arr);
    if (!res)
        return pg_code(err);
    ai_err_t rc = pg_read_rows(res, rows, n, err);
    PQclear(res);
    if (rc != AI_OK || q->kind != MQ_LIST || !total)
        return rc;
    const char *cvals[4] = {q->pattern ? q->pattern : a[1], a[1], q->artist, q->album};
    if (!q->pattern) { /* P_COUNT_ALL: ready_only, artist, album */
        cvals[1] = q->artist;
        cvals[2] = q->album;
    }
    res = pg_run(p, c, q->pattern ? P_COUNT_SEARCH : P_COUNT_ALL, cvals, err);
    if (!res)
        return pg_code(err);
    *total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return AI_OK;
}

static ai_err_t pg_select(void *impl, const meta_query_t *q, meta_track_t **rows, size_t *n,
                          long long *total, ai_error_t *err)
{
    pg_t *p = impl;
    pg_conn_t *c = pg_acquire(p);
    *rows = NULL;
    *n = 0;
    ai_err_t rc = pg_select_on(p, c, q, rows, n, total, err);
    pg_release(p, c);
    if (rc != AI_OK) {
        meta_tracks_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

static ai_err_t pg_insert_pending(void *impl, meta_track_t *t, int *duplicate, ai_error_t *err)
{
    pg_t *p = impl;
    char dur[32], sr[16], ch[16], br[24], sz[24], dim[16], cpd[32], lease[32];
    snprintf(lease, sizeof lease, "%.6f", t->lease_left_s);
    snprintf(dur, sizeof dur, "%.17g", t->duration_seconds);
    snprintf(sr, sizeof sr, "%d", t->sample_rate);
    snprintf(ch, sizeof ch, "%d", t->channels);
    snprintf(br, sizeof br, "%lld", t->bitrate);
    snprintf(sz, sizeof sz, "%lld", t->file_size_bytes);
    snprintf(dim, sizeof dim, "%d", t->embedding_dim);
    snprintf(cpd, sizeof cpd, "%.17g", t->chromaprint_duration);
    const char *vals[19] = {t->id,
                            t->title,
                            t->artist,
                            t->album,
                            dur,
                            sr,
                            ch,
                            br,
                            t->format,
                            t->file_hash_sha256,
                            sz,
                            t->file_path,
                            t->fingerprint_indexed ? "t" : "f",
                            t->embedding_model,
                            dim,
                            t->chromaprint,
                            cpd,
                            t->owner,
                            lease};
    for (int attempt = 0; attempt < 3; attempt++) {
        pg_conn_t *c = pg_acquire(p);
        PGresult *res = pg_run(p, c, P_INSERT, vals, err);
        if (!res) {
            pg_release(p, c);
            return pg_code(err);
        }
        if (PQntuples(res) == 1) {
            t->fp_track_no = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
            meta_copy_str(t->created_at, sizeof t->created_at, PQgetvalue(res, 0, 1));
            meta_copy_str(t->updated_at, sizeof t->updated_at, PQgetvalue(res, 0, 2));
            t->status = META_PENDING;
            PQclear(res);
            pg_release(p, c);
            *duplicate = 0;
            return AI_OK;
        }
        PQclear(res);
        /* Hash conflict (ON CONFLICT DO NOTHING): load the existing row. */
        meta_query_t q = {.kind = MQ_BY_HASH, .key = t->file_hash_sha256};
        meta_track_t *rows = NULL;
        size_t n = 0;
        ai_err_t rc = pg_select_on(p, c, &q, &rows, &n, NULL, err);
        pg_release(p, c);
        if (rc != AI_OK) {
            meta_tracks_free(rows, n);
            return rc;
        }
        if (meta_adopt_row(t, rows, n, duplicate))
            return AI_OK;
    }
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "PostgreSQL insert: row keeps vanishing");
}

static ai_err_t pg_update(pg_t *p, int id, const char *const *vals, ai_error_t *err)
{
    pg_conn_t *c = pg_acquire(p);
    PGresult *res = pg_run(p, c, id, vals, err);
    pg_release(p, c);
    if (!res)
        return pg_code(err);
    int changed = atoi(PQcmdTuples(res));
    PQclear(res);
    return changed ? AI_OK : ai_error_set(err, AI_ERR_NOT_FOUND, "track not found");
}

static ai_err_t pg_set_ready(void *impl, const char *id, const char *owner, ai_error_t *err)
{
    const char *vals[2] = {id, owner};
    return pg_update(impl, owner ? P_SET_READY_OWNED : P_SET_READY, vals, err);
}

static ai_err_t pg_claim(void *impl, const char *id, const char *expected, const char *new_owner,
                         double lease_s, int *claimed, ai_error_t *err)
{
    pg_t *p = impl;
    char secs[32];
    snprintf(secs, sizeof secs, "%.6f", lease_s);
    const char *vals[4] = {id, expected, new_owner, secs};
    pg_conn_t *c = pg_acquire(p);
    PGresult *res = pg_run(p, c, P_CLAIM, vals, err);
    pg_release(p, c);
    if (!res)
        return pg_code(err);
    *claimed = atoi(PQcmdTuples(res)) > 0;
    PQclear(res);
    return AI_OK;
}

static ai_err_t pg_update_index_info(void *impl, const char *id, int fi, const char *model, int dim,
                                     ai_error_t *err)
{
    char d[16];
    snprintf(d, sizeof d, "%d", dim);
    const char *vals[4] = {id, fi ? "t" : "f", model, d};
    return pg_update(impl, P_UPDATE_INFO, vals, err);
}

static ai_err_t pg_del(void *impl, const char *id, ai_error_t *err)
{
    const char *vals[1] = {id};
    return pg_update(impl, P_DELETE, vals, err);
}

static ai_err_t pg_count(void *impl, long long *ready, long long *pending, ai_error_t *err)
{
    pg_t *p = impl;
    pg_conn_t *c = pg_acquire(p);
    PGresult *res = pg_run(p, c, P_COUNT, NULL, err);
    pg_release(p, c);
    if (!res)
        return pg_code(err);
    *ready = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *pending = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return AI_OK;
}

const struct meta_ops meta_postgres_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .ping = pg_ping,
    .insert_pending = pg_insert_pending,
    .set_ready = pg_set_ready,
    .claim = pg_claim,
    .update_index_info = pg_update_index_info,
    .del = pg_del,
    .select = pg_select,
    .count = pg_count,
};
