/* The embedded vector store: one append-only file of fixed-size records,
 * read into memory and scanned exactly.
 *
 * File DIR/flat.vec:  header (64 bytes: magic, dim, record size) then records
 * of {16-byte track UUID, chunk, offset, duration, dead flag, dim floats}.
 * Upserts append whole records and fdatasync before returning; a crash
 * mid-append leaves a torn tail that open() cuts off.  Deletes set the dead
 * flag in place; when a quarter of the records are dead the file is rewritten
 * (temp file, fsync, rename).  One writer at a time, readers in parallel.
 *
 * Several processes may share the file (`ingest` next to `serve`): writers
 * take an flock on DIR/flat.lock and re-read the file first if someone else
 * changed it (inode, size or mtime differ from what this process last saw);
 * readers re-read it the same way before a scan.  A delete by another process
 * within the same mtime tick can stay unseen until the next change; the lane
 * drops tracks that have no metadata row anyway. */
#include "vecstore/vecstore_int.h"
#include "base/fsutil.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char magic[8] = {'A', 'I', 'V', 'E', 'C', 'F', '0', '1'};
#define HEADER_SIZE    64
#define REC_HEAD       32
#define DEADLINE_EVERY 8192

typedef struct {
    uint8_t id[16];
    int32_t chunk;
    float offset, duration;
    uint32_t dead;
} rec_head_t;
_Static_assert(sizeof(rec_head_t) == REC_HEAD, "record head layout");

/* Live records per track, so an upsert of a new track (the common case)
 * needs no scan to find what it replaces. */
typedef struct {
    uint8_t id[16];
    uint32_t live;
    int used;
} track_slot_t;

typedef struct {
    pthread_rwlock_t lock;
    track_slot_t *tracks; /* open addressing, capacity a power of two */
    size_t tcap, tused;
    char path[CONFIG_STR_MAX + 64];
    int fd;
    int dim;    /* 0: no collection (no file) */
    size_t rec; /* record size */
    size_t nrec, ndead;
    unsigned char *mem; /* the whole file: header + records */
    size_t mem_cap;
    int lock_fd;      /* DIR/flat.lock: flock'd by whichever process writes */
    struct stat seen; /* the file as last read or written by us */
    int seen_exists;
} flat_t;

static uint64_t id_hash(const uint8_t id[16])
{
    uint64_t h;
    memcpy(&h, id, sizeof h); /* UUIDs are random enough */
    return h * 0x9E3779B97F4A7C15ull;
}

/* The slot of a track id, created when `create` is set; NULL when absent
 * (or out of memory). */
static track_slot_t *track_slot(flat_t *f, const uint8_t id[16], int create)
{
    if (create && (f->tused + 1) * 2 > f->tcap) {
        size_t ncap = f->tcap ? f->tcap * 2 : 1024;
        track_slot_t *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return NULL;
        for (size_t i = 0; i < f->tcap; i++) {
            if (!f->tracks[i].used)
                continue;
            size_t j = id_hash(f->tracks[i].id) & (ncap - 1);
            while (nt[j].used)
                j = (j + 1) & (ncap - 1);
            nt[j] = f->tracks[i];
        }
        free(f->tracks);
        f->tracks = nt;
        f->tcap = ncap;
    }
    if (!f->tcap)
        return NULL;
    size_t j = id_hash(id) & (f->tcap - 1);
    while (f->tracks[j].used) {
        if (memcmp(f->tracks[j].id, id, 16) == 0)
            return &f->tracks[j];
        j = (j + 1) & (f->tcap - 1);
    }
    if (!create)
        return NULL;
    f->tracks[j].used = 1;
    memcpy(f->tracks[j].id, id, 16);
    f->tracks[j].live = 0;
    f->tused++;
    return &f->tracks[j];
}

static void tracks_clear(flat_t *f)
{
    free(f->tracks);
    f->tracks = NULL;
    f->tcap = f->tused = 0;
}

static ai_err_t sys_err(ai_error_t *err, const char *what, const char *path)
{
    return ai_error_set(err, fs_errno_code(errno), "vector store: %s %s: %s", what, path,
                        strerror(errno));
}

