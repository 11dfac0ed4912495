/* fpindex storage: the LMDB environment, track insert/delete, listing, stats. */
#include "fpindex/fpindex_int.h"
#include "base/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_MAP (64ull << 20)
#define TRACK_MAGIC 0x46504933u /* "FPI3": header + sorted distinct hashes */
/* The "meta" database records the format under this key; an index written
 * by an older build has no such record (or another number) and must be
 * rebuilt from the stored audio. */
#define FORMAT_KEY "format"

static ai_err_t lmdb_err(ai_error_t *err, const fpindex_t *idx, const char *what, int rc)
{
    /* a full disk (or the map size the disk could not grow to) is STORAGE_FULL */
    ai_err_t code = rc == ENOSPC || rc == EDQUOT ? AI_ERR_STORAGE_FULL : AI_ERR_INTERNAL_ERROR;
    return ai_error_set(err, code, "fingerprint index %s: %s: %s",
                        idx ? idx->dir : "?", what, mdb_strerror(rc));
}

void fpi_posting_pack(const fp_hash_t *h, uint32_t track, unsigned char out[FPI_POST])
{
    out[0] = (unsigned char)(h->hash >> 8);
    out[1] = (unsigned char)h->hash;
    for (int i = 0; i < 3; i++) {
        out[2 + i] = (unsigned char)(track >> (16 - 8 * i));
        out[5 + i] = (unsigned char)(h->t >> (16 - 8 * i));
    }
    out[8] = h->span;
    out[9] = h->lf;
}

void fpi_posting_unpack(const unsigned char in[FPI_POST], uint32_t *track, uint32_t *t)
{
    *track = (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 | in[4];
    *t = (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
}

#define FORMAT_MISMATCH (-1)

static int put_format(fpindex_t *idx, MDB_txn *txn)
{
    uint32_t f = FPINDEX_FORMAT;
    MDB_val k = {sizeof FORMAT_KEY - 1, FORMAT_KEY}, v = {sizeof f, &f};
    return mdb_put(txn, idx->meta, &k, &v, 0);
}

/* An empty index is stamped with this build's format; a non-empty one must
 * carry it (*found: the recorded format, 0 when none).  With reset, an index
 * of another format is emptied and stamped (its contents are unusable). */
static int check_format(fpindex_t *idx, MDB_txn *txn, int reset, uint32_t *found)
{
    MDB_val k = {sizeof FORMAT_KEY - 1, FORMAT_KEY}, v;
    int r = mdb_get(txn, idx->meta, &k, &v);
    if (r == 0 && v.mv_size == sizeof(uint32_t)) {
        memcpy(found, v.mv_data, sizeof *found);
        if (*found == FPINDEX_FORMAT)
            return 0;
    } else if (r != 0 && r != MDB_NOTFOUND) {
        return r;
    }
    MDB_stat ps, ts;
    r = mdb_stat(txn, idx->post, &ps);
    if (r == 0)
        r = mdb_stat(txn, idx->tracks, &ts);
    if (r != 0)
        return r;
    if (ps.ms_entries || ts.ms_entries) {
        if (!reset)
            return FORMAT_MISMATCH;
        r = mdb_drop(txn, idx->post, 0);
        if (r == 0)
            r = mdb_drop(txn, idx->tracks, 0);
        if (r != 0)
            return r;
    }
    return put_format(idx, txn);
}

static ai_err_t open_env(const char *dir, size_t initial_map, int reset, fpindex_t **out,
                         ai_error_t *err)
{
    *out = NULL;
    if (!dir || !*dir)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "fingerprint index directory not set");
    ai_err_t rc = fs_mkdir_p(dir, err);
    if (rc)
        return rc;
    fpindex_t *idx = calloc(1, sizeof *idx);
    if (!idx)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    snprintf(idx->dir, sizeof idx->dir, "%s", dir);
    pthread_rwlock_init(&idx->map_lock, NULL);
    pthread_mutex_init(&idx->write_lock, NULL);
    int r = mdb_env_create(&idx->env);
    if (r == 0)
        r = mdb_env_set_maxdbs(idx->env, 4);
    if (r == 0)
        r = mdb_env_set_maxreaders(idx->env, 512);
    if (r == 0)
        r = mdb_env_set_mapsize(idx->env, initial_map);
    if (r == 0)
        r = mdb_env_open(idx->env, dir, MDB_NOTLS, 0644);
    if (r != 0) {
        rc = lmdb_err(err, idx, "cannot open", r);
        fpindex_close(idx);
        return rc;
    }
    MDB_envinfo info;
    mdb_env_info(idx->env, &info);
    idx->mapsize = info.me_mapsize;
    MDB_txn *txn;
    r = mdb_txn_begin(idx->env, NULL, 0, &txn);
    if (r == 0)
        r = mdb_dbi_open(txn, "post", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERKEY,
                         &idx->post);
    if (r == 0)
        r = mdb_dbi_open(txn, "tracks", MDB_CREATE | MDB_INTEGERKEY, &idx->tracks);
    if (r == 0)
        r = mdb_dbi_open(txn, "meta", MDB_CREATE, &idx->meta);
    uint32_t found = 0;
    if (r == 0)
        r = check_format(idx, txn, reset, &found);
    if (r == 0)
        r = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (r == FORMAT_MISMATCH) {
        if (found)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                              "fingerprint index %s has format %u, this build reads format %d: "
                              "run `audio-ident rebuild-index --fingerprints`",
                              dir, found, FPINDEX_FORMAT);
        else
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                              "fingerprint index %s was written by an older build (format 2 or "
                              "earlier), this build reads format %d: run `audio-ident "
                              "rebuild-index --fingerprints`",
                              dir, FPINDEX_FORMAT);
        fpindex_close(idx);
        return rc;
    }
    if (r != 0) {
        rc = lmdb_err(err, idx, "cannot open databases (corrupt index?)", r);
        fpindex_close(idx);
        return rc;
    }
    *out = idx;
    return AI_OK;
}

