/* In-process Qdrant stand-in on libmicrohttpd + jansson (tests only). */
#include "qdrant_standin.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 20000

typedef struct {
    char id[40];
    float *vec;
    json_t *payload;
} point_t;

struct qdrant_standin {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu;
    int fail_next, requests;
    char api_key[256];
    char collection[256]; /* "" = none */
    int dim;
    point_t pts[MAX_POINTS];
    int npts;
};

typedef struct {
    char *buf;
    size_t len;
} body_t;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result ok_result(struct MHD_Connection *c, json_t *result)
{
    return reply(c, 200,
                 json_pack("{s:o,s:s,s:f}", "result", result, "status", "ok", "time", 0.001));
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return reply(c, status, json_pack("{s:{s:s},s:f}", "status", "error", msg, "time", 0.001));
}

static void drop_points(qdrant_standin_t *s)
{
    for (int i = 0; i < s->npts; i++) {
        free(s->pts[i].vec);
        json_decref(s->pts[i].payload);
    }
    s->npts = 0;
}

static void remove_point(qdrant_standin_t *s, int i)
{
    free(s->pts[i].vec);
    json_decref(s->pts[i].payload);
    s->pts[i] = s->pts[--s->npts];
}

static enum MHD_Result upsert(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    size_t i;
    json_t *p;
    json_t *points = json_object_get(body, "points");
    if (!json_is_array(points))
        return error(c, 400, "Format error in JSON body: missing field `points`");
    json_array_foreach(points, i, p)
    {
        json_t *v = json_object_get(p, "vector");
        if ((int)json_array_size(v) != s->dim)
            return error(c, 400, "Wrong input: Vector dimension error");
    }
    json_array_foreach(points, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        int k = 0;
        while (k < s->npts && strcmp(s->pts[k].id, id) != 0)
            k++;
        if (k == s->npts) {
            if (s->npts == MAX_POINTS)
                return error(c, 500, "stand-in full");
            s->npts++;
        } else {
            free(s->pts[k].vec);
            json_decref(s->pts[k].payload);
        }
        snprintf(s->pts[k].id, sizeof s->pts[k].id, "%s", id);
        s->pts[k].vec = malloc((size_t)s->dim * sizeof(float));
        for (int d = 0; d < s->dim; d++)
            s->pts[k].vec[d] =
                (float)json_number_value(json_array_get(json_object_get(p, "vector"), (size_t)d));
        s->pts[k].payload = json_incref(json_object_get(p, "payload"));
    }
    return ok_result(c, json_pack("{s:i,s:s}", "operation_id", 1, "status", "completed"));
}

static int by_score(const void *a, const void *b)
{
    double x = json_number_value(json_object_get(*(json_t *const *)a, "score"));
    double y = json_number_value(json_object_get(*(json_t *const *)b, "score"));
    return (x < y) - (x > y);
}

static enum MHD_Result search(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    json_t *v = json_object_get(body, "vector");
    size_t limit = (size_t)json_integer_value(json_object_get(body, "limit"));
    if ((int)json_array_size(v) != s->dim || limit == 0)
        return error(c, 400, "Wrong input: Vector dimension error");
    json_t **all = calloc((size_t)s->npts + 1, sizeof *all);
    for (int i = 0; i < s->npts; i++) {
        double dot = 0, na = 0, nb = 0;
        for (int d = 0; d < s->dim; d++) {
            double a = json_number_value(json_array_get(v, (size_t)d)), b = s->pts[i].vec[d];
            dot += a * b;
            na += a * a;
            nb += b * b;
        }
        double score = na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
        all[i] = json_pack("{s:s,s:i,s:f,s:O}", "id", s->pts[i].id, "version", 0, "score", score,
                           "payload", s->pts[i].payload);
    }
    qsort(all, (size_t)s->npts, sizeof *all, by_score);
    json_t *res = json_array();
    for (int i = 0; i < s->npts; i++) {
        if ((size_t)i < limit)
            json_array_append(res, all[i]);
        json_decref(all[i]);
    }
    free(all);
    return ok_result(c, res);
}

