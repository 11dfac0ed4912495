/* The vibe lane end to end: ingest stores chunk vectors, search finds the
 * clip's track, delete and rebuild keep the vector store in step, and a
 * vector store that goes down fails only the vibe lane. */
#include "base/fsutil.h"
#include "qdrant_standin.h"
#include "search/search.h"
#include "test.h"
#include "library/library.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *no_env(const char *name, void *user)
{
    (void)name;
    (void)user;
    return NULL;
}

static const char *recipes[] = {
    "synth 1 pluck C3 pluck E3 pluck G3 repeat 29 tremolo 3 40", /* a pluck a second: never silent */
    "synth 30 square 110-880 tremolo 7 60",
    "synth 30 brownnoise lowpass 800 tremolo 1.5 80",
    "synth 30 sawtooth 220-330 tremolo 2 70",
};

static void make_config(config_t *cfg, const char *name, unsigned qdrant_port)
{
    REQUIRE(config_load_from(cfg, no_env, NULL, "/nonexistent.env", NULL) == AI_OK);
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/%s", test_tmpdir(), name);
    snprintf(cfg->database_url, sizeof cfg->database_url, "sqlite:///%s/%s/meta.db", test_tmpdir(),
             name);
    if (qdrant_port)
        snprintf(cfg->qdrant_url, sizeof cfg->qdrant_url, "http://127.0.0.1:%u", qdrant_port);
    cfg->workers = 2;
}

/* Ingests the generated tracks; ids[i] gets track i's id. */
static void ingest_all(library_t *lib, char ids[4][37])
{
    for (int i = 0; i < 4; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/v%d.wav", test_tmpdir(), i);
        if (!fs_is_file(p))
            REQUIRE(test_sh("sox -n -r 22050 -c 1 '%s' %s 2>/dev/null", p, recipes[i]) == 0);
        library_ingest_result_t r;
        ai_error_t err;
        REQUIRE(library_ingest_file(lib, p, NULL, &r, &err) == AI_OK);
        memcpy(ids[i], r.track_id, 37);
    }
}

static ai_err_t search_clip(library_t *lib, int track, search_mode_t mode, search_result_t *res,
                            ai_error_t *err)
{
    char src[1024], clip[1024];
    snprintf(src, sizeof src, "%s/v%d.wav", test_tmpdir(), track);
    snprintf(clip, sizeof clip, "%s/clip%d.wav", test_tmpdir(), track);
    if (test_sh("sox '%s' '%s' trim 12 8", src, clip) != 0)
        return AI_ERR_INTERNAL_ERROR;
    size_t len;
    unsigned char *buf = test_read_file(clip, &len);
    search_opts_t o = {.mode = mode, .max_results = 3};
    ai_err_t rc = search_run(lib, buf, len, &o, res, err);
    free(buf);
    return rc;
}

static uint64_t vector_count(library_t *lib)
{
    uint64_t n = 0;
    ai_error_t err;
    CHECK_EQ_INT(vecstore_count(library_vecstore(lib), &n, &err), AI_OK);
    return n;
}

