/* The Qdrant backend: the vector-store operations on Qdrant's REST API, as
 * described by its OpenAPI spec (docs/redoc/master/openapi.json).
 *
 * Endpoints:
 *   GET    /collections/{c}                 → result.config.params.vectors
 *                                             {size, distance}, result.payload_schema
 *   PUT    /collections/{c}                 {"vectors":{"size":D,"distance":"Cosine"}}
 *                                             (409 = another process created it)
 *   PUT    /collections/{c}/index?wait=true {"field_name":"track_id","field_schema":"keyword"}
 *   PUT    /collections/{c}/points?wait=true {"points":[{"id":UUID,"vector","payload"}]}
 *   POST   /collections/{c}/points/delete?wait=true
 *                                           {"filter":{"must":[{"key":"track_id",
 *                                             "match":{"value":ID}}]}}
 *   POST   /collections/{c}/points/query/batch (Query API, Qdrant >= 1.10)
 *                                           {"searches":[{"query":[..],"limit":K,
 *                                             "with_payload":[..]}]}
 *                                             → result: [{"points":[{"id","score","payload"}]}]
 *   POST   /collections/{c}/points/search   the same for one vector, only on a server
 *                                             without the Query API (its route answers an
 *                                             empty 404)
 *   POST   /collections/{c}/points/count    {"exact":true} → result.count
 *   DELETE /collections/{c}
 * `with_payload` defaults to false, so every query names the fields it reads. */
#include "vecstore/qdrant_int.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPSERT_BATCH 64
#define NAME_MAX_LEN 255

/* Collection names: 1-255 of [A-Za-z0-9_.-]. Qdrant itself refuses fewer
 * characters, but this set needs no escaping in a URL path. */
static int valid_collection_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

ai_err_t vecstore_qdrant_open(const config_t *cfg, void **impl, ai_error_t *err)
{
    if (!valid_collection_name(cfg->qdrant_collection))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "QDRANT_COLLECTION_NAME '%.64s' is not a usable collection name: use "
                            "1-255 letters, digits, '_', '-' or '.'",
                            cfg->qdrant_collection);
    qdrant_http_init();
    qdrant_t *q = calloc(1, sizeof *q);
    if (!q)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    snprintf(q->base, sizeof q->base, "%s", cfg->qdrant_url);
    size_t n = strlen(q->base);
    while (n && q->base[n - 1] == '/')
        q->base[--n] = '\0';
    config_redact_url(cfg->qdrant_url, q->shown, sizeof q->shown);
    snprintf(q->collection, sizeof q->collection, "%s", cfg->qdrant_collection);
    if (cfg->qdrant_api_key[0])
        snprintf(q->api_key_header, sizeof q->api_key_header, "api-key: %s", cfg->qdrant_api_key);
    pthread_mutex_init(&q->mu, NULL);
    atomic_init(&q->legacy_search, 0);
    *impl = q;
    return AI_OK;
}

static void qdrant_close(void *impl)
{
    qdrant_t *q = impl;
    if (!q)
        return;
    qdrant_pool_release(q);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static ai_err_t no_route(qdrant_t *q, const char *what, ai_error_t *err)
{
    return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                        "Qdrant at %s has no %s route (404 without a body): is QDRANT_URL the "
                        "Qdrant REST port (6333)?",
                        q->shown, what);
}

static ai_err_t no_collection(qdrant_t *q, ai_error_t *err)
{
    return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                        "Qdrant collection %s does not exist at %s (never created because "
                        "nothing was ingested, or deleted); run `audio-ident rebuild-index "
                        "--vectors` to recreate it from the library",
                        q->collection, q->shown);
}

/* The collection's dimension (0 = none), and whether track_id has a payload
 * index. A collection with named vectors or another distance is an error. */