static void mem_free(flat_t *f)
{
    free(f->mem);
    f->mem = NULL;
    f->mem_cap = 0;
}

/* Room for `records` records in memory (grows geometrically). */
static ai_err_t mem_reserve(flat_t *f, size_t records, ai_error_t *err)
{
    size_t need = HEADER_SIZE + records * f->rec;
    if (need <= f->mem_cap)
        return AI_OK;
    size_t cap = f->mem_cap * 2 > need ? f->mem_cap * 2 : need;
    unsigned char *m = realloc(f->mem, cap);
    if (!m)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory for %zu vectors", records);
    f->mem = m;
    f->mem_cap = cap;
    return AI_OK;
}

static const rec_head_t *rec_at(const flat_t *f, size_t i)
{
    return (const rec_head_t *)(const void *)(f->mem + HEADER_SIZE + i * f->rec);
}

static const float *vec_at(const flat_t *f, size_t i)
{
    return (const float *)(const void *)(f->mem + HEADER_SIZE + i * f->rec + REC_HEAD);
}

/* Opens an existing file: header check, torn tail cut, read into memory,
 * per-track counts.  (Anonymous memory rather than an mmap of the file: with
 * the kernel reclaiming cold page cache, a 600 MB mapping was scanned 25×
 * slower than the same bytes on the heap — measured with bench-vecstore.) */
static ai_err_t load(flat_t *f, ai_error_t *err)
{
    f->seen_exists = 0;
    f->fd = open(f->path, O_RDWR | O_CLOEXEC);
    if (f->fd < 0)
        return errno == ENOENT ? AI_OK : sys_err(err, "cannot open", f->path);
    if (fstat(f->fd, &f->seen) == 0)
        f->seen_exists = 1;
    unsigned char h[HEADER_SIZE];
    struct stat st;
    uint32_t dim = 0, rec = 0;
    if (fstat(f->fd, &st) != 0 || pread(f->fd, h, sizeof h, 0) != (ssize_t)sizeof h ||
        memcmp(h, magic, sizeof magic) != 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "vector store: %s is not a vector file (run rebuild-index --vectors)",
                            f->path);
    memcpy(&dim, h + 8, 4);
    memcpy(&rec, h + 12, 4);
    if (dim == 0 || dim > VECSTORE_MAX_DIM || rec != REC_HEAD + 4 * dim)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "vector store: %s has a bad header",
                            f->path);
    f->dim = (int)dim;
    f->rec = rec;
    size_t body = (size_t)st.st_size - HEADER_SIZE;
    f->nrec = body / f->rec;
    /* a torn tail (a crash, or another process appending right now) is
     * ignored; the next append overwrites it */
    ai_err_t rc = mem_reserve(f, f->nrec, err);
    size_t len = HEADER_SIZE + f->nrec * f->rec, got = 0;
    while (rc == AI_OK && got < len) {
        ssize_t r = pread(f->fd, f->mem + got, len - got, (off_t)got);
        if (r <= 0)
            rc = sys_err(err, "cannot read", f->path);
        else
            got += (size_t)r;
    }
    for (size_t i = 0; rc == AI_OK && i < f->nrec; i++) {
        const rec_head_t *r = rec_at(f, i);
        track_slot_t *t = r->dead ? NULL : track_slot(f, r->id, 1);
        f->ndead += r->dead != 0;
        if (t)
            t->live++;
        else if (!r->dead)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    return rc;
}

/* Records what the file looks like after our own write. */
static void note_file(flat_t *f)
{
    f->seen_exists = f->fd >= 0 && fstat(f->fd, &f->seen) == 0;
}

/* 1 when another process changed the file since we read or wrote it. */
static int file_changed(const flat_t *f)
{
    struct stat st;
    if (stat(f->path, &st) != 0)
        return f->seen_exists;
    return !f->seen_exists || st.st_ino != f->seen.st_ino || st.st_size != f->seen.st_size ||
           st.st_mtim.tv_sec != f->seen.st_mtim.tv_sec ||
           st.st_mtim.tv_nsec != f->seen.st_mtim.tv_nsec;
}

static void forget(flat_t *f)
{
    mem_free(f);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->dim = 0;
    f->nrec = f->ndead = 0;
    tracks_clear(f);
}

