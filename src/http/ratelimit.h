/*
 * ratelimit.h — per-client token buckets (RATE_LIMIT_PER_MIN).
 *
 * Each client address has a bucket of `per_min` tokens refilled continuously
 * at per_min/60 tokens per second; a request takes one token.  The table has
 * a fixed number of slots: an idle client's slot (bucket full again) is
 * reused first, otherwise the least recently seen one, so memory stays
 * bounded whatever the number of clients.
 *
 * Lifecycle: create/destroy (destroy accepts NULL).  Thread-safe.
 */
#ifndef AI_HTTP_RATELIMIT_H
#define AI_HTTP_RATELIMIT_H

#define RATELIMIT_SLOTS 4096

typedef struct ratelimit ratelimit_t;

/* per_min 0 = no limit.  NULL on out of memory. */
ratelimit_t *ratelimit_create(long long per_min);
void ratelimit_destroy(ratelimit_t *r);

/* Takes a token for `client` at time now_s (monotonic seconds).  Returns 1
 * when allowed; 0 when limited, with *retry_after_s = whole seconds until
 * the next token. */
int ratelimit_take(ratelimit_t *r, const char *client, double now_s, int *retry_after_s);

#endif
