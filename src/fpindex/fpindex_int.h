/* Internal to fpindex: the handle and helpers shared by store.c and match.c. */
#ifndef AI_FPINDEX_INT_H
#define AI_FPINDEX_INT_H

#include "fpindex/fpindex.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>

struct fpindex {
    MDB_env *env;
    MDB_dbi post, tracks, meta;
    size_t mapsize;
    /* Readers hold it shared; a map resize holds it exclusively (LMDB requires
     * no active transaction in the process while the map size changes). */
    pthread_rwlock_t map_lock;
    pthread_mutex_t write_lock; /* one writer */
    char dir[1024];
};

/* Postings are grouped in buckets keyed by the hash's high bits, so LMDB keys
 * carry many duplicates (dense DUPFIXED pages, ~10 bytes a posting).  A
 * posting is (low 16 hash bits BE, track u24 BE, frame u24 BE, span u8, lf
 * u8): memcmp order sorts a bucket by hash, then track, then time. */
#define FPI_POST      10
#define FPI_LOW_BITS  16
#define FPI_MAX_FRAME 0xFFFFFFu
#define FPI_MAX_TRACK 0xFFFFFFu
static inline uint32_t fpi_bucket(uint32_t hash)
{
    return hash >> FPI_LOW_BITS;
}
void fpi_posting_pack(const fp_hash_t *h, uint32_t track, unsigned char out[FPI_POST]);
void fpi_posting_unpack(const unsigned char in[FPI_POST], uint32_t *track, uint32_t *t);
/* ---- shared by match.c (locate, vote) and verify.c (scale search) */

/* A run of one hash's postings inside an LMDB page (valid for the read
 * transaction: read-only transactions see a fixed snapshot of the map). */
typedef struct {
    const unsigned char *p;
    uint32_t n;
} seg_t;

/* One distinct hash of the clip: its occurrences qs[q0 .. q0+nq) and its
 * posting list segs[s0 .. s0+ns) of len postings (0 segments if skipped). */
typedef struct {
    uint32_t q0, nq, s0, ns, len;
    int stop; /* more postings than the stop-word cap: not used at all */
} qh_t;

typedef struct {
    fp_hash_t *qs;
    size_t nqs;
    qh_t *hs;
    size_t nhs;
    seg_t *segs;
    size_t nsegs, segs_cap;
} gather_t;


/* (track, frame) of a posting as one comparable key. */
static inline uint64_t fpi_post_key(const unsigned char *p)
{
    return (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 |
           (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | p[7];
}

/* Vote cell width in frames: votes go to (track, clip-centre position in
 * the track / FPI_VOTE_CELL), the position estimated with each posting's own
 * time scale (span ratio), which is a few percent off. */
#define FPI_VOTE_CELL 8

/* A candidate to verify: track, vote cell of the clip centre; filled in by
 * fpi_verify: aligned hashes, chance expectation, best scale and offset. */
typedef struct {
    uint32_t track;
    int64_t cell;
    double w, lambda;
    uint32_t aligned;
    double scale, centre; /* track frames per clip frame; clip centre in track frames */
    double pitch_cents;
    uint32_t nscales; /* scales tried (chance correction) */
} verif_t;

/* Verifies candidates over every gathered hash (see verify.c); tmid = the
 * clip's centre frame.  Returns ENOMEM or 0. */
int fpi_verify(const gather_t *g, double tmid, verif_t *v, size_t nv);

ai_err_t fpi_read_begin(fpindex_t *idx, MDB_txn **txn, ai_error_t *err);
void fpi_read_end(fpindex_t *idx, MDB_txn *txn);
/* qsort order of matches: score descending, then track number. */
int fpi_match_by_score(const void *a, const void *b);
/* The query's minimum score (FPINDEX_MIN_SCORE unless the options lower it). */
double fpi_min_score(const fpindex_query_opts_t *o);
/* Track length in frames from its header (0 if unknown). */
uint32_t fpi_track_frames(fpindex_t *idx, MDB_txn *txn, uint32_t track_no);

#endif
