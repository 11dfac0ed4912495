/* The vibe (similarity) lane: embed the clip, find the nearest chunks,
 * aggregate them per track, join TrackInfo. */
#include "search/search_int.h"
#include "embed/embed.h"
#include "meta/meta.h"
#include "vecstore/vecstore.h"

#include <stdlib.h>
#include <string.h>

/* The track rule (embed.h, shared with its calibration): nearest chunks per
 * window, a track's similarity = mean of its best chunks plus a bonus for
 * how many distinct chunks of it matched. */
#define QUERY_WINDOWS   3 /* clip windows queried (evenly spread) */
#define CHUNKS_PER_WIN  EMBED_LANE_CHUNKS_PER_WIN
#define TOP_CHUNKS      EMBED_LANE_TOP_CHUNKS
#define DIVERSITY_BONUS EMBED_LANE_DIVERSITY_BONUS

int search_lane_vibe_rate(library_t *lib)
{
    embedder_t *e = library_embedder(lib);
    return e ? embed_info(e)->sample_rate : 0;
}

typedef struct {
    char track_id[37];
    float best[TOP_CHUNKS]; /* descending, cosine mapped to [0,1] */
    int nbest, chunks;
    double score; /* the lane similarity */
} track_agg_t;

static int by_track_chunk(const void *a, const void *b)
{
    const vecstore_hit_t *x = a, *y = b;
    int c = strcmp(x->track_id, y->track_id);
    if (c)
        return c;
    if (x->chunk_index != y->chunk_index)
        return x->chunk_index - y->chunk_index;
    return (x->score < y->score) - (x->score > y->score);
}

static int by_score(const void *a, const void *b)
{
    double x = ((const track_agg_t *)a)->score, y = ((const track_agg_t *)b)->score;
    if (x != y)
        return (x < y) - (x > y);
    return strcmp(((const track_agg_t *)a)->track_id, ((const track_agg_t *)b)->track_id);
}

/* Groups hits by track (each chunk counted once, at its best score). */
static size_t aggregate(vecstore_hit_t *hits, size_t n, track_agg_t *out)
{
    if (!hits || !out || n == 0)
        return 0;
    qsort(hits, n, sizeof *hits, by_track_chunk);
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(hits[i].track_id, hits[i - 1].track_id) == 0 &&
            hits[i].chunk_index == hits[i - 1].chunk_index)
            continue; /* same chunk seen by another window: keep the best */
        if (nt == 0 || strcmp(out[nt - 1].track_id, hits[i].track_id) != 0) {
            memset(&out[nt], 0, sizeof out[nt]);
            memcpy(out[nt].track_id, hits[i].track_id, sizeof out[nt].track_id);
            nt++;
        }
        track_agg_t *t = &out[nt - 1];
        float s = (hits[i].score + 1.0f) / 2.0f;
        t->chunks++;
        if (t->nbest < TOP_CHUNKS)
            t->best[t->nbest++] = s;
        else if (s > t->best[TOP_CHUNKS - 1])
            t->best[TOP_CHUNKS - 1] = s;
        for (int k = t->nbest - 1; k > 0 && t->best[k] > t->best[k - 1]; k--) {
            float x = t->best[k];
            t->best[k] = t->best[k - 1];
            t->best[k - 1] = x;
        }
    }
    for (size_t i = 0; i < nt; i++) {
        double sum = 0;
        for (int k = 0; k < out[i].nbest; k++)
            sum += out[i].best[k];
        double div = out[i].chunks / 5.0;
        out[i].score = sum / out[i].nbest + DIVERSITY_BONUS * (div < 1 ? div : 1);
        if (out[i].score > 1)
            out[i].score = 1;
    }
    qsort(out, nt, sizeof *out, by_score);
    return nt;
}

/* Joins the best tracks to their metadata (one query), keeping the order;
 * tracks that are not ready are left out. */
