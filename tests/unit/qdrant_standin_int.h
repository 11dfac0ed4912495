/* Internal to the Qdrant stand-in (tests only): its state, shared by the
 * server and routing (qdrant_standin.c) and the points operations
 * (qdrant_standin_points.c). Every function here runs with s->mu held. */
#ifndef AI_TEST_QDRANT_STANDIN_INT_H
#define AI_TEST_QDRANT_STANDIN_INT_H

#include "qdrant_standin.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

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

/* {"result":…,"status":"ok","time":…} (takes result) and
 * {"status":{"error":msg},"time":…} */
enum MHD_Result sd_ok(struct MHD_Connection *c, json_t *result);
enum MHD_Result sd_error(struct MHD_Connection *c, unsigned status, const char *msg);

void sd_drop_points(qdrant_standin_t *s);
int sd_is_indexed(const qdrant_standin_t *s, const char *field);
/* PUT /points, POST /points/query[/batch], /points/search, /points/delete */
enum MHD_Result sd_upsert(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body);
enum MHD_Result sd_query(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body, int batch);
enum MHD_Result sd_search(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body);
enum MHD_Result sd_delete_points(qdrant_standin_t *s, struct MHD_Connection *c, json_t *body);

#endif
