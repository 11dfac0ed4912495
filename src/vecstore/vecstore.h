/*
 * vecstore.h — where the vibe lane's chunk vectors live.
 *
 * One interface, two backends chosen by the configuration:
 *   flat    (QDRANT_URL unset) DATA_DIR/vectors/flat.vec, an append-only file
 *           of fixed-size records, kept in memory; exact cosine top-k by a
 *           linear scan; deletes are tombstones, compacted when they pile up.
 *   qdrant  (QDRANT_URL set) the Qdrant REST API over libcurl: kept-alive
 *           connections, `api-key` header, timeouts, bounded retries on 5xx
 *           and dropped connections, collection created lazily (Cosine, with
 *           a keyword payload index on track_id; a 409 from a concurrent
 *           create is re-read and checked). Searches use the Query API
 *           (/points/query/batch, one call per vecstore_query_many), and
 *           /points/search only on a server without it (Qdrant < 1.10).
 * Vectors must be L2-normalised (embed_finish does it), so cosine = dot.
 * Point ids are UUIDs derived from (track id, chunk index), so re-upserting a
 * track's chunks overwrites them.
 *
 * Lifecycle: vecstore_open() does no network I/O (a Qdrant that is down is
 * noticed by the first call, not at open); vecstore_close() accepts NULL.
 * Thread-safety: every function may be called from many threads at once.
 * Errors: SERVICE_UNAVAILABLE when Qdrant cannot be reached, answers 5xx
 * after the retries or refuses the API key (message names the URL), when the
 * collection's vector size or distance differs from the model's, or when a
 * search or upsert finds no collection (those messages say to run
 * `audio-ident rebuild-index --vectors`); a missing collection is not an
 * error for dim (0), count (0) and delete_track. SEARCH_TIMEOUT when the
 * deadline passes; INTERNAL_ERROR for I/O failures and unexpected answers;
 * VALIDATION_ERROR for bad arguments, and from vecstore_open for a
 * QDRANT_COLLECTION_NAME outside 1-255 of [A-Za-z0-9_.-].
 */
#ifndef AI_VECSTORE_VECSTORE_H
#define AI_VECSTORE_VECSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/error.h"
#include "config/config.h"

#define VECSTORE_MAX_DIM     4096
#define VECSTORE_MAX_K       1000
#define VECSTORE_MAX_QUERIES 8 /* query vectors per vecstore_query_many */

typedef struct vecstore vecstore_t;

typedef struct {
    const char *track_id; /* UUID */
    int chunk_index;
    double offset_sec, duration_sec;
    const char *title, *artist; /* payload for Qdrant users; may be NULL */
} vecstore_chunk_t;

typedef struct {
    char track_id[37];
    int chunk_index;
    double offset_sec;
    float score; /* cosine similarity */
} vecstore_hit_t;

ai_err_t vecstore_open(const config_t *cfg, vecstore_t **out, ai_error_t *err);
void vecstore_close(vecstore_t *vs);
/* "flat" | "qdrant" */
const char *vecstore_backend(const vecstore_t *vs);
/* The masked URL or file path, for messages. */
const char *vecstore_location(const vecstore_t *vs);

/* Creates the collection for vectors of `dim` if there is none; checks the
 * dimension of an existing one. */
ai_err_t vecstore_ensure(vecstore_t *vs, int dim, ai_error_t *err);
/* Existing dimension (0 = no collection yet); also proves reachability. */
ai_err_t vecstore_dim(vecstore_t *vs, int *dim, ai_error_t *err);
/* Stores n vectors of `dim` floats (row-major) with their chunks. */
ai_err_t vecstore_upsert(vecstore_t *vs, const float *vecs, size_t n, int dim,
                         const vecstore_chunk_t *chunks, ai_error_t *err);
/* Removes every chunk of a track (no error when it has none). */
ai_err_t vecstore_delete_track(vecstore_t *vs, const char *track_id, ai_error_t *err);
/* The k chunks most similar to vec, best first, into hits[k]; *nhits <= k. */
ai_err_t vecstore_query(vecstore_t *vs, const float *vec, int dim, size_t k, deadline_t deadline,
                        vecstore_hit_t *hits, size_t *nhits, ai_error_t *err);
/* The same for nq vectors at once (a flat store is scanned once for all of
 * them): hits[q * k ...] gets query q's hits, nhits[q] their number. */
ai_err_t vecstore_query_many(vecstore_t *vs, const float *vecs, size_t nq, int dim, size_t k,
                             deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                             ai_error_t *err);
ai_err_t vecstore_count(vecstore_t *vs, uint64_t *n, ai_error_t *err);
/* Removes the collection and every vector (rebuild-index, model switch). */
ai_err_t vecstore_drop(vecstore_t *vs, ai_error_t *err);

/* The point id of a chunk: a name-based UUID of "track_id/chunk". */
void vecstore_point_id(const char *track_id, int chunk, char out[37]);

#endif
