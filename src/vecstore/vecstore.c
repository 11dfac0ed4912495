/* Backend choice and the parts every backend shares. */
#include "vecstore/vecstore_int.h"
#include "base/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vecstore {
    const vecstore_ops_t *ops;
    void *impl;
    char location[CONFIG_STR_MAX + 32];
};

ai_err_t vecstore_open(const config_t *cfg, vecstore_t **out, ai_error_t *err)
{
    *out = NULL;
    vecstore_t *vs = calloc(1, sizeof *vs);
    if (!vs)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    ai_err_t rc;
    if (cfg->qdrant_url[0]) {
        vs->ops = &vecstore_qdrant_ops;
        char url[CONFIG_STR_MAX];
        config_redact_url(cfg->qdrant_url, url, sizeof url);
        snprintf(vs->location, sizeof vs->location, "%s (collection %s)", url,
                 cfg->qdrant_collection);
        rc = vecstore_qdrant_open(cfg, &vs->impl, err);
    } else {
        vs->ops = &vecstore_flat_ops;
        snprintf(vs->location, sizeof vs->location, "%s/vectors", cfg->data_dir);
        rc = vecstore_flat_open(vs->location, &vs->impl, err);
    }
    if (rc != AI_OK) {
        free(vs);
        return rc;
    }
    *out = vs;
    return AI_OK;
}

void vecstore_close(vecstore_t *vs)
{
    if (!vs)
        return;
    vs->ops->close(vs->impl);
    free(vs);
}

const char *vecstore_backend(const vecstore_t *vs)
{
    return vs->ops->name;
}

const char *vecstore_location(const vecstore_t *vs)
{
    return vs->location;
}

static int bad_dim(int dim)
{
    return dim <= 0 || dim > VECSTORE_MAX_DIM;
}

ai_err_t vecstore_ensure(vecstore_t *vs, int dim, ai_error_t *err)
{
    if (bad_dim(dim))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "vector dimension %d out of range", dim);
    return vs->ops->ensure(vs->impl, dim, err);
}

ai_err_t vecstore_dim(vecstore_t *vs, int *dim, ai_error_t *err)
{
    return vs->ops->dim(vs->impl, dim, err);
}

ai_err_t vecstore_upsert(vecstore_t *vs, const float *vecs, size_t n, int dim,
                         const vecstore_chunk_t *chunks, ai_error_t *err)
{
    if (bad_dim(dim) || (n && (!vecs || !chunks)))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "bad vectors");
    for (size_t i = 0; i < n; i++)
        if (!chunks[i].track_id || !uuid_valid(chunks[i].track_id))
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "chunk %zu has no track UUID", i);
    return n ? vs->ops->upsert(vs->impl, vecs, n, dim, chunks, err) : AI_OK;
}

ai_err_t vecstore_delete_track(vecstore_t *vs, const char *track_id, ai_error_t *err)
{
    if (!track_id || !uuid_valid(track_id))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "track id must be a UUID");
    return vs->ops->delete_track(vs->impl, track_id, err);
}

ai_err_t vecstore_query_many(vecstore_t *vs, const float *vecs, size_t nq, int dim, size_t k,
                             deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                             ai_error_t *err)
{
    for (size_t q = 0; q < nq && q < VECSTORE_MAX_QUERIES; q++)
        nhits[q] = 0;
    if (bad_dim(dim) || !vecs || nq == 0 || nq > VECSTORE_MAX_QUERIES || k == 0 ||
        k > VECSTORE_MAX_K)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "bad query");
    return vs->ops->query(vs->impl, vecs, nq, dim, k, deadline, hits, nhits, err);
}

ai_err_t vecstore_query(vecstore_t *vs, const float *vec, int dim, size_t k, deadline_t deadline,
                        vecstore_hit_t *hits, size_t *nhits, ai_error_t *err)
{
    return vecstore_query_many(vs, vec, 1, dim, k, deadline, hits, nhits, err);
}

ai_err_t vecstore_count(vecstore_t *vs, uint64_t *n, ai_error_t *err)
{
    return vs->ops->count(vs->impl, n, err);
}

ai_err_t vecstore_drop(vecstore_t *vs, ai_error_t *err)
{
    return vs->ops->drop(vs->impl, err);
}

void vecstore_point_id(const char *track_id, int chunk, char out[37])
{
    char name[64];
    int n = snprintf(name, sizeof name, "%s/%d", track_id, chunk);
    if (uuid_from_name("audio-ident/vector", name, (size_t)n, out) != AI_OK)
        snprintf(out, 37, "00000000-0000-4000-8000-000000000000");
}

/* ---- top-k: a min-heap on score, the worst kept hit at the root */

static int worse(const vecstore_hit_t *a, const vecstore_hit_t *b)
{
    return a->score < b->score;
}

static void sift_down(vecstore_hit_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m]))
            m = l;
        if (r < n && worse(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        vecstore_hit_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

void vecstore_topk_offer(vecstore_hit_t *hits, size_t k, size_t *n, const vecstore_hit_t *h)
{
    if (*n < k) {
        size_t i = (*n)++;
        hits[i] = *h;
        while (i > 0 && worse(&hits[i], &hits[(i - 1) / 2])) {
            vecstore_hit_t t = hits[i];
            hits[i] = hits[(i - 1) / 2];
            hits[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (worse(&hits[0], h)) {
        hits[0] = *h;
        sift_down(hits, k, 0);
    }
}

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const vecstore_hit_t *)a)->score, y = ((const vecstore_hit_t *)b)->score;
    return (x < y) - (x > y);
}

void vecstore_topk_sort(vecstore_hit_t *hits, size_t n)
{
    qsort(hits, n, sizeof *hits, by_score_desc);
}
