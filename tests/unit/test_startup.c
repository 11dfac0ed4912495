#include "qdrant_standin.h"
#include "test.h"
#include "vecstore/vecstore.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

/* Runs `audio-ident check` in a fresh directory with extra environment;
 * returns its exit status and leaves stderr in err.txt. */
static int run_check(const char *env)
{
    return test_sh("cd '%s' && env %s '%s' check >out.txt 2>err.txt", test_tmpdir(), env,
                   test_bin());
}

static int err_has(const char *needle)
{
    return test_sh("grep -qF -- '%s' '%s/err.txt'", needle, test_tmpdir()) == 0;
}

TEST(startup_check_passes_on_embedded_defaults)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    CHECK_EQ_INT(run_check("DATA_DIR=./d"), 0);
    CHECK_EQ_INT(test_sh("grep -q '^metadata  *ok' '%s/out.txt'", test_tmpdir()), 0);
    CHECK_EQ_INT(test_sh("grep -q '^fingerprint_index  *ok' '%s/out.txt'", test_tmpdir()), 0);
}

TEST(startup_check_fails_fast_with_masked_url)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    /* nothing listens on port 1 */
    CHECK_EQ_INT(run_check("DATABASE_URL=postgresql://app:s3cret@127.0.0.1:1/db"), 1);
    CHECK(err_has("FATAL: metadata: cannot reach PostgreSQL at postgresql://app@127.0.0.1:1/db"));
    CHECK(!err_has("s3cret"));
    /* unwritable data directory */
    REQUIRE(test_sh("mkdir -p '%s/ro' && chmod 0500 '%s/ro'", test_tmpdir(), test_tmpdir()) == 0);
    if (geteuid() != 0) { /* root writes anywhere */
        CHECK_EQ_INT(run_check("DATA_DIR=./ro/data"), 1);
        CHECK(err_has("FATAL: data_dir:"));
    }
    CHECK_EQ_INT(run_check("DATA_DIR=/proc/audio-ident-nope"), 1);
    CHECK(err_has("FATAL: data_dir: data directory /proc/audio-ident-nope is not writable"));
    /* a corrupt fingerprint index */
    REQUIRE(test_sh("mkdir -p '%s/c/fpindex' && head -c 65536 /dev/urandom > "
                    "'%s/c/fpindex/data.mdb'",
                    test_tmpdir(), test_tmpdir()) == 0);
    CHECK_EQ_INT(run_check("DATA_DIR=./c"), 1);
    CHECK(err_has("FATAL: fingerprint_index:"));
}

TEST(startup_check_postgres_wrong_password)
{
    const char *url = getenv("AI_TEST_DATABASE_URL");
    if (!test_bin() || !url)
        SKIP("needs AI_TEST_DATABASE_URL (make test-postgres)");
    /* same URL with the password replaced */
    char bad[1024];
    const char *scheme = strstr(url, "://"), *at = strchr(url, '@');
    REQUIRE(scheme && at);
    const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    REQUIRE(colon);
    snprintf(bad, sizeof bad, "%.*s:wrongpass%s", (int)(colon - url), url, at);
    char env[1200];
    snprintf(env, sizeof env, "DATABASE_URL='%s'", bad);
    CHECK_EQ_INT(run_check(env), 1);
    CHECK(err_has("FATAL: metadata: cannot reach PostgreSQL at"));
    CHECK(!err_has("wrongpass"));
    snprintf(env, sizeof env, "DATABASE_URL='%s' DATA_DIR=./pg", url);
    CHECK_EQ_INT(run_check(env), 0);
}

TEST(startup_check_vector_store_and_embedder)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    /* DATABASE_URL emptied: a shared test database may hold other tracks, which
     * an empty vector store does not cover (a warning) */
    CHECK_EQ_INT(run_check("DATA_DIR=./v DATABASE_URL="), 0);
    CHECK_EQ_INT(
        test_sh("grep -q '^embedder  *ok .*vibe-lite-v1.*loaded in' '%s/out.txt'", test_tmpdir()),
        0);
    CHECK_EQ_INT(test_sh("grep -q '^vector_store  *ok .*flat' '%s/out.txt'", test_tmpdir()), 0);
    /* Qdrant unreachable: fails fast, password masked */
    CHECK_EQ_INT(run_check("DATA_DIR=./v QDRANT_URL=http://k:s3cret@127.0.0.1:1"), 1);
    CHECK(err_has("FATAL: vector_store: cannot reach Qdrant at http://k:***@127.0.0.1:1"));
    CHECK(!err_has("s3cret"));
    /* a vector file of another dimension: rebuild-index is the way out */
    REQUIRE(test_sh("mkdir -p '%s/w/vectors' && printf 'AIVECF01\\010\\0\\0\\0\\100\\0\\0\\0' > "
                    "'%s/w/vectors/flat.vec' && head -c 48 /dev/zero >> '%s/w/vectors/flat.vec'",
                    test_tmpdir(), test_tmpdir(), test_tmpdir()) == 0);
    CHECK_EQ_INT(run_check("DATA_DIR=./w"), 1);
    CHECK(err_has("FATAL: vector_store:"));
    CHECK(err_has("rebuild-index --vectors"));
    /* a model that cannot load here (no ONNX Runtime) */
    CHECK_EQ_INT(run_check("DATA_DIR=./v EMBEDDING_MODEL=clap CLAP_MODEL_PATH=/none.onnx"), 1);
    CHECK(err_has("FATAL: embedder:"));
}

TEST(startup_check_qdrant_errors_and_dimension)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    qdrant_standin_t *q = qdrant_standin_start();
    REQUIRE(q != NULL);
    char env[256];
    snprintf(env, sizeof env, "DATA_DIR=./q QDRANT_URL=http://127.0.0.1:%u",
             qdrant_standin_port(q));
    CHECK_EQ_INT(run_check(env), 0); /* reachable, no collection yet */
    /* Qdrant answering 500 (more often than the client retries) */
    qdrant_standin_fail_next(q, 10);
    CHECK_EQ_INT(run_check(env), 1);
    CHECK(err_has("FATAL: vector_store:"));
    CHECK(err_has("answered 500"));
    qdrant_standin_fail_next(q, 0);
    /* a collection of another dimension */
    config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.qdrant_url, sizeof cfg.qdrant_url, "http://127.0.0.1:%u", qdrant_standin_port(q));
    snprintf(cfg.qdrant_collection, sizeof cfg.qdrant_collection, "audio_embeddings");
    vecstore_t *vs = NULL;
    ai_error_t err;
    REQUIRE(vecstore_open(&cfg, &vs, &err) == AI_OK);
    REQUIRE(vecstore_ensure(vs, 8, &err) == AI_OK);
    vecstore_close(vs);
    CHECK_EQ_INT(run_check(env), 1);
    CHECK(err_has("(collection audio_embeddings) holds 8-dimensional vectors but the model makes"));
    CHECK(err_has("rebuild-index --vectors"));
    qdrant_standin_stop(q);
}
