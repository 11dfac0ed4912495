/* The vector store suite, run against the embedded flat file and against
 * the Qdrant client talking to the in-process stand-in. */
#include "base/uuid.h"
#include "qdrant_standin.h"
#include "test.h"
#include "vecstore/vecstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM 8

static qdrant_standin_t *standin;

/* A store of the given kind in a fresh data dir. */
static vecstore_t *open_store(int qdrant, const char *name)
{
    config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", test_path(name));
    snprintf(cfg.qdrant_collection, sizeof cfg.qdrant_collection, "%s", name);
    if (qdrant) {
        if (!standin)
            standin = qdrant_standin_start();
        if (!standin)
            return NULL;
        snprintf(cfg.qdrant_url, sizeof cfg.qdrant_url, "http://127.0.0.1:%u/",
                 qdrant_standin_port(standin));
        snprintf(cfg.qdrant_api_key, sizeof cfg.qdrant_api_key, "k3y");
    }
    vecstore_t *vs = NULL;
    ai_error_t err;
    return vecstore_open(&cfg, &vs, &err) == AI_OK ? vs : NULL;
}

/* Unit vector pointing mostly along axis `a`, a little along `b`. */
static void unit(float *v, int a, int b, float mix)
{
    memset(v, 0, DIM * sizeof *v);
    v[a] = 1.0f;
    v[b] += mix;
    float n = sqrtf(1.0f + mix * mix);
    for (int i = 0; i < DIM; i++)
        v[i] /= n;
}

static void add_track(vecstore_t *vs, const char *id, int axis, int chunks)
{
    float v[4 * DIM];
    vecstore_chunk_t c[4];
    for (int i = 0; i < chunks; i++) {
        unit(v + i * DIM, axis, (axis + 1) % DIM, 0.1f * (float)i);
        c[i] = (vecstore_chunk_t){id, i, 5.0 * i, 10.0, "Title", "Artist"};
    }
    ai_error_t err;
    CHECK_EQ_INT(vecstore_upsert(vs, v, (size_t)chunks, DIM, c, &err), AI_OK);
}

static const char *A = "11111111-1111-4111-8111-111111111111";
static const char *B = "22222222-2222-4222-8222-222222222222";
static const char *C = "33333333-3333-4333-8333-333333333333";

