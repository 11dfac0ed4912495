/* Connection deadlines and the in-flight upload budget (see connlimit.h). */
#include "http/connlimit.h"
#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef enum { SLOT_FREE, SLOT_HEADERS, SLOT_BODY, SLOT_BUSY } slot_state_t;

struct connlimit_slot {
    slot_state_t state;
    int fd;
    double since_ms;        /* SLOT_HEADERS: waiting since; SLOT_BODY: window start */
    long long window_bytes; /* SLOT_BODY: bytes in the current window */
    void *user;             /* the opts' user pointer while the slot is open */
    unsigned char peer[16]; /* the peer address (clientaddr_key form) */
    int has_peer;
};
typedef struct connlimit_slot slot_t;

struct connlimit {
    connlimit_opts_t o;
    pthread_mutex_t lock;
    slot_t *slots;
    atomic_llong inflight;
    pthread_t thread;
    int has_thread;
    pthread_cond_t wake;
    int stop;
};

static void *watchdog(void *arg)
{
    connlimit_t *cl = arg;
    pthread_mutex_lock(&cl->lock);
    while (!cl->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = (long long)(cl->o.sweep_interval_s * 1e9) + ts.tv_nsec;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        int rc = pthread_cond_timedwait(&cl->wake, &cl->lock, &ts);
        if (cl->stop)
            break;
        if (rc != ETIMEDOUT && rc != 0)
            continue;
        pthread_mutex_unlock(&cl->lock);
        size_t h = 0, b = 0;
        if (connlimit_sweep(cl, clock_now_ms(), &h, &b))
            log_write(LOG_WARN, NULL, NULL, 0,
                      "http: closed %zu connection(s) that sent headers for more than %g s "
                      "and %zu that sent a body slower than %lld bytes/s",
                      h, cl->o.header_timeout_s, b, cl->o.min_body_rate);
        pthread_mutex_lock(&cl->lock);
    }
    pthread_mutex_unlock(&cl->lock);
    return NULL;
}

connlimit_t *connlimit_create(const connlimit_opts_t *o)
{
    connlimit_t *cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->o = *o;
    cl->slots = calloc(o->slots ? o->slots : 1, sizeof *cl->slots);
    if (!cl->slots) {
        free(cl);
        return NULL;
    }
    pthread_mutex_init(&cl->lock, NULL);
    pthread_cond_init(&cl->wake, NULL);
    atomic_init(&cl->inflight, 0);
    if (o->sweep_interval_s > 0) {
        if (pthread_create(&cl->thread, NULL, watchdog, cl) != 0) {
            connlimit_destroy(cl);
            return NULL;
        }
        cl->has_thread = 1;
    }
    return cl;
}

void connlimit_destroy(connlimit_t *cl)
{
    if (!cl)
        return;
    if (cl->has_thread) {
        pthread_mutex_lock(&cl->lock);
        cl->stop = 1;
        pthread_cond_signal(&cl->wake);
        pthread_mutex_unlock(&cl->lock);
        pthread_join(cl->thread, NULL);
    }
    pthread_cond_destroy(&cl->wake);
    pthread_mutex_destroy(&cl->lock);
    free(cl->slots);
    free(cl);
}

connlimit_slot_t *connlimit_open(connlimit_t *cl, int fd, const unsigned char *peer,
                                 double now_ms)
{
    slot_t *out = NULL;
    pthread_mutex_lock(&cl->lock);
    for (size_t i = 0; i < cl->o.slots; i++) {
        if (cl->slots[i].state == SLOT_FREE) {
            cl->slots[i] = (slot_t){SLOT_HEADERS, fd, now_ms, 0, cl->o.user, {0}, peer != NULL};
            if (peer)
                memcpy(cl->slots[i].peer, peer, sizeof cl->slots[i].peer);
            out = &cl->slots[i];
            break;
        }
    }
    pthread_mutex_unlock(&cl->lock);
    return out;
}

