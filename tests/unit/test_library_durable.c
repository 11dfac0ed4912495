/* Durable ingest: a crashed ingest's row is taken over at once, a live one is
 * waited for, a failed ingest leaves nothing, and the ingest guards
 * (MIN_TRACK_SECONDS, MIN_FREE_DISK_MB). */
#include "test.h"
#include "library_test_util.h"
#include "base/fsutil.h"
#include "library/library_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Ingests path in a fresh `audio-ident ingest` process (AI_BIN) with
 * AI_TEST_INGEST_STAGE = stage; returns the child's pid (not waited for), or
 * -1 without AI_BIN.  A fresh process, not a forked copy of this one: this
 * process has threads (an open library's lease keeper), and the forked child
 * of a threaded process can deadlock on a lock another thread held at the
 * fork.  Everything the child needs is prepared before fork(). */
static pid_t ingest_in_child(const config_t *cfg, const char *stage, const char *path)
{
    const char *bin = getenv("AI_BIN");
    if (!bin)
        return -1;
    char e_data[CONFIG_STR_MAX + 16], e_db[CONFIG_STR_MAX + 16], e_stage[128];
    snprintf(e_data, sizeof e_data, "DATA_DIR=%s", cfg->data_dir);
    snprintf(e_db, sizeof e_db, "DATABASE_URL=%s", cfg->database_url);
    snprintf(e_stage, sizeof e_stage, "AI_TEST_INGEST_STAGE=%s", stage);
    char e_log[] = "LOG_LEVEL=error", e_workers[] = "WORKERS=1";
    char a0[] = "audio-ident", a1[] = "ingest";
    char *const envp[] = {e_data, e_db, e_stage, e_log, e_workers, NULL};
    char *const argv[] = {a0, a1, (char *)path, NULL};
    const char *dir = test_tmpdir(); /* no developer's ./.env */
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(dir) == 0)
            execve(bin, argv, envp);
        _exit(127);
    }
    return pid;
}

static long long count_pending(library_t *lib)
{
    long long ready = 0, pending = -1;
    if (meta_tracks_count(library_meta(lib), &ready, &pending, NULL) != AI_OK)
        return -1;
    return pending;
}

/* The track id names a ready row. */
static void check_ready(library_t *lib, const char *id)
{
    meta_track_t t;
    meta_track_init(&t);
    REQUIRE(meta_track_get(library_meta(lib), id, &t, NULL) == AI_OK);
    CHECK_EQ_INT(t.status, META_READY);
    meta_track_release(&t);
}

/* A process killed at each ingest stage leaves a pending row; the next ingest
 * of the same file (in a library opened before the crash, so no repair at
 * open helps) takes it over at once and ingests it — never "duplicate". */
static void dead_owner_body(int pg)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    const char *x = test_path("x.wav");
    REQUIRE(make_track(x, 1) == 0);
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    static const char *const stages[] = {"row:kill", "original:kill", "fingerprints:kill",
                                         "vectors:kill"};
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        pid_t pid = ingest_in_child(&cfg, stages[i], x);
        REQUIRE(pid > 0);
        int st = 0;
        waitpid(pid, &st, 0);
        REQUIRE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        CHECK_EQ_INT(count_pending(lib), 1);
        library_ingest_result_t res;
        CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, &err), AI_OK);
        CHECK(!res.duplicate);
        check_ready(lib, res.track_id);
        check_consistent(lib, 1);
        /* a second time it is a true duplicate of the ready track */
        library_ingest_result_t again;
        CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &again, &err), AI_OK);
        CHECK(again.duplicate);
        CHECK_EQ_STR(again.track_id, res.track_id);
        REQUIRE(library_delete(lib, res.track_id, &err) == AI_OK);
    }
    library_close(lib);
}

TEST(library_durable_sqlite_dead_owner_row_is_taken_over)
{
    dead_owner_body(0);
}