ai_err_t fpindex_open(const char *dir, fpindex_t **out, ai_error_t *err)
{
    return open_env(dir, INITIAL_MAP, 0, out, err);
}

ai_err_t fpindex_open_sized(const char *dir, size_t initial_map, fpindex_t **out, ai_error_t *err)
{
    return open_env(dir, initial_map, 0, out, err);
}

ai_err_t fpindex_open_reset(const char *dir, fpindex_t **out, ai_error_t *err)
{
    return open_env(dir, INITIAL_MAP, 1, out, err);
}

void fpindex_close(fpindex_t *idx)
{
    if (!idx)
        return;
    if (idx->env)
        mdb_env_close(idx->env);
    pthread_rwlock_destroy(&idx->map_lock);
    pthread_mutex_destroy(&idx->write_lock);
    free(idx);
}

ai_err_t fpi_read_begin(fpindex_t *idx, MDB_txn **txn, ai_error_t *err)
{
    pthread_rwlock_rdlock(&idx->map_lock);
    int r = mdb_txn_begin(idx->env, NULL, MDB_RDONLY, txn);
    if (r != 0) {
        pthread_rwlock_unlock(&idx->map_lock);
        return lmdb_err(err, idx, "read transaction", r);
    }
    return AI_OK;
}

void fpi_read_end(fpindex_t *idx, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&idx->map_lock);
}

/* Doubles the map. Needs no transaction of this process active: take the map lock exclusively. */
static int grow_map(fpindex_t *idx)
{
    pthread_rwlock_wrlock(&idx->map_lock);
    int r = mdb_env_set_mapsize(idx->env, idx->mapsize * 2);
    if (r == 0)
        idx->mapsize *= 2;
    pthread_rwlock_unlock(&idx->map_lock);
    return r;
}

typedef int (*write_fn)(fpindex_t *idx, MDB_txn *txn, void *user);

/* Runs fn in a write transaction, growing the map and retrying on MDB_MAP_FULL. */
static ai_err_t with_write_txn(fpindex_t *idx, write_fn fn, void *user, const char *what,
                               ai_error_t *err)
{
    pthread_mutex_lock(&idx->write_lock);
    int r;
    for (int attempt = 0; attempt < 40; attempt++) {
        MDB_txn *txn;
        pthread_rwlock_rdlock(&idx->map_lock);
        r = mdb_txn_begin(idx->env, NULL, 0, &txn);
        if (r == 0) {
            r = fn(idx, txn, user);
            if (r == 0)
                r = mdb_txn_commit(txn);
            else
                mdb_txn_abort(txn);
        }
        pthread_rwlock_unlock(&idx->map_lock);
        if (r != MDB_MAP_FULL)
            break;
        r = grow_map(idx);
        if (r != 0)
            break;
        r = MDB_MAP_FULL;
    }
    pthread_mutex_unlock(&idx->write_lock);
    return r == 0 ? AI_OK : lmdb_err(err, idx, what, r);
}

/* Deletes the postings of one hash for one track: they are contiguous in the
 * bucket (sorted by low hash bits, then track). */
static int del_postings(MDB_cursor *cur, uint32_t hash, uint32_t track_no)
{
    uint32_t bucket = fpi_bucket(hash);
    unsigned char seek[FPI_POST];
    fp_hash_t key = {hash, 0, 0, 0};
    fpi_posting_pack(&key, track_no, seek);
    MDB_val k = {sizeof bucket, &bucket}, v = {sizeof seek, seek};
    int r = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
    while (r == 0) {
        if (k.mv_size != sizeof bucket || memcmp(k.mv_data, &bucket, sizeof bucket) != 0 ||
            v.mv_size != FPI_POST || memcmp(v.mv_data, seek, 5) != 0)
            return 0;
        r = mdb_cursor_del(cur, 0);
        if (r == 0)
            r = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
    }
    return r == MDB_NOTFOUND || r == EINVAL ? 0 : r;
}