static void suite(int qdrant)
{
    vecstore_t *vs = open_store(qdrant, qdrant ? "suite_q" : "suite_f");
    REQUIRE(vs != NULL);
    CHECK_EQ_STR(vecstore_backend(vs), qdrant ? "qdrant" : "flat");
    ai_error_t err;
    int dim = -1;
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_OK);
    CHECK_EQ_INT(dim, 0); /* nothing yet */
    vecstore_hit_t hits[10];
    size_t n = 99;
    float q[DIM];
    unit(q, 0, 1, 0.0f);
    if (qdrant) { /* no collection: a search says so instead of finding nothing */
        CHECK_EQ_INT(vecstore_query(vs, q, DIM, 5, 0, hits, &n, &err), AI_ERR_SERVICE_UNAVAILABLE);
        CHECK(strstr(err.message, "does not exist") != NULL);
        CHECK(strstr(err.message, "rebuild-index --vectors") != NULL);
    } else {
        CHECK_EQ_INT(vecstore_query(vs, q, DIM, 5, 0, hits, &n, &err), AI_OK);
        CHECK_EQ_INT(n, 0);
    }
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK);
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK); /* twice is fine */
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_OK);
    CHECK_EQ_INT(dim, DIM);
    CHECK_EQ_INT(vecstore_ensure(vs, DIM + 1, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "rebuild-index --vectors") != NULL);

    add_track(vs, A, 0, 3);
    add_track(vs, B, 2, 2);
    add_track(vs, C, 5, 4);
    uint64_t count = 0;
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 9);
    add_track(vs, B, 2, 2); /* upsert again: replaces, not duplicates */
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 9);

    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 4, deadline_in(5), hits, &n, &err), AI_OK);
    REQUIRE(n == 4);
    CHECK_EQ_STR(hits[0].track_id, A);
    CHECK_EQ_INT(hits[0].chunk_index, 0);
    CHECK_NEAR(hits[0].score, 1.0, 1e-4);
    CHECK_EQ_STR(hits[1].track_id, A);
    CHECK_EQ_INT(hits[1].chunk_index, 1);
    CHECK_NEAR(hits[1].offset_sec, 5.0, 1e-6);
    for (size_t i = 1; i < n; i++)
        CHECK(hits[i - 1].score >= hits[i].score);

    /* several query vectors at once give what each gives alone */
    float two[2 * DIM];
    unit(two, 0, 1, 0.0f);
    unit(two + DIM, 5, 6, 0.2f);
    vecstore_hit_t many[2 * 4], one[4];
    size_t nm[2], n1;
    CHECK_EQ_INT(vecstore_query_many(vs, two, 2, DIM, 4, 0, many, nm, &err), AI_OK);
    for (int qi = 0; qi < 2; qi++) {
        CHECK_EQ_INT(vecstore_query(vs, two + qi * DIM, DIM, 4, 0, one, &n1, &err), AI_OK);
        CHECK_EQ_INT(nm[qi], n1);
        for (size_t i = 0; i < n1 && i < nm[qi]; i++) {
            CHECK_EQ_STR(many[qi * 4 + i].track_id, one[i].track_id);
            CHECK_EQ_INT(many[qi * 4 + i].chunk_index, one[i].chunk_index);
        }
    }
    CHECK_EQ_STR(many[4].track_id, C);

    CHECK_EQ_INT(vecstore_delete_track(vs, A, &err), AI_OK);
    CHECK_EQ_INT(vecstore_delete_track(vs, A, &err), AI_OK); /* idempotent */
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 6);
    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 10, 0, hits, &n, &err), AI_OK);
    CHECK_EQ_INT(n, 6);
    for (size_t i = 0; i < n; i++)
        CHECK(strcmp(hits[i].track_id, A) != 0);

    float q9[DIM + 1] = {1.0f};
    CHECK_EQ_INT(vecstore_query(vs, q9, DIM + 1, 3, 0, hits, &n, &err) != AI_OK, 1);
    CHECK_EQ_INT(
        vecstore_upsert(vs, q, 1, DIM, &(vecstore_chunk_t){"bad", 0, 0, 0, NULL, NULL}, &err),
        AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(vecstore_drop(vs, &err), AI_OK);
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_OK);
    CHECK_EQ_INT(dim, 0);
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 0);
    vecstore_close(vs);
}

TEST(vecstore_flat_suite)
{
    suite(0);
}

TEST(vecstore_qdrant_suite)
{
    if (!standin)
        standin = qdrant_standin_start();
    REQUIRE(standin != NULL);
    qdrant_standin_require_key(standin, "k3y"); /* enforced, as Qdrant does */
    suite(1);
    CHECK_EQ_STR(qdrant_standin_last_api_key(standin), "k3y");
    /* the Query API, one batch call per query_many; never the deprecated route */
    CHECK(qdrant_standin_route_hits(standin, "/points/query/batch") > 0);
    CHECK_EQ_INT(qdrant_standin_route_hits(standin, "/points/search"), 0);
    qdrant_standin_require_key(standin, "");
}

/* A store on the shared stand-in with a fresh collection of DIM. */
static vecstore_t *qdrant_with(const char *name, int tracks)
{
    vecstore_t *vs = open_store(1, name);
    ai_error_t err;
    if (vs && vecstore_ensure(vs, DIM, &err) != AI_OK) {
        vecstore_close(vs);
        return NULL;
    }
    for (int t = 0; vs && t < tracks; t++)
        add_track(vs, t == 0 ? A : t == 1 ? B : C, t * 2, 2);
    return vs;
}

