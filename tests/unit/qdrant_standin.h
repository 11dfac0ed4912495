/*
 * qdrant_standin.h — an in-process stand-in for the Qdrant REST endpoints
 * audio-ident uses (see src/vecstore/qdrant.c), for tests: real HTTP on a
 * loopback port, real Qdrant response shapes ({"result","status","time"} and
 * {"status":{"error"}}), cosine scoring, points kept in memory.
 *
 * It is as strict as Qdrant's OpenAPI spec (docs/redoc/master/openapi.json)
 * where the client depends on it, so that a client regression fails a test:
 *   - an unknown route answers 404 with an empty body; a missing collection
 *     answers 404 with {"status":{"error":"Not found: Collection `c` doesn't
 *     exist!"}}; creating an existing collection answers 409;
 *   - point ids must be unsigned integers or UUID strings; `distance` must be
 *     one of Cosine, Euclid, Dot, Manhattan (exact spelling);
 *   - `with_payload` defaults to false (no payload unless asked for);
 *   - POST /points/query and /points/query/batch exist; the deprecated
 *     /points/search exists only in legacy mode (a Qdrant before 1.10, which
 *     has no Query API);
 *   - filters (`must` of key/match.value) are applied; filtering on a payload
 *     field without a payload index is refused, as in strict mode;
 *   - when an API key is set, a request without that `api-key` header gets 401.
 * Thread-safety: requests are served one at a time under a mutex.
 */
#ifndef AI_TEST_QDRANT_STANDIN_H
#define AI_TEST_QDRANT_STANDIN_H

typedef struct qdrant_standin qdrant_standin_t;

/* NULL when it cannot listen. */
qdrant_standin_t *qdrant_standin_start(void);
unsigned qdrant_standin_port(const qdrant_standin_t *s);
/* The next n requests answer 500. */
void qdrant_standin_fail_next(qdrant_standin_t *s, int n);
/* The api-key header of the last request ("" if none). */
const char *qdrant_standin_last_api_key(const qdrant_standin_t *s);
/* Requests whose path ended in `suffix` (e.g. "/points/query/batch"). */
int qdrant_standin_route_hits(qdrant_standin_t *s, const char *suffix);
/* Enforces an api-key ("" = none, the default). */
void qdrant_standin_require_key(qdrant_standin_t *s, const char *key);
/* legacy = 1: behaves like Qdrant before 1.10 (no Query API, /points/search). */
void qdrant_standin_legacy(qdrant_standin_t *s, int legacy);
/* The next collection create finds that another process has just created
 * it (with dim / distance) and answers 409. */
void qdrant_standin_race_next_create(qdrant_standin_t *s, int dim, const char *distance);
/* Creates a collection directly (as another tool would). */
void qdrant_standin_create(qdrant_standin_t *s, const char *name, int dim, const char *distance);
/* 1 when `field` of the current collection has a payload index. */
int qdrant_standin_indexed(qdrant_standin_t *s, const char *field);
void qdrant_standin_stop(qdrant_standin_t *s);

#endif
