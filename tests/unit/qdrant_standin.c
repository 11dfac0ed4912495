/* In-process Qdrant stand-in on libmicrohttpd + jansson (tests only); the
 * rules it enforces are listed in qdrant_standin.h. */
#include "qdrant_standin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 20000
#define MAX_ROUTES 16
#define MAX_FIELDS 8

typedef struct {
    char id[40];
    float *vec;
    json_t *payload;
} point_t;

struct qdrant_standin {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu;
    int fail_next, legacy;
    char api_key[256], required_key[256];
    char collection[256]; /* "" = none */
    char distance[16];
    int dim;
    int race_dim;
    char race_distance[16];
    char indexed[MAX_FIELDS][64];
    int nindexed;
    struct {
        char suffix[64];
        int hits;
    } routes[MAX_ROUTES];
    int nroutes;
    point_t pts[MAX_POINTS];
    int npts;
};

typedef struct {
    char *buf;
    size_t len;
} body_t;

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r)
        return MHD_NO;
    if (text[0])
        MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text ? send_text(c, status, text) : MHD_NO;
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

/* What actix answers for a route it does not have: 404, empty body. */
static enum MHD_Result no_route(struct MHD_Connection *c)
{
    char *empty = calloc(1, 1);
    return empty ? send_text(c, 404, empty) : MHD_NO;
}

static void set_collection(qdrant_standin_t *s, const char *name, int dim, const char *distance);

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

static int valid_distance(const char *d)
{
    static const char *const names[] = {"Cosine", "Euclid", "Dot", "Manhattan"};
    for (size_t i = 0; d && i < sizeof names / sizeof *names; i++)
        if (strcmp(d, names[i]) == 0)
            return 1;
    return 0;
}

/* ExtendedPointId: an unsigned integer or a UUID string (hyphenated form). */
static int valid_point_id(const json_t *id, char out[40])
{
    if (json_is_integer(id) && json_integer_value(id) >= 0) {
        snprintf(out, 40, "%lld", (long long)json_integer_value(id));
        return 1;
    }
    const char *s = json_string_value(id);
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    snprintf(out, 40, "%s", s);
    return 1;
}

static int is_indexed(const qdrant_standin_t *s, const char *field)
{
    for (int i = 0; i < s->nindexed; i++)
        if (strcmp(s->indexed[i], field) == 0)
            return 1;
    return 0;
}

/* A filter of `must` conditions {"key","match":{"value"}}: 1 = matches,
 * 0 = does not, -1 = malformed (*why says how). */
static int filter_matches(const qdrant_standin_t *s, const json_t *filter, const json_t *payload,
                          const char **why)
{
    if (!filter || json_is_null(filter))
        return 1;
    json_t *must = json_object_get(filter, "must");
    if (!json_is_array(must) || json_object_size(filter) != 1) {
        *why = "Format error in JSON body: unsupported filter";
        return -1;
    }
    size_t i;
    json_t *cond;
    json_array_foreach(must, i, cond)
    {
        const char *key = json_string_value(json_object_get(cond, "key"));
        json_t *val = json_object_get(json_object_get(cond, "match"), "value");
        if (!key || !val) {
            *why = "Format error in JSON body: bad field condition";
            return -1;
        }
        if (!is_indexed(s, key)) {
            *why = "Bad request: Index required but not found for the filtered field";
            return -1;
        }
        if (!json_equal(json_object_get(payload, key), val))
            return 0;
    }
    return 1;
}

static enum MHD_Result create(qdrant_standin_t *s, struct MHD_Connection *c, const char *name,
                              json_t *body)
{
    json_t *vectors = json_object_get(body, "vectors");
    json_t *size = json_object_get(vectors, "size");
    const char *dist = json_string_value(json_object_get(vectors, "distance"));
    if (!json_is_integer(size) || json_integer_value(size) < 1)
        return error(c, 400, "Format error in JSON body: vectors.size must be an integer >= 1");
    if (!valid_distance(dist))
        return error(c, 400,
                     "Format error in JSON body: unknown variant of distance, expected one of "
                     "`Cosine`, `Euclid`, `Dot`, `Manhattan`");
    if (s->race_dim) {
        set_collection(s, name, s->race_dim, s->race_distance);
        s->race_dim = 0;
        return error(c, 409, "Wrong input: Collection already exists!");
    }
    set_collection(s, name, (int)json_integer_value(size), dist);
    return ok_result(c, json_true());
}

