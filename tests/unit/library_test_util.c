/* Shared by the library tests: backend selection, generated tracks and the
 * consistency check. */
#include "library_test_util.h"
#include "test.h"
#include "base/fsutil.h"

#include <stdio.h>
#include <stdlib.h>

static const char *no_env(const char *name, void *user)
{
    (void)name;
    (void)user;
    return NULL;
}

/* One test body, two backends: SQLite always, PostgreSQL when
 * AI_TEST_DATABASE_URL is set (make test-postgres). */
int backend_config(config_t *cfg, int pg)
{
    if (config_load_from(cfg, no_env, NULL, "/nonexistent.env", NULL) != AI_OK)
        return -1;
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/data", test_tmpdir());
    if (pg) {
        const char *url = getenv("AI_TEST_DATABASE_URL");
        if (!url)
            return 1;
        snprintf(cfg->database_url, sizeof cfg->database_url, "%s", url);
        /* the cluster is shared by the whole run: start from an empty table
         * (each test has its own DATA_DIR, so old rows would have no files) */
        if (test_sh("psql -q '%s' -c 'DELETE FROM tracks' >/dev/null 2>&1 || true", url) != 0)
            return -1;
    } else {
        snprintf(cfg->database_url, sizeof cfg->database_url, "sqlite:///%s/data/meta.db",
                 test_tmpdir());
    }
    cfg->workers = 2;
    return 0;
}

/* Distinct generated tracks: sox synth recipes. */
const char *const recipes[] = {
    "synth 12 pluck C3 pluck E3 pluck G3 tremolo 3 40",
    "synth 12 square 110-880 tremolo 7 60",
    "synth 12 sine 300-2400 tremolo 5 50",
    "synth 12 sawtooth 220-330 tremolo 2 70",
};

int make_track(const char *path, int i)
{
    return test_sh("sox -n -r 22050 -c 1 '%s' %s 2>/dev/null", path, recipes[i]);
}

/* Every ready row has its file and fingerprints; nothing pending remains;
 * the raw directory holds exactly the ready rows' files. */
void check_consistent(library_t *lib, size_t want_ready)
{
    meta_t *m = library_meta(lib);
    long long ready = -1, pending = -1;
    REQUIRE(meta_tracks_count(m, &ready, &pending, NULL) == AI_OK);
    CHECK_EQ_INT(pending, 0);
    if (want_ready != (size_t)-1)
        CHECK_EQ_INT(ready, (long long)want_ready);
    meta_list_opts_t o = {.page = 1, .page_size = 100, .ready_only = 1};
    meta_track_t *t = NULL;
    size_t n = 0;
    long long total = 0;
    REQUIRE(meta_tracks_list(m, &o, &t, &n, &total, NULL) == AI_OK);
    for (size_t i = 0; i < n; i++) {
        CHECK(fs_is_file(t[i].file_path));
        CHECK(fpindex_has_track(library_fpindex(lib), t[i].fp_track_no));
    }
    uint32_t *nums = NULL;
    size_t nn = 0;
    REQUIRE(fpindex_list_tracks(library_fpindex(lib), &nums, &nn, NULL) == AI_OK);
    CHECK_EQ_INT(nn, n); /* no orphan fingerprints */
    free(nums);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "test $(find '%s/data/raw' -type f | wc -l) -eq %zu", test_tmpdir(),
             n);
    CHECK_EQ_INT(test_sh("%s", cmd), 0); /* no orphan files, no temp files */
    meta_tracks_free(t, n);
}
