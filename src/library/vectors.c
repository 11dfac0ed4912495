/* The vectors step of ingest: chunk embeddings into the vector store. */
#include "library/library_int.h"

#include <stdlib.h>

ai_err_t library_store_vectors(library_t *lib, const meta_track_t *t, const float *pcm, size_t n,
                               ai_error_t *err)
{
    const embed_info_t *info = embed_info(lib->emb);
    float *vecs = NULL;
    size_t nvec = 0;
    ai_err_t rc = embed_pcm(lib->emb, pcm, n, &vecs, &nvec, err);
    if (rc != AI_OK)
        return rc;
    vecstore_chunk_t *chunks = calloc(nvec ? nvec : 1, sizeof *chunks);
    if (!chunks) {
        free(vecs);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    for (size_t i = 0; i < nvec; i++)
        chunks[i] = (vecstore_chunk_t){.track_id = t->id,
                                       .chunk_index = (int)i,
                                       .offset_sec = embed_window_start(lib->emb, n, i),
                                       .duration_sec = embed_window_duration(lib->emb, n, i),
                                       .title = t->title,
                                       .artist = t->artist};
    if (rc == AI_OK)
        rc = vecstore_ensure(lib->vs, info->dim, err);
    if (rc == AI_OK)
        rc = vecstore_upsert(lib->vs, vecs, nvec, info->dim, chunks, err);
    free(chunks);
    free(vecs);
    return rc;
}
