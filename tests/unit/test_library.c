#include "test.h"
#include "library_test_util.h"
#include "base/fsutil.h"
#include "library/library.h"
#include "library/library_int.h"
#include "search/search.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void directory_ingest_body(int pg)
{
    if (!test_have("sox") || !test_have("ffmpeg"))
        SKIP("sox/ffmpeg not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    const char *dir = test_path("in");
    REQUIRE(test_sh("mkdir -p '%s/sub'", dir) == 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/Some Artist - First Song.wav", dir);
    REQUIRE(make_track(p, 0) == 0);
    snprintf(p, sizeof p, "%s/t1.wav", dir);
    REQUIRE(make_track(p, 1) == 0);
    REQUIRE(test_sh("cd '%s' && ffmpeg -v error -i t1.wav -c:a libmp3lame -b:a 128k sub/two.mp3 "
                    "&& rm t1.wav",
                    dir) == 0);
    snprintf(p, sizeof p, "%s/sub/three.wav", dir);
    REQUIRE(make_track(p, 2) == 0);
    REQUIRE(test_sh("cd '%s' && ffmpeg -v error -i sub/three.wav -c:a libopus -b:a 64k three.ogg "
                    "&& rm sub/three.wav",
                    dir) == 0);
    snprintf(p, sizeof p, "%s/four.wav", dir);
    REQUIRE(make_track(p, 3) == 0);
    REQUIRE(test_sh("cd '%s' && ffmpeg -v error -i four.wav four.flac && rm four.wav", dir) == 0);
    /* junk: text, PNG, empty, truncated MP3 header */
    REQUIRE(test_sh("cd '%s' && echo 'hello' > notes.txt && printf '\\211PNG\\r\\n\\032\\n' > "
                    "img.png && : > empty.mp3 && head -c 300 sub/two.mp3 > sub/cut.mp3",
                    dir) == 0);
    snprintf(p, sizeof p, "%s/Some Artist - First Song.wav", dir);

    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    library_dir_report_t rep;
    REQUIRE(library_ingest_dir(lib, dir, 2, 0, NULL, &rep, &err) == AI_OK);
    CHECK_EQ_INT(rep.total, 8);
    CHECK_EQ_INT(rep.ingested, 4);
    CHECK_EQ_INT(rep.duplicates, 0);
    CHECK_EQ_INT(rep.nerrors, 4);
    for (size_t i = 0; i < rep.nerrors; i++)
        CHECK(strstr(rep.errors[i].error, "UNSUPPORTED_FORMAT") != NULL);
    library_dir_report_release(&rep);
    check_consistent(lib, 4);

    /* tags from the file name */
    meta_list_opts_t o = {.search = "first song", .page = 1, .page_size = 10, .ready_only = 1};
    meta_track_t *t = NULL;
    size_t n = 0;
    long long total = 0;
    REQUIRE(meta_tracks_list(library_meta(lib), &o, &t, &n, &total, &err) == AI_OK);
    REQUIRE(n == 1);
    CHECK_EQ_STR(t[0].title, "First Song");
    CHECK_EQ_STR(t[0].artist, "Some Artist");
    CHECK_EQ_STR(t[0].format, "wav");
    char first_id[37];
    snprintf(first_id, sizeof first_id, "%s", t[0].id);
    meta_tracks_free(t, n);

    /* re-running ingests nothing new */
    REQUIRE(library_ingest_dir(lib, dir, 2, 0, NULL, &rep, &err) == AI_OK);
    CHECK_EQ_INT(rep.ingested, 0);
    CHECK_EQ_INT(rep.duplicates, 4);
    library_dir_report_release(&rep);

    /* the same content re-encoded is a content duplicate */
    library_ingest_result_t res;
    REQUIRE(test_sh("cd '%s' && ffmpeg -v error -i 'Some Artist - First Song.wav' -c:a libmp3lame "
                    "-b:a 96k '%s/again.mp3'",
                    dir, test_tmpdir()) == 0);
    REQUIRE(library_ingest_file(lib, test_path("again.mp3"), NULL, &res, &err) == AI_OK);
    CHECK(res.duplicate);
    CHECK_EQ_STR(res.track_id, first_id);

    /* a clip of a track is found by search */
    REQUIRE(test_sh("cd '%s' && ffmpeg -v error -ss 4 -t 5 -i four.flac '%s/clip.wav'", dir,
                    test_tmpdir()) == 0);
    size_t clen;
    unsigned char *clip = test_read_file(test_path("clip.wav"), &clen);
    REQUIRE(clip);
    search_opts_t so = {.mode = SEARCH_MODE_EXACT, .max_results = 5};
    search_result_t sr;
    REQUIRE(search_run(lib, clip, clen, &so, &sr, &err) == AI_OK);
    REQUIRE(sr.nexact >= 1);
    CHECK_EQ_STR(sr.exact[0].track.title, "four");
    CHECK_NEAR(sr.exact[0].offset_seconds, 4.0, 0.1);
    CHECK(sr.exact[0].confidence >= 0.85);
    search_result_release(&sr);
    free(clip);

    /* delete removes fingerprints, file and row */
    REQUIRE(library_delete(lib, first_id, &err) == AI_OK);
    CHECK_EQ_INT(library_delete(lib, first_id, &err), AI_ERR_NOT_FOUND);
    check_consistent(lib, 3);
    library_close(lib);
}

TEST(library_sqlite_directory_ingest_dedup_search_delete)
{
    directory_ingest_body(0);
}

TEST(library_pg_directory_ingest_dedup_search_delete)
{
    directory_ingest_body(1);
}

typedef struct {
    library_t *lib;
    const unsigned char *buf;
    size_t len;
    library_ingest_result_t res;
    ai_err_t rc;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    r->rc = library_ingest_bytes(r->lib, r->buf, r->len, NULL, &r->res, NULL);
    return NULL;
}

static void concurrent_body(int pg)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    library_t *lib = NULL;
    REQUIRE(library_open(&cfg, &lib, NULL) == AI_OK);
    REQUIRE(make_track(test_path("x.wav"), 2) == 0);
    size_t len;
    unsigned char *buf = test_read_file(test_path("x.wav"), &len);
    REQUIRE(buf);
    racer_t r[2];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 2; i++) {
        r[i].lib = lib;
        r[i].buf = buf;
        r[i].len = len;
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, race, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(r[0].rc, AI_OK);
    CHECK_EQ_INT(r[1].rc, AI_OK);
    CHECK_EQ_INT(r[0].res.duplicate + r[1].res.duplicate, 1);
    CHECK_EQ_STR(r[0].res.track_id, r[1].res.track_id);
    check_consistent(lib, 1);
    free(buf);
    library_close(lib);
}

TEST(library_sqlite_concurrent_same_file_is_one_track)
{
    concurrent_body(0);
}

TEST(library_pg_concurrent_same_file_is_one_track)
{
    concurrent_body(1);
}

/* PostgreSQL finishes a statement a killed client had already sent (and
 * commits it) before it notices the client is gone.  Waits, bounded, until
 * no other session of the database is busy, so repair sees the final state. */
static void wait_pg_quiet(const char *url)
{
    test_sh("for i in $(seq 100); do n=$(psql -tAq '%s' -c \"SELECT count(*) FROM "
            "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state <> 'idle'\" 2>/dev/null); [ \"$n\" = 0 ] && exit 0; sleep 0.05; done; "
            "exit 1",
            url);
}

/* kill -9 a child ingesting at random moments; repair restores consistency. */
static void crash_body(int pg)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    config_t cfg;
    BACKEND_OR_SKIP(&cfg, pg);
    const char *dir = test_path("in");
    REQUIRE(test_sh("mkdir -p '%s'", dir) == 0);
    for (int i = 0; i < 4; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/t%d.wav", dir, i);
        REQUIRE(make_track(p, i) == 0);
    }
    unsigned seed = 12345;
    for (int round = 0; round < 12; round++) {
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) { /* child: its own library (not fork-safe to share) */
            library_t *lib = NULL;
            library_dir_report_t rep;
            if (library_open(&cfg, &lib, NULL) == AI_OK)
                library_ingest_dir(lib, dir, 2, 0, NULL, &rep, NULL);
            _exit(0);
        }
        seed = seed * 1103515245u + 12345u;
        usleep(20000 + (seed >> 8) % 400000); /* 20..420 ms */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (pg)
            wait_pg_quiet(cfg.database_url);
        library_t *lib = NULL;
        ai_error_t err;
        REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
        size_t rolled = 0;
        REQUIRE(library_repair_now(lib, &rolled, &err) == AI_OK);
        check_consistent(lib, (size_t)-1);
        library_close(lib);
    }
    /* and a final full ingest completes the library */
    library_t *lib = NULL;
    library_dir_report_t rep;
    REQUIRE(library_open(&cfg, &lib, NULL) == AI_OK);
    REQUIRE(library_ingest_dir(lib, dir, 2, 0, NULL, &rep, NULL) == AI_OK);
    CHECK_EQ_INT(rep.ingested + rep.duplicates, 4);
    library_dir_report_release(&rep);
    check_consistent(lib, 4);
    library_close(lib);
}