static enum MHD_Result create_index(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    const char *field = json_string_value(json_object_get(body, "field_name"));
    const char *schema = json_string_value(json_object_get(body, "field_schema"));
    static const char *const types[] = {"keyword", "integer", "float", "geo",
                                        "text",    "bool",    "datetime", "uuid"};
    int known = 0;
    for (size_t i = 0; schema && i < sizeof types / sizeof *types; i++)
        known |= strcmp(schema, types[i]) == 0;
    if (!field || !known)
        return error(c, 400, "Format error in JSON body: field_name and field_schema needed");
    if (!is_indexed(s, field) && s->nindexed < MAX_FIELDS)
        snprintf(s->indexed[s->nindexed++], sizeof s->indexed[0], "%s", field);
    return ok_result(c, json_pack("{s:i,s:s}", "operation_id", 3, "status", "completed"));
}

static enum MHD_Result upsert(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    size_t i;
    json_t *p;
    json_t *points = json_object_get(body, "points");
    char id[40];
    if (!json_is_array(points))
        return error(c, 400, "Format error in JSON body: missing field `points`");
    json_array_foreach(points, i, p)
    {
        if (!valid_point_id(json_object_get(p, "id"), id))
            return error(c, 400, "Format error in JSON body: data did not match any variant of "
                                 "untagged enum ExtendedPointId");
        if ((int)json_array_size(json_object_get(p, "vector")) != s->dim)
            return error(c, 400, "Wrong input: Vector dimension error");
    }
    json_array_foreach(points, i, p)
    {
        valid_point_id(json_object_get(p, "id"), id);
        int k = 0;
        while (k < s->npts && strcmp(s->pts[k].id, id) != 0)
            k++;
        float *vec = malloc((size_t)s->dim * sizeof(float));
        if (!vec || (k == s->npts && s->npts == MAX_POINTS)) {
            free(vec);
            return error(c, 500, "stand-in full");
        }
        if (k == s->npts)
            s->npts++;
        else {
            free(s->pts[k].vec);
            json_decref(s->pts[k].payload);
        }
        snprintf(s->pts[k].id, sizeof s->pts[k].id, "%s", id);
        for (int d = 0; d < s->dim; d++)
            vec[d] =
                (float)json_number_value(json_array_get(json_object_get(p, "vector"), (size_t)d));
        s->pts[k].vec = vec;
        json_t *pl = json_object_get(p, "payload");
        s->pts[k].payload = pl ? json_incref(pl) : json_object();
    }
    return ok_result(c, json_pack("{s:i,s:s}", "operation_id", 1, "status", "completed"));
}

/* The payload a scored point carries under `with_payload` (default false). */
static json_t *payload_for(const json_t *with, const json_t *payload)
{
    if (json_is_true(with))
        return json_incref((json_t *)payload);
    if (!json_is_array(with))
        return json_null();
    json_t *out = json_object();
    size_t i;
    json_t *key;
    json_array_foreach(with, i, key)
    {
        json_t *v = json_object_get(payload, json_string_value(key));
        if (v)
            json_object_set(out, json_string_value(key), v);
    }
    return out;
}

static int by_score(const void *a, const void *b)
{
    double x = json_number_value(json_object_get(*(json_t *const *)a, "score"));
    double y = json_number_value(json_object_get(*(json_t *const *)b, "score"));
    return (x < y) - (x > y);
}

/* Scores every point against vector v; NULL (and *why) on a bad request. */
static json_t *scored(qdrant_standin_t *s, const json_t *v, const json_t *limit_j,
                      const json_t *with, const json_t *filter, const char **why)
{
    size_t limit = limit_j ? (size_t)json_integer_value(limit_j) : 10;
    if ((int)json_array_size(v) != s->dim || (limit_j && !json_is_integer(limit_j)) || limit < 1) {
        *why = "Wrong input: Vector dimension error or limit < 1";
        return NULL;
    }
    json_t **all = calloc((size_t)s->npts + 1, sizeof *all);
    if (!all)
        return NULL;
    size_t n = 0;
    for (int i = 0; i < s->npts; i++) {
        int m = filter_matches(s, filter, s->pts[i].payload, why);
        if (m < 0) {
            for (size_t j = 0; j < n; j++)
                json_decref(all[j]);
            free(all);
            return NULL;
        }
        if (!m)
            continue;
        double dot = 0, na = 0, nb = 0;
        for (int d = 0; d < s->dim; d++) {
            double a = json_number_value(json_array_get(v, (size_t)d)), b = s->pts[i].vec[d];
            dot += a * b;
            na += a * a;
            nb += b * b;
        }
        double score = na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
        all[n++] = json_pack("{s:s,s:i,s:f,s:o}", "id", s->pts[i].id, "version", 0, "score",
                             score, "payload", payload_for(with, s->pts[i].payload));
    }
    qsort(all, n, sizeof *all, by_score);
    json_t *res = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i < limit)
            json_array_append(res, all[i]);
        json_decref(all[i]);
    }
    free(all);
    return res;
}

