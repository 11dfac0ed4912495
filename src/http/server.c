/* The HTTP core on libmicrohttpd: request lifecycle, body caps, guards
 * (admin, rate limit, CORS), responses, access log and metrics. */
#include "http/http_int.h"
#include "http/fields.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/uuid.h"
#include "http/tlscreds.h"
#include "tls/tls.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_MEMORY_LIMIT  (32 * 1024) /* MHD drops a request whose headers exceed it */
#define HEADERS_MAX        (16 * 1024) /* API.md: request headers <= 16 KB */
#define CONN_TIMEOUT_S     60
/* A body past its cap is read and dropped up to this many more bytes, so
 * the client still gets its 413/503; beyond, the connection is cut. */
#define OVERFLOW_DRAIN_MAX (64 * 1024 * 1024)
#define CONN_SLOTS         (HTTP_MAX_CONNECTIONS + 16)
#define BODY_RATE_WINDOW_S 10.0
#define BUDGET_RETRY_S     "5"

/* ------------------------------------------------------------ accessors */

const char *http_req_header(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_query_n(http_req_t *req, const char *name, size_t *len)
{
    const char *v = NULL;
    *len = 0;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
                                      len) != MHD_YES)
        return NULL;
    return v;
}

void http_resp_header(http_req_t *req, const char *name, const char *value)
{
    http_resp_t *r = &req->resp;
    char *v = arena_strdup(&req->arena, value);
    if (v && r->nheaders < HTTP_MAX_RESP_HEADERS)
        r->headers[r->nheaders++] = (http_header_t){name, v};
}

void http_reply_json(http_req_t *req, int status)
{
    req->resp.status = status;
    req->resp.content_type = "application/json";
}

int http_client_message(const ai_error_t *err, int public, const char *request_id, char *out,
                        size_t n)
{
    ai_err_t code = err->code == AI_OK ? AI_ERR_INTERNAL_ERROR : err->code;
    if (!public && (code == AI_ERR_INTERNAL_ERROR || code == AI_ERR_SERVICE_UNAVAILABLE)) {
        snprintf(out, n, "%s (request %s; details are in the server log)",
                 ai_err_default_message(code), request_id);
        return 1;
    }
    snprintf(out, n, "%s", err->message[0] ? err->message : ai_err_default_message(code));
    return 0;
}

/* Writes the error object; a replaced message is logged with the request id. */
static void reply_error(http_req_t *req, const ai_error_t *err, int public)
{
    ai_err_t code = err->code == AI_OK ? AI_ERR_INTERNAL_ERROR : err->code;
    char msg[AI_ERROR_MSG_MAX];
    if (http_client_message(err, public, req->request_id, msg, sizeof msg)) {
        log_field_t f[] = {LOG_STR("code", ai_err_name(code))};
        log_write(code == AI_ERR_INTERNAL_ERROR ? LOG_ERROR : LOG_WARN, req->request_id, f, 1,
                  "%s: %s", code == AI_ERR_INTERNAL_ERROR ? "internal error" : "unavailable",
                  err->message[0] ? err->message : ai_err_default_message(code));
    }
    strbuf_reset(&req->resp.body);
    strbuf_printf(&req->resp.body, "{\"error\":{\"code\":\"%s\",\"message\":", ai_err_name(code));
    strbuf_json_string(&req->resp.body, msg);
    strbuf_printf(&req->resp.body, ",\"details\":%s}}", err->details[0] ? err->details : "{}");
    http_reply_json(req, ai_err_http_status(code));
}

void http_reply_error(http_req_t *req, const ai_error_t *err)
{
    reply_error(req, err, 0);
}

void http_reply_code(http_req_t *req, ai_err_t code, const char *fmt, ...)
{
    ai_error_t e;
    ai_error_clear(&e);
    e.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    reply_error(req, &e, code != AI_ERR_INTERNAL_ERROR);
}