static int del_track(fpindex_t *idx, MDB_txn *txn, uint32_t track_no)
{
    MDB_val k = {sizeof track_no, &track_no}, v;
    int r = mdb_get(txn, idx->tracks, &k, &v);
    if (r == MDB_NOTFOUND)
        return 0;
    if (r != 0)
        return r;
    if (v.mv_size < 12 || ((v.mv_size - 12) % sizeof(uint32_t)) != 0)
        return MDB_CORRUPTED;
    size_t n = (v.mv_size - 12) / sizeof(uint32_t);
    /* copy: the value's pages may move while we delete */
    uint32_t *h = malloc(n ? n * sizeof *h : 1);
    if (!h)
        return ENOMEM;
    memcpy(h, (const unsigned char *)v.mv_data + 12, n * sizeof *h);
    MDB_cursor *cur = NULL;
    r = mdb_cursor_open(txn, idx->post, &cur);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = del_postings(cur, h[i], track_no);
    if (cur)
        mdb_cursor_close(cur);
    free(h);
    if (r == 0)
        r = mdb_del(txn, idx->tracks, &k, NULL);
    return r;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint32_t track_no, frames;
    const fp_hash_t *h;
    size_t n;
    uint32_t *distinct; /* sorted unique hash values: the track's reverse list */
    size_t ndistinct;
} add_args_t;

static int add_fn(fpindex_t *idx, MDB_txn *txn, void *user)
{
    const add_args_t *a = user;
    int r = del_track(idx, txn, a->track_no);
    if (r != 0)
        return r;
    size_t vsize = 12 + a->ndistinct * sizeof(uint32_t);
    MDB_val k = {sizeof a->track_no, (void *)&a->track_no}, v = {vsize, NULL};
    r = mdb_put(txn, idx->tracks, &k, &v, MDB_RESERVE);
    if (r != 0)
        return r;
    uint32_t hdr[3] = {TRACK_MAGIC, a->frames, (uint32_t)a->ndistinct};
    memcpy(v.mv_data, hdr, sizeof hdr);
    if (a->ndistinct)
        memcpy((unsigned char *)v.mv_data + 12, a->distinct, a->ndistinct * sizeof(uint32_t));
    for (size_t i = 0; i < a->n; i++) {
        unsigned char pv[FPI_POST];
        uint32_t bucket = fpi_bucket(a->h[i].hash);
        fpi_posting_pack(&a->h[i], a->track_no, pv);
        MDB_val hk = {sizeof bucket, &bucket}, hv = {FPI_POST, pv};
        r = mdb_put(txn, idx->post, &hk, &hv, MDB_NODUPDATA);
        if (r == MDB_KEYEXIST)
            r = 0; /* the same (hash, time) twice in one track */
        if (r != 0)
            return r;
    }
    return 0;
}

ai_err_t fpindex_add_track(fpindex_t *idx, uint32_t track_no, const fp_hash_t *h, size_t n,
                           uint32_t frames, ai_error_t *err)
{
    if (!idx || (n && !h) || n > UINT32_MAX / 2 || frames > FPI_MAX_FRAME ||
        track_no > FPI_MAX_TRACK)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "invalid fingerprint insert");
    add_args_t a = {track_no, frames, h, n, malloc((n ? n : 1) * sizeof(uint32_t)), 0};
    if (!a.distinct)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++)
        a.distinct[i] = h[i].hash;
    qsort(a.distinct, n, sizeof *a.distinct, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if (a.ndistinct == 0 || a.distinct[a.ndistinct - 1] != a.distinct[i])
            a.distinct[a.ndistinct++] = a.distinct[i];
    ai_err_t rc = with_write_txn(idx, add_fn, &a, "insert", err);
    free(a.distinct);
    return rc;
}

static int delete_fn(fpindex_t *idx, MDB_txn *txn, void *user)
{
    return del_track(idx, txn, *(const uint32_t *)user);
}

ai_err_t fpindex_delete_track(fpindex_t *idx, uint32_t track_no, ai_error_t *err)
{
    return with_write_txn(idx, delete_fn, &track_no, "delete", err);
}

static int drop_fn(fpindex_t *idx, MDB_txn *txn, void *user)
{
    (void)user;
    int r = mdb_drop(txn, idx->post, 0);
    if (r == 0)
        r = mdb_drop(txn, idx->tracks, 0);
    return r ? r : put_format(idx, txn);
}

