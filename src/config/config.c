#include "config/config.h"
#include "base/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { T_STR, T_INT, T_DOUBLE, T_ENUM, T_URL } setting_type_t;

typedef struct {
    const char *name;
    setting_type_t type;
    size_t offset;
    size_t size; /* T_STR/T_ENUM/T_URL: buffer size */
    const char *def;
    double min, max;     /* T_INT / T_DOUBLE bounds */
    const char *choices; /* T_ENUM: "a|b|c"; T_URL: accepted scheme prefixes */
    int secret;
    const char *help;
} setting_t;

#define STR(field, name, def, secret, help)                                                        \
    {name, T_STR, offsetof(config_t, field), sizeof(((config_t *)0)->field), def, 0, 0, NULL,      \
     secret, help}
#define INT(field, name, def, lo, hi, help)                                                        \
    {name, T_INT, offsetof(config_t, field), 0, def, lo, hi, NULL, 0, help}
#define DBL(field, name, def, lo, hi, help)                                                        \
    {name, T_DOUBLE, offsetof(config_t, field), 0, def, lo, hi, NULL, 0, help}
#define ENUM(field, name, def, choices, help)                                                      \
    {name, T_ENUM, offsetof(config_t, field), sizeof(((config_t *)0)->field), def, 0, 0, choices,  \
     0, help}
#define URL(field, name, def, schemes, help)                                                       \
    {name, T_URL, offsetof(config_t, field), sizeof(((config_t *)0)->field), def, 0, 0, schemes,   \
     0, help}

static const setting_t settings[] = {
    STR(data_dir, "DATA_DIR", "./data", 0, "originals, fingerprint index, vectors, SQLite file"),
    URL(database_url, "DATABASE_URL", "",
        "sqlite://|postgresql://|postgres://|postgresql+asyncpg://|postgresql+psycopg://",
        "metadata store; default sqlite:///DATA_DIR/audio_ident.db"),
    URL(qdrant_url, "QDRANT_URL", "", "http://|https://",
        "Qdrant base URL; unset = embedded vector store"),
    STR(qdrant_api_key, "QDRANT_API_KEY", "", 1, "sent as the api-key header"),
    STR(qdrant_collection, "QDRANT_COLLECTION_NAME", "audio_embeddings", 0,
        "Qdrant collection (created lazily)"),
    ENUM(embedding_model, "EMBEDDING_MODEL", "vibe-lite", "vibe-lite|clap", "vibe lane model"),
    STR(clap_model_path, "CLAP_MODEL_PATH", "", 0, "ONNX file for EMBEDDING_MODEL=clap"),
    STR(host, "HOST", "127.0.0.1", 0, "listen address"),
    INT(port, "PORT", "17010", 0, 65535, "listen port (0 = any free port, logged at start)"),
    DBL(exact_timeout_s, "EXACT_TIMEOUT_S", "3", 0.01, 600, "exact lane deadline (seconds)"),
    DBL(vibe_timeout_s, "VIBE_TIMEOUT_S", "4", 0.01, 600, "vibe lane deadline (seconds)"),
    INT(max_upload_bytes, "MAX_UPLOAD_BYTES", "10485760", 1024, 1073741824.0,
        "search upload cap (bytes)"),
    INT(max_ingest_bytes, "MAX_INGEST_BYTES", "209715200", 1024, 17179869184.0,
        "ingest file cap (bytes)"),
    DBL(max_track_seconds, "MAX_TRACK_SECONDS", "1800", 3, 86400, "longest track ingest accepts"),
    DBL(min_track_seconds, "MIN_TRACK_SECONDS", "5", 3, 600, "shortest track ingest accepts"),
    INT(min_free_disk_mb, "MIN_FREE_DISK_MB", "100", 0, 1048576,
        "ingest refused and /health?deep=1 degraded below this free space on DATA_DIR (MB)"),
    STR(ingest_root, "INGEST_ROOT", ".", 0, "directories ingested over HTTP must be under this"),
    STR(admin_token, "ADMIN_TOKEN", "", 1, "bearer token for admin routes; unset = loopback only"),
    STR(cors_origins, "CORS_ORIGINS", "", 0, "comma-separated allowed origins; empty = same origin"),
    INT(rate_limit_per_min, "RATE_LIMIT_PER_MIN", "120", 0, 1000000,
        "search requests per client IP per minute (0 = off)"),
    INT(workers, "WORKERS", "0", 0, 256, "worker threads; 0 = number of cores"),
    ENUM(log_format, "LOG_FORMAT", "text", "text|json", "log line format"),
    ENUM(log_level, "LOG_LEVEL", "info", "debug|info|warn|error", "minimum log level"),
    STR(web_dir, "WEB_DIR", "./web", 0, "directory of the web UI served at /"),
    STR(test_lane_delay, "AI_TEST_LANE_DELAY", "", 0,
        "tests only: \"exact:MS\" or \"vibe:MS\" delays that search lane"),
    STR(test_ingest_stage, "AI_TEST_INGEST_STAGE", "", 0,
        "tests only: \"STAGE:sleep:MS\", \"STAGE:kill\", \"STAGE:fail\" or \"STAGE:full\" at an "
        "ingest stage"),
};