TEST(vecstore_qdrant_batch_query_and_payload_index)
{
    vecstore_t *vs = qdrant_with("batch", 3);
    REQUIRE(vs != NULL);
    CHECK(qdrant_standin_indexed(standin, "track_id")); /* created with the collection */
    int before = qdrant_standin_route_hits(standin, "/points/query/batch");
    float qs[3 * DIM];
    for (int i = 0; i < 3; i++)
        unit(qs + i * DIM, i * 2, i * 2 + 1, 0.0f);
    vecstore_hit_t hits[3 * 2];
    size_t nh[3];
    ai_error_t err;
    CHECK_EQ_INT(vecstore_query_many(vs, qs, 3, DIM, 2, deadline_in(5), hits, nh, &err), AI_OK);
    CHECK_EQ_INT(qdrant_standin_route_hits(standin, "/points/query/batch"), before + 1);
    CHECK_EQ_INT(nh[0], 2);
    CHECK_EQ_STR(hits[0].track_id, A);
    CHECK_EQ_STR(hits[2].track_id, B);
    CHECK_EQ_STR(hits[4].track_id, C);
    CHECK_EQ_INT(hits[1].chunk_index, 1);
    /* a collection made by another tool without the index gets it */
    qdrant_standin_create(standin, "batch", DIM, "Cosine");
    CHECK(!qdrant_standin_indexed(standin, "track_id"));
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK);
    CHECK(qdrant_standin_indexed(standin, "track_id"));
    vecstore_close(vs);
}

TEST(vecstore_qdrant_falls_back_to_search_only_without_query_api)
{
    vecstore_t *vs = qdrant_with("legacy", 2);
    REQUIRE(vs != NULL);
    qdrant_standin_legacy(standin, 1); /* a Qdrant before 1.10 */
    float q[DIM];
    unit(q, 2, 3, 0.0f);
    vecstore_hit_t hits[4];
    size_t n = 0;
    ai_error_t err;
    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 4, deadline_in(5), hits, &n, &err), AI_OK);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(hits[0].track_id, B);
    CHECK_EQ_INT(qdrant_standin_route_hits(standin, "/points/search"), 1);
    qdrant_standin_legacy(standin, 0);
    vecstore_close(vs);
}

TEST(vecstore_qdrant_missing_collection_is_an_error_for_search_not_for_count)
{
    vecstore_t *vs = qdrant_with("gone", 2);
    REQUIRE(vs != NULL);
    qdrant_standin_create(standin, "other", DIM, "Cosine"); /* "gone" deleted behind our back */
    ai_error_t err;
    float q[DIM];
    unit(q, 0, 1, 0.0f);
    vecstore_hit_t hits[4];
    size_t n = 7;
    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 4, deadline_in(5), hits, &n, &err),
                 AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "collection gone does not exist") != NULL);
    CHECK_EQ_INT(n, 0);
    uint64_t count = 9;
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 0);
    int dim = -1;
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_OK);
    CHECK_EQ_INT(dim, 0);
    CHECK_EQ_INT(vecstore_delete_track(vs, A, &err), AI_OK);
    float v[DIM];
    unit(v, 1, 2, 0.0f);
    vecstore_chunk_t c = {A, 0, 0.0, 10.0, NULL, NULL};
    CHECK_EQ_INT(vecstore_upsert(vs, v, 1, DIM, &c, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "collection gone does not exist") != NULL);
    /* other refusals carry Qdrant's own status.error text */
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK);
    float wide[DIM + 1] = {1.0f};
    CHECK_EQ_INT(vecstore_upsert(vs, wide, 1, DIM + 1, &c, &err), AI_ERR_INTERNAL_ERROR);
    CHECK(strstr(err.message, "answered 400") != NULL);
    CHECK(strstr(err.message, "Vector dimension error") != NULL);
    vecstore_close(vs);
}