/* Reads the file again when another process (an `ingest` next to `serve`)
 * changed it.  Caller holds the write lock. */
static ai_err_t refresh(flat_t *f, ai_error_t *err)
{
    if (!file_changed(f))
        return AI_OK;
    forget(f);
    return load(f, err);
}

/* Read lock on an up-to-date copy. */
static ai_err_t lock_read(flat_t *f, ai_error_t *err)
{
    pthread_rwlock_rdlock(&f->lock);
    if (!file_changed(f))
        return AI_OK;
    pthread_rwlock_unlock(&f->lock);
    pthread_rwlock_wrlock(&f->lock);
    ai_err_t rc = refresh(f, err);
    pthread_rwlock_unlock(&f->lock);
    pthread_rwlock_rdlock(&f->lock);
    return rc;
}

/* Write lock, the inter-process writer lock, and an up-to-date copy.
 * Always paired with unlock_write(), also when it fails. */
static ai_err_t lock_write(flat_t *f, ai_error_t *err)
{
    pthread_rwlock_wrlock(&f->lock);
    if (f->lock_fd >= 0 && flock(f->lock_fd, LOCK_EX) != 0)
        return sys_err(err, "cannot lock", f->path); /* the caller still unlocks */
    return refresh(f, err);
}

static void unlock_write(flat_t *f)
{
    note_file(f);
    if (f->lock_fd >= 0)
        flock(f->lock_fd, LOCK_UN);
    pthread_rwlock_unlock(&f->lock);
}

ai_err_t vecstore_flat_open(const char *dir, void **impl, ai_error_t *err)
{
    *impl = NULL;
    ai_err_t rc = fs_mkdir_p(dir, err);
    if (rc)
        return rc;
    flat_t *f = calloc(1, sizeof *f);
    if (!f)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    pthread_rwlock_init(&f->lock, NULL);
    f->fd = -1;
    snprintf(f->path, sizeof f->path, "%s/flat.vec", dir);
    char lock[sizeof f->path];
    snprintf(lock, sizeof lock, "%s/flat.lock", dir);
    f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f->lock_fd < 0) {
        ai_err_t e = sys_err(err, "cannot open", lock);
        pthread_rwlock_destroy(&f->lock);
        free(f);
        return e;
    }
    rc = load(f, err);
    if (rc != AI_OK) {
        vecstore_flat_ops.close(f);
        return rc;
    }
    *impl = f;
    return AI_OK;
}

static void flat_close(void *impl)
{
    flat_t *f = impl;
    if (!f)
        return;
    forget(f);
    if (f->lock_fd >= 0)
        close(f->lock_fd);
    pthread_rwlock_destroy(&f->lock);
    free(f);
}

static void header_bytes(int dim, unsigned char h[HEADER_SIZE])
{
    memset(h, 0, HEADER_SIZE);
    memcpy(h, magic, sizeof magic);
    uint32_t d = (uint32_t)dim, r = REC_HEAD + 4 * (uint32_t)dim;
    memcpy(h + 8, &d, 4);
    memcpy(h + 12, &r, 4);
}

/* Replaces the file with header + the given body (atomic), then reloads. */
static ai_err_t rewrite(flat_t *f, int dim, const unsigned char *body, size_t len, ai_error_t *err)
{
    unsigned char *buf = malloc(HEADER_SIZE + len);
    if (!buf)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    header_bytes(dim, buf);
    if (len)
        memcpy(buf + HEADER_SIZE, body, len);
    ai_err_t rc = fs_write_atomic(f->path, buf, HEADER_SIZE + len, err);
    free(buf);
    if (rc)
        return rc;
    forget(f);
    return load(f, err);
}

static ai_err_t ensure_locked(flat_t *f, int dim, ai_error_t *err)
{
    if (f->dim == 0)
        return rewrite(f, dim, NULL, 0, err);
    if (f->dim != dim)
        return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                            "the vector store %s holds %d-dimensional vectors but the embedding "
                            "model makes %d; run `audio-ident rebuild-index --vectors`",
                            f->path, f->dim, dim);
    return AI_OK;
}

static ai_err_t flat_ensure(void *impl, int dim, ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_write(f, err);
    if (rc == AI_OK)
        rc = ensure_locked(f, dim, err);
    unlock_write(f);
    return rc;
}