ai_err_t http_cpu_acquire(http_req_t *req, ai_error_t *err)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)HTTP_CPU_WAIT_S;
    while (sem_timedwait(&req->srv->cpu_slots, &ts) != 0) {
        if (errno != EINTR)
            return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                                "the server is overloaded; retry shortly");
    }
    return AI_OK;
}

void http_cpu_release(http_req_t *req)
{
    sem_post(&req->srv->cpu_slots);
}

/* ------------------------------------------------------------ guards */

static int constant_time_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = (unsigned char)(na != nb);
    for (size_t i = 0; i < na; i++)
        d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return d == 0;
}

static int admin_allowed(http_req_t *req, ai_error_t *err)
{
    const char *token = req->srv->cfg->admin_token;
    if (!token[0]) {
        if (req->loopback)
            return 1;
        ai_error_set(err, AI_ERR_UNAUTHORIZED,
                     "admin routes are only accepted from loopback while ADMIN_TOKEN is unset");
        return 0;
    }
    const char *h = http_req_header(req, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0 && constant_time_eq(h + 7, token))
        return 1;
    ai_error_set(err, AI_ERR_UNAUTHORIZED, "missing or invalid admin token");
    return 0;
}

/* The allowed Origin of a cross-origin request, or NULL. */
static const char *cors_origin(http_req_t *req)
{
    return http_cors_match(req->srv->cfg->cors_origins, http_req_header(req, "Origin"));
}

/* ------------------------------------------------------------ lifecycle */

typedef struct {
    strbuf_t value[2]; /* Forwarded, X-Forwarded-For: every line joined with ", " */
    int seen[2];
} fwd_headers_t;

static enum MHD_Result collect_forwarding(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    fwd_headers_t *h = cls;
    int i = strcasecmp(key, "Forwarded") == 0         ? 0
            : strcasecmp(key, "X-Forwarded-For") == 0 ? 1
                                                      : -1;
    if (i >= 0 && value) {
        strbuf_printf(&h->value[i], "%s%s", h->seen[i] ? ", " : "", value);
        h->seen[i] = 1;
    }
    return MHD_YES;
}

/* The client behind TRUSTED_PROXIES (clientaddr.h); every line of a
 * repeated forwarding header counts. */
static void client_address(http_req_t *req, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    fwd_headers_t h = {.seen = {0, 0}};
    strbuf_init(&h.value[0], HEADERS_MAX);
    strbuf_init(&h.value[1], HEADERS_MAX);
    if (req->srv->proxies.n)
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_forwarding, &h);
    const char *v[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++)
        if (h.seen[i]) /* not an address: a header too long to keep makes the client unknown */
            v[i] = h.value[i].overflow ? "unknown" : strbuf_cstr(&h.value[i]);
    clientaddr_t ca;
    clientaddr_resolve(&req->srv->proxies, ci ? ci->client_addr : NULL, v[0], v[1], &ca);
    snprintf(req->client_ip, sizeof req->client_ip, "%s", ca.ip);
    req->loopback = ca.loopback;
    strbuf_release(&h.value[0]);
    strbuf_release(&h.value[1]);
}

static void request_id(http_req_t *req)
{
    const char *h = http_req_header(req, "X-Request-Id");
    if (h && uuid_valid(h)) {
        size_t i = 0;
        for (; i < sizeof req->request_id - 1 && h[i]; i++)
            req->request_id[i] = (char)tolower((unsigned char)h[i]);
        req->request_id[i] = '\0';
    } else if (uuid_v4(req->request_id) != AI_OK) {
        snprintf(req->request_id, sizeof req->request_id, "00000000-0000-4000-8000-000000000000");
    }
}

