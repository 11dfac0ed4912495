#include "config/config.h"
#include "base/fsutil.h"
#include "http/clientaddr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
    {                                                                                              \
        name, T_URL, offsetof(config_t, field), sizeof(((config_t *)0)->field), def, 0, 0,         \
            schemes, 0, help                                                                       \
    }

static const setting_t settings[] = {
    STR(data_dir, "DATA_DIR", "./data", 0, "originals, fingerprint index, vectors, SQLite file"),
    URL(database_url, "DATABASE_URL", "",
        "sqlite://|postgresql://|postgres://|postgresql+asyncpg://|postgresql+psycopg://|"
        "postgresql+psycopg2://",
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
    INT(max_conn_per_ip, "MAX_CONN_PER_IP", "16", 1, 256,
        "open connections per client address (TCP peer), loopback included"),
    DBL(header_timeout_s, "HEADER_TIMEOUT_S", "10", 1, 300,
        "request headers (and an idle keep-alive connection) must arrive within this"),
    INT(min_body_rate, "MIN_BODY_RATE_BYTES", "1024", 0, 1073741824.0,
        "a request body must arrive at >= this many bytes/s in every 10 s (0 = off)"),
    INT(max_inflight_upload_bytes, "MAX_INFLIGHT_UPLOAD_BYTES", "536870912", 1048576,
        68719476736.0, "request bodies held in memory at once, all clients (beyond: 503)"),
    INT(workers, "WORKERS", "0", 0, 256, "worker threads; 0 = number of cores"),
    ENUM(log_format, "LOG_FORMAT", "text", "text|json", "log line format"),
    ENUM(log_level, "LOG_LEVEL", "info", "debug|info|warn|error", "minimum log level"),
    STR(web_dir, "WEB_DIR", "./web", 0, "directory of the web UI served at /"),
    STR(tls_cert_file, "TLS_CERT_FILE", "", 0,
        "PEM certificate (chain) for HTTPS; unset = plain HTTP"),
    STR(tls_key_file, "TLS_KEY_FILE", "", 0, "PEM private key of TLS_CERT_FILE"),
    INT(hsts_max_age, "HSTS_MAX_AGE", "31536000", 0, 63072000,
        "Strict-Transport-Security max-age (s) under TLS; 0 = header off"),
    STR(trusted_proxies, "TRUSTED_PROXIES", "", 0,
        "IPs/CIDRs whose X-Forwarded-For / Forwarded give the client address"),
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

/* 1 when a postgres URL's userinfo holds a raw '@' or '/' (libpq would
 * then read part of the password as host, port or database, and print it
 * in its errors). */
static int pg_userinfo_ambiguous(const char *v)
{
    if (strncasecmp(v, "postgres", 8) != 0)
        return 0;
    const char *rest = strstr(v, "://");
    if (!rest)
        return 0;
    rest += 3;
    size_t n = strcspn(rest, "?#");
    const char *last_at = NULL;
    for (size_t i = 0; i < n; i++)
        if (rest[i] == '@')
            last_at = rest + i;
    if (!last_at)
        return 0;
    for (const char *p = rest; p < last_at; p++)
        if (*p == '@' || *p == '/')
            return 1;
    return 0;
}

static ai_err_t set_value(config_t *cfg, const setting_t *s, const char *v, ai_error_t *err)
{
    char *base = (char *)cfg + s->offset;
    switch (s->type) {
    case T_URL:
        if (*v && !in_choices(s->choices, v, 1)) {
            char shown[CONFIG_STR_MAX];
            config_redact_url(v, shown, sizeof shown);
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: must start with one of %s, got \"%.80s\"", s->name,
                                s->choices, shown);
        }
        if (pg_userinfo_ambiguous(v)) {
            char shown[CONFIG_STR_MAX];
            config_redact_url(v, shown, sizeof shown);
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "%s: the user or password holds a raw '@' or '/'; "
                                "percent-encode it (%%40, %%2F), got \"%.80s\"",
                                s->name, shown);
        }
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
    const char *path;
} env_file_ctx_t;

static const setting_t *find_setting(const char *name)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

/* Case-insensitive optimal-string-alignment distance, capped: returns
 * cap + 1 as soon as the distance is known to exceed cap. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
    enum { N = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= N || lb >= N || (la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    size_t d[N][N];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = toupper((unsigned char)a[i - 1]), cb = toupper((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == toupper((unsigned char)b[j - 2]) &&
                toupper((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *config_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3;
    if (find_setting(name))
        return NULL;
    for (size_t i = 0; i < NSETTINGS; i++) {
        size_t dist = edit_distance(name, settings[i].name, 2);
        if (dist < best_d) {
            best_d = dist;
            best = settings[i].name;
        }
    }
    return best;
}

static void add_warning(config_t *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(config_t *cfg, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t used = strlen(cfg->warnings);
    if (n > 0 && (size_t)n + 2 <= sizeof line && used + (size_t)n + 2 <= sizeof cfg->warnings)
        snprintf(cfg->warnings + used, sizeof cfg->warnings - used, "%s\n", line);
}

static void env_file_set(const char *name, const char *value, void *user)
{
    env_file_ctx_t *c = user;
    const setting_t *s = find_setting(name);
    if (c->rc != AI_OK)
        return;
    if (!s) {
        /* other tools' variables (e.g. POSTGRES_MODE) live in .env too; only
         * a near miss of one of ours is worth a word */
        const char *near = config_suggest(name);
        if (near)
            add_warning(c->cfg, "%s: unknown variable %s ignored; did you mean %s?", c->path,
                        name, near);
        return;
    }
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
        env_file_ctx_t ctx = {cfg, err, AI_OK, path};
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
    if (!cfg->tls_cert_file[0] != !cfg->tls_key_file[0])
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "%s: required when %s is set (HTTPS needs both)",
                            cfg->tls_cert_file[0] ? "TLS_KEY_FILE" : "TLS_CERT_FILE",
                            cfg->tls_cert_file[0] ? "TLS_CERT_FILE" : "TLS_KEY_FILE");
    clientaddr_proxies_t proxies;
    if (clientaddr_proxies_parse(cfg->trusted_proxies, &proxies, err) != AI_OK)
        return AI_ERR_VALIDATION_ERROR;
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

