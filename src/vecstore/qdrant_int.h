/* Internal to the Qdrant backend: the client state and one REST exchange
 * (qdrant_http.c, the only file that includes curl). */
#ifndef AI_VECSTORE_QDRANT_INT_H
#define AI_VECSTORE_QDRANT_INT_H

#include "vecstore/vecstore_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#define QDRANT_POOL_MAX 8

typedef struct {
    char base[CONFIG_STR_MAX];
    char shown[CONFIG_STR_MAX]; /* URL with the password masked */
    char collection[CONFIG_STR_MAX];
    char api_key_header[CONFIG_STR_MAX + 16];
    pthread_mutex_t mu; /* guards pool / npool */
    void *pool[QDRANT_POOL_MAX];
    int npool;
    atomic_int legacy_search; /* the server has no Query API (Qdrant < 1.10) */
} qdrant_t;

/* What a 404 meant: Qdrant answers a missing collection with a status-error
 * body ({"status":{"error":"Not found: Collection `c` doesn't exist!"}}) and
 * a route it does not have with an empty body. */
typedef enum { QD_FOUND = 0, QD_NO_COLLECTION, QD_NO_ROUTE } qd_found_t;

/* Flags of qdrant_call. */
#define QD_ALLOW_409 1 /* a 409 Conflict is returned to the caller (*status) */

/* method /collections/{collection}{suffix} with an optional JSON body.
 * On AI_OK: *found says whether a 404 came back (then *result is NULL),
 * *status is the HTTP status and *result the answer's "result" member (new
 * reference; NULL for 404/409). Every other non-2xx answer is an error whose
 * message carries Qdrant's status.error text: 401/403 (API key) and 5xx
 * after the retries are SERVICE_UNAVAILABLE, other 4xx INTERNAL_ERROR. */
ai_err_t qdrant_call(qdrant_t *q, const char *method, const char *suffix, json_t *body, int flags,
                     deadline_t deadline, json_t **result, qd_found_t *found, long *status,
                     ai_error_t *err);
void qdrant_http_init(void);
void qdrant_pool_release(qdrant_t *q);

#endif