TEST(library_sqlite_kill9_during_ingest_then_repair)
{
    crash_body(0);
}

TEST(library_pg_kill9_during_ingest_then_repair)
{
    crash_body(1);
}

TEST(library_bad_input_and_tags_from_name)
{
    char a[64], t[64];
    library_tags_from_name("/x/Daft Punk - One More Time.mp3", a, sizeof a, t, sizeof t);
    CHECK_EQ_STR(a, "Daft Punk");
    CHECK_EQ_STR(t, "One More Time");
    library_tags_from_name("plain_name.ogg", a, sizeof a, t, sizeof t);
    CHECK_EQ_STR(a, "");
    CHECK_EQ_STR(t, "plain_name");
    library_tags_from_name("A-B.wav", a, sizeof a, t, sizeof t);
    CHECK_EQ_STR(t, "A-B");

    config_t cfg;
    REQUIRE(backend_config(&cfg, 0) == 0);
    cfg.max_ingest_bytes = 2048;
    library_t *lib = NULL;
    ai_error_t err;
    REQUIRE(library_open(&cfg, &lib, &err) == AI_OK);
    library_ingest_result_t res;
    unsigned char big[4096] = {0};
    CHECK_EQ_INT(library_ingest_bytes(lib, big, sizeof big, NULL, &res, &err),
                 AI_ERR_FILE_TOO_LARGE);
    CHECK_EQ_INT(library_ingest_bytes(lib, "", 0, NULL, &res, &err), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK_EQ_INT(library_ingest_file(lib, test_path("missing.wav"), NULL, &res, &err),
                 AI_ERR_FILE_NOT_FOUND);
    library_dir_report_t rep;
    CHECK_EQ_INT(library_ingest_dir(lib, test_path("nodir"), 1, 0, NULL, &rep, &err),
                 AI_ERR_DIRECTORY_NOT_FOUND);
    /* a search clip shorter than 3 s */
    REQUIRE(test_sh("sox -n -r 16000 -c 1 '%s' synth 2 sine 440", test_path("short.wav")) == 0);
    size_t len;
    unsigned char *clip = test_read_file(test_path("short.wav"), &len);
    REQUIRE(clip);
    search_opts_t so = {.mode = SEARCH_MODE_BOTH, .max_results = 10};
    search_result_t sr;
    CHECK_EQ_INT(search_run(lib, clip, len, &so, &sr, &err), AI_ERR_AUDIO_TOO_SHORT);
    CHECK(strstr(err.details, "\"audio_duration_seconds\":2.0") != NULL);
    so.max_results = 0;
    CHECK_EQ_INT(search_run(lib, clip, len, &so, &sr, &err), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_STR(err.details, "{\"field\":\"max_results\"}");
    free(clip);
    library_close(lib);
}