/* Bounded writer for config_redact_url. */
typedef struct {
    char *out;
    size_t n, len;
} redact_buf_t;

static void rb_put(redact_buf_t *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len && b->len + 1 < b->n; i++)
        b->out[b->len++] = s[i];
    b->out[b->len] = '\0';
}

/* 1 when a query / DSN key names a secret (password, sslpassword, token,
 * api-key, secret, …). */
static int secret_key(const char *k, size_t n)
{
    static const char *const words[] = {"pass", "pwd", "secret", "token", "key"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(k + i, words[w], wl) == 0)
                return 1;
    }
    return 0;
}

/* key=value pairs separated by '&' (query) or blanks (keyword DSN, where a
 * value may be 'quoted' with \-escapes): secret values become ***. */
static void redact_pairs(redact_buf_t *b, const char *p, int dsn)
{
    while (*p) {
        size_t sep = dsn ? strspn(p, " \t\r\n") : strspn(p, "&;");
        rb_put(b, p, sep);
        p += sep;
        if (!*p)
            break;
        size_t klen = dsn ? strcspn(p, "= \t\r\n") : strcspn(p, "=&;");
        const char *v = p + klen;
        int secret = secret_key(p, klen);
        rb_put(b, p, klen);
        if (dsn) { /* libpq allows blanks around '=' */
            const char *e = v + strspn(v, " \t");
            if (*e == '=')
                v = e;
        }
        if (*v != '=') {
            p = v;
            continue;
        }
        const char *ve = v + 1;
        if (dsn) {
            while (*ve == ' ' || *ve == '\t')
                ve++;
            if (*ve == '\'') {
                for (ve++; *ve && *ve != '\''; ve++)
                    if (*ve == '\\' && ve[1])
                        ve++;
                if (*ve)
                    ve++;
            } else {
                ve += strcspn(ve, " \t\r\n");
            }
        } else {
            ve += strcspn(ve, "&;");
        }
        if (secret)
            rb_put(b, "=***", 4);
        else
            rb_put(b, v, (size_t)(ve - v));
        p = ve;
    }
}

void config_redact_url(const char *url, char *out, size_t n)
{
    if (!n)
        return;
    redact_buf_t b = {out, n, 0};
    out[0] = '\0';
    const char *sep = strstr(url, "://");
    if (!sep) { /* a keyword DSN (host=… password=…) or something else */
        redact_pairs(&b, url, 1);
        return;
    }
    const char *rest = sep + 3;
    rb_put(&b, url, (size_t)(rest - url));
    /* userinfo ends at the last '@', so a raw password holding '@', ':' or
     * '/' is masked whole (a stray '@' later in the URL masks more, never
     * less).  For http(s) an '@' after the first '/' is part of the path. */
    const char *first_at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    int http = strncasecmp(url, "http", 4) == 0;
    const char *host = rest;
    if (first_at && (!http || !slash || first_at < slash)) {
        const char *last_at = strrchr(rest, '@');
        const char *colon = memchr(rest, ':', (size_t)(first_at - rest));
        if (colon) {
            rb_put(&b, rest, (size_t)(colon - rest));
            rb_put(&b, ":***", 4);
        } else if (last_at != first_at) {
            rb_put(&b, rest, (size_t)(first_at - rest));
            rb_put(&b, ":***", 4);
        } else {
            rb_put(&b, rest, (size_t)(first_at - rest));
        }
        host = last_at;
    }
    size_t path_len = strcspn(host, "?#");
    rb_put(&b, host, path_len);
    if (host[path_len] == '?') {
        rb_put(&b, "?", 1);
        size_t qlen = strcspn(host + path_len + 1, "#");
        char query[CONFIG_STR_MAX * 2];
        snprintf(query, sizeof query, "%.*s", (int)qlen, host + path_len + 1);
        redact_pairs(&b, query, 0);
        rb_put(&b, host + path_len + 1 + qlen, strlen(host + path_len + 1 + qlen));
    } else {
        rb_put(&b, host + path_len, strlen(host + path_len));
    }
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