TEST(library_durable_pg_dead_owner_row_is_taken_over)
{
    dead_owner_body(1);
}

/* While another process is ingesting the same file, a second ingest waits
 * for it and answers duplicate with the id of the now ready track. */
static void live_owner_body(int pg)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    const char *x = test_path("x.wav");
    REQUIRE(make_track(x, 2) == 0);
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    pid_t pid = ingest_in_child(&cfg, "vectors:sleep:2500", x);
    REQUIRE(pid > 0);
    for (int i = 0; i < 200 && count_pending(lib) == 0; i++)
        usleep(50 * 1000);
    CHECK_EQ_INT(count_pending(lib), 1);
    library_ingest_result_t res;
    CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, &err), AI_OK);
    CHECK(res.duplicate);
    check_ready(lib, res.track_id);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check_consistent(lib, 1);
    library_close(lib);
}

/* A live owner that takes longer than the wait: INGEST_IN_PROGRESS (409),
 * never a duplicate of a track that is not ready. */
static void in_progress_body(int pg)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    const char *x = test_path("x.wav");
    REQUIRE(make_track(x, 0) == 0);
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    pthread_mutex_lock(&lib->mu);
    lib->wait_s = 0.5;
    pthread_mutex_unlock(&lib->mu);
    pid_t pid = ingest_in_child(&cfg, "fingerprints:sleep:4000", x);
    REQUIRE(pid > 0);
    for (int i = 0; i < 200 && count_pending(lib) == 0; i++)
        usleep(50 * 1000);
    library_ingest_result_t res;
    CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, &err), AI_ERR_INGEST_IN_PROGRESS);
    CHECK_EQ_INT(ai_err_http_status(err.code), 409);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, &err), AI_OK);
    CHECK(res.duplicate);
    check_ready(lib, res.track_id);
    check_consistent(lib, 1);
    library_close(lib);
}

TEST(library_durable_sqlite_slow_owner_is_in_progress)
{
    in_progress_body(0);
}

TEST(library_durable_pg_slow_owner_is_in_progress)
{
    in_progress_body(1);
}

TEST(library_durable_sqlite_live_owner_is_waited_for)
{
    live_owner_body(0);
}

TEST(library_durable_pg_live_owner_is_waited_for)
{
    live_owner_body(1);
}

/* A long-running process heals by itself: the periodic sweep rolls back the
 * row of a crashed ingest nobody retries. */
TEST(library_durable_periodic_sweep_rolls_back)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, 0);
    const char *x = test_path("x.wav");
    REQUIRE(make_track(x, 3) == 0);
    library_t *lib = NULL;
    REQUIRE(library_open(&cfg, &lib, NULL) == AI_OK);
    pthread_mutex_lock(&lib->mu);
    lib->heartbeat_s = 0.2;
    lib->sweep_s = 0.5;
    pthread_mutex_unlock(&lib->mu);
    pid_t pid = ingest_in_child(&cfg, "vectors:kill", x);
    REQUIRE(pid > 0);
    waitpid(pid, NULL, 0);
    CHECK_EQ_INT(count_pending(lib), 1);
    for (int i = 0; i < 200 && count_pending(lib) != 0; i++) /* the first period is 5 s */
        usleep(50 * 1000);
    check_consistent(lib, 0);
    library_close(lib);
}

/* A failure inside any stage rolls the track back in-process: no row, no
 * original, no fingerprints, no vectors. */