static void lane_body(unsigned qdrant_port, const char *name)
{
    config_t cfg;
    make_config(&cfg, name, qdrant_port);
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    char ids[4][37];
    ingest_all(lib, ids);
    uint64_t chunks = vector_count(lib);
    CHECK(chunks >= 4 * 5); /* 30 s tracks: windows at 0, 5, ... 20 s */

    meta_track_t t;
    REQUIRE(meta_track_get(library_meta(lib), ids[1], &t, &err) == AI_OK);
    CHECK(t.embedding_model[0] != '\0');
    CHECK(t.embedding_dim > 0);
    meta_track_release(&t);

    search_result_t res;
    for (int k = 0; k < 4; k++) {
        REQUIRE(search_clip(lib, k, SEARCH_MODE_VIBE, &res, &err) == AI_OK);
        REQUIRE(res.nvibe >= 1);
        CHECK_EQ_STR(res.vibe[0].track.id, ids[k]); /* its own track is the nearest */
        CHECK(res.vibe[0].similarity > 0.5 && res.vibe[0].similarity <= 1.0);
        for (size_t i = 1; i < res.nvibe; i++)
            CHECK(res.vibe[i - 1].similarity >= res.vibe[i].similarity);
        search_result_release(&res);
    }
    /* both: the identified track is not repeated under "sounds like" */
    REQUIRE(search_clip(lib, 2, SEARCH_MODE_BOTH, &res, &err) == AI_OK);
    REQUIRE(res.nexact >= 1);
    CHECK_EQ_STR(res.exact[0].track.id, ids[2]);
    CHECK(res.exact[0].confidence >= SEARCH_TRUST_CONFIDENCE);
    CHECK(res.nvibe >= 1 && res.nvibe <= 3);
    for (size_t i = 0; i < res.nvibe; i++)
        CHECK(strcmp(res.vibe[i].track.id, ids[2]) != 0);
    search_result_release(&res);

    /* delete removes the track's vectors */
    REQUIRE(library_delete(lib, ids[0], &err) == AI_OK);
    uint64_t after = vector_count(lib);
    CHECK(after < chunks);
    /* rebuild from the originals gives the same count back */
    library_rebuild_report_t rep;
    REQUIRE(library_rebuild(lib, 1, 0, NULL, &rep, &err) == AI_OK);
    CHECK_EQ_INT(rep.tracks, 3);
    CHECK_EQ_INT(rep.failed, 0);
    CHECK_EQ_INT(vector_count(lib), after);
    REQUIRE(search_clip(lib, 3, SEARCH_MODE_VIBE, &res, &err) == AI_OK);
    REQUIRE(res.nvibe >= 1);
    CHECK_EQ_STR(res.vibe[0].track.id, ids[3]);
    search_result_release(&res);
    library_close(lib);
}

TEST(vibe_lane_flat_ingest_search_delete_rebuild)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    lane_body(0, "flat");
}

TEST(vibe_lane_qdrant_ingest_search_delete_rebuild)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    qdrant_standin_t *q = qdrant_standin_start();
    REQUIRE(q != NULL);
    lane_body(qdrant_standin_port(q), "qdrant");
    qdrant_standin_stop(q);
}

TEST(vibe_lane_qdrant_down_fails_only_the_vibe_lane)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    qdrant_standin_t *q = qdrant_standin_start();
    REQUIRE(q != NULL);
    config_t cfg;
    make_config(&cfg, "down", qdrant_standin_port(q));
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    char ids[4][37];
    ingest_all(lib, ids);
    qdrant_standin_stop(q); /* Qdrant goes away */

    search_result_t res;
    REQUIRE(search_clip(lib, 1, SEARCH_MODE_BOTH, &res, &err) == AI_OK);
    REQUIRE(res.nexact >= 1);
    CHECK_EQ_STR(res.exact[0].track.id, ids[1]);
    CHECK_EQ_INT(res.nvibe, 0);
    CHECK_EQ_INT(res.vibe_status.code, AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(res.vibe_status.message, "Qdrant") != NULL);
    search_result_release(&res);
    CHECK_EQ_INT(search_clip(lib, 1, SEARCH_MODE_VIBE, &res, &err), AI_ERR_SERVICE_UNAVAILABLE);

    /* an ingest cannot complete without its vectors: it fails; nothing of it
     * is visible (at most a pending row that the next repair rolls back once
     * the vector store answers again) */
    char p[1024];
    snprintf(p, sizeof p, "%s/extra.wav", test_tmpdir());
    REQUIRE(test_sh("sox -n -r 22050 -c 1 '%s' synth 20 pluck A2 tremolo 4 30", p) == 0);
    library_ingest_result_t r;
    CHECK_EQ_INT(library_ingest_file(lib, p, NULL, &r, &err), AI_ERR_SERVICE_UNAVAILABLE);
    long long ready = 0, pending = 0;
    REQUIRE(meta_tracks_count(library_meta(lib), &ready, &pending, &err) == AI_OK);
    CHECK_EQ_INT(ready, 4);
    CHECK(pending <= 1);
    fpindex_stats_t st;
    REQUIRE(fpindex_stats(library_fpindex(lib), &st, &err) == AI_OK);
    CHECK_EQ_INT(st.tracks, 4);
    library_close(lib);
}