static enum MHD_Result delete_points(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    json_t *cond = json_array_get(json_object_get(json_object_get(body, "filter"), "must"), 0);
    const char *key = json_string_value(json_object_get(cond, "key"));
    const char *val = json_string_value(json_object_get(json_object_get(cond, "match"), "value"));
    if (!key || !val)
        return error(c, 400, "Format error in JSON body: bad filter");
    for (int i = s->npts - 1; i >= 0; i--) {
        const char *have = json_string_value(json_object_get(s->pts[i].payload, key));
        if (have && strcmp(have, val) == 0)
            remove_point(s, i);
    }
    return ok_result(c, json_pack("{s:i,s:s}", "operation_id", 2, "status", "completed"));
}

static enum MHD_Result route(qdrant_standin_t *s, struct MHD_Connection *c, const char *method,
                             const char *url, json_t *body)
{
    char name[256] = "", rest[256] = "";
    if (sscanf(url, "/collections/%255[^/]%255s", name, rest) < 1)
        return error(c, 404, "Not found");
    int exists = s->collection[0] && strcmp(name, s->collection) == 0;
    if (!rest[0] && strcmp(method, "PUT") == 0) {
        if (exists)
            return error(c, 409, "Wrong input: Collection already exists!");
        json_t *size = json_object_get(json_object_get(body, "vectors"), "size");
        if (!json_is_integer(size))
            return error(c, 400, "Format error in JSON body");
        snprintf(s->collection, sizeof s->collection, "%s", name);
        s->dim = (int)json_integer_value(size);
        return ok_result(c, json_true());
    }
    if (!exists)
        return strcmp(method, "DELETE") == 0
                   ? ok_result(c, json_false())
                   : error(c, 404, "Not found: Collection doesn't exist!");
    if (!rest[0] && strcmp(method, "GET") == 0)
        return ok_result(c, json_pack("{s:s,s:i,s:{s:{s:{s:i,s:s}}}}", "status", "green",
                                      "points_count", s->npts, "config", "params", "vectors",
                                      "size", s->dim, "distance", "Cosine"));
    if (!rest[0] && strcmp(method, "DELETE") == 0) {
        drop_points(s);
        s->collection[0] = '\0';
        return ok_result(c, json_true());
    }
    if (strcmp(rest, "/points") == 0 && strcmp(method, "PUT") == 0)
        return upsert(s, c, body);
    if (strcmp(rest, "/points/search") == 0 && strcmp(method, "POST") == 0)
        return search(s, c, body);
    if (strcmp(rest, "/points/delete") == 0 && strcmp(method, "POST") == 0)
        return delete_points(s, c, body);
    if (strcmp(rest, "/points/count") == 0 && strcmp(method, "POST") == 0)
        return ok_result(c, json_pack("{s:i}", "count", s->npts));
    return error(c, 404, "Not found");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con)
{
    (void)version;
    qdrant_standin_t *s = cls;
    body_t *b = *con;
    if (!b) {
        *con = calloc(1, sizeof *b);
        return *con ? MHD_YES : MHD_NO;
    }
    if (*size) {
        b->buf = realloc(b->buf, b->len + *size + 1);
        memcpy(b->buf + b->len, data, *size);
        b->len += *size;
        b->buf[b->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->mu);
    s->requests++;
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "api-key");
    snprintf(s->api_key, sizeof s->api_key, "%s", key ? key : "");
    enum MHD_Result r;
    if (s->fail_next > 0) {
        s->fail_next--;
        r = error(c, 500, "Service internal error: injected failure");
    } else {
        json_error_t je;
        json_t *body = b->len ? json_loadb(b->buf, b->len, 0, &je) : NULL;
        r = b->len && !body ? error(c, 400, "Format error in JSON body")
                            : route(s, c, method, url, body);
        json_decref(body);
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con,
                    enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    body_t *b = *con;
    if (b) {
        free(b->buf);
        free(b);
    }
    *con = NULL;
}

qdrant_standin_t *qdrant_standin_start(void)
{
    qdrant_standin_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return NULL;
    }
    s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return s;
}

unsigned qdrant_standin_port(const qdrant_standin_t *s)
{
    return s->port;
}

void qdrant_standin_fail_next(qdrant_standin_t *s, int n)
{
    pthread_mutex_lock(&s->mu);
    s->fail_next = n;
    pthread_mutex_unlock(&s->mu);
}

int qdrant_standin_requests(const qdrant_standin_t *s)
{
    return s->requests;
}

const char *qdrant_standin_last_api_key(const qdrant_standin_t *s)
{
    return s->api_key;
}

void qdrant_standin_stop(qdrant_standin_t *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    drop_points(s);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