TEST(library_durable_failed_ingest_leaves_nothing)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, 0);
    const char *x = test_path("x.wav");
    REQUIRE(make_track(x, 0) == 0);
    static const char *const stages[] = {"row", "original", "fingerprints", "vectors"};
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        for (int full = 0; full < 2; full++) {
            snprintf(cfg.test_ingest_stage, sizeof cfg.test_ingest_stage, "%s:%s", stages[i],
                     full ? "full" : "fail");
            library_t *lib = NULL;
            ai_error_t err;
            REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
            library_ingest_result_t res;
            CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, &err),
                         full ? AI_ERR_STORAGE_FULL : AI_ERR_INTERNAL_ERROR);
            CHECK_EQ_INT(ai_err_http_status(err.code), full ? 507 : 500);
            check_consistent(lib, 0);
            uint64_t nvec = 1;
            if (vecstore_count(library_vecstore(lib), &nvec, &err) == AI_OK)
                CHECK_EQ_INT(nvec, 0);
            library_close(lib);
        }
    }
    /* and the file then ingests normally */
    cfg.test_ingest_stage[0] = '\0';
    library_t *lib = NULL;
    REQUIRE(library_open(&cfg, &lib, NULL) == AI_OK);
    library_ingest_result_t res;
    CHECK_EQ_INT(library_ingest_file(lib, x, NULL, &res, NULL), AI_OK);
    CHECK(!res.duplicate);
    check_consistent(lib, 1);
    library_close(lib);
}

TEST(library_durable_min_track_seconds_and_free_space)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, 0);
    CHECK_NEAR(cfg.min_track_seconds, 5.0, 1e-9);
    REQUIRE(test_sh("sox -n -r 22050 -c 1 '%s' synth 4 pluck C3 tremolo 3 40",
                    test_path("short.wav")) == 0);
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    library_ingest_result_t res;
    CHECK_EQ_INT(library_ingest_file(lib, test_path("short.wav"), NULL, &res, &err),
                 AI_ERR_TRACK_TOO_SHORT);
    CHECK(strstr(err.message, "MIN_TRACK_SECONDS") != NULL);
    check_consistent(lib, 0);
    library_close(lib);

    /* more free space required than any test disk has */
    cfg.min_free_disk_mb = 1048576;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    unsigned long long free_b = 0;
    int low = 0;
    REQUIRE(library_disk_free(lib, &free_b, &low, &err) == AI_OK);
    CHECK(low);
    REQUIRE(make_track(test_path("ok.wav"), 0) == 0);
    CHECK_EQ_INT(library_ingest_file(lib, test_path("ok.wav"), NULL, &res, &err),
                 AI_ERR_STORAGE_FULL);
    CHECK(strstr(err.message, "MIN_FREE_DISK_MB") != NULL);
    check_consistent(lib, 0);
    library_close(lib);
}

/* Who counts as alive: a lease that ran out or a vanished process on this
 * host is dead at once; another host is trusted until its lease runs out. */
TEST(library_durable_owner_liveness)
{
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, 0);
    library_t *lib = NULL;
    REQUIRE(library_open(&cfg, &lib, NULL) == AI_OK);
    meta_track_t t;
    meta_track_init(&t);
    snprintf(t.file_hash_sha256, sizeof t.file_hash_sha256, "%064d", 7);
    t.lease_left_s = 10;
    CHECK(!library_owner_alive(lib, &t)); /* no owner */
    snprintf(t.owner, sizeof t.owner, "elsewhere|00000000|pid:[1] 123 456 abcd");
    CHECK(library_owner_alive(lib, &t)); /* another host, lease running */
    t.lease_left_s = -1;
    CHECK(!library_owner_alive(lib, &t)); /* lease ran out */
    t.lease_left_s = 10;
    /* this host: a process that has exited is dead at once */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    snprintf(t.owner, sizeof t.owner, "%s %ld 1 abcd", lib->owner_host, (long)pid);
    CHECK(!library_owner_alive(lib, &t));
    /* this instance: alive only while the hash is in flight here */
    snprintf(t.owner, sizeof t.owner, "%s", lib->owner);
    CHECK(!library_owner_alive(lib, &t));
    REQUIRE(library_inflight_acquire(lib, t.file_hash_sha256, NULL) == AI_OK);
    CHECK(library_owner_alive(lib, &t));
    library_inflight_release(lib, t.file_hash_sha256);
    library_close(lib);
}
