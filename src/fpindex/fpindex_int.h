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

void fpi_posting_pack(uint32_t track, uint32_t t, unsigned char out[8]);
void fpi_posting_unpack(const unsigned char in[8], uint32_t *track, uint32_t *t);
ai_err_t fpi_read_begin(fpindex_t *idx, MDB_txn **txn, ai_error_t *err);
void fpi_read_end(fpindex_t *idx, MDB_txn *txn);
/* Track length in frames from its header (0 if unknown). */
uint32_t fpi_track_frames(fpindex_t *idx, MDB_txn *txn, uint32_t track_no);

#endif