static ai_err_t describe(qdrant_t *q, int *dim, int *indexed, ai_error_t *err)
{
    json_t *r = NULL;
    qd_found_t found;
    long status;
    *dim = 0;
    *indexed = 0;
    ai_err_t rc = qdrant_call(q, "GET", "", NULL, 0, 0, &r, &found, &status, err);
    if (rc != AI_OK)
        return rc;
    if (found == QD_NO_ROUTE)
        return no_route(q, "collection", err);
    if (found == QD_NO_COLLECTION)
        return AI_OK;
    json_t *vectors =
        json_object_get(json_object_get(json_object_get(r, "config"), "params"), "vectors");
    json_t *size = json_object_get(vectors, "size");
    const char *distance = json_string_value(json_object_get(vectors, "distance"));
    if (!json_is_integer(size) || json_integer_value(size) < 1)
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "Qdrant collection %s has no single unnamed vector; point "
                          "QDRANT_COLLECTION_NAME at another collection",
                          q->collection);
    else if (!distance || strcmp(distance, "Cosine") != 0)
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "Qdrant collection %s at %s compares vectors by %s distance, not "
                          "Cosine; run `audio-ident rebuild-index --vectors` to recreate it",
                          q->collection, q->shown, distance ? distance : "an unknown");
    else {
        *dim = (int)json_integer_value(size);
        *indexed = json_object_get(json_object_get(r, "payload_schema"), "track_id") != NULL;
    }
    json_decref(r);
    return rc;
}

static ai_err_t qdrant_dim(void *impl, int *dim, ai_error_t *err)
{
    int indexed;
    return describe(impl, dim, &indexed, err);
}

/* Deletes by track_id need this index at scale (and under strict mode). */
static ai_err_t create_track_index(qdrant_t *q, ai_error_t *err)
{
    json_t *body = json_pack("{s:s,s:s}", "field_name", "track_id", "field_schema", "keyword");
    json_t *r = NULL;
    qd_found_t found;
    long status;
    ai_err_t rc =
        body ? qdrant_call(q, "PUT", "/index?wait=true", body, 0, 0, &r, &found, &status, err)
             : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    json_decref(body);
    json_decref(r);
    if (rc == AI_OK && found == QD_NO_COLLECTION)
        rc = no_collection(q, err);
    else if (rc == AI_OK && found == QD_NO_ROUTE)
        rc = no_route(q, "payload index", err);
    else if (rc == AI_OK)
        log_info("Qdrant collection %s: payload index on track_id", q->collection);
    return rc;
}

static ai_err_t qdrant_ensure(void *impl, int dim, ai_error_t *err)
{
    qdrant_t *q = impl;
    int have = 0, indexed = 0;
    ai_err_t rc = describe(q, &have, &indexed, err);
    if (rc == AI_OK && have == 0) {
        json_t *body = json_pack("{s:{s:i,s:s}}", "vectors", "size", dim, "distance", "Cosine");
        json_t *r = NULL;
        qd_found_t found;
        long status;
        rc = body ? qdrant_call(q, "PUT", "", body, QD_ALLOW_409, 0, &r, &found, &status, err)
                  : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        json_decref(body);
        json_decref(r);
        if (rc == AI_OK && found != QD_FOUND)
            rc = no_route(q, "collection", err);
        else if (rc == AI_OK && status == 409) /* created by another process meanwhile */
            rc = describe(q, &have, &indexed, err);
        else if (rc == AI_OK) {
            have = dim;
            log_info("created Qdrant collection %s (%d dimensions, cosine)", q->collection, dim);
        }
        if (rc == AI_OK && have == 0)
            rc = no_collection(q, err);
    }
    if (rc == AI_OK && have != dim)
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "Qdrant collection %s at %s holds %d-dimensional vectors but the "
                          "embedding model makes %d; run `audio-ident rebuild-index --vectors`",
                          q->collection, q->shown, have, dim);
    if (rc == AI_OK && !indexed)
        rc = create_track_index(q, err);
    return rc;
}

static json_t *point_json(const float *vec, int dim, const vecstore_chunk_t *c)
{
    char id[37];
    vecstore_point_id(c->track_id, c->chunk_index, id);
    json_t *v = json_array();
    for (int d = 0; v && d < dim; d++)
        json_array_append_new(v, json_real(vec[d]));
    json_t *payload =
        json_pack("{s:s,s:i,s:f,s:f}", "track_id", c->track_id, "chunk_index", c->chunk_index,
                  "offset_sec", c->offset_sec, "duration_sec", c->duration_sec);
    if (payload && c->title)
        json_object_set_new(payload, "title", json_string(c->title));
    if (payload && c->artist)
        json_object_set_new(payload, "artist", json_string(c->artist));
    return v && payload ? json_pack("{s:s,s:o,s:o}", "id", id, "vector", v, "payload", payload)
                        : NULL;
}