#define NSETTINGS (sizeof settings / sizeof settings[0])
_Static_assert(NSETTINGS <= CONFIG_MAX_SETTINGS, "raise CONFIG_MAX_SETTINGS");

/* ---------------------------------------------------------------- values */

static int in_choices(const char *choices, const char *v, int prefix)
{
    size_t vl = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (prefix ? (vl >= n && strncmp(v, p, n) == 0) : (vl == n && strncmp(v, p, n) == 0))
            return 1;
        p += n + (bar ? 1 : 0);
    }
    return 0;
}

static ai_err_t set_value(config_t *cfg, const setting_t *s, const char *v, ai_error_t *err)
{
    char *base = (char *)cfg + s->offset;
    switch (s->type) {
    case T_URL:
        if (*v && !in_choices(s->choices, v, 1))
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: must start with one of %s, got \"%.80s\"", s->name,
                                s->choices, v);
        /* fall through */
    case T_STR:
    case T_ENUM:
        if (s->type == T_ENUM && !in_choices(s->choices, v, 0))
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: must be one of %s, got \"%.80s\"", s->name, s->choices, v);
        if (strlen(v) >= s->size)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s: value longer than %zu bytes",
                                s->name, s->size - 1);
        memcpy(base, v, strlen(v) + 1);
        return AI_OK;
    case T_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end || x < (long long)s->min || x > (long long)s->max)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: must be an integer in %.0f..%.0f, got \"%.80s\"", s->name,
                                s->min, s->max, v);
        *(long long *)(void *)base = x;
        return AI_OK;
    }
    case T_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x) || x < s->min || x > s->max)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: must be a number in %g..%g, got \"%.80s\"", s->name, s->min,
                                s->max, v);
        *(double *)(void *)base = x;
        return AI_OK;
    }
    }
    return AI_ERR_INTERNAL_ERROR;
}

/* ---------------------------------------------------------------- .env */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

ai_err_t config_parse_env_text(const char *text, size_t len, config_env_set_fn set, void *user,
                               ai_error_t *err)
{
    const char *p = text, *end = text + len;
    int lineno = 0;
    char name[128], value[CONFIG_STR_MAX * 2];
    while (p < end) {
        lineno++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = skip_ws(p, eol);
        if (q == eol || *q == '#' || *q == '\r') {
            p = eol + (eol < end);
            continue;
        }
        if ((size_t)(eol - q) > 7 && strncmp(q, "export", 6) == 0 && (q[6] == ' ' || q[6] == '\t'))
            q = skip_ws(q + 6, eol);
        size_t nl = 0;
        while (q < eol && (isalnum((unsigned char)*q) || *q == '_')) {
            if (nl + 1 >= sizeof name)
                return ai_error_set(err, AI_ERR_VALIDATION_ERROR, ".env line %d: name too long",
                                    lineno);
            name[nl++] = *q++;
        }
        name[nl] = '\0';
        q = skip_ws(q, eol);
        if (nl == 0 || isdigit((unsigned char)name[0]) || q == eol || *q != '=')
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                ".env line %d: expected NAME=value", lineno);
        q = skip_ws(q + 1, eol);
        size_t vl = 0;
        if (q < eol && (*q == '"' || *q == '\'')) {
            char quote = *q++;
            int closed = 0;
            while (q < eol) {
                char c = *q++;
                if (c == quote) {
                    closed = 1;
                    break;
                }
                if (quote == '"' && c == '\\' && q < eol) {
                    char e = *q++;
                    c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                }
                if (vl + 1 >= sizeof value)
                    return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                        ".env line %d: value too long", lineno);
                value[vl++] = c;
            }
            if (!closed)
                return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                    ".env line %d: unterminated quoted value for %s", lineno,
                                    name);
            q = skip_ws(q, eol);
            if (q < eol && *q != '#' && *q != '\r')
                return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                    ".env line %d: unexpected text after quoted value", lineno);
        } else {
            const char *vs = q;
            /* An unquoted value ends at a " #" comment; trailing blanks are dropped. */
            while (q < eol && !(*q == '#' && q > vs && (q[-1] == ' ' || q[-1] == '\t')))
                q++;
            const char *ve = q;
            while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
                ve--;
            vl = (size_t)(ve - vs);
            if (vl >= sizeof value)
                return ai_error_set(err, AI_ERR_VALIDATION_ERROR, ".env line %d: value too long",
                                    lineno);
            memcpy(value, vs, vl);
        }
        value[vl] = '\0';
        set(name, value, user);
        p = eol + (eol < end);
    }
    return AI_OK;
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    config_t *cfg;
    ai_error_t *err;
    ai_err_t rc;
} env_file_ctx_t;

