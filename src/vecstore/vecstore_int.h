/* Internal to vecstore: the backend operations table. */
#ifndef AI_VECSTORE_INT_H
#define AI_VECSTORE_INT_H

#include "vecstore/vecstore.h"

typedef struct {
    const char *name;
    void (*close)(void *impl);
    ai_err_t (*ensure)(void *impl, int dim, ai_error_t *err);
    ai_err_t (*dim)(void *impl, int *dim, ai_error_t *err);
    ai_err_t (*upsert)(void *impl, const float *vecs, size_t n, int dim,
                       const vecstore_chunk_t *chunks, ai_error_t *err);
    ai_err_t (*delete_track)(void *impl, const char *track_id, ai_error_t *err);
    /* nq query vectors (row-major); hits[q * k ...] and nhits[q] per query */
    ai_err_t (*query)(void *impl, const float *vecs, size_t nq, int dim, size_t k,
                      deadline_t deadline, vecstore_hit_t *hits, size_t *nhits, ai_error_t *err);
    ai_err_t (*count)(void *impl, uint64_t *n, ai_error_t *err);
    ai_err_t (*drop)(void *impl, ai_error_t *err);
} vecstore_ops_t;

/* Backend constructors: *impl and a location string for messages. */
ai_err_t vecstore_flat_open(const char *dir, void **impl, ai_error_t *err);
ai_err_t vecstore_qdrant_open(const config_t *cfg, void **impl, ai_error_t *err);
extern const vecstore_ops_t vecstore_flat_ops;
extern const vecstore_ops_t vecstore_qdrant_ops;

/* Keeps the k best hits (by score) as hits are offered one by one: a
 * min-heap of size k in hits[]. */
void vecstore_topk_offer(vecstore_hit_t *hits, size_t k, size_t *n, const vecstore_hit_t *h);
/* Sorts the heap best first. */
void vecstore_topk_sort(vecstore_hit_t *hits, size_t n);

#endif