static http_req_t *req_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
                           const char *method)
{
    http_req_t *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->srv = s;
    req->conn = conn;
    req->started_ms = clock_now_ms();
    req->resp.fd = -1;
    arena_init(&req->arena, 16 * 1024, 4 * 1024 * 1024);
    strbuf_init(&req->resp.body, 16 * 1024 * 1024);
    req->method = arena_strdup(&req->arena, method);
    req->path = arena_strdup(&req->arena, url);
    if (!req->method || !req->path) {
        arena_release(&req->arena);
        strbuf_release(&req->resp.body);
        free(req);
        return NULL;
    }
    client_address(req, conn);
    request_id(req);
    const union MHD_ConnectionInfo *sc =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    req->conn_slot = sc ? sc->socket_context : NULL;
    atomic_fetch_add(&s->in_flight, 1);
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct http_server *s = cls;
    http_req_t *req = *con_cls;
    if (!req)
        return;
    double ms = clock_now_ms() - req->started_ms;
    const char *route = req->route ? req->route->name : "unmatched";
    int status = req->resp.status ? req->resp.status : 499; /* the client left first */
    metrics_request(s->metrics, route, status, ms);
    log_field_t f[] = {LOG_STR("method", req->method), LOG_STR("path", req->path),
                       LOG_STR("route", route),        LOG_NUM("status", status),
                       LOG_NUM("duration_ms", ms),     LOG_STR("client", req->client_ip)};
    log_write(LOG_INFO, req->request_id, f, sizeof f / sizeof f[0], "%s %s %d", req->method,
              req->path, status);
    if (req->resp.fd >= 0)
        close(req->resp.fd);
    connlimit_release(s->conns, req->reserved);
    /* only a cleanly finished request leaves a connection that waits for
     * the next one; otherwise it is closing (its slot may already be gone) */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        connlimit_idle(s->conns, req->conn_slot, clock_now_ms());
    free(req->body);
    strbuf_release(&req->resp.body);
    arena_release(&req->arena);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static enum MHD_Result send_response(http_req_t *req)
{
    http_resp_t *r = &req->resp;
    struct MHD_Response *resp;
    if (r->fd >= 0) {
        resp = MHD_create_response_from_fd_at_offset64(r->fd_len, r->fd, r->fd_off);
        if (resp)
            r->fd = -1; /* MHD closes it with the response */
    } else {
        size_t len = 0;
        char *body = strbuf_detach(&r->body, &len);
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(body);
    }
    if (!resp)
        return MHD_NO;
    if (r->content_type && r->status != 304)
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    const char *origin = cors_origin(req);
    if (origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                "X-Request-Id, Retry-After, Content-Range, ETag");
    }
    if (req->srv->cfg->cors_origins[0])
        MHD_add_response_header(resp, "Vary", "Origin");
    if (req->srv->tls && req->srv->cfg->hsts_max_age > 0) {
        char hsts[48];
        snprintf(hsts, sizeof hsts, "max-age=%lld", req->srv->cfg->hsts_max_age);
        MHD_add_response_header(resp, "Strict-Transport-Security", hsts);
    }
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    /* a refused upload (its body read and dropped) closes the connection:
     * a client that reuses it right away could otherwise race the close */
    if (atomic_load(&req->srv->stopping) || req->body_drained > 0)
        MHD_add_response_header(resp, "Connection", "close");
    req->sent = 1;
    enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void preflight(http_req_t *req, const char *allow)
{
    const char *origin = cors_origin(req);
    req->resp.status = 204;
    if (origin) {
        http_resp_header(req, "Access-Control-Allow-Methods", allow);
        http_resp_header(req, "Access-Control-Allow-Headers",
                         "Content-Type, Authorization, X-Request-Id");
        http_resp_header(req, "Access-Control-Max-Age", "600");
    }
    http_resp_header(req, "Allow", allow);
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* The checks that run once the headers are in: route, method, admin, rate
 * limit, declared body size.  Returns 1 when a response was decided. */
static int screen(http_req_t *req)
{
    struct http_server *s = req->srv;
    ai_error_t e;
    ai_error_clear(&e);
    char allow[128];
    int known = 0;
    if (atomic_load(&s->stopping)) {
        http_reply_code(req, AI_ERR_SERVICE_UNAVAILABLE, "the server is shutting down");
        return 1;
    }
    size_t header_bytes = 0;
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, add_header_size, &header_bytes);
    if (header_bytes > HEADERS_MAX) {
        http_reply_code(req, AI_ERR_VALIDATION_ERROR,
                        "the request headers are %zu bytes; at most %d are accepted", header_bytes,
                        HEADERS_MAX);
        return 1;
    }
    req->route = http_route_match(req->method, req->path, req->arg, sizeof req->arg, &known, allow,
                                  sizeof allow);
    if (!req->route && strcmp(req->method, "OPTIONS") == 0) {
        const http_route_t *any = http_route_match("GET", req->path, req->arg, sizeof req->arg,
                                                   &known, allow, sizeof allow);
        if (any || known) {
            if (any)
                snprintf(allow, sizeof allow, "GET, HEAD, OPTIONS");
            preflight(req, allow);
            return 1;
        }
    }
    if (!req->route) {
        if (known) {
            http_resp_header(req, "Allow", allow);
            http_reply_code(req, AI_ERR_METHOD_NOT_ALLOWED, "%s is not allowed on %s; allowed: %s",
                            req->method, req->path, allow);
        } else {
            http_reply_code(req, AI_ERR_NOT_FOUND, "no route for %s", req->path);
        }
        return 1;
    }
    if (req->route->body != BODY_NONE)
        req->body_cap = (size_t)(req->route->body == BODY_SEARCH ? s->cfg->max_upload_bytes
                                                                 : s->cfg->max_ingest_bytes) +
                        HTTP_MULTIPART_SLACK;
    if (req->route->admin && !admin_allowed(req, &e)) {
        http_reply_error(req, &e);
        return 1;
    }
    int retry = 0;
    if (req->route->rate_limited &&
        !ratelimit_take(s->ratelimit, req->client_ip, clock_now_ms() / 1000.0, &retry)) {
        char v[16];
        snprintf(v, sizeof v, "%d", retry);
        http_resp_header(req, "Retry-After", v);
        http_reply_code(req, AI_ERR_RATE_LIMITED,
                        "more than %lld searches per minute from this client; retry in %d s",
                        s->cfg->rate_limit_per_min, retry);
        return 1;
    }
    if (req->route->body == BODY_NONE)
        return 0;
    const char *cl = http_req_header(req, "Content-Length");
    if (cl) {
        uint64_t n = 0;
        if (!http_parse_content_length(cl, &n)) {
            http_reply_code(req, AI_ERR_VALIDATION_ERROR, "malformed Content-Length");
            http_resp_header(req, "Connection", "close");
            req->refuse_now = 1;
            return 1;
        }
        if (n > req->body_cap) {
            http_reply_code(req, AI_ERR_PAYLOAD_TOO_LARGE,
                            "the request body (%llu bytes) is larger than this route accepts "
                            "(%zu bytes)",
                            (unsigned long long)n, req->body_cap);
            http_resp_header(req, "Connection", "close");
            req->refuse_now = 1;
            return 1;
        }
        if (!connlimit_reserve(s->conns, (size_t)(n ? n : 1))) {
            http_resp_header(req, "Retry-After", BUDGET_RETRY_S);
            http_reply_code(req, AI_ERR_SERVICE_UNAVAILABLE,
                            "the server holds too many uploads right now; retry shortly");
            http_resp_header(req, "Connection", "close");
            req->refuse_now = 1;
            return 1;
        }
        req->reserved = (size_t)(n ? n : 1);
        req->body = malloc(n ? n : 1);
        if (!req->body) {
            http_reply_code(req, AI_ERR_SERVICE_UNAVAILABLE, "out of memory for the request body");
            return 1;
        }
        req->body_alloc = req->body_cap = n;
    }
    return 0;
}

/* Appends a chunk of the body.  Beyond the cap, or when the upload budget
 * is spent, the rest is read and dropped (up to OVERFLOW_DRAIN_MAX) so the
 * request can still be answered 413 / 503; then the connection is cut. */
static int take_body(http_req_t *req, const char *data, size_t n)
{
    if (req->body_overflow || req->body_no_budget || n > req->body_cap - req->body_len) {
        if (!req->body_no_budget)
            req->body_overflow = 1;
        req->body_drained += n;
        return req->body_drained <= OVERFLOW_DRAIN_MAX;
    }
    if (req->body_len + n > req->body_alloc) {
        size_t want = req->body_alloc * 2;
        if (want < req->body_len + n)
            want = req->body_len + n;
        if (want < 64 * 1024)
            want = 64 * 1024;
        if (want > req->body_cap)
            want = req->body_cap;
        size_t grow = want - req->body_alloc;
        if (!connlimit_reserve(req->srv->conns, grow)) {
            req->body_no_budget = 1;
            req->body_drained += n;
            return 1;
        }
        unsigned char *nb = realloc(req->body, want);
        if (!nb) {
            connlimit_release(req->srv->conns, grow);
            return 0;
        }
        req->reserved += grow;
        req->body = nb;
        req->body_alloc = want;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    http_req_t *req = *con_cls;
    if (!req) {
        req = req_new(s, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        /* A body too large to accept is refused now, before it is read (the
         * connection then closes).  Every other answer waits for the end of
         * the request, so the client can finish sending and keep the
         * connection alive. */
        int decided = screen(req);
        connlimit_headers_done(s->conns, req->conn_slot,
                               !req->refuse_now && req->route && req->route->body != BODY_NONE,
                               clock_now_ms());
        if (decided && req->refuse_now)
            return send_response(req);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        connlimit_body(s->conns, req->conn_slot, n, clock_now_ms());
        if (req->sent || req->resp.status || req->route->body == BODY_NONE) {
            req->body_drained += n; /* answered already, or a body nobody reads */
            return req->body_drained <= req->body_cap + OVERFLOW_DRAIN_MAX ? MHD_YES : MHD_NO;
        }
        return take_body(req, upload_data, n) ? MHD_YES : MHD_NO;
    }
    if (req->sent)
        return MHD_YES;
    connlimit_busy(s->conns, req->conn_slot);
    if (!req->resp.status) {
        if (req->body_no_budget) {
            http_resp_header(req, "Retry-After", BUDGET_RETRY_S);
            http_reply_code(req, AI_ERR_SERVICE_UNAVAILABLE,
                            "the server holds too many uploads right now; retry shortly");
        } else if (req->body_overflow)
            http_reply_code(req, AI_ERR_PAYLOAD_TOO_LARGE,
                            "the request body is larger than this route accepts (%zu bytes)",
                            req->body_cap);
        else
            req->route->fn(req);
    }
    return send_response(req);
}

/* Connection open/close: the connection gets a connlimit slot (its handle
 * is the socket context, read back by req_new and tls_retrieve). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        unsigned char peer[16];
        int known = ai && clientaddr_key(ai->client_addr, peer);
        *socket_context = ci ? connlimit_open(s->conns, ci->connect_fd, known ? peer : NULL,
                                              clock_now_ms())
                             : NULL;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        connlimit_close(s->conns, *socket_context);
        *socket_context = NULL;
    }
}

/* Logs how many library lines were dropped in the last window, if any. */
static void liblog_flush(struct http_server *s, int dropped)
{
    if (dropped > 0)
        log_write(LOG_WARN, NULL, NULL, 0,
                  "http: %d more libmicrohttpd messages were not logged (at most %d a second)",
                  dropped, HTTP_LIB_LOG_PER_S);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    double now = clock_now_ms();
    int emit = 1, dropped = 0;
    pthread_mutex_lock(&s->liblog.lock);
    if (now - s->liblog.window_ms >= 1000.0) {
        dropped = s->liblog.suppressed;
        s->liblog.suppressed = s->liblog.count = 0;
        s->liblog.window_ms = now;
    }
    if (s->liblog.count >= HTTP_LIB_LOG_PER_S) {
        s->liblog.suppressed++;
        emit = 0;
    } else {
        s->liblog.count++;
    }
    pthread_mutex_unlock(&s->liblog.lock);
    liblog_flush(s, dropped);
    if (!emit)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_write(LOG_WARN, NULL, NULL, 0, "http: %s", msg);
}

__attribute__((format(printf, 2, 3))) static void lib_logf(struct http_server *s, const char *fmt,
                                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    mhd_log(s, fmt, ap);
    va_end(ap);
}

/* MAX_CONN_PER_IP, checked against the open connections of the TCP peer
 * when a connection is accepted (the accepting thread also registers the
 * new connection, so the count is exact).  TRUSTED_PROXIES are exempt: every
 * client behind a proxy arrives from its address. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct http_server *s = cls;
    unsigned char peer[16];
    (void)addrlen;
    if (!clientaddr_key(addr, peer) || clientaddr_trusted(&s->proxies, peer) ||
        connlimit_peer_count(s->conns, peer) < (size_t)s->cfg->max_conn_per_ip)
        return MHD_YES;
    lib_logf(s, "refused a connection: per-address connection limit reached (MAX_CONN_PER_IP=%lld)",
             s->cfg->max_conn_per_ip);
    return MHD_NO;
}

/* ------------------------------------------------------------ start / stop */

/* The listening socket on HOST:PORT.  No SO_REUSEPORT: a second server on
 * the same port fails here with a clear message instead of silently
 * sharing the traffic. */
static ai_err_t listen_socket(const config_t *cfg, int *fd_out, int *ipv6, ai_error_t *err)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%lld", cfg->port);
    int rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0 || !res)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "HOST %s: %s", cfg->host, gai_strerror(rc));
    *ipv6 = res->ai_family == AF_INET6;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ai_err_t out = AI_OK;
    if (fd < 0) {
        out = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot create a socket: %s",
                           strerror(errno));
    } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
               bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        out = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot listen on %s port %lld: %s%s",
                           cfg->host, cfg->port, strerror(e),
                           e == EADDRINUSE ? " (is another audio-ident serve running?)" : "");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    *fd_out = fd;
    return out;
}