static ai_err_t qdrant_upsert(void *impl, const float *vecs, size_t n, int dim,
                              const vecstore_chunk_t *chunks, ai_error_t *err)
{
    qdrant_t *q = impl;
    ai_err_t rc = AI_OK;
    for (size_t start = 0; rc == AI_OK && start < n; start += UPSERT_BATCH) {
        json_t *points = json_array();
        for (size_t i = start; points && i < n && i < start + UPSERT_BATCH; i++) {
            json_t *p = point_json(vecs + i * (size_t)dim, dim, &chunks[i]);
            if (!p || json_array_append_new(points, p) != 0) {
                json_decref(points);
                points = NULL;
            }
        }
        json_t *body = points ? json_pack("{s:o}", "points", points) : NULL;
        json_t *r = NULL;
        qd_found_t found = QD_FOUND;
        long status;
        rc = body ? qdrant_call(q, "PUT", "/points?wait=true", body, 0, 0, &r, &found, &status, err)
                  : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        if (rc == AI_OK && found == QD_NO_COLLECTION)
            rc = no_collection(q, err);
        else if (rc == AI_OK && found == QD_NO_ROUTE)
            rc = no_route(q, "points", err);
        json_decref(body);
        json_decref(r);
    }
    return rc;
}

static ai_err_t qdrant_delete_track(void *impl, const char *track_id, ai_error_t *err)
{
    qdrant_t *q = impl;
    json_t *body = json_pack("{s:{s:[{s:s,s:{s:s}}]}}", "filter", "must", "key", "track_id",
                             "match", "value", track_id);
    json_t *r = NULL;
    qd_found_t found = QD_FOUND;
    long status;
    ai_err_t rc = body ? qdrant_call(q, "POST", "/points/delete?wait=true", body, 0, 0, &r, &found,
                                     &status, err)
                       : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    json_decref(body);
    json_decref(r);
    if (rc == AI_OK && found == QD_NO_ROUTE)
        rc = no_route(q, "points/delete", err);
    return rc; /* no collection: the track has no vectors, nothing to delete */
}

/* Hits of one answer (an array of ScoredPoint) into hits[k]. */
static ai_err_t read_points(qdrant_t *q, json_t *points, size_t k, vecstore_hit_t *hits,
                            size_t *nhits, ai_error_t *err)
{
    size_t i;
    json_t *p;
    *nhits = 0;
    if (!json_is_array(points))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "unexpected query answer from Qdrant at %s (no points)", q->shown);
    json_array_foreach(points, i, p)
    {
        if (*nhits >= k)
            break;
        json_t *pl = json_object_get(p, "payload");
        const char *tid = json_string_value(json_object_get(pl, "track_id"));
        json_t *score = json_object_get(p, "score");
        if (!tid || !json_is_number(score))
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                                "Qdrant collection %s at %s answered a point without a score "
                                "or a track_id payload; it holds vectors audio-ident did not "
                                "write (run `audio-ident rebuild-index --vectors`)",
                                q->collection, q->shown);
        vecstore_hit_t *h = &hits[(*nhits)++];
        snprintf(h->track_id, sizeof h->track_id, "%s", tid);
        h->chunk_index = (int)json_integer_value(json_object_get(pl, "chunk_index"));
        h->offset_sec = json_number_value(json_object_get(pl, "offset_sec"));
        h->score = (float)json_number_value(score);
    }
    return AI_OK;
}

/* The fields a hit needs; Qdrant sends no payload unless asked. */
static json_t *fields(void)
{
    return json_pack("[s,s,s]", "track_id", "chunk_index", "offset_sec");
}

static json_t *vector_json(const float *vec, int dim)
{
    json_t *v = json_array();
    for (int d = 0; v && d < dim; d++)
        json_array_append_new(v, json_real(vec[d]));
    return v;
}

/* nq vectors in one POST /points/query/batch. *route_missing = 1 when the
 * server has no Query API. */
static ai_err_t query_batch(qdrant_t *q, const float *vecs, size_t nq, int dim, size_t k,
                            deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                            int *route_missing, ai_error_t *err)
{
    json_t *searches = json_array();
    for (size_t i = 0; searches && i < nq; i++) {
        json_t *s = json_pack("{s:o,s:I,s:o}", "query", vector_json(vecs + i * (size_t)dim, dim),
                              "limit", (json_int_t)k, "with_payload", fields());
        if (!s || json_array_append_new(searches, s) != 0) {
            json_decref(searches);
            searches = NULL;
        }
    }
    json_t *body = searches ? json_pack("{s:o}", "searches", searches) : NULL;
    json_t *r = NULL;
    qd_found_t found = QD_FOUND;
    long status;
    ai_err_t rc = body ? qdrant_call(q, "POST", "/points/query/batch", body, 0, deadline, &r,
                                     &found, &status, err)
                       : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    json_decref(body);
    *route_missing = rc == AI_OK && found == QD_NO_ROUTE;
    if (rc == AI_OK && found == QD_NO_COLLECTION)
        rc = no_collection(q, err);
    else if (rc == AI_OK && found == QD_FOUND && json_array_size(r) != nq)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                          "Qdrant at %s answered %zu results to %zu queries", q->shown,
                          json_array_size(r), nq);
    for (size_t i = 0; rc == AI_OK && found == QD_FOUND && i < nq; i++)
        rc = read_points(q, json_object_get(json_array_get(r, i), "points"), k, hits + i * k,
                         &nhits[i], err);
    json_decref(r);
    return rc;
}

