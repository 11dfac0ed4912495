/* Internal to fpindex: the handle and helpers shared by store.c and match.c. */
#ifndef AI_FPINDEX_INT_H
#define AI_FPINDEX_INT_H

#include "fpindex/fpindex.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>

struct fpindex {
    MDB_env *env;
    MDB_dbi post, tracks;
    size_t mapsize;
    /* Readers hold it shared; a map resize holds it exclusively (LMDB requires
     * no active transaction in the process while the map size changes). */
    pthread_rwlock_t map_lock;
    pthread_mutex_t write_lock; /* one writer */
    char dir[1024];
};

/* Postings are grouped in buckets keyed by the hash's high bits, so LMDB keys
 * carry many duplicates (dense DUPFIXED pages, ~8 bytes a posting).  A
 * posting is (low 16 hash bits BE, track u24 BE, frame u24 BE): memcmp order
 * sorts a bucket by hash, then track, then time. */
#define FPI_LOW_BITS  16
#define FPI_MAX_FRAME 0xFFFFFFu
#define FPI_MAX_TRACK 0xFFFFFFu
static inline uint32_t fpi_bucket(uint32_t hash)
{
    return hash >> FPI_LOW_BITS;
}
void fpi_posting_pack(uint32_t hash, uint32_t track, uint32_t t, unsigned char out[8]);
void fpi_posting_unpack(const unsigned char in[8], uint32_t *track, uint32_t *t);
ai_err_t fpi_read_begin(fpindex_t *idx, MDB_txn **txn, ai_error_t *err);
void fpi_read_end(fpindex_t *idx, MDB_txn *txn);
/* qsort order of matches: score descending, then track number. */
int fpi_match_by_score(const void *a, const void *b);
/* The query's minimum score (FPINDEX_MIN_SCORE unless the options lower it). */
double fpi_min_score(const fpindex_query_opts_t *o);
/* Track length in frames from its header (0 if unknown). */
uint32_t fpi_track_frames(fpindex_t *idx, MDB_txn *txn, uint32_t track_no);

#endif