static ai_err_t flat_dim(void *impl, int *dim, ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_read(f, err);
    *dim = f->dim;
    pthread_rwlock_unlock(&f->lock);
    return rc;
}

static int parse_uuid(const char *s, uint8_t out[16])
{
    int k = 0;
    for (const char *p = s; *p && k < 32; p++) {
        if (*p == '-')
            continue;
        int v = (*p >= '0' && *p <= '9')   ? *p - '0'
                : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                           : -1;
        if (v < 0)
            return 0;
        out[k / 2] = (uint8_t)(k % 2 ? (out[k / 2] | v) : (v << 4));
        k++;
    }
    return k == 32;
}

static void format_uuid(const uint8_t id[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[id[i] >> 4];
        out[o++] = hex[id[i] & 15];
    }
    out[o] = '\0';
}

/* Marks every live record of the track dead (in the file, then synced). */
static ai_err_t kill_track(flat_t *f, const uint8_t id[16], ai_error_t *err)
{
    uint32_t one = 1;
    int changed = 0;
    track_slot_t *t = track_slot(f, id, 0);
    if (!t || t->live == 0)
        return AI_OK; /* nothing stored for it */
    t->live = 0;
    for (size_t i = 0; i < f->nrec; i++) {
        const rec_head_t *r = rec_at(f, i);
        if (r->dead || memcmp(r->id, id, 16) != 0)
            continue;
        off_t at = (off_t)(HEADER_SIZE + i * f->rec + offsetof(rec_head_t, dead));
        if (pwrite(f->fd, &one, sizeof one, at) != (ssize_t)sizeof one)
            return sys_err(err, "cannot write", f->path);
        memcpy(f->mem + at, &one, sizeof one);
        f->ndead++;
        changed = 1;
    }
    if (changed && fdatasync(f->fd) != 0)
        return sys_err(err, "cannot sync", f->path);
    return AI_OK;
}