/* One vector on the pre-1.10 route POST /points/search. */
static ai_err_t search_legacy(qdrant_t *q, const float *vec, int dim, size_t k, deadline_t deadline,
                              vecstore_hit_t *hits, size_t *nhits, ai_error_t *err)
{
    json_t *body = json_pack("{s:o,s:I,s:o}", "vector", vector_json(vec, dim), "limit",
                             (json_int_t)k, "with_payload", fields());
    json_t *r = NULL;
    qd_found_t found = QD_FOUND;
    long status;
    ai_err_t rc =
        body ? qdrant_call(q, "POST", "/points/search", body, 0, deadline, &r, &found, &status, err)
             : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    json_decref(body);
    if (rc == AI_OK && found == QD_NO_COLLECTION)
        rc = no_collection(q, err);
    else if (rc == AI_OK && found == QD_NO_ROUTE)
        rc = no_route(q, "query or search", err);
    else if (rc == AI_OK)
        rc = read_points(q, r, k, hits, nhits, err);
    json_decref(r);
    return rc;
}

static ai_err_t qdrant_query(void *impl, const float *vecs, size_t nq, int dim, size_t k,
                             deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                             ai_error_t *err)
{
    qdrant_t *q = impl;
    for (size_t i = 0; i < nq; i++)
        nhits[i] = 0;
    if (!atomic_load(&q->legacy_search)) {
        int route_missing = 0;
        ai_err_t rc = query_batch(q, vecs, nq, dim, k, deadline, hits, nhits, &route_missing, err);
        if (!route_missing)
            return rc;
        atomic_store(&q->legacy_search, 1);
        log_warn("Qdrant at %s has no Query API (before 1.10); searching with /points/search",
                 q->shown);
    }
    ai_err_t rc = AI_OK;
    for (size_t i = 0; rc == AI_OK && i < nq; i++)
        rc = search_legacy(q, vecs + i * (size_t)dim, dim, k, deadline, hits + i * k, &nhits[i],
                           err);
    return rc;
}

static ai_err_t qdrant_count(void *impl, uint64_t *n, ai_error_t *err)
{
    qdrant_t *q = impl;
    json_t *body = json_pack("{s:b}", "exact", 1), *r = NULL;
    qd_found_t found = QD_FOUND;
    long status;
    ai_err_t rc =
        body ? qdrant_call(q, "POST", "/points/count", body, 0, 0, &r, &found, &status, err)
             : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    json_t *count = json_object_get(r, "count");
    *n = json_is_integer(count) && json_integer_value(count) > 0
             ? (uint64_t)json_integer_value(count)
             : 0;
    if (rc == AI_OK && found == QD_NO_ROUTE)
        rc = no_route(q, "points/count", err);
    else if (rc == AI_OK && found == QD_FOUND && !json_is_integer(count))
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "unexpected count answer from Qdrant at %s",
                          q->shown);
    json_decref(body);
    json_decref(r);
    return rc; /* no collection: 0 vectors */
}

static ai_err_t qdrant_drop(void *impl, ai_error_t *err)
{
    json_t *r = NULL;
    qd_found_t found;
    long status;
    ai_err_t rc = qdrant_call(impl, "DELETE", "", NULL, 0, 0, &r, &found, &status, err);
    json_decref(r);
    return rc;
}

const vecstore_ops_t vecstore_qdrant_ops = {
    .name = "qdrant",
    .close = qdrant_close,
    .ensure = qdrant_ensure,
    .dim = qdrant_dim,
    .upsert = qdrant_upsert,
    .delete_track = qdrant_delete_track,
    .query = qdrant_query,
    .count = qdrant_count,
    .drop = qdrant_drop,
};
