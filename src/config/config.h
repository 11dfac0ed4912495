/*
 * config.h — the settings of audio-ident: one table, loaded once, passed down.
 *
 * Every setting has a name (the environment variable), a type, a default, a
 * validator and a help line (see the table in config.c; `audio-ident config`
 * prints it).  Values come from, in order of precedence: the process
 * environment, then a `.env` file (KEY=VALUE lines; `export ` prefix, # comments,
 * single/double quotes), then the default.  *_MODE variables are deliberately
 * not settings: deployment modes belong to the Makefile/compose, the app only
 * sees URLs.
 *
 * Lifecycle: config_t is a plain value (fixed-size buffers, no heap); fill it
 * with config_load() and pass a const pointer down.  Thread-safe to read.
 *
 * Unknown names in the .env file are ignored (the Makefile and docker-compose
 * keep their own variables there), but a name within two edits of a setting's
 * name, case ignored ("MAX_UPLAOD_BYTES", "data_dir"), is recorded in
 * cfg->warnings as a likely typo; main() logs those lines at startup.
 * Variables of the process environment are not checked.
 *
 * Errors: config_load returns AI_ERR_VALIDATION_ERROR with a one-line message
 * naming the variable ("PORT: must be an integer in 1..65535, got \"abc\"") or
 * the .env line at fault.
 */
#ifndef AI_CONFIG_CONFIG_H
#define AI_CONFIG_CONFIG_H

#include <stdio.h>

#include "base/error.h"

#define CONFIG_STR_MAX      1024
#define CONFIG_MAX_SETTINGS 64
#define CONFIG_WARNINGS_MAX 1024

typedef struct {
    char data_dir[CONFIG_STR_MAX];
    char database_url[CONFIG_STR_MAX]; /* default derived from data_dir */
    char qdrant_url[CONFIG_STR_MAX];   /* "" = embedded vector store */
    char qdrant_api_key[CONFIG_STR_MAX];
    char qdrant_collection[CONFIG_STR_MAX];
    char embedding_model[CONFIG_STR_MAX]; /* vibe-lite | clap */
    char clap_model_path[CONFIG_STR_MAX];
    char host[CONFIG_STR_MAX];
    long long port;
    double exact_timeout_s;
    double vibe_timeout_s;
    long long max_upload_bytes;
    long long max_ingest_bytes;
    double max_track_seconds;
    double min_track_seconds;   /* ingest refuses shorter tracks (TRACK_TOO_SHORT) */
    long long min_free_disk_mb; /* STORAGE_FULL / degraded below this free space; 0 = off */
    char ingest_root[CONFIG_STR_MAX];
    char admin_token[CONFIG_STR_MAX];
    char cors_origins[CONFIG_STR_MAX];
    long long rate_limit_per_min;
    long long max_conn_per_ip;    /* open connections per client address */
    double header_timeout_s;      /* request headers must be in within this */
    long long min_body_rate;      /* bytes/s over every 10 s of a body, 0 = off */
    long long max_inflight_upload_bytes; /* request bodies held at once, all clients */
    long long workers;            /* 0 in the environment = number of cores */
    char log_format[16];          /* text | json */
    char log_level[16];           /* debug | info | warn | error */
    char web_dir[CONFIG_STR_MAX]; /* static files of the web UI */
    /* HTTPS: PEM chain and key, both set or both "" (plain HTTP) */
    char tls_cert_file[CONFIG_STR_MAX];
    char tls_key_file[CONFIG_STR_MAX];
    /* Strict-Transport-Security max-age under TLS; 0 = no header */
    long long hsts_max_age;
    /* IPs/CIDRs whose Forwarded / X-Forwarded-For give the client address */
    char trusted_proxies[CONFIG_STR_MAX];
    char test_lane_delay[64];   /* test only: "exact:MS" or "vibe:MS" delays that lane */
    char test_ingest_stage[64]; /* test only: "STAGE:sleep:MS|kill|fail|full" (ingest.c) */
    /* Where each table row's value came from (CONFIG_SRC_*), for `config`. */
    unsigned char source[CONFIG_MAX_SETTINGS];
    /* "" or newline-terminated lines, one per likely typo in the .env file
     * (names only, never values); truncated at a line boundary when full. */
    char warnings[CONFIG_WARNINGS_MAX];
} config_t;

enum { CONFIG_SRC_DEFAULT, CONFIG_SRC_ENV_FILE, CONFIG_SRC_ENV };

/* Looks a variable up; returns NULL when unset.  The default uses getenv. */
typedef const char *(*config_lookup_fn)(const char *name, void *user);

/* Loads defaults, then the env file (path NULL = ".env" in the working
 * directory; a missing file is not an error), then the environment. */
ai_err_t config_load(config_t *cfg, const char *env_file, ai_error_t *err);

/* Same, with an explicit lookup instead of getenv (tests). */
ai_err_t config_load_from(config_t *cfg, config_lookup_fn lookup, void *user, const char *env_file,
                          ai_error_t *err);

/* The setting whose name is nearest to name (case-insensitive edit distance,
 * adjacent transpositions counting one) when that distance is at most 2 and
 * name is not itself a setting; NULL otherwise.  Static storage. */
const char *config_suggest(const char *name);

/* Parses .env text and calls set(name, value, user) for every assignment.
 * Returns AI_ERR_VALIDATION_ERROR naming the line on a syntax error. */
typedef void (*config_env_set_fn)(const char *name, const char *value, void *user);
ai_err_t config_parse_env_text(const char *text, size_t len, config_env_set_fn set, void *user,
                               ai_error_t *err);

/* Prints "NAME=value  (source)  # help" for every setting, secrets masked. */
void config_print(const config_t *cfg, FILE *out);

/* Copies url into out (truncated to n) with every secret replaced by "***":
 * the password of the userinfo (postgresql://user:secret@host/db ->
 * postgresql://user:***@host/db, also a raw password holding '@', ':' or
 * '/'), query parameters whose name holds pass/pwd/secret/token/key
 * (?password=… -> ?password=***), and the same keys of a keyword DSN
 * (host=h password='x y' -> host=h password=***).  Used wherever a URL is
 * printed or put into an error. */
void config_redact_url(const char *url, char *out, size_t n);

#endif
