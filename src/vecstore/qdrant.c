/* The Qdrant backend: REST over libcurl (the only file that includes curl).
 *
 * Endpoints (Qdrant REST API, v1.x):
 *   GET    /collections/{c}                      → result.config.params.vectors.size
 *   PUT    /collections/{c}                      {"vectors":{"size":D,"distance":"Cosine"}}
 *   PUT    /collections/{c}/points?wait=true     {"points":[{"id","vector","payload"}]}
 *   POST   /collections/{c}/points/delete?wait=true {"filter":{"must":[{"key":"track_id",
 *                                                  "match":{"value":ID}}]}}
 *   POST   /collections/{c}/points/search        {"vector":[..],"limit":K,"with_payload":true}
 *                                                → result: [{"id","score","payload"}]
 *   POST   /collections/{c}/points/count         {"exact":true} → result.count
 *   DELETE /collections/{c}
 * Every answer is {"result":…,"status":"ok","time":…} or an error status.
 * Connections are kept alive by reusing curl handles from a small pool. */
#include "vecstore/vecstore_int.h"
#include "base/log.h"
#include "base/strbuf.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX           8
#define ATTEMPTS           3
#define CONNECT_TIMEOUT_MS 2000L
#define REQUEST_TIMEOUT_MS 30000L
#define UPSERT_BATCH       64
#define RESPONSE_MAX       (64 * 1024 * 1024)

typedef struct {
    char base[CONFIG_STR_MAX];
    char shown[CONFIG_STR_MAX]; /* URL with the password masked */
    char collection[CONFIG_STR_MAX];
    char api_key_header[CONFIG_STR_MAX + 16];
    pthread_mutex_t mu;
    CURL *pool[POOL_MAX];
    int npool;
} qdrant_t;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

ai_err_t vecstore_qdrant_open(const config_t *cfg, void **impl, ai_error_t *err)
{
    pthread_once(&curl_once, curl_init_once);
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
    *impl = q;
    return AI_OK;
}

static void qdrant_close(void *impl)
{
    qdrant_t *q = impl;
    if (!q)
        return;
    for (int i = 0; i < q->npool; i++)
        curl_easy_cleanup(q->pool[i]);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

static CURL *handle_take(qdrant_t *q)
{
    pthread_mutex_lock(&q->mu);
    CURL *h = q->npool ? q->pool[--q->npool] : NULL;
    pthread_mutex_unlock(&q->mu);
    return h ? h : curl_easy_init();
}

static void handle_give(qdrant_t *q, CURL *h)
{
    pthread_mutex_lock(&q->mu);
    if (q->npool < POOL_MAX) {
        q->pool[q->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&q->mu);
    if (h)
        curl_easy_cleanup(h);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    strbuf_t *sb = user;
    size_t n = size * nmemb;
    if (sb->len + n > RESPONSE_MAX)
        return 0; /* aborts the transfer */
    strbuf_appendn(sb, data, n);
    return n;
}

/* One HTTP exchange with retries.  *status gets the HTTP status (404 is
 * returned to the caller, other non-2xx become errors); the body goes to out. */
static ai_err_t request(qdrant_t *q, const char *method, const char *path, const char *body,
                        deadline_t deadline, long *status, strbuf_t *out, ai_error_t *err)
{
    char url[CONFIG_STR_MAX * 2 + 64];
    snprintf(url, sizeof url, "%s%s", q->base, path);
    CURL *h = handle_take(q);
    if (!h)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot create a curl handle");
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (q->api_key_header[0])
        hdr = curl_slist_append(hdr, q->api_key_header);
    ai_err_t rc = AI_OK;
    for (int attempt = 1;; attempt++) {
        strbuf_reset(out);
        long timeout = REQUEST_TIMEOUT_MS;
        if (deadline) {
            double left = ((double)deadline - (double)clock_now_ns()) / 1e6;
            if (left <= 0) {
                rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "Qdrant request ran out of time");
                break;
            }
            timeout = left < 1 ? 1 : (long)left;
        }
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        if (body)
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        CURLcode cc = curl_easy_perform(h);
        *status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        int retry_net = cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
                        cc == CURLE_GOT_NOTHING || cc == CURLE_COULDNT_CONNECT;
        if (cc == CURLE_OK && *status < 500)
            break;
        if (attempt < ATTEMPTS && (retry_net || (cc == CURLE_OK && *status >= 500))) {
            struct timespec ts = {0, (long)attempt * attempt * 50 * 1000 * 1000};
            nanosleep(&ts, NULL); /* 50 ms, 200 ms */
            continue;
        }
        if (cc == CURLE_OPERATION_TIMEDOUT && deadline)
            rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "Qdrant at %s did not answer in time",
                              q->shown);
        else if (cc != CURLE_OK)
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "cannot reach Qdrant at %s: %s",
                              q->shown, curl_easy_strerror(cc));
        else
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "Qdrant at %s answered %ld: %.200s",
                              q->shown, *status, strbuf_cstr(out));
        break;
    }
    curl_slist_free_all(hdr);
    handle_give(q, h);
    if (rc == AI_OK && *status >= 300 && *status != 404)
        rc = ai_error_set(err,
                          *status == 401 || *status == 403 ? AI_ERR_SERVICE_UNAVAILABLE
                                                           : AI_ERR_INTERNAL_ERROR,
                          "Qdrant at %s answered %ld to %s %s: %.200s", q->shown, *status, method,
                          path, strbuf_cstr(out));
    return rc;
}

