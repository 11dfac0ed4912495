/* Ingest ownership: who is ingesting a pending row, whether that owner is
 * still alive, taking a dead owner's row over, and the maintenance thread
 * that renews leases and sweeps (see library_int.h). */
#include "library/library_int.h"
#include "base/log.h"
#include "base/uuid.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Start time of a process in clock ticks since boot (/proc/PID/stat field
 * 22); 0 when the process does not exist. */
static unsigned long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return 0;
    /* after ")": state is field 3 (a zombie is gone); starttime is field 22 */
    if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
        return 0;
    for (int field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* First line of a small file, or "" (newline stripped). */
static void read_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

ai_err_t library_owner_init(library_t *lib, ai_error_t *err)
{
    char host[128] = "", boot[64], ns[64] = "";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == ' ' || *c == '|')
            *c = '_';
    read_line("/proc/sys/kernel/random/boot_id", boot, sizeof boot);
    ssize_t nl = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    ns[nl > 0 ? nl : 0] = '\0';
    /* the pid namespace tells containers with the same host name apart; the
     * boot id, a reboot */
    snprintf(lib->owner_host, sizeof lib->owner_host, "%.100s|%.8s|%.24s", host, boot, ns);
    char token[UUID_STR_LEN];
    if (uuid_v4(token) != AI_OK)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "no entropy for an owner token");
    snprintf(lib->owner, sizeof lib->owner, "%.128s %ld %llu %.8s", lib->owner_host, (long)getpid(),
             proc_start((long)getpid()), token);
    pthread_mutex_init(&lib->mu, NULL);
    pthread_cond_init(&lib->cv, NULL);
    lib->heartbeat_s = LIBRARY_HEARTBEAT_S;
    lib->sweep_s = LIBRARY_SWEEP_S;
    lib->wait_s = LIBRARY_WAIT_S;
    return AI_OK;
}

/* Index of sha in the in-flight set or -1; call with lib->mu held. */
static int find_inflight(const library_t *lib, const char *sha)
{
    for (size_t i = 0; i < lib->ninflight; i++)
        if (strcmp(lib->inflight[i].sha, sha) == 0)
            return (int)i;
    return -1;
}

/* Registers sha; waits up to wait_s for another thread's ingest of it. */
static ai_err_t inflight_acquire(library_t *lib, const char *sha, double wait_s, ai_error_t *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long wms = (long long)(wait_s * 1000.0);
    until.tv_sec += (time_t)(wms / 1000);
    until.tv_nsec += (long)(wms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lib->mu);
    int rc = 0;
    while (find_inflight(lib, sha) >= 0 && rc == 0 && wait_s > 0)
        rc = pthread_cond_timedwait(&lib->cv, &lib->mu, &until);
    ai_err_t out = AI_OK;
    if (find_inflight(lib, sha) >= 0)
        out = ai_error_set(err, AI_ERR_INGEST_IN_PROGRESS,
                           "the same file is still being ingested; try again later");
    else if (lib->ninflight == LIBRARY_MAX_INFLIGHT)
        out = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "too many ingests at once");
    else {
        library_inflight_t *f = &lib->inflight[lib->ninflight++];
        snprintf(f->sha, sizeof f->sha, "%s", sha);
        f->id[0] = '\0';
    }
    pthread_mutex_unlock(&lib->mu);
    return out;
}

double library_wait_s(library_t *lib)
{
    pthread_mutex_lock(&lib->mu);
    double w = lib->wait_s;
    pthread_mutex_unlock(&lib->mu);
    return w;
}

ai_err_t library_inflight_acquire(library_t *lib, const char *sha, ai_error_t *err)
{
    return inflight_acquire(lib, sha, library_wait_s(lib), err);
}

void library_inflight_set_id(library_t *lib, const char *sha, const char *id)
{
    pthread_mutex_lock(&lib->mu);
    int i = find_inflight(lib, sha);
    if (i >= 0)
        snprintf(lib->inflight[i].id, sizeof lib->inflight[i].id, "%s", id);
    pthread_mutex_unlock(&lib->mu);
}

void library_inflight_release(library_t *lib, const char *sha)
{
    pthread_mutex_lock(&lib->mu);
    int i = find_inflight(lib, sha);
    if (i >= 0)
        lib->inflight[i] = lib->inflight[--lib->ninflight];
    pthread_cond_broadcast(&lib->cv);
    pthread_mutex_unlock(&lib->mu);
}

int library_owner_alive(library_t *lib, const meta_track_t *t)
{
    if (!t->owner[0] || t->lease_left_s <= 0)
        return 0;
    if (strcmp(t->owner, lib->owner) == 0) { /* this instance: alive while in flight */
        pthread_mutex_lock(&lib->mu);
        int i = find_inflight(lib, t->file_hash_sha256);
        pthread_mutex_unlock(&lib->mu);
        return i >= 0;
    }
    /* "HOST PID START TOKEN": on this host the process can be checked */
    char host[META_OWNER_MAX];
    long pid = 0;
    unsigned long long start = 0;
    const char *sp = strchr(t->owner, ' ');
    if (!sp || sscanf(sp, " %ld %llu", &pid, &start) != 2)
        return 1; /* unknown form: trust the lease */
    snprintf(host, sizeof host, "%.*s", (int)(sp - t->owner), t->owner);
    if (strcmp(host, lib->owner_host) != 0 || pid == (long)getpid())
        return 1;
    return pid > 0 && proc_start(pid) == start;
}

