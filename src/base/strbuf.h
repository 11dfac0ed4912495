/*
 * strbuf.h — a growable, capped, always NUL-terminated string buffer.
 *
 * strbuf_init(&sb, cap) never allocates; appends grow the heap buffer up to
 * `cap` bytes of content.  An append that would pass the cap (or fails to
 * allocate) sets sb.overflow, appends nothing more, and later appends are
 * ignored, so a caller can build a whole document and check once at the end.
 * The buffer is owned by the strbuf; strbuf_detach() hands it to the caller.
 * Not thread-safe (one owner).
 */
#ifndef AI_BASE_STRBUF_H
#define AI_BASE_STRBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* NULL until the first append; otherwise NUL-terminated */
    size_t len;
    size_t alloc;
    size_t cap;
    int overflow;
} strbuf_t;

void strbuf_init(strbuf_t *sb, size_t cap);
void strbuf_release(strbuf_t *sb);
/* Empties the buffer, keeping its allocation. */
void strbuf_reset(strbuf_t *sb);
void strbuf_appendn(strbuf_t *sb, const char *s, size_t n);
void strbuf_append(strbuf_t *sb, const char *s);
void strbuf_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes and escapes; invalid UTF-8
 * bytes become U+FFFD). s == NULL appends `null`. */
void strbuf_json_string(strbuf_t *sb, const char *s);
/* The content ("" when empty); valid until the next append/release. */
const char *strbuf_cstr(const strbuf_t *sb);
/* Returns the heap buffer (caller frees) and leaves sb empty (same cap); "" is malloc'd when empty. NULL on OOM. */
char *strbuf_detach(strbuf_t *sb, size_t *len);

#endif
