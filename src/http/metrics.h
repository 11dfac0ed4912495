/*
 * metrics.h — request and lane metrics in the Prometheus text format.
 *
 * Counters of requests by route and status, latency histograms per route
 * and per search lane, lane outcomes by error code.  Route and lane names
 * must be static strings (pointers are kept); at most METRICS_MAX_ROUTES
 * routes and METRICS_MAX_LANES lanes are tracked, later names are folded
 * into "other".
 *
 * Lifecycle: create/destroy (destroy accepts NULL).  Thread-safe.
 */
#ifndef AI_HTTP_METRICS_H
#define AI_HTTP_METRICS_H

#include "base/error.h"
#include "base/strbuf.h"

#define METRICS_MAX_ROUTES 24
#define METRICS_MAX_LANES  4

typedef struct metrics metrics_t;

metrics_t *metrics_create(void);
void metrics_destroy(metrics_t *m);

void metrics_request(metrics_t *m, const char *route, int status, double ms);
/* outcome AI_OK or the lane's error code. */
void metrics_lane(metrics_t *m, const char *lane, ai_err_t outcome, double ms);

/* Appends every series (with # HELP / # TYPE lines) to out. */
void metrics_render(metrics_t *m, strbuf_t *out);

/* Appends one gauge family with a single sample. */
void metrics_gauge(strbuf_t *out, const char *name, const char *help, const char *labels,
                   double value);

#endif
