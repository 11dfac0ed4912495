/* libFuzzer harness: the /api/v1/tracks query string.  The input is split
 * and percent-decoded the way the HTTP library hands values over (so a
 * value may hold a NUL), then each known parameter goes through the same
 * field parsers as h_tracks_list. */
#include "http/fields.h"
#include "meta/meta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [p, e) in place into out; returns the length. */
static size_t decode(const char *p, const char *e, char *out)
{
    size_t n = 0;
    while (p < e) {
        if (*p == '%' && e - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            out[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 3;
        } else {
            out[n++] = *p == '+' ? ' ' : *p;
            p++;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1), *val = malloc(size + 1), *key = malloc(size + 1);
    if (!q || !val || !key)
        goto out;
    memcpy(q, data, size);
    q[size] = '\0';
    for (const char *p = q; p < q + size;) {
        const char *amp = memchr(p, '&', (size_t)(q + size - p));
        const char *end = amp ? amp : q + size;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        size_t kl = decode(p, eq ? eq : end, key);
        key[kl] = '\0';
        size_t vl = eq ? decode(eq + 1, end, val) : 0;
        long v = -1;
        if (strcmp(key, "page") == 0) {
            if (http_field_int(val, vl, 1, 1000000, &v) && (v < 1 || v > 1000000))
                __builtin_trap();
        } else if (strcmp(key, "pageSize") == 0) {
            if (http_field_int(val, vl, 1, META_PAGE_SIZE_MAX, &v) &&
                (v < 1 || v > META_PAGE_SIZE_MAX))
                __builtin_trap();
        } else if (strcmp(key, "search") == 0) {
            if (http_field_text_ok(val, vl, META_SEARCH_MAX) &&
                (vl > META_SEARCH_MAX || memchr(val, '\0', vl)))
                __builtin_trap();
        }
        p = end + 1;
    }
out:
    free(q);
    free(val);
    free(key);
    return 0;
}
