#include "test.h"
#include "config/config.h"

#include <stdlib.h>

/* A fake environment: NULL-terminated name/value pairs. */
static const char *fake_lookup(const char *name, void *user)
{
    const char *const *kv = user;
    for (; kv && kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

static ai_err_t load(config_t *cfg, const char *const *env, const char *env_text, ai_error_t *err)
{
    const char *path = test_path("dot.env");
    if (env_text) {
        FILE *f = fopen(path, "w");
        if (!f)
            return AI_ERR_INTERNAL_ERROR;
        fputs(env_text, f);
        fclose(f);
    } else {
        remove(path);
    }
    return config_load_from(cfg, fake_lookup, (void *)env, path, err);
}

TEST(config_defaults)
{
    config_t cfg;
    ai_error_t err;
    REQUIRE(load(&cfg, NULL, NULL, &err) == AI_OK);
    CHECK_EQ_STR(cfg.data_dir, "./data");
    CHECK_EQ_STR(cfg.database_url, "sqlite:///./data/audio_ident.db");
    CHECK_EQ_STR(cfg.qdrant_url, "");
    CHECK_EQ_STR(cfg.qdrant_collection, "audio_embeddings");
    CHECK_EQ_STR(cfg.embedding_model, "vibe-lite");
    CHECK_EQ_STR(cfg.host, "127.0.0.1");
    CHECK_EQ_INT(cfg.port, 17010);
    CHECK_NEAR(cfg.exact_timeout_s, 3, 0);
    CHECK_NEAR(cfg.vibe_timeout_s, 4, 0);
    CHECK_EQ_INT(cfg.max_upload_bytes, 10485760);
    CHECK_EQ_INT(cfg.max_ingest_bytes, 209715200);
    CHECK_EQ_INT(cfg.rate_limit_per_min, 120);
    CHECK(cfg.workers >= 1);
    CHECK_EQ_STR(cfg.log_format, "text");
    CHECK_EQ_INT(cfg.source[0], CONFIG_SRC_DEFAULT);
}

TEST(config_env_file_and_environment_precedence)
{
    config_t cfg;
    ai_error_t err;
    const char *env[] = {"PORT", "18000", NULL};
    const char *text = "# comment line\n"
                       "\n"
                       "export DATA_DIR=/tmp/ai data   # trailing comment\n"
                       "PORT=9999\n"
                       "ADMIN_TOKEN='s3cr#t \"x\"'\n"
                       "CORS_ORIGINS=\"http://a.example,http://b.example\" # both\n"
                       "QDRANT_COLLECTION_NAME=\"with \\\"escapes\\\"\\n\"\n"
                       "POSTGRES_MODE=docker\n" /* not ours: ignored */
                       "LOG_FORMAT=json\r\n";
    REQUIRE(load(&cfg, env, text, &err) == AI_OK);
    CHECK_EQ_STR(cfg.data_dir, "/tmp/ai data");
    CHECK_EQ_STR(cfg.database_url, "sqlite:////tmp/ai data/audio_ident.db");
    CHECK_EQ_INT(cfg.port, 18000); /* environment wins */
    CHECK_EQ_STR(cfg.admin_token, "s3cr#t \"x\"");
    CHECK_EQ_STR(cfg.cors_origins, "http://a.example,http://b.example");
    CHECK_EQ_STR(cfg.qdrant_collection, "with \"escapes\"\n");
    CHECK_EQ_STR(cfg.log_format, "json");
    CHECK_EQ_INT(cfg.source[0], CONFIG_SRC_ENV_FILE);
}

TEST(config_invalid_values_name_the_variable)
{
    static const struct {
        const char *name, *value, *expect;
    } bad[] = {
        {"PORT", "abc", "PORT: must be an integer in 0..65535"},
        {"PORT", "70000", "PORT:"},
        {"PORT", "", "PORT:"},
        {"EXACT_TIMEOUT_S", "-1", "EXACT_TIMEOUT_S: must be a number"},
        {"VIBE_TIMEOUT_S", "nan", "VIBE_TIMEOUT_S:"},
        {"LOG_FORMAT", "xml", "LOG_FORMAT: must be one of text|json"},
        {"EMBEDDING_MODEL", "gpt", "EMBEDDING_MODEL:"},
        {"EMBEDDING_MODEL", "clap", "CLAP_MODEL_PATH: required"},
        {"DATABASE_URL", "mysql://x/y", "DATABASE_URL: must start with"},
        {"QDRANT_URL", "localhost:6333", "QDRANT_URL:"},
        {"WORKERS", "9999", "WORKERS:"},
        {"MAX_UPLOAD_BYTES", "12abc", "MAX_UPLOAD_BYTES:"},
        {"DATA_DIR", "", "DATA_DIR: must not be empty"},
        {"TLS_CERT_FILE", "c.pem", "TLS_KEY_FILE: required when TLS_CERT_FILE is set"},
        {"TLS_KEY_FILE", "k.pem", "TLS_CERT_FILE: required when TLS_KEY_FILE is set"},
        {"HSTS_MAX_AGE", "-1", "HSTS_MAX_AGE:"},
        {"TRUSTED_PROXIES", "10.0.0.0/33", "TRUSTED_PROXIES: \"10.0.0.0/33\" is not an IP"},
        {"TRUSTED_PROXIES", "caddy", "TRUSTED_PROXIES: \"caddy\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_t cfg;
        ai_error_t err;
        const char *env[] = {bad[i].name, bad[i].value, NULL};
        CHECK_EQ_INT(load(&cfg, env, NULL, &err), AI_ERR_VALIDATION_ERROR);
        if (!strstr(err.message, bad[i].expect))
            test_fail(__FILE__, __LINE__, "%s=%s: message \"%s\" lacks \"%s\"", bad[i].name,
                      bad[i].value, err.message, bad[i].expect);
    }
    /* accepted URL forms */
    const char *ok[] = {"DATABASE_URL", "postgresql+asyncpg://u:p@h:5432/db", "QDRANT_URL",
                        "https://x.cloud:6333", "TRUSTED_PROXIES", " 172.16.0.0/12, ::1 ,fd00::/8",
                        "TLS_CERT_FILE", "c.pem", "TLS_KEY_FILE", "k.pem", NULL};
    config_t cfg;
    CHECK_EQ_INT(load(&cfg, ok, NULL, NULL), AI_OK);
    CHECK_EQ_INT(cfg.hsts_max_age, 31536000);
}

TEST(config_env_file_syntax_errors_name_the_line)
{
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"PORT=1\nJUSTAWORD\n", ".env line 2: expected NAME=value"},
        {"=value\n", ".env line 1"},
        {"A='unterminated\n", ".env line 1: unterminated"},
        {"A=\"x\" junk\n", ".env line 1: unexpected text"},
        {"1ABC=x\n", ".env line 1"},
        {"PORT=65536\n", "in .env: PORT:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_t cfg;
        ai_error_t err;
        CHECK_EQ_INT(load(&cfg, NULL, bad[i].text, &err), AI_ERR_VALIDATION_ERROR);
        if (!strstr(err.message, bad[i].expect))
            test_fail(__FILE__, __LINE__, "case %zu: \"%s\" lacks \"%s\"", i, err.message,
                      bad[i].expect);
    }
}

TEST(config_redact_url_table)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"postgresql://user:secret@db.example:5432/x", "postgresql://user:***@db.example:5432/x"},
        {"postgresql://user@h/x", "postgresql://user@h/x"},
        {"sqlite:///./data/a.db", "sqlite:///./data/a.db"},
        {"http://h:6333/a@b", "http://h:6333/a@b"},
        {"https://u:SECRET@q.example/c", "https://u:***@q.example/c"},
        {"postgresql://h:1/db?user=bob&password=SECRET", "postgresql://h:1/db?user=bob&password=***"},
        {"postgresql://h/db?sslmode=require&sslpassword=SECRET&x=1",
         "postgresql://h/db?sslmode=require&sslpassword=***&x=1"},
        {"postgresql+psycopg2://u:SECRET@h:5432/db", "postgresql+psycopg2://u:***@h:5432/db"},
        {"postgresql+asyncpg://u:SECRET@h/db", "postgresql+asyncpg://u:***@h/db"},
        {"postgresql://u:p@ss:w/rd@host:5432/db", "postgresql://u:***@host:5432/db"},
        {"postgresql://u:pa/ss@host/db", "postgresql://u:***@host/db"},
        {"postgresql://u:SECRET@h/db#frag", "postgresql://u:***@h/db#frag"},
        {"postgres://:SECRET@h/db", "postgres://:***@h/db"},
        {"host=h port=5432 password=SECRET dbname=x", "host=h port=5432 password=*** dbname=x"},
        {"host=h password='SE CRET\\' x' user=u", "host=h password=*** user=u"},
        {"host=h PASSWORD = SECRET", "host=h PASSWORD=***"},
        {"http://q:6333/?api-key=SECRET", "http://q:6333/?api-key=***"},
        {"", ""},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config_redact_url(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            test_fail(__FILE__, __LINE__, "case %zu: \"%s\" -> \"%s\", want \"%s\"", i,
                      cases[i].in, out, cases[i].want);
        if (strstr(out, "SECRET") && strstr(cases[i].want, "SECRET") == NULL)
            test_fail(__FILE__, __LINE__, "case %zu leaks", i);
    }
    config_redact_url("postgresql://u:SECRET@h/db", out, 12);
    CHECK_EQ_STR(out, "postgresql:");
}

