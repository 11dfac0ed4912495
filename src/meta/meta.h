/*
 * meta.h — the metadata store: one `tracks` table behind two backends.
 *
 * DATABASE_URL picks the backend by scheme; nothing above meta/ knows which:
 *   sqlite:///relative/path.db   sqlite:////absolute/path.db   (SQLAlchemy style;
 *       the parent directory is created; WAL, busy timeout, foreign keys; a small
 *       pool of connections)
 *   postgresql://user:pass@host:port/db, postgres://…, postgresql+asyncpg://…,
 *   postgresql+psycopg://… (driver suffix stripped; libpq; a pool of pool_size
 *       connections, prepared statements, connect_timeout, a lost connection is
 *       reset and the statement retried once)
 * Migrations (migrations/{sqlite,postgres}/NNN_name.sql) are compiled into the
 * binary and tracked in `schema_migrations`; each runs in its own transaction
 * under a lock, so two processes migrating at once are safe.
 *
 * Lifecycle: meta_open() → meta_migrate() → any calls → meta_close().
 * Thread-safety: a meta_t is a connection pool; every function may be called
 * from any number of threads at once (a call borrows one connection and waits
 * when all are busy).  Not fork-safe: a child process opens its own meta_t.
 * PostgreSQL connects with connect_timeout=5 unless the URL sets its own.
 * Ownership: meta_track_t is caller-owned; only its `chromaprint` is heap
 * memory, freed by meta_track_release().  Arrays returned by the list
 * functions are freed with meta_tracks_free().
 *
 * Errors (every function): AI_ERR_SERVICE_UNAVAILABLE when the database
 * cannot be reached (message "cannot reach PostgreSQL at
 * postgresql://user@host:port/db: <reason>", never a password),
 * AI_ERR_INTERNAL_ERROR for other database failures or out of memory,
 * AI_ERR_VALIDATION_ERROR for bad arguments; NOT_FOUND where stated.
 */
#ifndef AI_META_META_H
#define AI_META_META_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct meta meta_t;

/* Caps on input that reaches SQL. */
#define META_PAGE_SIZE_MAX 100
#define META_SEARCH_MAX    256
#define META_BATCH_MAX     1000 /* ids / fp numbers per by_ids / by_fp_numbers call */

/* Opens the store named by database_url with up to pool_size connections
 * (clamped to 1..64).  PostgreSQL connects once now, so an unreachable
 * server fails here.  Does not migrate.
 * Errors: VALIDATION_ERROR (unknown scheme / malformed URL),
 * SERVICE_UNAVAILABLE (cannot connect), INTERNAL_ERROR. */
ai_err_t meta_open(const char *database_url, int pool_size, meta_t **out, ai_error_t *err);

/* Closes every connection. m may be NULL. No call may be in flight. */
void meta_close(meta_t *m);

/* "sqlite" | "postgresql" (static storage). */
const char *meta_backend_name(const meta_t *m);

/* The URL with any password removed (for logs), e.g.
 * "postgresql://user@host:5432/db" or "sqlite:///./data/audio_ident.db". */
const char *meta_display_url(const meta_t *m);

/* Applies the embedded migrations not yet recorded in schema_migrations.
 * *applied (may be NULL) gets how many ran now (0 when up to date). */
ai_err_t meta_migrate(meta_t *m, int *applied, ai_error_t *err);

/* SELECT 1 on a pooled connection (reconnecting if needed). */
ai_err_t meta_ping(meta_t *m, ai_error_t *err);

typedef enum { META_PENDING = 0, META_READY = 1 } meta_status_t;

#define META_OWNER_MAX 160 /* bytes of an ingest owner identity, with the NUL */

typedef struct {
    char id[37];
    uint32_t fp_track_no; /* assigned by the store, unique, never reused */
    meta_status_t status;
    char title[512], artist[512], album[512]; /* "" = null in JSON */
    double duration_seconds;
    int sample_rate, channels;
    long long bitrate;
    char format[16];
    char file_hash_sha256[65];
    long long file_size_bytes;
    char file_path[1024];
    int fingerprint_indexed;
    char embedding_model[64];
    int embedding_dim;
    char *chromaprint; /* heap, may be NULL; freed by meta_track_release */
    double chromaprint_duration;
    char created_at[32], updated_at[32]; /* RFC 3339 UTC; ingested_at = created_at */
    /* Ingest ownership of a pending row: who is ingesting it ("" = nobody)
     * and the seconds left on its lease by the store's clock (negative once
     * it ran out).  On insert: the owner and the lease length. */
    char owner[META_OWNER_MAX];
    double lease_left_s;
} meta_track_t;

/* Zeroes *t. */
void meta_track_init(meta_track_t *t);
/* Frees t->chromaprint and zeroes *t. t may be NULL. */
void meta_track_release(meta_track_t *t);

/* Inserts a pending row from t's descriptive fields (title … file_path,
 * chromaprint, chromaprint_duration; fingerprint_indexed/embedding_* too) and
 * fills t->id (UUID v4), t->fp_track_no, t->status, created_at/updated_at.
 * If a row with the same file_hash_sha256 exists (also when another thread or
 * process inserts it concurrently): AI_OK, *duplicate = 1 and *t becomes that
 * existing row.  file_hash_sha256 must be 64 hex chars (VALIDATION_ERROR). */
ai_err_t meta_track_insert_pending(meta_t *m, meta_track_t *t, int *duplicate, ai_error_t *err);