/* One QueryRequest: {"query":[floats],"limit","with_payload","filter"}. */
static json_t *query_one(qdrant_standin_t *s, const json_t *req, const char **why)
{
    static const char *const allowed[] = {"query", "limit", "with_payload", "filter",
                                          "with_vector", "params", "score_threshold"};
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)req, key, val)
    {
        int ok = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok) {
            *why = "Format error in JSON body: unknown field in QueryRequest";
            return NULL;
        }
    }
    json_t *q = json_object_get(req, "query");
    if (!json_is_array(q)) {
        *why = "Format error in JSON body: query must be a dense vector";
        return NULL;
    }
    json_t *pts = scored(s, q, json_object_get(req, "limit"), json_object_get(req, "with_payload"),
                         json_object_get(req, "filter"), why);
    return pts ? json_pack("{s:o}", "points", pts) : NULL;
}

static enum MHD_Result query(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body,
                             int batch)
{
    const char *why = "Service internal error: out of memory";
    if (!batch) {
        json_t *r = query_one(s, body, &why);
        return r ? ok_result(c, r) : error(c, 400, why);
    }
    json_t *searches = json_object_get(body, "searches");
    if (!json_is_array(searches))
        return error(c, 400, "Format error in JSON body: missing field `searches`");
    json_t *out = json_array();
    size_t i;
    json_t *req;
    json_array_foreach(searches, i, req)
    {
        json_t *r = query_one(s, req, &why);
        if (!r) {
            json_decref(out);
            return error(c, 400, why);
        }
        json_array_append_new(out, r);
    }
    return ok_result(c, out);
}

static enum MHD_Result search(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    const char *why = "Service internal error: out of memory";
    json_t *r = scored(s, json_object_get(body, "vector"), json_object_get(body, "limit"),
                       json_object_get(body, "with_payload"), json_object_get(body, "filter"),
                       &why);
    return r ? ok_result(c, r) : error(c, 400, why);
}

static enum MHD_Result delete_points(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    json_t *filter = json_object_get(body, "filter");
    const char *why = "Format error in JSON body: missing filter";
    if (!filter)
        return error(c, 400, why);
    for (int i = s->npts - 1; i >= 0; i--) {
        int m = filter_matches(s, filter, s->pts[i].payload, &why);
        if (m < 0)
            return error(c, 400, why);
        if (m)
            remove_point(s, i);
    }
    if (s->npts == 0 && filter_matches(s, filter, NULL, &why) < 0)
        return error(c, 400, why);
    return ok_result(c, json_pack("{s:i,s:s}", "operation_id", 2, "status", "completed"));
}

static json_t *collection_info(const qdrant_standin_t *s)
{
    json_t *schema = json_object();
    for (int i = 0; i < s->nindexed; i++)
        json_object_set_new(schema, s->indexed[i],
                            json_pack("{s:s,s:i}", "data_type", "keyword", "points", s->npts));
    return json_pack("{s:s,s:i,s:{s:{s:{s:i,s:s}}},s:o}", "status", "green", "points_count",
                     s->npts, "config", "params", "vectors", "size", s->dim, "distance",
                     s->distance, "payload_schema", schema);
}

static void count_route(qdrant_standin_t *s, const char *rest)
{
    char suffix[64];
    snprintf(suffix, sizeof suffix, "%s", rest);
    suffix[strcspn(suffix, "?")] = '\0';
    for (int i = 0; i < s->nroutes; i++)
        if (strcmp(s->routes[i].suffix, suffix) == 0) {
            s->routes[i].hits++;
            return;
        }
    if (s->nroutes < MAX_ROUTES) {
        snprintf(s->routes[s->nroutes].suffix, sizeof s->routes[0].suffix, "%s", suffix);
        s->routes[s->nroutes++].hits = 1;
    }
}

