/*
 * qdrant_standin.h — an in-process stand-in for the Qdrant REST endpoints
 * audio-ident uses (see src/vecstore/qdrant.c), for tests: real HTTP on a
 * loopback port, real Qdrant response shapes ({"result","status","time"} and
 * {"status":{"error"}}), cosine scoring, points kept in memory.
 */
#ifndef AI_TEST_QDRANT_STANDIN_H
#define AI_TEST_QDRANT_STANDIN_H

typedef struct qdrant_standin qdrant_standin_t;

/* NULL when it cannot listen. */
qdrant_standin_t *qdrant_standin_start(void);
unsigned qdrant_standin_port(const qdrant_standin_t *s);
/* The next n requests answer 500. */
void qdrant_standin_fail_next(qdrant_standin_t *s, int n);
/* Requests served so far, and the api-key header of the last one ("" if none). */
int qdrant_standin_requests(const qdrant_standin_t *s);
const char *qdrant_standin_last_api_key(const qdrant_standin_t *s);
void qdrant_standin_stop(qdrant_standin_t *s);

#endif