/* Request whose JSON result is wanted; *result is NULL on 404. */
static ai_err_t call(qdrant_t *q, const char *method, const char *suffix, json_t *body,
                     deadline_t deadline, json_t **result, ai_error_t *err)
{
    char path[CONFIG_STR_MAX + 128];
    snprintf(path, sizeof path, "/collections/%s%s", q->collection, suffix);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    strbuf_t out;
    strbuf_init(&out, RESPONSE_MAX);
    long status = 0;
    ai_err_t rc = request(q, method, path, text, deadline, &status, &out, err);
    free(text);
    if (result)
        *result = NULL;
    if (rc == AI_OK && status != 404 && result) {
        json_error_t je;
        json_t *doc = json_loadb(strbuf_cstr(&out), out.len, 0, &je);
        json_t *r = doc ? json_object_get(doc, "result") : NULL;
        if (!r)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                              "unexpected answer from Qdrant at %s to %s %s", q->shown, method,
                              path);
        else
            *result = json_incref(r);
        json_decref(doc);
    }
    strbuf_release(&out);
    return rc == AI_OK && status == 404 && !result ? AI_ERR_NOT_FOUND : rc;
}

static ai_err_t qdrant_dim(void *impl, int *dim, ai_error_t *err)
{
    qdrant_t *q = impl;
    json_t *r = NULL;
    *dim = 0;
    ai_err_t rc = call(q, "GET", "", NULL, 0, &r, err);
    if (rc == AI_OK && r) {
        json_t *size = json_object_get(
            json_object_get(json_object_get(json_object_get(r, "config"), "params"), "vectors"),
            "size");
        if (json_is_integer(size))
            *dim = (int)json_integer_value(size);
        else
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                              "Qdrant collection %s has no single unnamed vector; point "
                              "QDRANT_COLLECTION_NAME at another collection",
                              q->collection);
    }
    json_decref(r);
    return rc;
}

static ai_err_t qdrant_ensure(void *impl, int dim, ai_error_t *err)
{
    qdrant_t *q = impl;
    int have = 0;
    ai_err_t rc = qdrant_dim(q, &have, err);
    if (rc == AI_OK && have == 0) {
        json_t *body = json_pack("{s:{s:i,s:s}}", "vectors", "size", dim, "distance", "Cosine");
        json_t *r = NULL;
        rc = call(q, "PUT", "", body, 0, &r, err);
        json_decref(body);
        json_decref(r);
        if (rc == AI_OK)
            log_info("created Qdrant collection %s (%d dimensions, cosine)", q->collection, dim);
    } else if (rc == AI_OK && have != dim) {
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "Qdrant collection %s at %s holds %d-dimensional vectors but the "
                          "embedding model makes %d; run `audio-ident rebuild-index --vectors`",
                          q->collection, q->shown, have, dim);
    }
    return rc;
}

