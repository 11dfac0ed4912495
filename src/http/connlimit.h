/*
 * connlimit.h — per-connection deadlines and the in-flight upload budget of
 * the HTTP server, so one client cannot hold the service with slow or
 * large requests.  (The per-address connection cap, MAX_CONN_PER_IP, is
 * enforced at accept time by the HTTP library; it counts the TCP peer.)
 *
 * Every open connection has a slot.  A watchdog thread sweeps the slots a
 * few times a second and shuts down (shutdown(2), so the connection's own
 * thread wakes up and closes it) every connection that
 *   - waits for request headers longer than header_timeout_s, counted from
 *     the accept or from the end of the previous response (so an idle
 *     keep-alive connection is closed after the same time), or
 *   - sends a body slower than min_body_rate bytes/s over any window of
 *     rate_window_s seconds (0 = no body-rate check).
 * Connections being answered are never touched.
 *
 * The upload budget counts bytes of request bodies held in memory across
 * all connections; connlimit_reserve() refuses a reservation that would go
 * past max_inflight_bytes.
 *
 * Lifecycle: connlimit_create() starts the watchdog, connlimit_destroy()
 * stops it (accepts NULL).  Every other function is thread-safe.  The fd
 * given to connlimit_open() must stay open until connlimit_close().
 */
#ifndef AI_HTTP_CONNLIMIT_H
#define AI_HTTP_CONNLIMIT_H

#include <stddef.h>

typedef struct connlimit connlimit_t;
typedef struct connlimit_slot connlimit_slot_t; /* one connection; NULL = untracked */

typedef struct {
    size_t slots;               /* most connections tracked at once */
    double header_timeout_s;    /* HEADER_TIMEOUT_S */
    long long min_body_rate;    /* MIN_BODY_RATE_BYTES (bytes/s), 0 = off */
    double rate_window_s;       /* window of the body-rate check */
    long long max_inflight;     /* MAX_INFLIGHT_UPLOAD_BYTES */
    double sweep_interval_s;    /* watchdog period; 0 = no watchdog thread (tests) */
    void *user;                 /* handed back by connlimit_slot_user() for every slot */
} connlimit_opts_t;

/* NULL when out of memory or the thread cannot start. */
connlimit_t *connlimit_create(const connlimit_opts_t *o);
void connlimit_destroy(connlimit_t *cl);

/* Times are clock_now_ms() values.  Every function taking a slot accepts
 * NULL and then does nothing.
 * Registers a new connection (fd) from peer (16 bytes, clientaddr_key form;
 * NULL = unknown) at time now_ms.  Returns its slot, or NULL when every slot
 * is taken (the connection then has no deadline).  The slot stays valid
 * until connlimit_close(). */
connlimit_slot_t *connlimit_open(connlimit_t *cl, int fd, const unsigned char *peer,
                                 double now_ms);
/* How many open slots have this peer (what MAX_CONN_PER_IP is checked
 * against when a connection is accepted). */
size_t connlimit_peer_count(connlimit_t *cl, const unsigned char peer[16]);
void connlimit_close(connlimit_t *cl, connlimit_slot_t *slot);
/* The opts' user pointer of an open slot; NULL for a NULL slot.  Lock-free:
 * a slot's user pointer is written only by connlimit_open. */
void *connlimit_slot_user(const connlimit_slot_t *slot);

/* The request headers are in; body != 0 when a body is being read next. */
void connlimit_headers_done(connlimit_t *cl, connlimit_slot_t *slot, int body, double now_ms);
/* n more body bytes arrived. */
void connlimit_body(connlimit_t *cl, connlimit_slot_t *slot, size_t n, double now_ms);
/* The request is being handled (no deadline) until connlimit_idle(). */
void connlimit_busy(connlimit_t *cl, connlimit_slot_t *slot);
/* The response is done: the connection waits for the next request. */
void connlimit_idle(connlimit_t *cl, connlimit_slot_t *slot, double now_ms);

/* Shuts down every late connection as of now_ms; returns how many (the
 * watchdog calls it; tests call it with their own clock).  *headers and
 * *slow_bodies (may be NULL) get the split. */
size_t connlimit_sweep(connlimit_t *cl, double now_ms, size_t *headers, size_t *slow_bodies);

/* Upload budget: 1 and n bytes taken, or 0 when that would pass the cap. */
int connlimit_reserve(connlimit_t *cl, size_t n);
void connlimit_release(connlimit_t *cl, size_t n);
/* Bytes reserved now (for /metrics and tests). */
long long connlimit_inflight(connlimit_t *cl);

#endif
