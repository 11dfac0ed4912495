/* multipart/form-data parsing over a body held in memory. */
#include "http/multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70 /* RFC 2046 */

int multipart_is_form(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return strncasecmp(ct, "multipart/form-data", 19) == 0 &&
           (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

/* Reads a header parameter value after "name=" at *p: a quoted string (with
 * backslash escapes) or a token.  Returns an arena copy or NULL. */
static char *param_value(arena_t *a, const char *p, const char *end)
{
    char *out = arena_alloc(a, (size_t)(end - p) + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end)
                p++;
            out[n++] = *p;
        }
    } else {
        while (p < end && *p != ';' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

/* Finds parameter `name` (case-insensitive) in a header value [p, end),
 * skipping quoted strings so `filename="a; name=b"` is not misread. */
static char *header_param(arena_t *a, const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);
    int in_quote = 0;
    for (const char *q = p; q < end; q++) {
        if (*q == '"' && (q == p || q[-1] != '\\'))
            in_quote = !in_quote;
        if (in_quote || *q != ';')
            continue;
        const char *k = q + 1;
        while (k < end && (*k == ' ' || *k == '\t'))
            k++;
        if ((size_t)(end - k) > nl && strncasecmp(k, name, nl) == 0 && k[nl] == '=')
            return param_value(a, k + nl + 1, end);
    }
    return NULL;
}

static ai_err_t boundary_of(arena_t *a, const char *ct, char *out, ai_error_t *err)
{
    if (!multipart_is_form(ct))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "the body must be multipart/form-data");
    const char *b = header_param(a, ct, ct + strlen(ct), "boundary");
    if (!b || !*b || strlen(b) > BOUNDARY_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "multipart/form-data without a valid boundary parameter");
    snprintf(out, BOUNDARY_MAX + 3, "--%s", b);
    return AI_OK;
}

ai_err_t multipart_boundary(arena_t *a, const char *content_type, char *out, size_t n,
                            ai_error_t *err)
{
    char delim[BOUNDARY_MAX + 3];
    ai_err_t rc = boundary_of(a, content_type, delim, err);
    if (rc == AI_OK && snprintf(out, n, "%s", delim + 2) >= (int)n)
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR, "multipart boundary too long");
    return rc;
}

static const unsigned char *find(const unsigned char *h, size_t hn, const char *needle, size_t nn)
{
    return memmem(h, hn, needle, nn);
}

/* Parses one part's header block [h, hend) into *part. */
static ai_err_t part_headers(arena_t *a, const char *h, const char *hend, multipart_part_t *part,
                             ai_error_t *err)
{
    part->content_type = "";
    while (h < hend) {
        const char *eol = memchr(h, '\n', (size_t)(hend - h));
        const char *lend = eol ? eol : hend;
        const char *vend = lend > h && lend[-1] == '\r' ? lend - 1 : lend;
        const char *colon = memchr(h, ':', (size_t)(vend - h));
        if (colon) {
            const char *v = colon + 1;
            while (v < vend && (*v == ' ' || *v == '\t'))
                v++;
            size_t klen = (size_t)(colon - h);
            if (klen == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
                if ((size_t)(vend - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
                    return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                        "a multipart part is not form-data");
                part->name = header_param(a, v, vend, "name");
                part->filename = header_param(a, v, vend, "filename");
            } else if (klen == 12 && strncasecmp(h, "Content-Type", 12) == 0) {
                part->content_type = arena_strndup(a, v, (size_t)(vend - v));
                if (!part->content_type)
                    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
            }
        }
        h = lend + 1;
    }
    if (!part->name)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "a multipart part has no Content-Disposition name");
    return AI_OK;
}

ai_err_t multipart_parse(arena_t *a, const char *content_type, const unsigned char *body,
                         size_t len, multipart_part_t **parts, size_t *nparts, ai_error_t *err)
{
    *parts = NULL;
    *nparts = 0;
    char delim[BOUNDARY_MAX + 8]; /* "\r\n--" + boundary */
    delim[0] = '\r';
    delim[1] = '\n';
    ai_err_t rc = boundary_of(a, content_type, delim + 2, err);
    if (rc)
        return rc;
    size_t dl = strlen(delim);
    multipart_part_t *out = arena_calloc(a, MULTIPART_MAX_PARTS, sizeof *out);
    if (!out)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");

    /* the first delimiter may open the body (no CRLF before it) */
    const unsigned char *p;
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0)
        p = body + dl - 2;
    else if ((p = find(body, len, delim, dl)) != NULL)
        p += dl;
    else
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "the multipart body does not contain its boundary");
    const unsigned char *end = body + len;
    size_t n = 0;
    for (;;) {
        /* after a delimiter: "--" closes the body, otherwise CRLF and a part */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "malformed multipart delimiter");
        p += 2;
        if (n == MULTIPART_MAX_PARTS)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "more than %d multipart parts",
                                MULTIPART_MAX_PARTS);
        size_t avail = (size_t)(end - p);
        const unsigned char *hend = find(p, avail, "\r\n\r\n", 4);
        if (!hend || (avail >= 2 && p[0] == '\r' && p[1] == '\n') ||
            hend - p > MULTIPART_MAX_HEADER)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "a multipart part's headers are missing or too long");
        multipart_part_t *part = &out[n];
        rc = part_headers(a, (const char *)p, (const char *)hend, part, err);
        if (rc)
            return rc;
        const unsigned char *data = hend + 4;
        const unsigned char *next = find(data, (size_t)(end - data), delim, dl);
        if (!next)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "the multipart body ends without its closing boundary");
        part->data = data;
        part->len = (size_t)(next - data);
        n++;
        p = next + dl;
    }
    *parts = out;
    *nparts = n;
    return AI_OK;
}

const multipart_part_t *multipart_find(const multipart_part_t *parts, size_t n, const char *name,
                                       size_t *count)
{
    const multipart_part_t *first = NULL;
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(parts[i].name, name) != 0)
            continue;
        if (!first)
            first = &parts[i];
        c++;
    }
    if (count)
        *count = c;
    return first;
}
