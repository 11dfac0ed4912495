/* rebuild-index: the fingerprint index and/or the vector collection made
 * again from the stored originals (after a model switch, a format change or
 * a lost index). */
#include "library/library_int.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/progress.h"

#include <stdlib.h>
#include <string.h>

#define SCAN_BATCH 500
#define LIBRARY_MIN_STATS_VECTORS 1000 /* ~25 tracks of 3.5 min */

/* One track's raw embeddings, kept until the library statistics are known. */
typedef struct {
    meta_track_t t;
    float *raw;
    size_t nvec, nsamples;
} pending_vecs_t;

/* Every ready track (in fingerprint-number order). */
static ai_err_t all_tracks(library_t *lib, meta_track_t **out, size_t *n, ai_error_t *err)
{
    *out = NULL;
    *n = 0;
    uint32_t after = 0;
    for (;;) {
        meta_track_t *batch = NULL;
        size_t nb = 0;
        ai_err_t rc = meta_tracks_scan(lib->meta, after, SCAN_BATCH, &batch, &nb, err);
        if (rc)
            return rc;
        meta_track_t *grown = nb ? realloc(*out, (*n + nb) * sizeof **out) : *out;
        if (nb && !grown) {
            meta_tracks_free(batch, nb);
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        }
        *out = grown;
        for (size_t i = 0; i < nb; i++) {
            (*out)[(*n)++] = batch[i];
            batch[i].chromaprint = NULL; /* moved */
            after = batch[i].fp_track_no;
        }
        meta_tracks_free(batch, nb);
        if (nb < SCAN_BATCH)
            return AI_OK;
    }
}

/* Decodes one stored original and feeds the indexes being rebuilt. */
static ai_err_t redo_track(library_t *lib, const meta_track_t *t, int fingerprints,
                           pending_vecs_t *pv, embed_stats_acc_t *acc, double *seconds,
                           ai_error_t *err)
{
    char path[CONFIG_STR_MAX + 128];
    library_track_path(lib, t, path, sizeof path);
    unsigned char *data = NULL;
    size_t len = 0;
    ai_err_t rc = fs_read_file(path, (size_t)lib->cfg.max_ingest_bytes, &data, &len, err);
    if (rc)
        return rc;
    int emb_rate = embed_info(lib->emb)->sample_rate;
    audio_decode_opts_t o = {.rates = {FP_SAMPLE_RATE, emb_rate},
                             .nrates = emb_rate == FP_SAMPLE_RATE ? 1 : 2,
                             .max_seconds = lib->cfg.max_track_seconds,
                             .timeout_s = 600};
    audio_decoded_t d = {0};
    rc = audio_decode(data, len, audio_format_from_name(t->format), &o, &d, err);
    free(data);
    if (rc == AI_OK && fingerprints) {
        fp_hash_t *h = NULL;
        size_t nh = 0, frames = 0;
        rc = library_fingerprint_pcm(lib, &d.pcm[0], &h, &nh, &frames, err);
        if (rc == AI_OK)
            rc = fpindex_add_track(lib->fp, t->fp_track_no, h, nh, (uint32_t)frames, err);
        free(h);
    }
    if (rc == AI_OK && pv) {
        const audio_pcm_t *p = &d.pcm[o.nrates - 1];
        rc = embed_pcm_raw(lib->emb, p->samples, p->n, &pv->raw, &pv->nvec, err);
        pv->nsamples = p->n;
        if (rc == AI_OK)
            embed_stats_add(acc, pv->raw, pv->nvec);
    }
    *seconds = d.decoded_s;
    audio_decoded_release(&d);
    return rc;
}

/* The vibe score's calibration from the library's own finished vectors,
 * saved with the statistics (embed.h); too few tracks keep the built-in one. */
static ai_err_t calibrate(library_t *lib, const pending_vecs_t *pv, size_t n,
                          const embed_stats_acc_t *acc, ai_error_t *err)
{
    const float **vecs = calloc(n + 1, sizeof *vecs);
    size_t *nvec = calloc(n + 1, sizeof *nvec), nt = 0;
    ai_err_t rc = AI_OK;
    if (!vecs || !nvec)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    for (size_t i = 0; rc == AI_OK && i < n; i++) {
        if (!pv[i].raw || !pv[i].nvec)
            continue;
        vecs[nt] = pv[i].raw;
        nvec[nt++] = pv[i].nvec;
    }
    embed_calib_t cal;
    embed_lib_view_t view = {vecs, nvec, nt, embed_info(lib->emb)->dim};
    int got = rc == AI_OK ? embed_calib_compute(&view, &cal) : 0;
    if (got < 0)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    if (got > 0) {
        rc = embed_stats_save(acc, &cal, lib->stats_path, err);
        if (rc == AI_OK)
            rc = embed_load_stats(lib->emb, lib->stats_path, err);
        if (rc == AI_OK)
            log_info("rebuild: vibe score calibrated on %zu unrelated pairs", cal.pairs);
    }
    free(vecs);
    free(nvec);
    return rc;
}