static ai_err_t qdrant_upsert(void *impl, const float *vecs, size_t n, int dim,
                              const vecstore_chunk_t *chunks, ai_error_t *err)
{
    qdrant_t *q = impl;
    ai_err_t rc = AI_OK;
    for (size_t start = 0; rc == AI_OK && start < n; start += UPSERT_BATCH) {
        json_t *points = json_array();
        for (size_t i = start; i < n && i < start + UPSERT_BATCH; i++) {
            char id[37];
            vecstore_point_id(chunks[i].track_id, chunks[i].chunk_index, id);
            json_t *v = json_array();
            for (int d = 0; d < dim; d++)
                json_array_append_new(v, json_real(vecs[i * (size_t)dim + (size_t)d]));
            json_t *payload =
                json_pack("{s:s,s:i,s:f,s:f}", "track_id", chunks[i].track_id, "chunk_index",
                          chunks[i].chunk_index, "offset_sec", chunks[i].offset_sec, "duration_sec",
                          chunks[i].duration_sec);
            if (payload && chunks[i].title)
                json_object_set_new(payload, "title", json_string(chunks[i].title));
            if (payload && chunks[i].artist)
                json_object_set_new(payload, "artist", json_string(chunks[i].artist));
            json_array_append_new(points, json_pack("{s:s,s:o,s:o}", "id", id, "vector", v,
                                                    "payload", payload ? payload : json_object()));
        }
        json_t *body = json_pack("{s:o}", "points", points);
        json_t *r = NULL;
        rc = call(q, "PUT", "/points?wait=true", body, 0, &r, err);
        if (rc == AI_OK && !r)
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                              "Qdrant collection %s does not exist", q->collection);
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
    ai_err_t rc = call(q, "POST", "/points/delete?wait=true", body, 0, &r, err);
    json_decref(body);
    json_decref(r);
    return rc;
}

static ai_err_t query_one(qdrant_t *q, const float *vec, int dim, size_t k, deadline_t deadline,
                          vecstore_hit_t *hits, size_t *nhits, ai_error_t *err)
{
    json_t *v = json_array();
    for (int d = 0; d < dim; d++)
        json_array_append_new(v, json_real(vec[d]));
    json_t *body =
        json_pack("{s:o,s:I,s:b}", "vector", v, "limit", (json_int_t)k, "with_payload", 1);
    json_t *r = NULL;
    ai_err_t rc = call(q, "POST", "/points/search", body, deadline, &r, err);
    json_decref(body);
    size_t i;
    json_t *p;
    json_array_foreach(r, i, p)
    {
        if (*nhits >= k)
            break;
        json_t *pl = json_object_get(p, "payload");
        const char *tid = json_string_value(json_object_get(pl, "track_id"));
        if (!tid)
            continue;
        vecstore_hit_t *h = &hits[(*nhits)++];
        snprintf(h->track_id, sizeof h->track_id, "%s", tid);
        h->chunk_index = (int)json_integer_value(json_object_get(pl, "chunk_index"));
        h->offset_sec = json_number_value(json_object_get(pl, "offset_sec"));
        h->score = (float)json_number_value(json_object_get(p, "score"));
    }
    json_decref(r);
    return rc;
}

static ai_err_t qdrant_query(void *impl, const float *vecs, size_t nq, int dim, size_t k,
                             deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                             ai_error_t *err)
{
    ai_err_t rc = AI_OK;
    for (size_t i = 0; rc == AI_OK && i < nq; i++)
        rc =
            query_one(impl, vecs + i * (size_t)dim, dim, k, deadline, hits + i * k, &nhits[i], err);
    return rc;
}

static ai_err_t qdrant_count(void *impl, uint64_t *n, ai_error_t *err)
{
    qdrant_t *q = impl;
    json_t *body = json_pack("{s:b}", "exact", 1), *r = NULL;
    ai_err_t rc = call(q, "POST", "/points/count", body, 0, &r, err);
    *n = r ? (uint64_t)json_integer_value(json_object_get(r, "count")) : 0;
    json_decref(body);
    json_decref(r);
    return rc;
}

static ai_err_t qdrant_drop(void *impl, ai_error_t *err)
{
    json_t *r = NULL;
    ai_err_t rc = call(impl, "DELETE", "", NULL, 0, &r, err);
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
