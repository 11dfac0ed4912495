/* Metadata store: one test body per behaviour, run against SQLite always and
 * against PostgreSQL when AI_TEST_DATABASE_URL is set (scripts/with-postgres.sh). */
#include "test.h"

#include "meta/meta.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

typedef enum { B_SQLITE, B_PG } backend_t;

/* A fresh, empty database URL for this test, or NULL (PostgreSQL not configured). */
static const char *fresh_url(backend_t b)
{
    static char url[2048];
    if (b == B_SQLITE) {
        snprintf(url, sizeof url, "sqlite:///%s", test_path("sub/dir/meta.db"));
        return url;
    }
    const char *pg = getenv("AI_TEST_DATABASE_URL");
    if (!pg || !pg[0])
        return NULL;
    if (test_sh("psql -X -q '%s' -c 'DROP TABLE IF EXISTS tracks, schema_migrations' "
                ">/dev/null 2>&1",
                pg) != 0)
        return NULL;
    snprintf(url, sizeof url, "%s", pg);
    return url;
}

#define OPEN_OR_SKIP(b, m)                                                                         \
    const char *url_ = fresh_url(b);                                                               \
    if (!url_)                                                                                     \
        SKIP("AI_TEST_DATABASE_URL not set (run `make test-postgres`)");                           \
    ai_error_t err_;                                                                               \
    REQUIRE(meta_open(url_, 4, &(m), &err_) == AI_OK)

static void fill(meta_track_t *t, int i, const char *title, const char *artist)
{
    meta_track_init(t);
    snprintf(t->title, sizeof t->title, "%s", title);
    snprintf(t->artist, sizeof t->artist, "%s", artist);
    snprintf(t->album, sizeof t->album, "Album %d", i);
    t->duration_seconds = 100 + i;
    t->sample_rate = 44100;
    t->channels = 2;
    t->bitrate = 128000;
    snprintf(t->format, sizeof t->format, "mp3");
    snprintf(t->file_hash_sha256, sizeof t->file_hash_sha256, "%064x", i + 1);
    t->file_size_bytes = 1000 + i;
    snprintf(t->file_path, sizeof t->file_path, "raw/%02x/%d.mp3", i, i);
}

static int count_list(meta_t *m, const char *search, int ready_only, long long *total)
{
    meta_list_opts_t o = {.search = search, .page = 1, .page_size = 100, .ready_only = ready_only};
    meta_track_t *ts = NULL;
    size_t n = 0;
    if (meta_tracks_list(m, &o, &ts, &n, total, NULL) != AI_OK)
        return -1;
    meta_tracks_free(ts, n);
    return (int)n;
}

