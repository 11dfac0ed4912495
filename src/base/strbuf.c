#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf_t *sb, size_t cap)
{
    memset(sb, 0, sizeof *sb);
    sb->cap = cap;
}

void strbuf_release(strbuf_t *sb)
{
    if (!sb)
        return;
    free(sb->data);
    memset(sb, 0, sizeof *sb);
}

void strbuf_reset(strbuf_t *sb)
{
    sb->len = 0;
    sb->overflow = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

static int reserve(strbuf_t *sb, size_t extra)
{
    if (sb->overflow)
        return 0;
    if (extra > sb->cap || sb->len > sb->cap - extra) {
        sb->overflow = 1;
        return 0;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return 1;
    size_t n = sb->alloc ? sb->alloc : 256;
    while (n < need)
        n = n > ((size_t)-1) / 2 ? need : n * 2;
    char *d = realloc(sb->data, n);
    if (!d) {
        sb->overflow = 1;
        return 0;
    }
    sb->data = d;
    sb->alloc = n;
    return 1;
}

void strbuf_appendn(strbuf_t *sb, const char *s, size_t n)
{
    if (!reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_append(strbuf_t *sb, const char *s)
{
    strbuf_appendn(sb, s, strlen(s));
}

void strbuf_printf(strbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const unsigned min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void strbuf_json_string(strbuf_t *sb, const char *s)
{
    if (!s) {
        strbuf_append(sb, "null");
        return;
    }
    strbuf_append(sb, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char esc[3] = {'\\', (char)c, 0};
            strbuf_append(sb, esc);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': strbuf_append(sb, "\\n"); break;
            case '\r': strbuf_append(sb, "\\r"); break;
            case '\t': strbuf_append(sb, "\\t"); break;
            default: strbuf_printf(sb, "\\u%04x", c); break;
            }
            p++;
        } else {
            size_t n = utf8_seq(p);
            if (n == 0) {
                strbuf_append(sb, "\xEF\xBF\xBD");
                p++;
            } else {
                strbuf_appendn(sb, (const char *)p, n);
                p += n;
            }
        }
    }
    strbuf_append(sb, "\"");
}

const char *strbuf_cstr(const strbuf_t *sb)
{
    return sb->data ? sb->data : "";
}

char *strbuf_detach(strbuf_t *sb, size_t *len)
{
    char *d = sb->data;
    size_t n = sb->len, cap = sb->cap;
    if (!d)
        d = calloc(1, 1);
    strbuf_init(sb, cap);
    if (len)
        *len = d ? n : 0;
    return d;
}
