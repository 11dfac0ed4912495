/* Fixed-size metric tables behind one mutex. */
#include "http/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const double bucket_le_s[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS     (sizeof bucket_le_s / sizeof bucket_le_s[0])
#define MAX_STATUSES 24

typedef struct {
    unsigned long long bucket[NBUCKETS], count;
    double sum_s;
} histogram_t;

typedef struct {
    const char *name;
    int status[MAX_STATUSES];
    unsigned long long status_count[MAX_STATUSES];
    histogram_t h;
} route_stats_t;

typedef struct {
    const char *name;
    unsigned long long outcome[AI_ERR__COUNT];
    histogram_t h;
} lane_stats_t;

struct metrics {
    pthread_mutex_t mu;
    route_stats_t route[METRICS_MAX_ROUTES + 1]; /* the last one is "other" */
    lane_stats_t lane[METRICS_MAX_LANES + 1];
};

metrics_t *metrics_create(void)
{
    metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    m->route[METRICS_MAX_ROUTES].name = "other";
    m->lane[METRICS_MAX_LANES].name = "other";
    return m;
}

void metrics_destroy(metrics_t *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static void observe(histogram_t *h, double ms)
{
    double s = ms / 1000.0;
    for (size_t i = 0; i < NBUCKETS; i++)
        if (s <= bucket_le_s[i])
            h->bucket[i]++;
    h->count++;
    h->sum_s += s;
}

/* Index of name in a table of names, claiming a free entry; `max` (the
 * "other" entry) when the table is full. */
static size_t slot_index(const char **names, size_t stride, size_t max, const char *nm)
{
    size_t i = 0;
    for (; i < max; i++) {
        const char **slot = (const char **)((const char *)names + i * stride);
        if (!*slot)
            *slot = nm;
        if (strcmp(*slot, nm) == 0)
            break;
    }
    return i;
}

void metrics_request(metrics_t *m, const char *route, int status, double ms)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    route_stats_t *r =
        &m->route[slot_index(&m->route[0].name, sizeof m->route[0], METRICS_MAX_ROUTES, route)];
    size_t k = 0;
    while (k < MAX_STATUSES - 1 && r->status[k] && r->status[k] != status)
        k++;
    r->status[k] = r->status[k] ? r->status[k] : status;
    r->status_count[k]++;
    observe(&r->h, ms);
    pthread_mutex_unlock(&m->mu);
}

void metrics_lane(metrics_t *m, const char *lane, ai_err_t outcome, double ms)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    lane_stats_t *l =
        &m->lane[slot_index(&m->lane[0].name, sizeof m->lane[0], METRICS_MAX_LANES, lane)];
    if ((unsigned)outcome < AI_ERR__COUNT)
        l->outcome[outcome]++;
    observe(&l->h, ms);
    pthread_mutex_unlock(&m->mu);
}

static void render_histogram(strbuf_t *out, const char *family, const char *label,
                             const char *value, const histogram_t *h)
{
    for (size_t i = 0; i < NBUCKETS; i++)
        strbuf_printf(out, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", family, label, value,
                      bucket_le_s[i], h->bucket[i]);
    strbuf_printf(out, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", family, label, value, h->count);
    strbuf_printf(out, "%s_sum{%s=\"%s\"} %.6f\n", family, label, value, h->sum_s);
    strbuf_printf(out, "%s_count{%s=\"%s\"} %llu\n", family, label, value, h->count);
}

void metrics_render(metrics_t *m, strbuf_t *out)
{
    pthread_mutex_lock(&m->mu);
    strbuf_append(out, "# HELP audio_ident_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE audio_ident_http_requests_total counter\n");
    for (size_t i = 0; i <= METRICS_MAX_ROUTES; i++)
        for (size_t k = 0; m->route[i].name && k < MAX_STATUSES && m->route[i].status[k]; k++)
            strbuf_printf(out, "audio_ident_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                          m->route[i].name, m->route[i].status[k], m->route[i].status_count[k]);
    strbuf_append(out, "# HELP audio_ident_http_request_duration_seconds Request latency by "
                       "route.\n# TYPE audio_ident_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= METRICS_MAX_ROUTES; i++)
        if (m->route[i].h.count)
            render_histogram(out, "audio_ident_http_request_duration_seconds", "route",
                             m->route[i].name, &m->route[i].h);
    strbuf_append(out, "# HELP audio_ident_search_lane_total Search lane runs by outcome.\n"
                       "# TYPE audio_ident_search_lane_total counter\n");
    for (size_t i = 0; i <= METRICS_MAX_LANES; i++)
        for (int c = 0; m->lane[i].name && c < AI_ERR__COUNT; c++)
            if (m->lane[i].outcome[c])
                strbuf_printf(out,
                              "audio_ident_search_lane_total{lane=\"%s\",outcome=\"%s\"} %llu\n",
                              m->lane[i].name, c == AI_OK ? "ok" : ai_err_name((ai_err_t)c),
                              m->lane[i].outcome[c]);
    strbuf_append(out, "# HELP audio_ident_search_lane_duration_seconds Search lane latency.\n"
                       "# TYPE audio_ident_search_lane_duration_seconds histogram\n");
    for (size_t i = 0; i <= METRICS_MAX_LANES; i++)
        if (m->lane[i].h.count)
            render_histogram(out, "audio_ident_search_lane_duration_seconds", "lane",
                             m->lane[i].name, &m->lane[i].h);
    pthread_mutex_unlock(&m->mu);
}

void metrics_gauge(strbuf_t *out, const char *name, const char *help, const char *labels,
                   double value)
{
    strbuf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s%s%s%s %.17g\n", name, help, name, name,
                  labels ? "{" : "", labels ? labels : "", labels ? "}" : "", value);
}