static void body_crud(backend_t b)
{
    meta_t *m = NULL;
    OPEN_OR_SKIP(b, m);
    ai_error_t err;
    int applied = -1;
    CHECK_EQ_STR(meta_backend_name(m), b == B_SQLITE ? "sqlite" : "postgresql");
    REQUIRE(meta_migrate(m, &applied, &err) == AI_OK);
    CHECK(applied >= 1);
    REQUIRE(meta_migrate(m, &applied, &err) == AI_OK);
    CHECK_EQ_INT(applied, 0);
    CHECK(meta_ping(m, &err) == AI_OK);

    meta_track_t a;
    int dup = -1;
    fill(&a, 1, "Hello World", "Ärtist Ünicode");
    a.chromaprint = strdup("AQAAfingerprint");
    a.chromaprint_duration = 101;
    REQUIRE(meta_track_insert_pending(m, &a, &dup, &err) == AI_OK);
    CHECK_EQ_INT(dup, 0);
    CHECK(a.fp_track_no > 0);
    CHECK_EQ_INT(strlen(a.id), 36);
    CHECK_EQ_INT(strlen(a.created_at), 24);
    CHECK(a.status == META_PENDING);

    /* Same hash again: the existing row comes back. */
    meta_track_t a2;
    fill(&a2, 1, "Other", "Other");
    REQUIRE(meta_track_insert_pending(m, &a2, &dup, &err) == AI_OK);
    CHECK_EQ_INT(dup, 1);
    CHECK_EQ_STR(a2.id, a.id);
    CHECK_EQ_STR(a2.title, "Hello World");
    CHECK_EQ_INT(a2.fp_track_no, a.fp_track_no);
    meta_track_release(&a2);

    meta_track_t g;
    meta_track_init(&g);
    REQUIRE(meta_track_get(m, a.id, &g, &err) == AI_OK);
    CHECK_EQ_STR(g.artist, "Ärtist Ünicode");
    CHECK_EQ_STR(g.album, "Album 1");
    CHECK_EQ_STR(g.format, "mp3");
    CHECK_EQ_STR(g.file_path, "raw/01/1.mp3");
    CHECK_EQ_STR(g.file_hash_sha256, a.file_hash_sha256);
    CHECK_NEAR(g.duration_seconds, 101, 1e-9);
    CHECK_EQ_INT(g.sample_rate, 44100);
    CHECK_EQ_INT(g.bitrate, 128000);
    CHECK_EQ_INT(g.file_size_bytes, 1001);
    CHECK(g.chromaprint && strcmp(g.chromaprint, "AQAAfingerprint") == 0);
    CHECK(g.status == META_PENDING);
    CHECK_EQ_INT(g.created_at[10], 'T');
    CHECK_EQ_INT(g.created_at[23], 'Z');
    meta_track_release(&g);
    CHECK(meta_track_get_by_hash(m, a.file_hash_sha256, &g, &err) == AI_OK);
    CHECK_EQ_STR(g.id, a.id);
    meta_track_release(&g);

    CHECK_EQ_INT(count_list(m, NULL, 1, NULL), 0); /* pending is invisible */
    CHECK_EQ_INT(count_list(m, NULL, 0, NULL), 1);
    meta_track_t *ts = NULL;
    size_t n = 0;
    REQUIRE(meta_tracks_pending(m, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 1);
    meta_tracks_free(ts, n);

    char upper[37];
    for (int i = 0; i < 37; i++)
        upper[i] = (char)(a.id[i] >= 'a' && a.id[i] <= 'f' ? a.id[i] - 32 : a.id[i]);
    REQUIRE(meta_track_set_ready(m, upper, NULL, &err) == AI_OK); /* ids are case-insensitive */
    REQUIRE(meta_track_update_index_info(m, a.id, 1, "vibe-lite-v1", 64, &err) == AI_OK);
    REQUIRE(meta_track_get(m, a.id, &g, &err) == AI_OK);
    CHECK(g.status == META_READY);
    CHECK_EQ_INT(g.fingerprint_indexed, 1);
    CHECK_EQ_STR(g.embedding_model, "vibe-lite-v1");
    CHECK_EQ_INT(g.embedding_dim, 64);
    meta_track_release(&g);

    /* More tracks: titles with LIKE wildcards and case differences. */
    static const char *titles[] = {"50% Off", "500 Off",     "a_b",
                                   "axb",     "back\\slash", "HELLO again"};
    char ids[6][37];
    uint32_t fps[6];
    for (int i = 0; i < 6; i++) {
        meta_track_t t;
        fill(&t, 10 + i, titles[i], "Band");
        REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
        CHECK_EQ_INT(dup, 0);
        CHECK(t.fp_track_no > a.fp_track_no);
        memcpy(ids[i], t.id, 37);
        fps[i] = t.fp_track_no;
        if (i != 5)
            REQUIRE(meta_track_set_ready(m, t.id, NULL, &err) == AI_OK);
        meta_track_release(&t);
    }
    long long total = -1;
    CHECK_EQ_INT(count_list(m, NULL, 1, &total), 6);
    CHECK_EQ_INT(total, 6);
    CHECK_EQ_INT(count_list(m, "hello", 1, NULL), 1); /* HELLO again is pending */
    CHECK_EQ_INT(count_list(m, "hello", 0, NULL), 2);
    CHECK_EQ_INT(count_list(m, "WORLD", 1, NULL), 1);
    CHECK_EQ_INT(count_list(m, "50%", 1, NULL), 1); /* not "500 Off" */
    CHECK_EQ_INT(count_list(m, "a_b", 1, NULL), 1); /* not "axb" */
    CHECK_EQ_INT(count_list(m, "k\\s", 1, NULL), 1);
    CHECK_EQ_INT(count_list(m, "%", 1, NULL), 1);
    CHECK_EQ_INT(count_list(m, "band", 1, NULL), 5);    /* artist */
    CHECK_EQ_INT(count_list(m, "album 1", 1, NULL), 6); /* album 1, 10..14 */
    CHECK_EQ_INT(count_list(m, "' OR 1=1 --", 1, NULL), 0);

    /* Pagination: newest first, pages of 2 over 6 ready rows. */
    meta_list_opts_t o = {.page = 1, .page_size = 2, .ready_only = 1};
    char seen[6][37];
    size_t nseen = 0;
    for (int page = 1; page <= 4; page++) {
        o.page = page;
        REQUIRE(meta_tracks_list(m, &o, &ts, &n, &total, &err) == AI_OK);
        CHECK_EQ_INT(total, 6);
        CHECK_EQ_INT(n, page <= 3 ? 2 : 0);
        for (size_t i = 0; i < n && nseen < 6; i++)
            memcpy(seen[nseen++], ts[i].id, 37);
        meta_tracks_free(ts, n);
    }
    CHECK_EQ_INT(nseen, 6);
    CHECK_EQ_STR(seen[0], ids[4]); /* the newest ready one */
    CHECK_EQ_STR(seen[5], a.id);
    for (size_t i = 0; i < nseen; i++)
        for (size_t k = i + 1; k < nseen; k++)
            CHECK(strcmp(seen[i], seen[k]) != 0);
    o.page_size = 101;
    CHECK(meta_tracks_list(m, &o, &ts, &n, &total, &err) == AI_ERR_VALIDATION_ERROR);

    /* One-query joins: only ready rows; unknown / malformed are absent. */
    uint32_t nums[4] = {a.fp_track_no, fps[0], fps[5], 999999};
    REQUIRE(meta_tracks_by_fp_numbers(m, nums, 4, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        CHECK(ts[i].fp_track_no == a.fp_track_no || ts[i].fp_track_no == fps[0]);
    meta_tracks_free(ts, n);
    const char *idl[4] = {ids[1], ids[5], "not-a-uuid", "00000000-0000-4000-8000-000000000000"};
    REQUIRE(meta_tracks_by_ids(m, idl, 4, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK_EQ_STR(ts[0].id, ids[1]);
    meta_tracks_free(ts, n);

    REQUIRE(meta_tracks_near_duration(m, 100.5, 1.0, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 1); /* only track 1 has a chromaprint */
    meta_tracks_free(ts, n);

    REQUIRE(meta_tracks_scan(m, 0, 3, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 3);
    uint32_t last = n ? ts[n - 1].fp_track_no : 0;
    meta_tracks_free(ts, n);
    REQUIRE(meta_tracks_scan(m, last, 100, &ts, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 3);
    meta_tracks_free(ts, n);

    long long ready = -1, pending = -1;
    REQUIRE(meta_tracks_count(m, &ready, &pending, &err) == AI_OK);
    CHECK_EQ_INT(ready, 6);
    CHECK_EQ_INT(pending, 1);

    /* Delete; numbers are never reused. */
    REQUIRE(meta_track_delete(m, ids[5], &err) == AI_OK);
    CHECK(meta_track_delete(m, ids[5], &err) == AI_ERR_NOT_FOUND);
    CHECK(meta_track_get(m, ids[5], &g, &err) == AI_ERR_NOT_FOUND);
    CHECK(meta_track_get(m, "garbage", &g, &err) == AI_ERR_NOT_FOUND);
    CHECK(meta_track_set_ready(m, ids[5], NULL, &err) == AI_ERR_NOT_FOUND);
    meta_track_t t;
    fill(&t, 99, "After delete", "");
    REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
    CHECK(t.fp_track_no > fps[5]);
    REQUIRE(meta_track_get(m, t.id, &g, &err) == AI_OK);
    CHECK_EQ_STR(g.artist, ""); /* empty = NULL */
    CHECK(g.chromaprint == NULL);
    meta_track_release(&g);
    meta_track_release(&t);
    fill(&t, 98, "bad hash", "");
    strcpy(t.file_hash_sha256, "xyz");
    CHECK(meta_track_insert_pending(m, &t, &dup, &err) == AI_ERR_VALIDATION_ERROR);

    meta_track_release(&a);
    meta_close(m);
}

TEST(meta_sqlite_crud)
{
    body_crud(B_SQLITE);
}
TEST(meta_pg_crud)
{
    body_crud(B_PG);
}

typedef struct {
    meta_t *m;
    int dup;
    char id[37];
    ai_err_t rc;
    pthread_barrier_t *bar;
} racer_t;

/* Ingest ownership: the lease is stored and read back, claim is a
 * compare-and-set on the owner, and set_ready with an owner only publishes
 * the owner's own pending row. */
static void body_owner_lease(backend_t b)
{
    meta_t *m = NULL;
    OPEN_OR_SKIP(b, m);
    ai_error_t err;
    REQUIRE(meta_migrate(m, NULL, &err) == AI_OK);
    meta_track_t t, r;
    fill(&t, 7, "Owned", "Someone");
    snprintf(t.owner, sizeof t.owner, "host-a 123 456 tok");
    t.lease_left_s = 30;
    int dup = 0, claimed = -1;
    REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
    meta_track_init(&r);
    REQUIRE(meta_track_get(m, t.id, &r, &err) == AI_OK);
    CHECK_EQ_STR(r.owner, "host-a 123 456 tok");
    CHECK(r.lease_left_s > 25 && r.lease_left_s <= 30.5);
    meta_track_release(&r);
    /* the wrong expected owner changes nothing */
    REQUIRE(meta_track_claim(m, t.id, "host-b 1 1 x", "host-c 2 2 y", 30, &claimed, &err) == AI_OK);
    CHECK_EQ_INT(claimed, 0);
    REQUIRE(meta_track_claim(m, t.id, "host-a 123 456 tok", "host-c 2 2 y", -1, &claimed, &err) ==
            AI_OK);
    CHECK_EQ_INT(claimed, 1);
    REQUIRE(meta_track_get(m, t.id, &r, &err) == AI_OK);
    CHECK_EQ_STR(r.owner, "host-c 2 2 y");
    CHECK(r.lease_left_s < 0);
    meta_track_release(&r);
    /* the old owner can no longer publish it; the new one can */
    CHECK_EQ_INT(meta_track_set_ready(m, t.id, "host-a 123 456 tok", &err), AI_ERR_NOT_FOUND);
    REQUIRE(meta_track_set_ready(m, t.id, "host-c 2 2 y", &err) == AI_OK);
    /* a ready row is no longer claimable */
    REQUIRE(meta_track_claim(m, t.id, "", "host-d 3 3 z", 30, &claimed, &err) == AI_OK);
    CHECK_EQ_INT(claimed, 0);
    REQUIRE(meta_track_claim(m, "not-a-uuid", "", "x", 30, &claimed, &err) == AI_OK);
    CHECK_EQ_INT(claimed, 0);
    meta_track_release(&t);
    meta_close(m);
}

TEST(meta_sqlite_owner_lease)
{
    body_owner_lease(B_SQLITE);
}

TEST(meta_pg_owner_lease)
{
    body_owner_lease(B_PG);
}

static void *race_insert(void *arg)
{
    racer_t *r = arg;
    meta_track_t t;
    fill(&t, 7, "Race", "Racer");
    pthread_barrier_wait(r->bar);
    r->rc = meta_track_insert_pending(r->m, &t, &r->dup, NULL);
    memcpy(r->id, t.id, 37);
    meta_track_release(&t);
    return NULL;
}

static void *race_migrate(void *arg)
{
    racer_t *r = arg;
    pthread_barrier_wait(r->bar);
    r->rc = meta_migrate(r->m, &r->dup, NULL);
    return NULL;
}

/* Two handles (as two processes would have) migrate and insert the same file at once. */
static void body_concurrent(backend_t b)
{
    meta_t *m1 = NULL, *m2 = NULL;
    OPEN_OR_SKIP(b, m1);
    REQUIRE(meta_open(url_, 2, &m2, &err_) == AI_OK);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    racer_t r[2] = {{.m = m1, .bar = &bar}, {.m = m2, .bar = &bar}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, race_migrate, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(r[0].rc == AI_OK && r[1].rc == AI_OK);
    CHECK(r[0].dup + r[1].dup >= 1);
    CHECK(r[0].dup == 0 || r[1].dup == 0); /* each migration ran once */

    for (int round = 0; round < 5; round++) {
        char hash[65];
        meta_track_t t;
        fill(&t, 7, "", "");
        memcpy(hash, t.file_hash_sha256, sizeof hash);
        meta_track_t cur;
        if (meta_track_get_by_hash(m1, hash, &cur, NULL) == AI_OK) {
            CHECK(meta_track_delete(m1, cur.id, NULL) == AI_OK);
            meta_track_release(&cur);
        }
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, race_insert, &r[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        CHECK(r[0].rc == AI_OK && r[1].rc == AI_OK);
        CHECK_EQ_INT(r[0].dup + r[1].dup, 1);
        CHECK_EQ_STR(r[0].id, r[1].id);
    }
    long long ready = -1, pending = -1;
    CHECK(meta_tracks_count(m1, &ready, &pending, NULL) == AI_OK);
    CHECK_EQ_INT(pending, 1);
    pthread_barrier_destroy(&bar);
    meta_close(m1);
    meta_close(m2);
}

TEST(meta_sqlite_concurrent)
{
    body_concurrent(B_SQLITE);
}
TEST(meta_pg_concurrent)
{
    body_concurrent(B_PG);
}

TEST(meta_pg_unreachable_message)
{
    int port = 1; /* privileged port nothing listens on: connection refused */
    char url[256], want[256];
    snprintf(url, sizeof url, "postgresql+asyncpg://bob:s3cr3tpw@127.0.0.1:%d/musicdb", port);
    snprintf(want, sizeof want,
             "cannot reach PostgreSQL at postgresql://bob@127.0.0.1:%d/musicdb: ", port);
    meta_t *m = NULL;
    ai_error_t err;
    CHECK(meta_open(url, 2, &m, &err) == AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(m == NULL);
    CHECK(strncmp(err.message, want, strlen(want)) == 0);
    CHECK(strlen(err.message) > strlen(want));
    CHECK(strstr(err.message, "s3cr3tpw") == NULL);
    static const char *const schemes[] = {"postgres", "postgresql", "postgresql+psycopg",
                                          "postgres+asyncpg"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        char u[256];
        snprintf(u, sizeof u, "%s://bob:s3cr3tpw@127.0.0.1:%d/musicdb", schemes[i], port);
        CHECK(meta_open(u, 1, &m, &err) == AI_ERR_SERVICE_UNAVAILABLE);
        CHECK(strncmp(err.message, want, strlen(want)) == 0);
    }

    /* The command line: FATAL line on stderr, non-zero exit. */
    const char *bin = test_bin();
    if (!bin)
        return;
    CHECK(test_sh("cd %s && DATABASE_URL='%s' %s migrate 2>%s; test $? -eq 1", test_tmpdir(), url,
                  bin, test_path("stderr")) == 0);
    char *out = (char *)test_read_file(test_path("stderr"), NULL);
    REQUIRE(out);
    CHECK(strncmp(out, "FATAL: ", 7) == 0 && strncmp(out + 7, want, strlen(want)) == 0);
    CHECK(strstr(out, "s3cr3tpw") == NULL);
    free(out);
}

TEST(meta_url_schemes)
{
    meta_t *m = NULL;
    ai_error_t err;
    CHECK(meta_open("mysql://x@y/z", 1, &m, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(meta_open("sqlite://", 1, &m, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(meta_open("sqlite://relative.db", 1, &m, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(meta_open("", 1, &m, &err) == AI_ERR_VALIDATION_ERROR);
    /* sqlite:////abs creates missing parent directories. */
    char url[1024];
    snprintf(url, sizeof url, "sqlite:///%s", test_path("a/b/c/x.db"));
    CHECK(url[10] == '/');
    REQUIRE(meta_open(url, 2, &m, &err) == AI_OK);
    CHECK(meta_migrate(m, NULL, &err) == AI_OK);
    meta_close(m);
    CHECK(test_sh("test -f %s", test_path("a/b/c/x.db")) == 0);
    /* sqlite:///relative is relative to the working directory. */
    CHECK(test_sh("cd %s && DATABASE_URL=sqlite:///rel/dir/y.db %s migrate >/dev/null 2>&1 && "
                  "test -f rel/dir/y.db",
                  test_tmpdir(), test_bin() ? test_bin() : "false") == 0 ||
          !test_bin());
    meta_close(NULL);
}

/* The committed migrations_gen.c matches migrations/ (run from the repo root). */
TEST(meta_migrations_in_sync)
{
    if (test_sh("test -x scripts/gen-migrations.sh && test -d migrations/sqlite") != 0)
        SKIP("not run from the repository root");
    CHECK(test_sh("scripts/gen-migrations.sh | cmp -s - src/meta/migrations_gen.c") == 0);
}

/* A lost connection (pg_terminate_backend) is reset and the call succeeds. */
TEST(meta_pg_reconnect)
{
    meta_t *m = NULL;
    OPEN_OR_SKIP(B_PG, m);
    ai_error_t err;
    REQUIRE(meta_migrate(m, NULL, &err) == AI_OK);
    meta_track_t t;
    int dup;
    fill(&t, 3, "Survivor", "");
    REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
    for (int round = 0; round < 2; round++) {
        CHECK(
            test_sh("psql -X -tA '%s' -c \"SELECT count(pg_terminate_backend(pid)) FROM "
                    "pg_stat_activity WHERE application_name = 'audio-ident'\" | grep -qx '[1-9]'",
                    url_) == 0);
        meta_track_t g;
        CHECK(meta_track_get(m, t.id, &g, &err) == AI_OK);
        CHECK_EQ_STR(g.title, "Survivor");
        meta_track_release(&g);
        CHECK(meta_ping(m, &err) == AI_OK);
    }
    meta_track_release(&t);
    meta_close(m);
}

/* Not a unit test: metadata-store time per track (insert pending + set ready
 * + get), printed.  AI_META_BENCH=N tracks runs it. */
static void body_bench(backend_t b)
{
    const char *nenv = getenv("AI_META_BENCH");
    if (!nenv)
        SKIP("set AI_META_BENCH=N to measure");
    meta_t *m = NULL;
    OPEN_OR_SKIP(b, m);
    ai_error_t err;
    REQUIRE(meta_migrate(m, NULL, &err) == AI_OK);
    int n = atoi(nenv) > 0 ? atoi(nenv) : 500;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        meta_track_t t, g;
        int dup;
        fill(&t, 1000 + i, "Bench title", "Bench artist");
        REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
        REQUIRE(meta_track_set_ready(m, t.id, NULL, &err) == AI_OK);
        REQUIRE(meta_track_get(m, t.id, &g, &err) == AI_OK);
        meta_track_release(&g);
        meta_track_release(&t);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("meta bench %s: %d tracks, %.3f ms per track (insert pending + set ready + get)\n",
           meta_backend_name(m), n, 1000.0 * s / n);
    meta_close(m);
}

TEST(meta_sqlite_bench)
{
    body_bench(B_SQLITE);
}
TEST(meta_pg_bench)
{
    body_bench(B_PG);
}

/* Runs SQL against the test database with the backend's CLI; returns its
 * trimmed one-line output in out. */
static int sql_cli(backend_t b, const char *url, const char *sql, char *out, size_t n)
{
    const char *path = test_path("cli.out");
    int rc = b == B_SQLITE
                 ? test_sh("sqlite3 '%s' \"%s\" >%s 2>&1", url + strlen("sqlite:///"), sql, path)
                 : test_sh("psql -X -qtA '%s' -c \"%s\" >%s 2>&1", url, sql, path);
    char *s = (char *)test_read_file(path, NULL);
    snprintf(out, n, "%s", s ? s : "");
    out[strcspn(out, "\n")] = '\0';
    free(s);
    return rc;
}

/* A migration that fails leaves nothing behind (it ran in one transaction). */
static void body_migration_rollback(backend_t b)
{
    const char *url = fresh_url(b);
    if (!url)
        SKIP("AI_TEST_DATABASE_URL not set (run `make test-postgres`)");
    if (!test_have(b == B_SQLITE ? "sqlite3" : "psql"))
        SKIP("no sqlite3/psql client");
    char out[256];
    if (b == B_SQLITE)
        REQUIRE(test_sh("mkdir -p %s", test_path("sub/dir")) == 0);
    REQUIRE(sql_cli(b, url, "CREATE TABLE tracks (x integer)", out, sizeof out) == 0);
    meta_t *m = NULL;
    ai_error_t err;
    REQUIRE(meta_open(url, 1, &m, &err) == AI_OK);
    int applied = -1;
    CHECK(meta_migrate(m, &applied, &err) == AI_ERR_INTERNAL_ERROR);
    CHECK(strstr(err.message, "migration 001_tracks") != NULL);
    CHECK_EQ_INT(applied, 0);
    meta_close(m);
    const char *q = b == B_SQLITE
                        ? "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'"
                        : "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'";
    CHECK(sql_cli(b, url, q, out, sizeof out) == 0);
    CHECK_EQ_STR(out, "0");
    CHECK(sql_cli(b, url, "DROP TABLE tracks", out, sizeof out) == 0);
}

TEST(meta_sqlite_migration_rollback)
{
    body_migration_rollback(B_SQLITE);
}
TEST(meta_pg_migration_rollback)
{
    body_migration_rollback(B_PG);
}

/* A database created before tracks.id became uuid and created_at became
 * ingested_at (migrations 001-002 only) keeps its rows through the upgrade. */
TEST(meta_pg_upgrade_to_uuid_ingested_at)
{
    const char *url = fresh_url(B_PG);
    if (!url)
        SKIP("AI_TEST_DATABASE_URL not set (run `make test-postgres`)");
    if (!test_have("psql"))
        SKIP("no psql client");
    char out[256];
    const char *id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    REQUIRE(test_sh("psql -X -q -v ON_ERROR_STOP=1 '%s' -f migrations/postgres/001_tracks.sql "
                    "-f migrations/postgres/002_search_trgm.sql >/dev/null 2>&1",
                    url) == 0);
    REQUIRE(sql_cli(B_PG, url,
                    "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT "
                    "NULL, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO "
                    "schema_migrations (version, name) VALUES (1, 'tracks'), (2, 'search_trgm')",
                    out, sizeof out) == 0);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO tracks (id, status, title, file_hash_sha256, created_at) VALUES "
             "('%s', 'ready', 'Old row', '%064d', '2025-01-02T03:04:05.678Z')",
             id, 7);
    REQUIRE(sql_cli(B_PG, url, sql, out, sizeof out) == 0);

    meta_t *m = NULL;
    ai_error_t err;
    REQUIRE(meta_open(url, 1, &m, &err) == AI_OK);
    int applied = 0;
    REQUIRE(meta_migrate(m, &applied, &err) == AI_OK);
    CHECK(applied >= 1);
    meta_track_t g;
    REQUIRE(meta_track_get(m, id, &g, &err) == AI_OK);
    CHECK_EQ_STR(g.id, id);
    CHECK_EQ_STR(g.title, "Old row");
    CHECK_EQ_STR(g.created_at, "2025-01-02T03:04:05.678Z"); /* served as ingested_at */
    meta_track_release(&g);
    meta_track_t t;
    int dup;
    fill(&t, 8, "New row", "");
    REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
    REQUIRE(meta_track_set_ready(m, t.id, NULL, &err) == AI_OK);
    CHECK_EQ_INT(count_list(m, NULL, 1, NULL), 2);
    const char *ids[] = {id, t.id};
    meta_track_t *rows = NULL;
    size_t n = 0;
    CHECK(meta_tracks_by_ids(m, ids, 2, &rows, &n, &err) == AI_OK);
    CHECK_EQ_INT(n, 2);
    meta_tracks_free(rows, n);
    meta_track_release(&t);
    meta_close(m);
    CHECK(sql_cli(B_PG, url,
                  "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY column_name) "
                  "FROM information_schema.columns WHERE table_name = 'tracks' AND column_name "
                  "IN ('id', 'ingested_at', 'created_at')",
                  out, sizeof out) == 0);
    CHECK_EQ_STR(out, "id:uuid,ingested_at:timestamp with time zone");
}
