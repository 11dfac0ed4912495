/* Token buckets in a fixed open-addressing table. */
#include "http/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE      8
#define CLIENT_MAX 64

typedef struct {
    char client[CLIENT_MAX];
    double tokens, last_s;
} bucket_t;

struct ratelimit {
    pthread_mutex_t mu;
    double capacity, per_s;
    bucket_t slot[RATELIMIT_SLOTS];
};

ratelimit_t *ratelimit_create(long long per_min)
{
    ratelimit_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->capacity = (double)per_min;
    r->per_s = (double)per_min / 60.0;
    return r;
}

void ratelimit_destroy(ratelimit_t *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void refill(const ratelimit_t *r, bucket_t *b, double now_s)
{
    b->tokens = fmin(r->capacity, b->tokens + (now_s - b->last_s) * r->per_s);
    b->last_s = now_s;
}

/* The client's bucket, or a reused slot: an empty one first, then an idle
 * one (its bucket would be full again), then the least recently seen. */
static bucket_t *bucket_for(ratelimit_t *r, const char *client, double now_s)
{
    uint32_t h = hash_str(client);
    bucket_t *victim = NULL;
    int victim_rank = -1; /* 2 empty, 1 idle, 0 busy */
    for (int i = 0; i < PROBE; i++) {
        bucket_t *b = &r->slot[(h + (uint32_t)i) % RATELIMIT_SLOTS];
        if (b->client[0] && strcmp(b->client, client) == 0)
            return b;
        int rank = !b->client[0]                                               ? 2
                   : b->tokens + (now_s - b->last_s) * r->per_s >= r->capacity ? 1
                                                                               : 0;
        if (rank > victim_rank || (rank == victim_rank && b->last_s < victim->last_s)) {
            victim = b;
            victim_rank = rank;
        }
    }
    snprintf(victim->client, sizeof victim->client, "%s", client);
    victim->tokens = r->capacity;
    victim->last_s = now_s;
    return victim;
}

int ratelimit_take(ratelimit_t *r, const char *client, double now_s, int *retry_after_s)
{
    *retry_after_s = 0;
    if (!r || r->capacity <= 0)
        return 1;
    pthread_mutex_lock(&r->mu);
    bucket_t *b = bucket_for(r, client ? client : "", now_s);
    refill(r, b, now_s);
    int ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else
        *retry_after_s = (int)ceil((1.0 - b->tokens) / r->per_s);
    pthread_mutex_unlock(&r->mu);
    if (!ok && *retry_after_s < 1)
        *retry_after_s = 1;
    return ok;
}