TEST(config_rejected_url_error_masks_the_password)
{
    config_t cfg;
    ai_error_t err;
    const char *env[] = {"DATABASE_URL", "mysql://u:SECRET@h/db", NULL};
    REQUIRE(load(&cfg, env, NULL, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "SECRET") == NULL);
    CHECK(strstr(err.message, "mysql://u:***@h/db") != NULL);
    const char *dsn[] = {"DATABASE_URL", "host=h password=SECRET", NULL};
    REQUIRE(load(&cfg, dsn, NULL, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "SECRET") == NULL);
    const char *raw[] = {"DATABASE_URL", "postgresql://u:p@ss:w/rd@h:5432/db", NULL};
    REQUIRE(load(&cfg, raw, NULL, &err) == AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "ss:w") == NULL);
    CHECK(strstr(err.message, "percent-encode") != NULL);
    const char *ok[] = {"DATABASE_URL", "postgresql+psycopg2://u:SECRET@h:5432/db", NULL};
    CHECK(load(&cfg, ok, NULL, &err) == AI_OK);
    const char *enc[] = {"DATABASE_URL", "postgresql://u:p%40ss%3Aw%2Frd@h:5432/db", NULL};
    CHECK(load(&cfg, enc, NULL, &err) == AI_OK);
}

TEST(config_redact_and_print_mask_secrets)
{
    char out[256];
    config_redact_url("postgresql://user:secret@db.example:5432/x", out, sizeof out);
    CHECK_EQ_STR(out, "postgresql://user:***@db.example:5432/x");
    config_redact_url("postgresql://user@h/x", out, sizeof out);
    CHECK_EQ_STR(out, "postgresql://user@h/x");
    config_redact_url("sqlite:///./data/a.db", out, sizeof out);
    CHECK_EQ_STR(out, "sqlite:///./data/a.db");
    config_redact_url("http://h:6333/a@b", out, sizeof out);
    CHECK_EQ_STR(out, "http://h:6333/a@b");

    config_t cfg;
    const char *env[] = {"DATABASE_URL", "postgresql://u:hunter2@h/db", "ADMIN_TOKEN", "tok3n",
                         "QDRANT_API_KEY", "k3y", NULL};
    REQUIRE(load(&cfg, env, NULL, NULL) == AI_OK);
    FILE *f = fopen(test_path("print.txt"), "w");
    REQUIRE(f);
    config_print(&cfg, f);
    fclose(f);
    char *text = (char *)test_read_file(test_path("print.txt"), NULL);
    REQUIRE(text);
    CHECK(strstr(text, "hunter2") == NULL);
    CHECK(strstr(text, "tok3n") == NULL);
    CHECK(strstr(text, "k3y") == NULL);
    CHECK(strstr(text, "postgresql://u:***@h/db") != NULL);
    CHECK(strstr(text, "PORT") != NULL);
    free(text);
}

