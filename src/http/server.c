/* The HTTP core on libmicrohttpd: request lifecycle, body caps, guards
 * (admin, rate limit, CORS), responses, access log and metrics. */
#include "http/http_int.h"
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
#define OVERFLOW_DRAIN_MAX (1024 * 1024)

/* ------------------------------------------------------------ accessors */

const char *http_req_header(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
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

void http_reply_error(http_req_t *req, const ai_error_t *err)
{
    ai_err_t code = err->code == AI_OK ? AI_ERR_INTERNAL_ERROR : err->code;
    const char *msg = err->message[0] ? err->message : ai_err_default_message(code);
    if (code == AI_ERR_INTERNAL_ERROR) {
        /* logged with the request id, never sent: internals stay inside */
        log_write(LOG_ERROR, req->request_id, NULL, 0, "internal error: %s", msg);
        msg = ai_err_default_message(code);
    }
    strbuf_reset(&req->resp.body);
    strbuf_printf(&req->resp.body, "{\"error\":{\"code\":\"%s\",\"message\":", ai_err_name(code));
    strbuf_json_string(&req->resp.body, msg);
    strbuf_printf(&req->resp.body, ",\"details\":%s}}", err->details[0] ? err->details : "{}");
    http_reply_json(req, ai_err_http_status(code));
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
    http_reply_error(req, &e);
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
    const char *origin = http_req_header(req, "Origin");
    const char *list = req->srv->cfg->cors_origins;
    if (!origin || !list[0])
        return NULL;
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t t = len;
        while (t && p[t - 1] == ' ')
            t--;
        if ((t == 1 && *p == '*') || (t == n && strncmp(p, origin, n) == 0))
            return origin;
        p += len;
    }
    return NULL;
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
    atomic_fetch_add(&s->in_flight, 1);
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
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
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end || n > req->body_cap) {
            http_reply_code(req, AI_ERR_PAYLOAD_TOO_LARGE,
                            "the request body (%s bytes) is larger than this route accepts "
                            "(%zu bytes)",
                            cl, req->body_cap);
            http_resp_header(req, "Connection", "close");
            return 1;
        }
        req->body = malloc(n ? n : 1);
        if (!req->body) {
            http_reply_code(req, AI_ERR_SERVICE_UNAVAILABLE, "out of memory for the request body");
            return 1;
        }
        req->body_alloc = req->body_cap = n;
    }
    return 0;
}

/* Appends a chunk of the body.  Beyond the cap the rest is drained for a
 * while (the request is then answered 413), then the connection dropped. */
static int take_body(http_req_t *req, const char *data, size_t n)
{
    if (req->body_overflow || n > req->body_cap - req->body_len) {
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
        unsigned char *nb = realloc(req->body, want);
        if (!nb)
            return 0;
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
        if (screen(req) && req->resp.status == 413)
            return send_response(req);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->sent || req->resp.status || req->route->body == BODY_NONE) {
            req->body_drained += n; /* answered already, or a body nobody reads */
            return req->body_drained <= req->body_cap + OVERFLOW_DRAIN_MAX ? MHD_YES : MHD_NO;
        }
        return take_body(req, upload_data, n) ? MHD_YES : MHD_NO;
    }
    if (req->sent)
        return MHD_YES;
    if (!req->resp.status) {
        if (req->body_overflow)
            http_reply_code(req, AI_ERR_PAYLOAD_TOO_LARGE,
                            "the request body is larger than this route accepts (%zu bytes)",
                            req->body_cap);
        else
            req->route->fn(req);
    }
    return send_response(req);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_write(LOG_WARN, NULL, NULL, 0, "http: %s", msg);
}

/* ------------------------------------------------------------ start / stop */

static ai_err_t bind_address(const config_t *cfg, struct sockaddr_storage *ss, int *ipv6,
                             ai_error_t *err)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%lld", cfg->port);
    int rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0 || !res)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "HOST %s: %s", cfg->host, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return AI_OK;
}

/* HTTPS when TLS_CERT_FILE is set.  GnuTLS asks tls_retrieve for the
 * certificate at every handshake; it finds the server through the
 * connection's socket context (set when the connection starts), so a
 * certificate replaced on SIGHUP (http_server_reload_tls) is presented from
 * the next handshake on, while open connections go on undisturbed. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        *socket_context = cls;
}

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
    const http_server_t *s = ci ? ci->socket_context : NULL;
    if (!s || !s->tls)
        return -1; /* the handshake fails; never a wrong certificate */
    tls_creds_current(s->tls, chain, n, key);
    return 0;
}

static ai_err_t tls_start_options(http_server_t *s, struct MHD_OptionItem opts[3], ai_error_t *err)
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
    opts[1] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
    opts[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
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
    struct sockaddr_storage ss;
    int ipv6 = 0;
    ai_err_t rc = bind_address(cfg, &ss, &ipv6, err);
    if (rc)
        return rc;
    http_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    s->lib = lib;
    s->cfg = cfg;
    s->metrics = metrics_create();
    s->ratelimit = ratelimit_create(cfg->rate_limit_per_min);
    long workers = cfg->workers > 0 ? (long)cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);
    sem_init(&s->cpu_slots, 0, (unsigned)(workers > 0 ? workers : 1));
    if (!realpath(cfg->web_dir, s->web_root))
        s->web_root[0] = '\0';
    if (!s->metrics || !s->ratelimit) {
        http_server_stop(s, 0);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}};
    if ((rc = clientaddr_proxies_parse(cfg->trusted_proxies, &s->proxies, err)) != AI_OK ||
        (rc = tls_start_options(s, tls_opts, err)) != AI_OK) {
        http_server_stop(s, 0);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0) |
                     (s->tls ? MHD_USE_TLS : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_END);
    if (!s->daemon) {
        int e = errno;
        int tls = s->tls != NULL;
        http_server_stop(s, 0);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot listen on %s:%lld: %s%s", cfg->host,
                            cfg->port, strerror(e),
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
    metrics_destroy(s->metrics);
    ratelimit_destroy(s->ratelimit);
    free(s);
}
