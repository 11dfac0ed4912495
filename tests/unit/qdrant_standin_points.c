/* The Qdrant stand-in's points: upsert with id checks, cosine scoring with
 * filters and `with_payload` (default false), the Query API, the legacy
 * search route and delete by filter (tests only). */
#include "qdrant_standin_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sd_drop_points(qdrant_standin_t *s)
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

int sd_is_indexed(const qdrant_standin_t *s, const char *field)
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
        if (!sd_is_indexed(s, key)) {
            *why = "Bad request: Index required but not found for the filtered field";
            return -1;
        }
        if (!json_equal(json_object_get(payload, key), val))
            return 0;
    }
    return 1;
}

enum MHD_Result sd_upsert(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    size_t i;
    json_t *p;
    json_t *points = json_object_get(body, "points");
    char id[40];
    if (!json_is_array(points))
        return sd_error(c, 400, "Format error in JSON body: missing field `points`");
    json_array_foreach(points, i, p)
    {
        if (!valid_point_id(json_object_get(p, "id"), id))
            return sd_error(c, 400,
                            "Format error in JSON body: data did not match any variant of "
                            "untagged enum ExtendedPointId");
        if ((int)json_array_size(json_object_get(p, "vector")) != s->dim)
            return sd_error(c, 400, "Wrong input: Vector dimension error");
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
            return sd_error(c, 500, "stand-in full");
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
    return sd_ok(c, json_pack("{s:i,s:s}", "operation_id", 1, "status", "completed"));
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
        all[n++] = json_pack("{s:s,s:i,s:f,s:o}", "id", s->pts[i].id, "version", 0, "score", score,
                             "payload", payload_for(with, s->pts[i].payload));
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
    static const char *const allowed[] = {"query",       "limit",  "with_payload",   "filter",
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

enum MHD_Result sd_query(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body, int batch)
{
    const char *why = "Service internal error: out of memory";
    if (!batch) {
        json_t *r = query_one(s, body, &why);
        return r ? sd_ok(c, r) : sd_error(c, 400, why);
    }
    json_t *searches = json_object_get(body, "searches");
    if (!json_is_array(searches))
        return sd_error(c, 400, "Format error in JSON body: missing field `searches`");
    json_t *out = json_array();
    size_t i;
    json_t *req;
    json_array_foreach(searches, i, req)
    {
        json_t *r = query_one(s, req, &why);
        if (!r) {
            json_decref(out);
            return sd_error(c, 400, why);
        }
        json_array_append_new(out, r);
    }
    return sd_ok(c, out);
}

enum MHD_Result sd_search(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    const char *why = "Service internal error: out of memory";
    json_t *r =
        scored(s, json_object_get(body, "vector"), json_object_get(body, "limit"),
               json_object_get(body, "with_payload"), json_object_get(body, "filter"), &why);
    return r ? sd_ok(c, r) : sd_error(c, 400, why);
}

enum MHD_Result sd_delete_points(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body)
{
    json_t *filter = json_object_get(body, "filter");
    const char *why = "Format error in JSON body: missing filter";
    if (!filter)
        return sd_error(c, 400, why);
    for (int i = s->npts - 1; i >= 0; i--) {
        int m = filter_matches(s, filter, s->pts[i].payload, &why);
        if (m < 0)
            return sd_error(c, 400, why);
        if (m)
            remove_point(s, i);
    }
    if (s->npts == 0 && filter_matches(s, filter, NULL, &why) < 0)
        return sd_error(c, 400, why);
    return sd_ok(c, json_pack("{s:i,s:s}", "operation_id", 2, "status", "completed"));
}
