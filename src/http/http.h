/*
 * http.h — the HTTP API and web UI server (API.md), on libmicrohttpd.
 *
 * http_server_start() binds HOST:PORT (PORT 0 = any free port, see
 * http_server_port) and serves every route of API.md plus the web UI from
 * WEB_DIR.  Each connection has its own thread (bounded by
 * HTTP_MAX_CONNECTIONS); the CPU-heavy handlers (search, ingest) also take
 * one of WORKERS slots, so cheap routes (/health, /metrics, tracks) answer
 * while searches run.  Bodies are read into memory with the route's cap
 * enforced while reading; a declared Content-Length beyond it is refused
 * before any of the body is read.
 *
 * Lifecycle: start → (serve) → http_server_stop(), which stops accepting,
 * lets in-flight requests finish for up to `grace_s` seconds (later ones get
 * 503), then closes every connection and frees the server.  The library_t
 * must outlive the server; the caller closes it afterwards.
 *
 * TLS: with TLS_CERT_FILE / TLS_KEY_FILE set the listener speaks HTTPS only
 * (libmicrohttpd on GnuTLS) and every response carries
 * Strict-Transport-Security (HSTS_MAX_AGE > 0).  http_server_reload_tls
 * (`serve` calls it on SIGHUP) swaps the certificate without dropping a
 * connection.
 * Client address: the TCP peer, or what a TRUSTED_PROXIES peer forwarded
 * (clientaddr.h); the rate limit, the access log and the loopback admin
 * rule use it.
 *
 * Errors: http_server_start returns INTERNAL_ERROR when the address cannot
 * be bound (message names HOST:PORT and the reason), VALIDATION_ERROR when
 * the certificate or key is unusable (tls.h) or TRUSTED_PROXIES is malformed.
 */
#ifndef AI_HTTP_HTTP_H
#define AI_HTTP_HTTP_H

#include "base/error.h"
#include "config/config.h"
#include "library/library.h"
#include "tls/tls.h"

#define HTTP_MAX_CONNECTIONS 256

typedef struct http_server http_server_t;

ai_err_t http_server_start(library_t *lib, const config_t *cfg, http_server_t **out,
                           ai_error_t *err);
/* The port actually bound (useful with PORT=0). */
unsigned http_server_port(const http_server_t *s);
/* Reads TLS_CERT_FILE / TLS_KEY_FILE again and, when they pass tls_load's
 * checks, presents them from the next handshake on (open connections keep
 * theirs).  On error (message as tls.h's, or VALIDATION_ERROR for a plain
 * HTTP server) the previous certificate stays.  *info describes the files. */
ai_err_t http_server_reload_tls(http_server_t *s, tls_cert_info_t *info, ai_error_t *err);
/* "https" when serving TLS (TLS_CERT_FILE), else "http". */
const char *http_server_scheme(const http_server_t *s);
/* s may be NULL. */
void http_server_stop(http_server_t *s, double grace_s);

#endif
