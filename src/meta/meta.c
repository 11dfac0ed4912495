/* meta.c — placeholder until the backends land (see meta.h). */
#include "meta/meta.h"

#include <stdlib.h>
#include <string.h>

#define NYI(err) ai_error_set(err, AI_ERR_INTERNAL_ERROR, "metadata store not implemented yet")

ai_err_t meta_open(const char *database_url, int pool_size, meta_t **out, ai_error_t *err)
{
    *out = NULL;
    return NYI(err);
}
void meta_close(meta_t *m) { (void)m; }
const char *meta_backend_name(const meta_t *m) { return "sqlite"; }
const char *meta_display_url(const meta_t *m) { return ""; }
ai_err_t meta_migrate(meta_t *m, int *applied, ai_error_t *err) { return NYI(err); }
ai_err_t meta_ping(meta_t *m, ai_error_t *err) { return NYI(err); }
void meta_track_init(meta_track_t *t) { memset(t, 0, sizeof *t); }
void meta_track_release(meta_track_t *t)
{
    if (!t)
        return;
    free(t->chromaprint);
    memset(t, 0, sizeof *t);
}
ai_err_t meta_track_insert_pending(meta_t *m, meta_track_t *t, int *duplicate, ai_error_t *err) { return NYI(err); }
ai_err_t meta_track_set_ready(meta_t *m, const char *id, ai_error_t *err) { return NYI(err); }
ai_err_t meta_track_update_index_info(meta_t *m, const char *id, int fingerprint_indexed,
                                      const char *embedding_model, int embedding_dim, ai_error_t *err) { return NYI(err); }
ai_err_t meta_track_get(meta_t *m, const char *id, meta_track_t *t, ai_error_t *err) { return NYI(err); }
ai_err_t meta_track_get_by_hash(meta_t *m, const char *sha256, meta_track_t *t, ai_error_t *err) { return NYI(err); }
ai_err_t meta_track_delete(meta_t *m, const char *id, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_list(meta_t *m, const meta_list_opts_t *o, meta_track_t **tracks, size_t *n,
                          long long *total, ai_error_t *err) { return NYI(err); }
void meta_tracks_free(meta_track_t *tracks, size_t n)
{
    for (size_t i = 0; tracks && i < n; i++)
        meta_track_release(&tracks[i]);
    free(tracks);
}
ai_err_t meta_tracks_by_fp_numbers(meta_t *m, const uint32_t *nums, size_t n, meta_track_t **tracks, size_t *nout, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_by_ids(meta_t *m, const char *const *ids, size_t n, meta_track_t **tracks, size_t *nout, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_pending(meta_t *m, meta_track_t **tracks, size_t *n, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_near_duration(meta_t *m, double duration, double tol, meta_track_t **tracks, size_t *n, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_scan(meta_t *m, uint32_t after_fp_no, size_t limit, meta_track_t **tracks, size_t *n, ai_error_t *err) { return NYI(err); }
ai_err_t meta_tracks_count(meta_t *m, long long *ready, long long *pending, ai_error_t *err) { return NYI(err); }
