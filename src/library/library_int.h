/* Internal to the library module. */
#ifndef AI_LIBRARY_INT_H
#define AI_LIBRARY_INT_H

#include "audio/audio.h"
#include "embed/embed.h"
#include "fp/fp.h"
#include "library/library.h"
#include "vecstore/vecstore.h"

/* A pending row younger than this may be an ingest still running in another
 * process (e.g. `ingest` next to `serve`), so repair leaves it alone. */
#define LIBRARY_PENDING_GRACE_S 120.0

struct library {
    config_t cfg;
    meta_t *meta;
    fpindex_t *fp;
    embedder_t *emb;
    vecstore_t *vs;
    fp_params_t fpp;
    char raw_dir[CONFIG_STR_MAX + 8];
    char stats_path[CONFIG_STR_MAX + 32]; /* embedder statistics (rebuild-index) */
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

ai_err_t library_repair_older_than(library_t *lib, double grace_s, size_t *rolled_back,
                                   ai_error_t *err);

#endif
