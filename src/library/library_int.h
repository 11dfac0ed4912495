/* Internal to the library module. */
#ifndef AI_LIBRARY_INT_H
#define AI_LIBRARY_INT_H

#include "audio/audio.h"
#include "embed/embed.h"
#include "fp/fp.h"
#include "library/library.h"
#include "vecstore/vecstore.h"

#include <pthread.h>

/* Ingest ownership (owner.c, DESIGN.md "Storage and consistency"): a pending
 * row names its owner and holds a lease in the metadata store, renewed every
 * LIBRARY_HEARTBEAT_S while the ingest runs.  A row whose owner process is
 * gone (same host) or whose lease ran out is taken over at once. */
#define LIBRARY_LEASE_S     30.0
#define LIBRARY_HEARTBEAT_S 5.0
#define LIBRARY_SWEEP_S     60.0  /* the maintenance thread's repair sweep */
#define LIBRARY_WAIT_S      20.0  /* an ingest waits this long for a live owner */
#define LIBRARY_TEMP_GRACE_S 120.0 /* stray temp files older than this go */
#define LIBRARY_MAX_INFLIGHT 256
/* DATA_DIR/.rollback-reserve: space held back so that a rollback on a full
 * disk can still write (an SQLite delete needs WAL pages). */
#define LIBRARY_RESERVE_BYTES (256 << 10)

/* One ingest running in this library instance: its file hash (registered
 * before the row exists) and, once inserted, its row id. */
typedef struct {
    char sha[65];
    char id[37];
} library_inflight_t;

struct library {
    config_t cfg;
    meta_t *meta;
    fpindex_t *fp;
    embedder_t *emb;
    vecstore_t *vs;
    fp_params_t fpp;
    char raw_dir[CONFIG_STR_MAX + 8];
    char stats_path[CONFIG_STR_MAX + 32]; /* embedder statistics (rebuild-index) */
    char reserve_path[CONFIG_STR_MAX + 32]; /* LIBRARY_RESERVE_BYTES */
    /* owner.c: identity, in-flight ingests, maintenance thread */
    char owner[META_OWNER_MAX]; /* "host|pidns pid start token" */
    char owner_host[META_OWNER_MAX];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* in-flight set changed / stop requested */
    library_inflight_t inflight[LIBRARY_MAX_INFLIGHT];
    size_t ninflight;
    int stop, thread_started;
    /* LIBRARY_HEARTBEAT_S / _SWEEP_S / _WAIT_S; tests shorten them (under mu) */
    double heartbeat_s, sweep_s, wait_s;
    pthread_t thread;
};

/* "Artist - Title.ext" → artist, title; otherwise the stem is the title. */
void library_tags_from_name(const char *name, char *artist, size_t an, char *title, size_t tn);

/* ingest.c: landmark hashes of 16 kHz PCM (*h is malloc'd). */
ai_err_t library_fingerprint_pcm(library_t *lib, const audio_pcm_t *pcm, fp_hash_t **h,
                                 size_t *nh, size_t *frames, ai_error_t *err);

/* vectors.c: embeds a track's PCM (at the embedder's rate) in chunks and
 * stores them in the vector store under t->id. */
ai_err_t library_store_vectors(library_t *lib, const meta_track_t *t, const float *pcm, size_t n,
                               ai_error_t *err);

/* owner.c */
/* Sets lib->owner; initialises the lock. */
ai_err_t library_owner_init(library_t *lib, ai_error_t *err);
/* Starts / stops the maintenance thread (lease heartbeat, periodic sweep). */
ai_err_t library_maintenance_start(library_t *lib, ai_error_t *err);
void library_maintenance_stop(library_t *lib);
/* Registers an ingest of sha in this instance, waiting up to LIBRARY_WAIT_S
 * while another thread here ingests the same hash (INGEST_IN_PROGRESS then). */
ai_err_t library_inflight_acquire(library_t *lib, const char *sha, ai_error_t *err);
/* How long an ingest waits for a live owner (lib->wait_s). */
double library_wait_s(library_t *lib);
void library_inflight_set_id(library_t *lib, const char *sha, const char *id);
void library_inflight_release(library_t *lib, const char *sha);
/* 1 when the pending row's owner is alive: this instance ingesting it, a
 * live process on this host, or an unexpired lease elsewhere. */
int library_owner_alive(library_t *lib, const meta_track_t *t);
/* Claims a pending row whose owner is dead and rolls it back (derived data,
 * file, row).  *done = 1 when this call removed it; 0 when someone else
 * changed the row first. */
ai_err_t library_take_over(library_t *lib, const meta_track_t *t, int *done, ai_error_t *err);

/* library.c: deletes a row; on STORAGE_FULL gives up the rollback reserve
 * and tries once more. */
ai_err_t library_delete_row(library_t *lib, const char *id, ai_error_t *err);
/* Creates the rollback reserve when it is missing and the disk has room. */
void library_reserve_space(library_t *lib);
/* library.c: removes fingerprints, vectors, file and row of t. */
ai_err_t library_remove_track(library_t *lib, const meta_track_t *t, ai_error_t *err);
/* Rolls back every pending row whose owner is dead (all of them with
 * force) and removes stray temp files. */
ai_err_t library_sweep(library_t *lib, int force, size_t *rolled_back, ai_error_t *err);
/* Temp files of interrupted atomic writes under raw/ older than grace_s. */
void library_remove_stray_temp_files(const library_t *lib, double grace_s);

#endif
