/* Strict parsers of request text (see fields.h). */
#include "http/fields.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int http_field_int(const char *s, size_t len, long lo, long hi, long *out)
{
    if (!s || len == 0 || len > 18)
        return 0;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return 0;
    *out = (long)v;
    return 1;
}

int http_field_is(const char *s, size_t len, const char *word)
{
    return s && strlen(word) == len && memcmp(s, word, len) == 0;
}

int http_field_text_ok(const char *s, size_t len, size_t max)
{
    if (!s || len > max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 0;
    }
    return 1;
}

int http_parse_content_length(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return 0;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* Skips blanks and commas. */
static const char *skip_list_sep(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
    return p;
}

int http_etag_list_matches(const char *header, const char *etag)
{
    if (!header || !etag)
        return 0;
    const char *p = header;
    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] == '*') {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        return *q == '\0';
    }
    size_t el = strlen(etag);
    for (p = skip_list_sep(p); *p; p = skip_list_sep(p)) {
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return 0; /* malformed: no match */
        const char *close = strchr(p + 1, '"');
        if (!close)
            return 0;
        size_t tl = (size_t)(close - p) + 1;
        if (tl == el && memcmp(p, etag, el) == 0)
            return 1;
        p = close + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != ',')
            return 0;
    }
    return 0;
}

int http_if_range_matches(const char *header, const char *etag)
{
    return header && etag && etag[0] == '"' && strcmp(header, etag) == 0;
}

const char *http_cors_match(const char *list, const char *origin)
{
    if (!origin || !list || !list[0])
        return NULL;
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t t = len;
        while (t && p[t - 1] == ' ')
            t--;
        if ((t == 1 && *p == '*') || (t == n && n && strncmp(p, origin, n) == 0))
            return origin;
        p += len;
    }
    return NULL;
}

ai_err_t http_ingest_json_dir(const unsigned char *body, size_t len, size_t max_body, char *dir,
                              size_t n, ai_error_t *err)
{
    json_error_t je;
    json_t *root = body && len <= max_body ? json_loadb((const char *)body, len, 0, &je) : NULL;
    json_t *v = json_is_object(root) ? json_object_get(root, "directory") : NULL;
    const char *s = json_string_value(v);
    size_t sl = s ? json_string_length(v) : 0;
    ai_err_t rc = AI_OK;
    if (!s || sl == 0 || memchr(s, '\0', sl) || sl >= n) {
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "expected a JSON object with a non-empty \"directory\" string");
        ai_error_details(err, "{\"field\":\"directory\"}");
    } else {
        memcpy(dir, s, sl + 1);
    }
    json_decref(root);
    return rc;
}