TEST(config_cli_reports_invalid_variable)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    CHECK_EQ_INT(test_sh("cd '%s' && PORT=abc '%s' config 2>err.txt >/dev/null", test_tmpdir(),
                         test_bin()),
                 1);
    CHECK_EQ_INT(test_sh("grep -q 'FATAL: invalid configuration: PORT:' '%s/err.txt'",
                         test_tmpdir()),
                 0);
    CHECK_EQ_INT(test_sh("cd '%s' && printf 'PORT=1234\\n' > .env && '%s' config | grep -q "
                         "'^PORT  *1234  *.env'",
                         test_tmpdir(), test_bin()),
                 0);
}

TEST(config_env_file_typos_are_warned_about)
{
    config_t cfg;
    ai_error_t err;
    const char *text = "MAX_UPLAOD_BYTES=5\n"   /* transposition */
                       "data_dir=/x\n"          /* wrong case */
                       "EXACT_TIMEOUT=5\n"      /* two letters short */
                       "POSTGRES_MODE=docker\n" /* the Makefile's: no warning */
                       "QDRANT_HTTP_PORT=6333\n"
                       "APP_PORT=17010\n"
                       "PORT=18000\n";
    REQUIRE(load(&cfg, NULL, text, &err) == AI_OK);
    CHECK_EQ_INT(cfg.port, 18000);
    CHECK_EQ_INT(cfg.max_upload_bytes, 10485760); /* the typo set nothing */
    CHECK(strstr(cfg.warnings, "unknown variable MAX_UPLAOD_BYTES ignored; did you mean "
                               "MAX_UPLOAD_BYTES?\n") != NULL);
    CHECK(strstr(cfg.warnings, "unknown variable data_dir ignored; did you mean DATA_DIR?\n"));
    CHECK(strstr(cfg.warnings, "did you mean EXACT_TIMEOUT_S?\n"));
    CHECK(strstr(cfg.warnings, "POSTGRES_MODE") == NULL);
    CHECK(strstr(cfg.warnings, "QDRANT_HTTP_PORT") == NULL);
    CHECK(strstr(cfg.warnings, "APP_PORT") == NULL);
    CHECK(strstr(cfg.warnings, "=5") == NULL); /* names only, never values */

    REQUIRE(load(&cfg, NULL, "PORT=1\nPOSTGRES_MODE=docker\n", &err) == AI_OK);
    CHECK_EQ_STR(cfg.warnings, "");

    CHECK_EQ_STR(config_suggest("WORKER"), "WORKERS");
    CHECK_EQ_STR(config_suggest("LOGLEVEL"), "LOG_LEVEL");
    CHECK(config_suggest("WORKERS") == NULL);
    CHECK(config_suggest("POSTGRES_PORT") == NULL);
    CHECK(config_suggest("COMPOSE_PROFILES") == NULL);
    CHECK(config_suggest("") == NULL);

    /* many typos fill the buffer at a line boundary, never mid-line */
    char many[4096] = "";
    for (int i = 0; i < 60; i++)
        strcat(many, "WORKER=1\n");
    REQUIRE(load(&cfg, NULL, many, &err) == AI_OK);
    size_t wl = strlen(cfg.warnings);
    CHECK(wl > 0 && wl < sizeof cfg.warnings && cfg.warnings[wl - 1] == '\n');
}

TEST(config_cli_logs_env_file_typos)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    FILE *f = fopen(test_path(".env"), "w");
    REQUIRE(f != NULL);
    fputs("RATE_LIMIT_PER_MINUTE=5\n", f); /* far from every name: silent */
    fputs("RATE_LIMT_PER_MIN=5\n", f);
    fclose(f);
    CHECK_EQ_INT(test_sh("cd '%s' && '%s' config >out.txt 2>err.txt", test_tmpdir(), test_bin()),
                 0);
    char *e = (char *)test_read_file(test_path("err.txt"), NULL);
    REQUIRE(e != NULL);
    CHECK(strstr(e, "unknown variable RATE_LIMT_PER_MIN ignored; did you mean RATE_LIMIT_PER_MIN?"));
    CHECK(strstr(e, "RATE_LIMIT_PER_MINUTE") == NULL);
    free(e);
}