static ai_err_t join(library_t *lib, const track_agg_t *agg, size_t nt, size_t max_results,
                     const embedder_t *emb, double min_score, search_result_t *res, ai_error_t *err)
{
    const embed_calib_t *cal = embed_calibration(emb);
    /* agg is sorted, and the score is monotone in the similarity */
    while (nt > 0 && embed_calib_score(cal, agg[nt - 1].score) < min_score)
        nt--;
    size_t want = nt < max_results ? nt : max_results;
    const char *ids[SEARCH_MAX_RESULTS + 1];
    for (size_t i = 0; i < want; i++)
        ids[i] = agg[i].track_id;
    meta_track_t *tracks = NULL;
    size_t n = 0;
    ai_err_t rc = want ? meta_tracks_by_ids(library_meta(lib), ids, want, &tracks, &n, err) : AI_OK;
    if (rc == AI_OK && want) {
        res->vibe = calloc(want, sizeof *res->vibe);
        if (!res->vibe)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    for (size_t i = 0; rc == AI_OK && res->vibe && i < want; i++) {
        for (size_t k = 0; k < n; k++) {
            if (strcmp(tracks[k].id, agg[i].track_id) != 0 || tracks[k].status != META_READY)
                continue;
            search_vibe_match_t *v = &res->vibe[res->nvibe++];
            v->track = tracks[k];
            tracks[k].chromaprint = NULL; /* moved */
            v->similarity = agg[i].score;
            v->score = embed_calib_score(cal, agg[i].score);
            snprintf(v->embedding_model, sizeof v->embedding_model, "%s", embed_info(emb)->name);
            break;
        }
    }
    meta_tracks_free(tracks, n);
    return rc;
}

/* 1 when the library has no ready track.  A vector store that cannot answer
 * for an empty library (a Qdrant collection is only created by the first
 * ingest) has nothing to find then, so the lane answers [] instead of an
 * error; with tracks in the library the error stands: their vectors are
 * missing. */
static int library_is_empty(library_t *lib)
{
    long long ready = 0;
    ai_error_t e;
    return meta_tracks_count(library_meta(lib), &ready, NULL, &e) == AI_OK && ready == 0;
}

ai_err_t search_lane_vibe(const search_lane_ctx_t *ctx, search_result_t *res, ai_error_t *err)
{
    embedder_t *emb = library_embedder(ctx->lib);
    vecstore_t *vs = library_vecstore(ctx->lib);
    if (!emb || !vs)
        return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "the vibe lane is not configured");
    const embed_info_t *info = embed_info(emb);
    float *vecs = NULL;
    size_t nvec = 0;
    ai_err_t rc = embed_pcm_raw(emb, ctx->pcm->samples, ctx->pcm->n, &vecs, &nvec, err);
    if (rc != AI_OK)
        return rc;
    size_t nq = nvec < QUERY_WINDOWS ? nvec : QUERY_WINDOWS;
    vecstore_hit_t *hits = calloc(nq * CHUNKS_PER_WIN + 1, sizeof *hits);
    track_agg_t *agg = calloc(nq * CHUNKS_PER_WIN + 1, sizeof *agg);
    float *q = malloc((nq + 1) * (size_t)info->dim * sizeof *q);
    if (!hits || !agg || !q) {
        free(hits);
        free(agg);
        free(q);
        free(vecs);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    /* windows spread over the clip (first, middle, last), scanned together */
    size_t got[QUERY_WINDOWS] = {0}, total = 0;
    for (size_t w = 0; w < nq; w++) {
        size_t wi = nq == 1 ? 0 : w * (nvec - 1) / (nq - 1);
        memcpy(q + w * (size_t)info->dim, vecs + wi * (size_t)info->dim,
               (size_t)info->dim * sizeof *q);
    }
    /* a clip unlike music (speech, noise, tones) only finds near duplicates */
    embed_gate_t gate;
    embed_music_gate(emb, q, nq, &gate);
    double min_score = gate.music ? SEARCH_VIBE_MIN_SCORE : SEARCH_VIBE_MIN_SCORE_UNLIKE;
    embed_finish(emb, q, nq);
    if (rc == AI_OK && ctx->cancel && atomic_load(ctx->cancel))
        rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "the search was abandoned");
    if (rc == AI_OK)
        rc = vecstore_query_many(vs, q, nq, info->dim, CHUNKS_PER_WIN, ctx->deadline, hits, got,
                                 err);
    if (rc == AI_ERR_SERVICE_UNAVAILABLE && library_is_empty(ctx->lib)) {
        rc = AI_OK;
        memset(got, 0, sizeof got);
    }
    for (size_t w = 0; rc == AI_OK && w < nq; w++) { /* pack the windows' hits together */
        memmove(hits + total, hits + w * CHUNKS_PER_WIN, got[w] * sizeof *hits);
        total += got[w];
    }
    free(q);
    if (rc == AI_OK && deadline_passed(ctx->deadline))
        rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "the vibe lane ran out of time");
    if (rc == AI_OK) {
        size_t nt = aggregate(hits, total, agg);
        rc = join(ctx->lib, agg, nt, ctx->max_results, emb, min_score, res, err);
    }
    free(agg);
    free(hits);
    free(vecs);
    return rc;
}