/* HTTPS when TLS_CERT_FILE is set.  GnuTLS asks tls_retrieve for the
 * certificate at every handshake; it finds the server through the
 * connection's socket context (its connlimit slot, whose user pointer is the
 * server; set by on_connection when the connection starts), so a
 * certificate replaced on SIGHUP (http_server_reload_tls) is presented from
 * the next handshake on, while open connections go on undisturbed. */
static int tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                        const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                        gnutls_pcert_st **chain, unsigned int *n, gnutls_privkey_t *key)
{
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    /* libmicrohttpd keeps its connection as the session's pointer */
    struct MHD_Connection *conn = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    const http_server_t *s = ci ? connlimit_slot_user(ci->socket_context) : NULL;
    if (!s || !s->tls)
        return -1; /* the handshake fails; never a wrong certificate */
    tls_creds_current(s->tls, chain, n, key);
    return 0;
}

static ai_err_t tls_start_options(http_server_t *s, struct MHD_OptionItem opts[2], ai_error_t *err)
{
    if (!s->cfg->tls_cert_file[0])
        return AI_OK;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES ||
        MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) != MHD_YES)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "TLS_CERT_FILE is set but this libmicrohttpd was built without TLS");
    tls_cert_info_t info;
    tls_pem_t pem = {NULL, NULL};
    ai_err_t rc =
        tls_load(s->cfg->tls_cert_file, s->cfg->tls_key_file, time(NULL), &info, &pem, err);
    if (!rc)
        rc = tls_creds_create(pem.cert, pem.key, &s->tls, err);
    tls_pem_release(&pem);
    if (rc)
        return rc;
    opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_retrieve};
    opts[1] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return AI_OK;
}