static const setting_t *find_setting(const char *name)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

static void env_file_set(const char *name, const char *value, void *user)
{
    env_file_ctx_t *c = user;
    const setting_t *s = find_setting(name);
    if (!s || c->rc != AI_OK)
        return; /* other tools' variables (e.g. POSTGRES_MODE) live in .env too */
    c->rc = set_value(c->cfg, s, value, c->err);
    if (c->rc == AI_OK)
        c->cfg->source[s - settings] = CONFIG_SRC_ENV_FILE;
    else
        ai_error_prefix(c->err, "in .env");
}

static const char *getenv_lookup(const char *name, void *user)
{
    (void)user;
    return getenv(name);
}

ai_err_t config_load_from(config_t *cfg, config_lookup_fn lookup, void *user, const char *env_file,
                          ai_error_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NSETTINGS; i++) {
        ai_err_t rc = set_value(cfg, &settings[i], settings[i].def, err);
        if (rc)
            return rc;
    }

    const char *path = env_file ? env_file : ".env";
    unsigned char *text = NULL;
    size_t len = 0;
    if (fs_is_file(path) && fs_read_file(path, 1 << 20, &text, &len, NULL) == AI_OK) {
        env_file_ctx_t ctx = {cfg, err, AI_OK};
        ai_err_t rc = config_parse_env_text((const char *)text, len, env_file_set, &ctx, err);
        free(text);
        if (rc)
            return rc;
        if (ctx.rc)
            return ctx.rc;
    }

    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = lookup(settings[i].name, user);
        if (!v)
            continue;
        ai_err_t rc = set_value(cfg, &settings[i], v, err);
        if (rc)
            return rc;
        cfg->source[i] = CONFIG_SRC_ENV;
    }

    if (!cfg->data_dir[0])
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "DATA_DIR: must not be empty");
    if (!cfg->database_url[0]) {
        int n = snprintf(cfg->database_url, sizeof cfg->database_url, "sqlite:///%s/audio_ident.db",
                         cfg->data_dir);
        if (n < 0 || (size_t)n >= sizeof cfg->database_url)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "DATA_DIR: path too long");
    }
    if (cfg->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = n > 0 ? n : 1;
    }
    if (strcmp(cfg->embedding_model, "clap") == 0 && !cfg->clap_model_path[0])
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "CLAP_MODEL_PATH: required when EMBEDDING_MODEL=clap");
    return AI_OK;
}

ai_err_t config_load(config_t *cfg, const char *env_file, ai_error_t *err)
{
    return config_load_from(cfg, getenv_lookup, NULL, env_file, err);
}

/* ---------------------------------------------------------------- printing */

void config_redact_url(const char *url, char *out, size_t n)
{
    /* userinfo is the part of the authority before its last '@' */
    const char *scheme = strstr(url, "://");
    const char *auth = scheme ? scheme + 3 : NULL;
    size_t auth_len = auth ? strcspn(auth, "/?#") : 0;
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        snprintf(out, n, "%s", url);
        return;
    }
    snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
}

void config_print(const config_t *cfg, FILE *out)
{
    static const char *src_names[] = {"default", ".env", "environment"};
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting_t *s = &settings[i];
        const char *base = (const char *)cfg + s->offset;
        char val[CONFIG_STR_MAX];
        switch (s->type) {
        case T_INT:
            snprintf(val, sizeof val, "%lld", *(const long long *)(const void *)base);
            break;
        case T_DOUBLE:
            snprintf(val, sizeof val, "%g", *(const double *)(const void *)base);
            break;
        case T_URL:
            config_redact_url(base, val, sizeof val);
            break;
        default:
            snprintf(val, sizeof val, "%s", s->secret && *base ? "********" : base);
            break;
        }
        fprintf(out, "%-24s %-40s %-12s %s\n", s->name, val, src_names[cfg->source[i]], s->help);
    }
}