static ai_err_t flat_upsert(void *impl, const float *vecs, size_t n, int dim,
                            const vecstore_chunk_t *chunks, ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_write(f, err);
    if (rc == AI_OK)
        rc = ensure_locked(f, dim, err);
    unsigned char *buf = rc == AI_OK ? calloc(n, f->rec) : NULL;
    if (!buf) {
        unlock_write(f);
        return rc != AI_OK ? rc : ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    /* an upsert replaces what the tracks had */
    uint8_t prev[16] = {0};
    for (size_t i = 0; rc == AI_OK && i < n; i++) {
        rec_head_t h = {.chunk = chunks[i].chunk_index,
                        .offset = (float)chunks[i].offset_sec,
                        .duration = (float)chunks[i].duration_sec};
        parse_uuid(chunks[i].track_id, h.id);
        if (i == 0 || memcmp(h.id, prev, sizeof prev) != 0)
            rc = kill_track(f, h.id, err);
        memcpy(prev, h.id, sizeof prev);
        memcpy(buf + i * f->rec, &h, sizeof h);
        memcpy(buf + i * f->rec + REC_HEAD, vecs + i * (size_t)dim, (size_t)dim * sizeof(float));
    }
    if (rc == AI_OK) {
        size_t len = n * f->rec;
        off_t at = (off_t)(HEADER_SIZE + f->nrec * f->rec);
        size_t done = 0;
        while (done < len) {
            ssize_t w = pwrite(f->fd, buf + done, len - done, at + (off_t)done);
            if (w <= 0) {
                rc = sys_err(err, "cannot append to", f->path);
                break;
            }
            done += (size_t)w;
        }
        if (rc == AI_OK && fdatasync(f->fd) != 0)
            rc = sys_err(err, "cannot sync", f->path);
        if (rc == AI_OK)
            rc = mem_reserve(f, f->nrec + n, err);
        if (rc == AI_OK) {
            memcpy(f->mem + at, buf, len);
            f->nrec += n;
        } else if (ftruncate(f->fd, at) != 0) { /* keep the file whole */
            log_warn("vector store: cannot cut a failed append off %s", f->path);
        }
        for (size_t i = 0; rc == AI_OK && i < n; i++) {
            const rec_head_t *h = (const rec_head_t *)(const void *)(buf + i * f->rec);
            track_slot_t *t = track_slot(f, h->id, 1);
            if (!t)
                rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
            else
                t->live++;
        }
    }
    free(buf);
    unlock_write(f);
    return rc;
}

/* Rewrites the file with only the live records. */
static ai_err_t compact(flat_t *f, ai_error_t *err)
{
    size_t live = f->nrec - f->ndead, k = 0;
    unsigned char *body = malloc(live ? live * f->rec : 1);
    if (!body)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    for (size_t i = 0; i < f->nrec; i++)
        if (!rec_at(f, i)->dead)
            memcpy(body + (k++) * f->rec, rec_at(f, i), f->rec);
    ai_err_t rc = rewrite(f, f->dim, body, live * f->rec, err);
    free(body);
    return rc;
}

static ai_err_t flat_delete_track(void *impl, const char *track_id, ai_error_t *err)
{
    flat_t *f = impl;
    uint8_t id[16];
    parse_uuid(track_id, id);
    ai_err_t rc = lock_write(f, err);
    if (rc == AI_OK && f->dim)
        rc = kill_track(f, id, err);
    if (rc == AI_OK && f->ndead >= 64 && f->ndead * 4 >= f->nrec)
        rc = compact(f, err);
    unlock_write(f);
    return rc;
}

/* Dot product with independent accumulators (vectorisable, pipelined). */
static float dot(const float *restrict a, const float *restrict b, int n)
{
    float s[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[i + j] * b[i + j];
    float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++)
        t += a[i] * b[i];
    return t;
}

/* One pass over the records for all nq queries: the scan is memory-bound,
 * so extra queries cost only their dot products. */
static ai_err_t flat_query(void *impl, const float *vecs, size_t nq, int dim, size_t k,
                           deadline_t deadline, vecstore_hit_t *hits, size_t *nhits,
                           ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_read(f, err);
    if (rc == AI_OK && f->dim && f->dim != dim)
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "query has %d dimensions, the vector store %d; run `audio-ident "
                          "rebuild-index --vectors`",
                          dim, f->dim);
    for (size_t i = 0; rc == AI_OK && f->dim && i < f->nrec; i++) {
        if (i % DEADLINE_EVERY == DEADLINE_EVERY - 1 && deadline_passed(deadline)) {
            rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "the vector scan ran out of time");
            break;
        }
        const rec_head_t *r = rec_at(f, i);
        if (r->dead)
            continue;
        for (size_t q = 0; q < nq; q++) {
            vecstore_hit_t *hq = hits + q * k;
            float score = dot(vecs + q * (size_t)dim, vec_at(f, i), dim);
            if (nhits[q] < k || score > hq[0].score) {
                vecstore_hit_t h = {
                    .chunk_index = r->chunk, .offset_sec = r->offset, .score = score};
                format_uuid(r->id, h.track_id);
                vecstore_topk_offer(hq, k, &nhits[q], &h);
            }
        }
    }
    pthread_rwlock_unlock(&f->lock);
    for (size_t q = 0; q < nq; q++) {
        if (rc == AI_OK)
            vecstore_topk_sort(hits + q * k, nhits[q]);
        else
            nhits[q] = 0;
    }
    return rc;
}

static ai_err_t flat_count(void *impl, uint64_t *n, ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_read(f, err);
    *n = f->nrec - f->ndead;
    pthread_rwlock_unlock(&f->lock);
    return rc;
}

static ai_err_t flat_drop(void *impl, ai_error_t *err)
{
    flat_t *f = impl;
    ai_err_t rc = lock_write(f, err);
    forget(f);
    if (rc == AI_OK && unlink(f->path) != 0 && errno != ENOENT)
        rc = sys_err(err, "cannot remove", f->path);
    unlock_write(f);
    return rc;
}

const vecstore_ops_t vecstore_flat_ops = {
    .name = "flat",
    .close = flat_close,
    .ensure = flat_ensure,
    .dim = flat_dim,
    .upsert = flat_upsert,
    .delete_track = flat_delete_track,
    .query = flat_query,
    .count = flat_count,
    .drop = flat_drop,
};