/* status = ready.  With owner non-NULL only while the row is pending and
 * owned by owner (an ingest whose row was taken over must not publish it).
 * NOT_FOUND. */
ai_err_t meta_track_set_ready(meta_t *m, const char *id, const char *owner, ai_error_t *err);

/* Compare-and-set on a pending row's ownership: when the row is pending and
 * its owner is `expected` ("" matches no owner), sets owner = new_owner ("" =
 * none) and the lease to lease_s seconds from now (store clock; <= 0 =
 * expired).  *claimed = 1 when it changed, 0 otherwise (another process got
 * there first, the row is ready or gone).  Renewal: expected = new_owner. */
ai_err_t meta_track_claim(meta_t *m, const char *id, const char *expected, const char *new_owner,
                          double lease_s, int *claimed, ai_error_t *err);

/* Sets fingerprint_indexed / embedding_model (NULL = "") / embedding_dim. NOT_FOUND. */
ai_err_t meta_track_update_index_info(meta_t *m, const char *id, int fingerprint_indexed,
                                      const char *embedding_model, int embedding_dim,
                                      ai_error_t *err);

/* Any status. *t is overwritten (release it first if it held a chromaprint).
 * NOT_FOUND (also for a malformed id). */
ai_err_t meta_track_get(meta_t *m, const char *id, meta_track_t *t, ai_error_t *err);
ai_err_t meta_track_get_by_hash(meta_t *m, const char *sha256, meta_track_t *t, ai_error_t *err);

/* Deletes the row (any status). NOT_FOUND. */
ai_err_t meta_track_delete(meta_t *m, const char *id, ai_error_t *err);

/* Listing, one page of an order over all matching rows.
 * sort: META_SORT_INGESTED_AT (created_at; the default), _TITLE, _ARTIST,
 * _ALBUM (case-insensitive; rows without the value come last in either
 * direction), _DURATION; dir: META_DIR_DEFAULT (descending for ingested_at,
 * newest first; ascending for the others), META_DIR_ASC, META_DIR_DESC.  Ties are broken by
 * fp_track_no in the same direction, so pages never overlap.
 * page >= 1, 1 <= page_size <= META_PAGE_SIZE_MAX (else VALIDATION_ERROR);
 * search (NULL/"" = all, <= META_SEARCH_MAX bytes) matches title, artist or
 * album as a case-insensitive substring; % _ \ in it are literal.
 * artist / album (NULL/"" = any, <= META_SEARCH_MAX bytes): the whole value
 * equals it, case-insensitively (ASCII on SQLite, the database's lower() on
 * PostgreSQL).
 * ready_only: 1 = only ready rows (the API), 0 = all rows. */
typedef enum {
    META_SORT_INGESTED_AT = 0,
    META_SORT_TITLE,
    META_SORT_ARTIST,
    META_SORT_ALBUM,
    META_SORT_DURATION
} meta_sort_t;

typedef enum { META_DIR_DEFAULT = 0, META_DIR_ASC, META_DIR_DESC } meta_dir_t;

typedef struct {
    const char *search;
    const char *artist, *album;
    meta_sort_t sort;
    meta_dir_t dir;
    int page, page_size;
    int ready_only;
} meta_list_opts_t;

/* "title" | "artist" | "album" | "duration" | "ingested_at" → sort; -1 when unknown. */
int meta_sort_parse(const char *s);

/* *tracks (NULL when *n == 0) holds the page; *total counts all matches. */
ai_err_t meta_tracks_list(meta_t *m, const meta_list_opts_t *o, meta_track_t **tracks, size_t *n,
                          long long *total, ai_error_t *err);

/* Releases every element and the array. tracks may be NULL. */
void meta_tracks_free(meta_track_t *tracks, size_t n);

/* One query each: the READY tracks among these fp numbers / ids (order not
 * guaranteed; unknown, pending and malformed ones are simply absent).
 * n <= META_BATCH_MAX (else VALIDATION_ERROR). */
ai_err_t meta_tracks_by_fp_numbers(meta_t *m, const uint32_t *nums, size_t n, meta_track_t **tracks,
                                   size_t *nout, ai_error_t *err);
ai_err_t meta_tracks_by_ids(meta_t *m, const char *const *ids, size_t n, meta_track_t **tracks,
                            size_t *nout, ai_error_t *err);

/* All pending rows (for crash repair), oldest first. */
ai_err_t meta_tracks_pending(meta_t *m, meta_track_t **tracks, size_t *n, ai_error_t *err);

/* Content-dedup candidates: ready tracks that have a chromaprint and whose
 * duration_seconds is within tol of duration (at most META_BATCH_MAX). */
ai_err_t meta_tracks_near_duration(meta_t *m, double duration, double tol, meta_track_t **tracks,
                                   size_t *n, ai_error_t *err);

/* Keyset scan of READY tracks for rebuild-index: up to limit (1..META_BATCH_MAX)
 * tracks with fp_track_no > after_fp_no in ascending fp_track_no.  Loop with
 * after_fp_no = last fp_track_no until *n == 0. */
ai_err_t meta_tracks_scan(meta_t *m, uint32_t after_fp_no, size_t limit, meta_track_t **tracks,
                          size_t *n, ai_error_t *err);

/* Number of ready tracks (and pending ones; either out-param may be NULL). */
ai_err_t meta_tracks_count(meta_t *m, long long *ready, long long *pending, ai_error_t *err);

#endif