TEST(vecstore_qdrant_create_race_409_rereads_and_checks)
{
    vecstore_t *vs = open_store(1, "race");
    REQUIRE(vs != NULL);
    ai_error_t err;
    qdrant_standin_race_next_create(standin, DIM, "Cosine"); /* the other process won */
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK);
    CHECK(qdrant_standin_indexed(standin, "track_id"));
    add_track(vs, A, 0, 2);
    qdrant_standin_create(standin, "x", DIM, "Cosine"); /* "race" gone again */
    qdrant_standin_race_next_create(standin, DIM + 2, "Cosine");
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "holds 10-dimensional vectors") != NULL);
    qdrant_standin_create(standin, "x", DIM, "Cosine");
    qdrant_standin_race_next_create(standin, DIM, "Dot");
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "Dot distance, not Cosine") != NULL);
    vecstore_close(vs);
}

TEST(vecstore_qdrant_key_name_and_route_errors)
{
    vecstore_t *vs = qdrant_with("keyed", 0);
    REQUIRE(vs != NULL);
    ai_error_t err;
    int dim = 0;
    qdrant_standin_require_key(standin, "other");
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "401") != NULL);
    CHECK(strstr(err.message, "QDRANT_API_KEY") != NULL);
    qdrant_standin_require_key(standin, "");
    vecstore_close(vs);

    config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.qdrant_url, sizeof cfg.qdrant_url, "http://127.0.0.1:%u",
             qdrant_standin_port(standin));
    const char *bad[] = {"q?z", "a/b", "", "has space", ".."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(cfg.qdrant_collection, sizeof cfg.qdrant_collection, "%s", bad[i]);
        CHECK_EQ_INT(vecstore_open(&cfg, &vs, &err), AI_ERR_VALIDATION_ERROR);
        CHECK(strstr(err.message, "QDRANT_COLLECTION_NAME") != NULL);
    }
    /* a URL that is not Qdrant's REST root: empty 404s are not "no collection" */
    snprintf(cfg.qdrant_url, sizeof cfg.qdrant_url, "http://127.0.0.1:%u/not-qdrant",
             qdrant_standin_port(standin));
    snprintf(cfg.qdrant_collection, sizeof cfg.qdrant_collection, "audio_embeddings");
    REQUIRE(vecstore_open(&cfg, &vs, &err) == AI_OK);
    CHECK_EQ_INT(vecstore_dim(vs, &dim, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "no collection route") != NULL);
    vecstore_close(vs);
}

TEST(vecstore_qdrant_retries_5xx_then_gives_up)
{
    vecstore_t *vs = open_store(1, "retry");
    REQUIRE(vs != NULL);
    ai_error_t err;
    qdrant_standin_fail_next(standin, 2); /* two 500s, the third attempt works */
    CHECK_EQ_INT(vecstore_ensure(vs, DIM, &err), AI_OK);
    add_track(vs, A, 1, 2);
    qdrant_standin_fail_next(standin, 3); /* every attempt fails */
    uint64_t count;
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "500") != NULL);
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 2);
    vecstore_close(vs);
}

TEST(vecstore_qdrant_down_is_service_unavailable)
{
    config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.qdrant_url, sizeof cfg.qdrant_url, "http://user:secret@127.0.0.1:1");
    snprintf(cfg.qdrant_collection, sizeof cfg.qdrant_collection, "x");
    vecstore_t *vs = NULL;
    ai_error_t err;
    REQUIRE(vecstore_open(&cfg, &vs, &err) == AI_OK); /* no I/O at open */
    float q[DIM];
    unit(q, 0, 1, 0);
    vecstore_hit_t hits[2];
    size_t n;
    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 2, deadline_in(3), hits, &n, &err),
                 AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(strstr(err.message, "127.0.0.1:1") != NULL);
    CHECK(strstr(err.message, "secret") == NULL);
    vecstore_close(vs);
}

