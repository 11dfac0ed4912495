/*
 * http_int.h — internals of the HTTP module shared by the server core
 * (server.c, the only file that includes libmicrohttpd), the route table
 * (router.c) and the handlers (h_*.c).
 *
 * A handler gets a request whose body (if its route takes one) is fully
 * read, and fills req->resp through the http_reply_* helpers: a JSON/text
 * body in resp.body, or an open file (resp.fd) that the core sends with
 * sendfile.  Every error goes out as API.md's error object through
 * http_reply_error().  Per-request memory comes from req->arena and is freed
 * with the request.
 */
#ifndef AI_HTTP_INT_H
#define AI_HTTP_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/strbuf.h"
#include "http/clientaddr.h"
#include "http/connlimit.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/ratelimit.h"

/* Room for the multipart envelope around an upload of the configured size. */
#define HTTP_MULTIPART_SLACK  (64 * 1024)
#define HTTP_JSON_BODY_MAX    (64 * 1024)
#define HTTP_MAX_RESP_HEADERS 16
#define HTTP_CPU_WAIT_S       10.0 /* a search/ingest waits this long for a worker slot */
#define HTTP_LIB_LOG_PER_S    10   /* a connection flood cannot flood the log */

struct http_server {
    library_t *lib;
    const config_t *cfg;
    metrics_t *metrics;
    ratelimit_t *ratelimit;
    connlimit_t *conns; /* deadlines and the in-flight upload budget */
    struct {            /* libmicrohttpd's own log lines: at most HTTP_LIB_LOG_PER_S */
        pthread_mutex_t lock;
        double window_ms;
        int count, suppressed;
    } liblog;
    sem_t cpu_slots; /* WORKERS */
    atomic_int in_flight;
    atomic_int stopping;
    void *daemon; /* struct MHD_Daemon * */
    unsigned port;
    char web_root[4096]; /* realpath of WEB_DIR, "" when missing */
    /* TRUSTED_PROXIES, parsed */
    clientaddr_proxies_t proxies;
    /* the certificate presented (tlscreds.h); NULL = plain HTTP */
    struct tls_creds *tls;
};

typedef enum { BODY_NONE, BODY_SEARCH, BODY_INGEST } http_body_kind_t;

typedef struct http_req http_req_t;
typedef void (*http_handler_fn)(http_req_t *req);

typedef struct {
    const char *method;  /* GET routes answer HEAD too */
    const char *pattern; /* "{id}" matches one path segment; "/ *" (no space) any other path */
    const char *name;    /* metrics label */
    http_handler_fn fn;
    http_body_kind_t body;
    int admin;        /* ADMIN_TOKEN bearer, or loopback when unset */
    int rate_limited; /* RATE_LIMIT_PER_MIN applies */
} http_route_t;

typedef struct {
    const char *name, *value;
} http_header_t;

typedef struct {
    int status;
    strbuf_t body;
    const char *content_type; /* static string */
    http_header_t headers[HTTP_MAX_RESP_HEADERS];
    size_t nheaders;
    int fd; /* >= 0: send fd_len bytes of this file from fd_off (the core closes it) */
    uint64_t fd_off, fd_len;
} http_resp_t;

struct http_req {
    struct http_server *srv;
    void *conn; /* struct MHD_Connection * */
    const char *method, *path;
    const http_route_t *route;
    char arg[64]; /* the {id} of the path */
    char request_id[40];
    char client_ip[64];
    int loopback;
    unsigned char *body;
    size_t body_len, body_alloc, body_cap, body_drained;
    int body_overflow;
    int refuse_now;      /* answer before reading the body, then close */
    int body_no_budget;  /* MAX_INFLIGHT_UPLOAD_BYTES reached mid-body: 503 */
    size_t reserved;     /* bytes of the upload budget this request holds */
    connlimit_slot_t *conn_slot; /* the connection's deadlines, NULL = none */
    double started_ms;
    int sent; /* the response is queued */
    arena_t arena;
    http_resp_t resp;
};

/* router.c */
/* The route for method + path.  NULL when none: *path_known tells whether
 * another method would match (→ 405, with `allow` listing the methods). */
const http_route_t *http_route_match(const char *method, const char *path, char *arg, size_t argn,
                                     int *path_known, char *allow, size_t allown);

/* server.c: request accessors and replies */
const char *http_req_header(http_req_t *req, const char *name);
const char *http_req_query(http_req_t *req, const char *name);
/* The decoded query value and its length (it may hold a NUL from "%00"). */
const char *http_req_query_n(http_req_t *req, const char *name, size_t *len);
void http_resp_header(http_req_t *req, const char *name, const char *value);
/* Status + the JSON already written to req->resp.body. */
void http_reply_json(http_req_t *req, int status);
/* Sends err as the error object.  A 500 or 503 from below the HTTP layer
 * may carry internals (a store's address, an errno text): it is logged
 * with the request id and the client gets the generic message. */
void http_reply_error(http_req_t *req, const ai_error_t *err);
/* The message a client sees for err: its own, or for a 500/503 that is not
 * public (not written by the HTTP layer itself) the code's generic text
 * with the request id.  Returns 1 when replaced. */
int http_client_message(const ai_error_t *err, int public, const char *request_id, char *out,
                        size_t n);
void http_reply_code(http_req_t *req, ai_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Takes a worker slot for CPU-heavy work (waits up to HTTP_CPU_WAIT_S);
 * SERVICE_UNAVAILABLE when overloaded. */
ai_err_t http_cpu_acquire(http_req_t *req, ai_error_t *err);
void http_cpu_release(http_req_t *req);

/* h_tracks.c: parses a single "bytes=" range against size.  Returns 1 and
 * the span when satisfiable, -1 when not (→ 416), 0 to ignore it (absent,
 * malformed or several ranges: the whole file is sent, as RFC 9110 allows). */
int http_parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *len);

/* handlers */
void h_health(http_req_t *req);
void h_version(http_req_t *req);
void h_metrics(http_req_t *req);
void h_static(http_req_t *req);
void h_search(http_req_t *req);
void h_ingest(http_req_t *req);
void h_tracks_list(http_req_t *req);
void h_track_get(http_req_t *req);
void h_track_delete(http_req_t *req);
void h_track_audio(http_req_t *req);

#endif