ai_err_t library_take_over(library_t *lib, const meta_track_t *t, int *done, ai_error_t *err)
{
    int claimed = 0;
    *done = 0;
    ai_err_t rc =
        meta_track_claim(lib->meta, t->id, t->owner, lib->owner, LIBRARY_LEASE_S, &claimed, err);
    if (rc != AI_OK || !claimed)
        return rc;
    log_info("ingest: rolling back unfinished ingest of %s (owner %s %s)", t->id,
             t->owner[0] ? t->owner : "none", t->owner[0] ? "gone" : "");
    rc = library_remove_track(lib, t, err);
    if (rc == AI_ERR_NOT_FOUND)
        rc = AI_OK;
    if (rc != AI_OK) { /* leave it to the next taker at once */
        ai_error_t e2;
        int c2;
        meta_track_claim(lib->meta, t->id, lib->owner, "", -1, &c2, &e2);
        return rc;
    }
    *done = 1;
    return AI_OK;
}

ai_err_t library_sweep(library_t *lib, int force, size_t *rolled_back, ai_error_t *err)
{
    meta_track_t *p = NULL;
    size_t n = 0, done = 0;
    ai_err_t first = meta_tracks_pending(lib->meta, &p, &n, err);
    for (size_t i = 0; first == AI_OK && i < n; i++) {
        if (!force && library_owner_alive(lib, &p[i]))
            continue;
        ai_error_t e;
        if (inflight_acquire(lib, p[i].file_hash_sha256, 0, &e) != AI_OK)
            continue; /* an ingest here is dealing with it */
        int removed = 0;
        ai_err_t rc = library_take_over(lib, &p[i], &removed, &e);
        library_inflight_release(lib, p[i].file_hash_sha256);
        done += (size_t)removed;
        if (rc != AI_OK) {
            log_warn("repair: cannot roll back %s: %s: %s", p[i].id, ai_err_name(rc), e.message);
            if (err)
                *err = e;
            first = rc;
        }
    }
    meta_tracks_free(p, n);
    if (first == AI_OK)
        library_remove_stray_temp_files(lib, force ? -1.0 : LIBRARY_TEMP_GRACE_S);
    if (rolled_back)
        *rolled_back = done;
    return first;
}

/* Renews the lease of every row in flight here; every LIBRARY_SWEEP_S,
 * sweeps. */
static void *maintenance(void *arg)
{
    library_t *lib = arg;
    struct timespec next_sweep;
    clock_gettime(CLOCK_MONOTONIC, &next_sweep);
    next_sweep.tv_sec += (time_t)LIBRARY_SWEEP_S;
    pthread_mutex_lock(&lib->mu);
    while (!lib->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ms = (long long)(lib->heartbeat_s * 1000.0);
        double sweep_s = lib->sweep_s;
        until.tv_sec += (time_t)(ms / 1000);
        until.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        /* the condition also signals in-flight changes: wait out the period */
        while (!lib->stop && pthread_cond_timedwait(&lib->cv, &lib->mu, &until) != ETIMEDOUT)
            ;
        if (lib->stop)
            break;
        char ids[LIBRARY_MAX_INFLIGHT][37];
        size_t n = 0;
        for (size_t i = 0; i < lib->ninflight; i++)
            if (lib->inflight[i].id[0])
                memcpy(ids[n++], lib->inflight[i].id, sizeof ids[0]);
        pthread_mutex_unlock(&lib->mu);
        for (size_t i = 0; i < n; i++) {
            ai_error_t e;
            int claimed;
            if (meta_track_claim(lib->meta, ids[i], lib->owner, lib->owner, LIBRARY_LEASE_S,
                                 &claimed, &e) != AI_OK)
                log_warn("ingest: cannot renew the lease of %s: %s", ids[i], e.message);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec >= next_sweep.tv_sec || sweep_s < 1.0) {
            ai_error_t e;
            size_t rolled = 0;
            library_reserve_space(lib);
            if (library_sweep(lib, 0, &rolled, &e) != AI_OK)
                log_warn("repair sweep: %s", e.message);
            next_sweep.tv_sec = now.tv_sec + (time_t)sweep_s;
        }
        pthread_mutex_lock(&lib->mu);
    }
    pthread_mutex_unlock(&lib->mu);
    return NULL;
}

ai_err_t library_maintenance_start(library_t *lib, ai_error_t *err)
{
    if (pthread_create(&lib->thread, NULL, maintenance, lib) != 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "cannot start the library maintenance thread");
    lib->thread_started = 1;
    return AI_OK;
}

void library_maintenance_stop(library_t *lib)
{
    if (!lib->thread_started)
        return;
    pthread_mutex_lock(&lib->mu);
    lib->stop = 1;
    pthread_cond_broadcast(&lib->cv);
    pthread_mutex_unlock(&lib->mu);
    pthread_join(lib->thread, NULL);
    lib->thread_started = 0;
}