TEST(vecstore_flat_survives_torn_tail_reopen_and_compaction)
{
    vecstore_t *vs = open_store(0, "torn");
    REQUIRE(vs != NULL);
    ai_error_t err;
    char ids[100][37];
    for (int t = 0; t < 100; t++) {
        snprintf(ids[t], sizeof ids[t], "%08x-0000-4000-8000-000000000000", t + 1);
        add_track(vs, ids[t], t % DIM, 2);
    }
    vecstore_close(vs);
    /* a crash mid-append: half a record at the end */
    REQUIRE(test_sh("head -c 50 /dev/urandom >> '%s/torn/vectors/flat.vec'", test_tmpdir()) == 0);
    vs = open_store(0, "torn");
    REQUIRE(vs != NULL);
    uint64_t count;
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 200);
    /* deleting 60 tracks triggers compaction; results stay right */
    for (int t = 0; t < 60; t++)
        CHECK_EQ_INT(vecstore_delete_track(vs, ids[t], &err), AI_OK);
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 80);
    REQUIRE(
        test_sh("test $(stat -c %%s '%s/torn/vectors/flat.vec') -lt $((64 + 200 * (32 + 4 * %d)))",
                test_tmpdir(), DIM) == 0);
    float q[DIM];
    unit(q, 3, 4, 0);
    vecstore_hit_t hits[5];
    size_t n;
    CHECK_EQ_INT(vecstore_query(vs, q, DIM, 5, 0, hits, &n, &err), AI_OK);
    REQUIRE(n == 5);
    CHECK_NEAR(hits[0].score, 1.0, 1e-4);
    CHECK(strtol(hits[0].track_id, NULL, 16) > 60);
    CHECK_EQ_INT((strtol(hits[0].track_id, NULL, 16) - 1) % DIM, 3);
    vecstore_close(vs);
    vs = open_store(0, "torn");
    CHECK_EQ_INT(vecstore_count(vs, &count, &err), AI_OK);
    CHECK_EQ_INT(count, 80);
    vecstore_close(vs);
}

TEST(vecstore_point_ids_are_stable_uuids)
{
    char a[37], b[37], c[37];
    vecstore_point_id(A, 3, a);
    vecstore_point_id(A, 3, b);
    vecstore_point_id(A, 4, c);
    CHECK(uuid_valid(a));
    CHECK_EQ_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    qdrant_standin_stop(standin);
    standin = NULL;
}

TEST(vecstore_flat_two_processes_see_each_others_writes)
{
    /* two handles on one directory behave like `serve` and `ingest` running
     * side by side: each sees what the other appended or deleted */
    vecstore_t *a = open_store(0, "shared"), *b = open_store(0, "shared");
    REQUIRE(a && b);
    ai_error_t err;
    add_track(a, A, 0, 3);
    add_track(b, B, 2, 2); /* b must append after a's records, not over them */
    add_track(a, C, 5, 4);
    uint64_t na = 0, nb = 0;
    CHECK_EQ_INT(vecstore_count(a, &na, &err), AI_OK);
    CHECK_EQ_INT(vecstore_count(b, &nb, &err), AI_OK);
    CHECK_EQ_INT(na, 9);
    CHECK_EQ_INT(nb, 9);
    float q[DIM];
    unit(q, 2, 3, 0.0f);
    vecstore_hit_t hits[3];
    size_t n;
    CHECK_EQ_INT(vecstore_query(a, q, DIM, 3, 0, hits, &n, &err), AI_OK);
    REQUIRE(n >= 1);
    CHECK_EQ_STR(hits[0].track_id, B); /* written by the other handle */
    CHECK_EQ_INT(vecstore_delete_track(b, C, &err), AI_OK);
    CHECK_EQ_INT(vecstore_count(a, &na, &err), AI_OK);
    CHECK_EQ_INT(na, 5);
    vecstore_close(a);
    vecstore_close(b);
    vecstore_t *c = open_store(0, "shared");
    CHECK_EQ_INT(vecstore_count(c, &na, &err), AI_OK);
    CHECK_EQ_INT(na, 5);
    vecstore_close(c);
}