/* New statistics, an empty collection, then every track's finished vectors. */
static ai_err_t store_all_vectors(library_t *lib, pending_vecs_t *pv, size_t n,
                                  const embed_stats_acc_t *acc, ai_error_t *err)
{
    const embed_info_t *info = embed_info(lib->emb);
    ai_err_t rc = AI_OK;
    if (!pv || !acc)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "rebuild: no vectors collected");
    /* statistics of a handful of tracks would be worse than the built-in
     * ones (measured on five soundtracks): keep those until the library is
     * big enough */
    int own_stats = embed_stats_count(acc) >= LIBRARY_MIN_STATS_VECTORS;
    if (own_stats) {
        char dir[sizeof lib->stats_path];
        snprintf(dir, sizeof dir, "%s/vectors", lib->cfg.data_dir);
        rc = fs_mkdir_p(dir, err);
        if (rc == AI_OK)
            rc = embed_stats_save(acc, NULL, lib->stats_path, err);
        if (rc == AI_OK)
            rc = embed_load_stats(lib->emb, lib->stats_path, err);
    }
    if (rc == AI_OK)
        rc = vecstore_drop(lib->vs, err);
    if (rc == AI_OK)
        rc = vecstore_ensure(lib->vs, info->dim, err);
    for (size_t i = 0; rc == AI_OK && i < n; i++) {
        if (!pv[i].raw)
            continue;
        embed_finish(lib->emb, pv[i].raw, pv[i].nvec);
        vecstore_chunk_t *chunks = calloc(pv[i].nvec ? pv[i].nvec : 1, sizeof *chunks);
        if (!chunks)
            return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        for (size_t k = 0; k < pv[i].nvec; k++)
            chunks[k] = (vecstore_chunk_t){pv[i].t.id,
                                           (int)k,
                                           embed_window_start(lib->emb, pv[i].nsamples, k),
                                           embed_window_duration(lib->emb, pv[i].nsamples, k),
                                           pv[i].t.title,
                                           pv[i].t.artist};
        rc = vecstore_upsert(lib->vs, pv[i].raw, pv[i].nvec, info->dim, chunks, err);
        free(chunks);
        if (rc == AI_OK)
            rc = meta_track_update_index_info(lib->meta, pv[i].t.id, pv[i].t.fingerprint_indexed,
                                              info->name, info->dim, err);
    }
    if (rc == AI_OK && own_stats)
        rc = calibrate(lib, pv, n, acc, err);
    return rc;
}

ai_err_t library_rebuild(library_t *lib, int vectors, int fingerprints, FILE *progress,
                         library_rebuild_report_t *rep, ai_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    double t0 = clock_now_ms();
    meta_track_t *tracks = NULL;
    size_t n = 0;
    ai_err_t rc = all_tracks(lib, &tracks, &n, err);
    pending_vecs_t *pv = rc == AI_OK && vectors ? calloc(n + 1, sizeof *pv) : NULL;
    embed_stats_acc_t *acc = NULL;
    if (rc == AI_OK && vectors && !pv)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    if (rc == AI_OK && vectors)
        rc = embed_stats_create(lib->emb, &acc, err);
    if (rc == AI_OK && fingerprints)
        rc = fpindex_drop_all(lib->fp, err);
    progress_t bar;
    progress_init(&bar, progress, "rebuild", n, 0);
    for (size_t i = 0; rc == AI_OK && i < n; i++) {
        ai_error_t e;
        double secs = 0;
        if (pv)
            pv[i].t = tracks[i];
        ai_err_t r = redo_track(lib, &tracks[i], fingerprints, pv ? &pv[i] : NULL, acc, &secs, &e);
        if (r != AI_OK) {
            rep->failed++;
            log_warn("rebuild: track %s (%s): %s: %s", tracks[i].id, tracks[i].title,
                     ai_err_name(r), e.message);
            if (pv) {
                free(pv[i].raw);
                pv[i].raw = NULL;
            }
        } else {
            rep->tracks++;
            rep->audio_seconds += secs;
        }
        progress_add(&bar, 1, secs);
    }
    progress_finish(&bar);
    if (rc == AI_OK && vectors)
        rc = store_all_vectors(lib, pv, n, acc, err);
    for (size_t i = 0; pv && i < n; i++)
        free(pv[i].raw);
    free(pv);
    embed_stats_destroy(acc);
    meta_tracks_free(tracks, n);
    rep->wall_seconds = (clock_now_ms() - t0) / 1000.0;
    return rc;
}