size_t connlimit_peer_count(connlimit_t *cl, const unsigned char peer[16])
{
    size_t n = 0;
    pthread_mutex_lock(&cl->lock);
    for (size_t i = 0; i < cl->o.slots; i++)
        n += cl->slots[i].state != SLOT_FREE && cl->slots[i].has_peer &&
             memcmp(cl->slots[i].peer, peer, sizeof cl->slots[i].peer) == 0;
    pthread_mutex_unlock(&cl->lock);
    return n;
}

void connlimit_close(connlimit_t *cl, slot_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&cl->lock);
    *s = (slot_t){SLOT_FREE, -1, 0, 0, NULL, {0}, 0};
    pthread_mutex_unlock(&cl->lock);
}

void *connlimit_slot_user(const slot_t *s)
{
    return s ? s->user : NULL;
}

static void set_state(connlimit_t *cl, slot_t *s, slot_state_t st, double now_ms)
{
    if (!s)
        return;
    pthread_mutex_lock(&cl->lock);
    if (s->state != SLOT_FREE) {
        s->state = st;
        s->since_ms = now_ms;
        s->window_bytes = 0;
    }
    pthread_mutex_unlock(&cl->lock);
}

void connlimit_headers_done(connlimit_t *cl, slot_t *s, int body, double now_ms)
{
    set_state(cl, s, body ? SLOT_BODY : SLOT_BUSY, now_ms);
}

void connlimit_busy(connlimit_t *cl, slot_t *s)
{
    set_state(cl, s, SLOT_BUSY, 0);
}

void connlimit_idle(connlimit_t *cl, slot_t *s, double now_ms)
{
    set_state(cl, s, SLOT_HEADERS, now_ms);
}

void connlimit_body(connlimit_t *cl, slot_t *s, size_t n, double now_ms)
{
    if (!s)
        return;
    pthread_mutex_lock(&cl->lock);
    if (s->state == SLOT_BODY) {
        double window_ms = cl->o.rate_window_s * 1000.0;
        if (now_ms - s->since_ms >= window_ms &&
            (double)s->window_bytes >= (double)cl->o.min_body_rate * cl->o.rate_window_s) {
            s->since_ms = now_ms; /* the window was fast enough: start the next */
            s->window_bytes = 0;
        }
        s->window_bytes += (long long)n;
    }
    pthread_mutex_unlock(&cl->lock);
}

size_t connlimit_sweep(connlimit_t *cl, double now_ms, size_t *headers, size_t *slow_bodies)
{
    size_t h = 0, b = 0;
    double header_ms = cl->o.header_timeout_s * 1000.0;
    double window_ms = cl->o.rate_window_s * 1000.0;
    pthread_mutex_lock(&cl->lock);
    for (size_t i = 0; i < cl->o.slots; i++) {
        slot_t *s = &cl->slots[i];
        int late = 0;
        if (s->state == SLOT_HEADERS && now_ms - s->since_ms > header_ms) {
            late = 1;
            h++;
        } else if (s->state == SLOT_BODY && cl->o.min_body_rate > 0) {
            double el = now_ms - s->since_ms;
            if (el >= window_ms) {
                if ((double)s->window_bytes < (double)cl->o.min_body_rate * el / 1000.0) {
                    late = 1;
                    b++;
                } else {
                    s->since_ms = now_ms;
                    s->window_bytes = 0;
                }
            }
        }
        if (late) {
            shutdown(s->fd, SHUT_RDWR); /* the connection's thread sees EOF and closes */
            s->state = SLOT_BUSY;       /* once; the slot is freed by connlimit_close */
        }
    }
    pthread_mutex_unlock(&cl->lock);
    if (headers)
        *headers = h;
    if (slow_bodies)
        *slow_bodies = b;
    return h + b;
}

int connlimit_reserve(connlimit_t *cl, size_t n)
{
    long long cur = atomic_load(&cl->inflight);
    do {
        if (cur + (long long)n > cl->o.max_inflight)
            return 0;
    } while (!atomic_compare_exchange_weak(&cl->inflight, &cur, cur + (long long)n));
    return 1;
}

void connlimit_release(connlimit_t *cl, size_t n)
{
    atomic_fetch_sub(&cl->inflight, (long long)n);
}

long long connlimit_inflight(connlimit_t *cl)
{
    return atomic_load(&cl->inflight);
}
