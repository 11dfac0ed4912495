/* In-process Qdrant stand-in on libmicrohttpd + jansson (tests only); the
 * rules it enforces are listed in qdrant_standin.h. */
#include "qdrant_standin_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum MHD_Result sd_ok(struct MHD_Connection *c, json_t *result)
{
    return reply(c, 200,
                 json_pack("{s:o,s:s,s:f}", "result", result, "status", "ok", "time", 0.001));
}

enum MHD_Result sd_error(struct MHD_Connection *c, unsigned status, const char *msg)
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

static int valid_distance(const char *d)
{
    static const char *const names[] = {"Cosine", "Euclid", "Dot", "Manhattan"};
    for (size_t i = 0; d && i < sizeof names / sizeof *names; i++)
        if (strcmp(d, names[i]) == 0)
            return 1;
    return 0;
}

static enum MHD_Result create(qdrant_standin_t *s, struct MHD_Connection *c, const char *name,
                              json_t *body)
{
    json_t *vectors = json_object_get(body, "vectors");
    json_t *size = json_object_get(vectors, "size");
    const char *dist = json_string_value(json_object_get(vectors, "distance"));
    if (!json_is_integer(size) || json_integer_value(size) < 1)
        return sd_error(c, 400, "Format error in JSON body: vectors.size must be an integer >= 1");
    if (!valid_distance(dist))
        return sd_error(c, 400,
                        "Format error in JSON body: unknown variant of distance, expected one of "
                        "`Cosine`, `Euclid`, `Dot`, `Manhattan`");
    if (s->race_dim) {
        set_collection(s, name, s->race_dim, s->race_distance);
        s->race_dim = 0;
        return sd_error(c, 409, "Wrong input: Collection already exists!");
    }
    set_collection(s, name, (int)json_integer_value(size), dist);
    return sd_ok(c, json_true());
}

static enum MHD_Result create_index(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    const char *field = json_string_value(json_object_get(body, "field_name"));
    const char *schema = json_string_value(json_object_get(body, "field_schema"));
    static const char *const types[] = {"keyword", "integer", "float",    "geo",
                                        "text",    "bool",    "datetime", "uuid"};
    int known = 0;
    for (size_t i = 0; schema && i < sizeof types / sizeof *types; i++)
        known |= strcmp(schema, types[i]) == 0;
    if (!field || !known)
        return sd_error(c, 400, "Format error in JSON body: field_name and field_schema needed");
    if (!sd_is_indexed(s, field) && s->nindexed < MAX_FIELDS)
        snprintf(s->indexed[s->nindexed++], sizeof s->indexed[0], "%s", field);
    return sd_ok(c, json_pack("{s:i,s:s}", "operation_id", 3, "status", "completed"));
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
    static const char *const known[] = {"",
                                        "/points",
                                        "/points/delete",
                                        "/points/count",
                                        "/points/query",
                                        "/points/query/batch",
                                        "/index",
                                        "/points/search"};
    int route_ok = 0;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        route_ok |= strcmp(rest, known[i]) == 0;
    if (!route_ok || (s->legacy && strncmp(rest, "/points/query", 13) == 0) ||
        (!s->legacy && strcmp(rest, "/points/search") == 0))
        return no_route(c);
    int exists = s->collection[0] && strcmp(name, s->collection) == 0;
    if (!rest[0] && strcmp(method, "PUT") == 0)
        return exists ? sd_error(c, 409, "Wrong input: Collection already exists!")
                      : create(s, c, name, body);
    if (!exists) {
        char msg[300];
        snprintf(msg, sizeof msg, "Not found: Collection `%s` doesn't exist!", name);
        return sd_error(c, 404, msg);
    }
    if (!rest[0] && strcmp(method, "GET") == 0)
        return sd_ok(c, collection_info(s));
    if (!rest[0] && strcmp(method, "DELETE") == 0) {
        sd_drop_points(s);
        s->collection[0] = '\0';
        s->nindexed = 0;
        return sd_ok(c, json_true());
    }
    if (strcmp(rest, "/points") == 0 && strcmp(method, "PUT") == 0)
        return sd_upsert(s, c, body);
    if (strcmp(rest, "/index") == 0 && strcmp(method, "PUT") == 0)
        return create_index(s, c, body);
    if (strcmp(method, "POST") != 0)
        return no_route(c);
    if (strcmp(rest, "/points/query") == 0 || strcmp(rest, "/points/query/batch") == 0)
        return sd_query(s, c, body, rest[13] == '/');
    if (strcmp(rest, "/points/search") == 0)
        return sd_search(s, c, body);
    if (strcmp(rest, "/points/delete") == 0)
        return sd_delete_points(s, c, body);
    return sd_ok(c, json_pack("{s:i}", "count", s->npts)); /* /points/count */
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
        r = sd_error(c, 500, "Service internal error: injected failure");
    } else if (s->required_key[0] && strcmp(s->api_key, s->required_key) != 0) {
        r = sd_error(c, 401, "Must provide an API key or an Authorization bearer token");
    } else {
        json_error_t je;
        json_t *body = b->len ? json_loadb(b->buf, b->len, 0, &je) : NULL;
        r = b->len && !body ? sd_error(c, 400, "Format error in JSON body")
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
    sd_drop_points(s);
    snprintf(s->collection, sizeof s->collection, "%s", name);
    snprintf(s->distance, sizeof s->distance, "%s", distance);
    s->dim = dim;
    s->nindexed = 0;
}

int qdrant_standin_indexed(qdrant_standin_t *s, const char *field)
{
    pthread_mutex_lock(&s->mu);
    int r = sd_is_indexed(s, field);
    pthread_mutex_unlock(&s->mu);
    return r;
}

void qdrant_standin_stop(qdrant_standin_t *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    sd_drop_points(s);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