static enum MHD_Result route(qdrant_standin_t *s, struct MHD_Connection *c, const char *method,
                             const char *url, json_t *body)
{
    char name[256] = "", rest[256] = "";
    if (sscanf(url, "/collections/%255[^/?]%255s", name, rest) < 1)
        return no_route(c);
    count_route(s, rest);
    static const char *const known[] = {"",          "/points",         "/points/delete",
                                        "/points/count", "/points/query", "/points/query/batch",
                                        "/index",    "/points/search"};
    int route_ok = 0;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        route_ok |= strcmp(rest, known[i]) == 0;
    if (!route_ok || (s->legacy && strncmp(rest, "/points/query", 13) == 0) ||
        (!s->legacy && strcmp(rest, "/points/search") == 0))
        return no_route(c);
    int exists = s->collection[0] && strcmp(name, s->collection) == 0;
    if (!rest[0] && strcmp(method, "PUT") == 0)
        return exists ? error(c, 409, "Wrong input: Collection already exists!")
                      : create(s, c, name, body);
    if (!exists) {
        char msg[300];
        snprintf(msg, sizeof msg, "Not found: Collection `%s` doesn't exist!", name);
        return error(c, 404, msg);
    }
    if (!rest[0] && strcmp(method, "GET") == 0)
        return ok_result(c, collection_info(s));
    if (!rest[0] && strcmp(method, "DELETE") == 0) {
        drop_points(s);
        s->collection[0] = '\0';
        s->nindexed = 0;
        return ok_result(c, json_true());
    }
    if (strcmp(rest, "/points") == 0 && strcmp(method, "PUT") == 0)
        return upsert(s, c, body);
    if (strcmp(rest, "/index") == 0 && strcmp(method, "PUT") == 0)
        return create_index(s, c, body);
    if (strcmp(method, "POST") != 0)
        return no_route(c);
    if (strcmp(rest, "/points/query") == 0 || strcmp(rest, "/points/query/batch") == 0)
        return query(s, c, body, rest[13] == '/');
    if (strcmp(rest, "/points/search") == 0)
        return search(s, c, body);
    if (strcmp(rest, "/points/delete") == 0)
        return delete_points(s, c, body);
    return ok_result(c, json_pack("{s:i}", "count", s->npts)); /* /points/count */
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
        char *nb = realloc(b->buf, b->len + *size + 1);
        if (!nb)
            return MHD_NO;
        b->buf = nb;
        memcpy(b->buf + b->len, data, *size);
        b->len += *size;
        b->buf[b->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->mu);
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "api-key");
    snprintf(s->api_key, sizeof s->api_key, "%s", key ? key : "");
    enum MHD_Result r;
    if (s->fail_next > 0) {
        s->fail_next--;
        r = error(c, 500, "Service internal error: injected failure");
    } else if (s->required_key[0] && strcmp(s->api_key, s->required_key) != 0) {
        r = error(c, 401, "Must provide an API key or an Authorization bearer token");
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

const char *qdrant_standin_last_api_key(const qdrant_standin_t *s)
{
    return s->api_key;
}

int qdrant_standin_route_hits(qdrant_standin_t *s, const char *suffix)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nroutes; i++)
        if (strcmp(s->routes[i].suffix, suffix) == 0)
            n = s->routes[i].hits;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void qdrant_standin_require_key(qdrant_standin_t *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->required_key, sizeof s->required_key, "%s", key);
    pthread_mutex_unlock(&s->mu);
}

void qdrant_standin_legacy(qdrant_standin_t *s, int legacy)
{
    pthread_mutex_lock(&s->mu);
    s->legacy = legacy;
    pthread_mutex_unlock(&s->mu);
}

void qdrant_standin_race_next_create(qdrant_standin_t *s, int dim, const char *distance)
{
    pthread_mutex_lock(&s->mu);
    s->race_dim = dim;
    snprintf(s->race_distance, sizeof s->race_distance, "%s", distance);
    pthread_mutex_unlock(&s->mu);
}

void qdrant_standin_create(qdrant_standin_t *s, const char *name, int dim, const char *distance)
{
    pthread_mutex_lock(&s->mu);
    set_collection(s, name, dim, distance);
    pthread_mutex_unlock(&s->mu);
}

static void set_collection(qdrant_standin_t *s, const char *name, int dim, const char *distance)
{
    drop_points(s);
    snprintf(s->collection, sizeof s->collection, "%s", name);
    snprintf(s->distance, sizeof s->distance, "%s", distance);
    s->dim = dim;
    s->nindexed = 0;
}

int qdrant_standin_indexed(qdrant_standin_t *s, const char *field)
{
    pthread_mutex_lock(&s->mu);
    int r = is_indexed(s, field);
    pthread_mutex_unlock(&s->mu);
    return r;
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