ai_err_t http_server_reload_tls(http_server_t *s, tls_cert_info_t *info, ai_error_t *err)
{
    if (!s->tls)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "plain HTTP: no certificate to reload");
    tls_pem_t pem = {NULL, NULL};
    ai_err_t rc =
        tls_load(s->cfg->tls_cert_file, s->cfg->tls_key_file, time(NULL), info, &pem, err);
    if (!rc)
        rc = tls_creds_replace(s->tls, pem.cert, pem.key, err);
    tls_pem_release(&pem);
    return rc;
}

ai_err_t http_server_start(library_t *lib, const config_t *cfg, http_server_t **out,
                           ai_error_t *err)
{
    *out = NULL;
    int ipv6 = 0, lfd = -1;
    ai_err_t rc = listen_socket(cfg, &lfd, &ipv6, err);
    if (rc)
        return rc;
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        close(lfd);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    s->lib = lib;
    s->cfg = cfg;
    pthread_mutex_init(&s->liblog.lock, NULL);
    s->metrics = metrics_create();
    s->ratelimit = ratelimit_create(cfg->rate_limit_per_min);
    connlimit_opts_t co = {.slots = CONN_SLOTS,
                           .header_timeout_s = cfg->header_timeout_s,
                           .min_body_rate = cfg->min_body_rate,
                           .rate_window_s = BODY_RATE_WINDOW_S,
                           .max_inflight = cfg->max_inflight_upload_bytes,
                           .sweep_interval_s = 0.25,
                           .user = s};
    s->conns = connlimit_create(&co);
    long workers = cfg->workers > 0 ? (long)cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);
    sem_init(&s->cpu_slots, 0, (unsigned)(workers > 0 ? workers : 1));
    if (!realpath(cfg->web_dir, s->web_root))
        s->web_root[0] = '\0';
    if (!s->metrics || !s->ratelimit || !s->conns) {
        close(lfd);
        http_server_stop(s, 0);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    struct MHD_OptionItem tls_opts[2] = {{MHD_OPTION_END, 0, NULL}};
    if ((rc = clientaddr_proxies_parse(cfg->trusted_proxies, &s->proxies, err)) != AI_OK ||
        (rc = tls_start_options(s, tls_opts, err)) != AI_OK) {
        http_server_stop(s, 0);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0) |
                     (s->tls ? MHD_USE_TLS : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_ARRAY,
        tls_opts, MHD_OPTION_END);
    if (!s->daemon) {
        int e = errno;
        int tls = s->tls != NULL;
        close(lfd);
        http_server_stop(s, 0);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "cannot start the HTTP server on %s:%lld: %s%s", cfg->host, cfg->port,
                            strerror(e),
                            tls ? " (or GnuTLS refused TLS_CERT_FILE / TLS_KEY_FILE; see the "
                                  "log line above)"
                                : "");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : (unsigned)cfg->port;
    *out = s;
    return AI_OK;
}

unsigned http_server_port(const http_server_t *s)
{
    return s ? s->port : 0;
}

const char *http_server_scheme(const http_server_t *s)
{
    return s && s->tls ? "https" : "http";
}

void http_server_stop(http_server_t *s, double grace_s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    if (s->daemon) {
        MHD_socket ls = MHD_quiesce_daemon(s->daemon);
        if (ls != MHD_INVALID_SOCKET)
            close(ls);
        double until = clock_now_ms() + grace_s * 1000.0;
        while (atomic_load(&s->in_flight) > 0 && clock_now_ms() < until) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->daemon);
    }
    sem_destroy(&s->cpu_slots);
    tls_creds_destroy(s->tls);
    connlimit_destroy(s->conns);
    liblog_flush(s, s->liblog.suppressed);
    pthread_mutex_destroy(&s->liblog.lock);
    metrics_destroy(s->metrics);
    ratelimit_destroy(s->ratelimit);
    free(s);
}