ai_err_t fpindex_drop_all(fpindex_t *idx, ai_error_t *err)
{
    return with_write_txn(idx, drop_fn, NULL, "drop", err);
}

int fpindex_has_track(fpindex_t *idx, uint32_t track_no)
{
    MDB_txn *txn;
    if (!idx || fpi_read_begin(idx, &txn, NULL) != AI_OK)
        return 0;
    MDB_val k = {sizeof track_no, &track_no}, v;
    int found = mdb_get(txn, idx->tracks, &k, &v) == 0;
    fpi_read_end(idx, txn);
    return found;
}

uint32_t fpi_track_frames(fpindex_t *idx, MDB_txn *txn, uint32_t track_no)
{
    MDB_val k = {sizeof track_no, &track_no}, v;
    if (mdb_get(txn, idx->tracks, &k, &v) != 0 || v.mv_size < 12)
        return 0;
    uint32_t hdr[3];
    memcpy(hdr, v.mv_data, sizeof hdr);
    return hdr[0] == TRACK_MAGIC ? hdr[1] : 0;
}

ai_err_t fpindex_list_tracks(fpindex_t *idx, uint32_t **nums, size_t *n, ai_error_t *err)
{
    *nums = NULL;
    *n = 0;
    MDB_txn *txn;
    ai_err_t rc = fpi_read_begin(idx, &txn, err);
    if (rc)
        return rc;
    MDB_stat st;
    MDB_cursor *cur = NULL;
    int r = mdb_stat(txn, idx->tracks, &st);
    uint32_t *out = NULL;
    if (r == 0)
        out = malloc((st.ms_entries ? st.ms_entries : 1) * sizeof *out);
    if (r == 0 && !out)
        r = ENOMEM;
    if (r == 0)
        r = mdb_cursor_open(txn, idx->tracks, &cur);
    size_t cnt = 0;
    MDB_val k, v;
    for (int op = MDB_FIRST; r == 0; op = MDB_NEXT) {
        r = mdb_cursor_get(cur, &k, &v, op);
        if (r != 0)
            break;
        if (cnt < st.ms_entries && k.mv_size == sizeof(uint32_t))
            memcpy(&out[cnt++], k.mv_data, sizeof(uint32_t));
    }
    if (cur)
        mdb_cursor_close(cur);
    fpi_read_end(idx, txn);
    if (r != MDB_NOTFOUND) {
        free(out);
        return lmdb_err(err, idx, "list tracks", r);
    }
    *nums = out;
    *n = cnt;
    return AI_OK;
}

ai_err_t fpindex_stats(fpindex_t *idx, fpindex_stats_t *st, ai_error_t *err)
{
    memset(st, 0, sizeof *st);
    MDB_txn *txn;
    ai_err_t rc = fpi_read_begin(idx, &txn, err);
    if (rc)
        return rc;
    MDB_stat ps, ts;
    int r = mdb_stat(txn, idx->post, &ps);
    if (r == 0)
        r = mdb_stat(txn, idx->tracks, &ts);
    MDB_envinfo info;
    MDB_stat es;
    if (r == 0)
        r = mdb_env_info(idx->env, &info);
    if (r == 0)
        r = mdb_env_stat(idx->env, &es);
    fpi_read_end(idx, txn);
    if (r != 0)
        return lmdb_err(err, idx, "stats", r);
    st->hashes = ps.ms_entries;
    st->tracks = ts.ms_entries;
    st->bytes = (uint64_t)(info.me_last_pgno + 1) * es.ms_psize;
    return AI_OK;
}

ai_err_t fpindex_copy_compact(fpindex_t *idx, const char *dest, ai_error_t *err)
{
    int r = mdb_env_copy2(idx->env, dest, MDB_CP_COMPACT);
    return r == 0 ? AI_OK : lmdb_err(err, idx, "compact copy", r);
}

ai_err_t fpindex_warm(fpindex_t *idx, ai_error_t *err)
{
    MDB_txn *txn;
    ai_err_t rc = fpi_read_begin(idx, &txn, err);
    if (rc)
        return rc;
    MDB_cursor *cur = NULL;
    int r = mdb_cursor_open(txn, idx->post, &cur);
    volatile unsigned char sink = 0;
    MDB_val k, v;
    for (int op = MDB_FIRST; r == 0; op = MDB_NEXT_NODUP) {
        r = mdb_cursor_get(cur, &k, &v, op);
        if (r != 0)
            break;
        /* one read per page of the key's postings maps the page */
        for (int g = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); g == 0;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE))
            sink ^= *(const unsigned char *)v.mv_data;
    }
    (void)sink;
    if (cur)
        mdb_cursor_close(cur);
    fpi_read_end(idx, txn);
    return r == MDB_NOTFOUND ? AI_OK : lmdb_err(err, idx, "warm", r);
}
