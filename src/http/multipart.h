/*
 * multipart.h — multipart/form-data bodies (RFC 7578), parsed in place.
 *
 * multipart_parse() splits a whole body held in memory into its parts.  The
 * boundary comes from the Content-Type header (quoted or not, any parameter
 * order); parts may come in any order; a delimiter counts only at the start
 * of the body or after CRLF, so the boundary's text inside file data is just
 * data.  Part names and file names are decoded from their quoted form.
 * Nothing here looks at a part's declared type: callers sniff the bytes.
 *
 * Ownership: the parts point into `body` (data) and into the arena (names);
 * both must outlive them.  Thread-safe (no shared state).
 * Caps: MULTIPART_MAX_PARTS parts, MULTIPART_MAX_HEADER bytes of headers per part.
 * Errors: VALIDATION_ERROR naming what is wrong (not multipart, no
 * boundary, no closing delimiter, a part without a name, too many parts);
 * INTERNAL_ERROR when the arena is exhausted.
 */
#ifndef AI_HTTP_MULTIPART_H
#define AI_HTTP_MULTIPART_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"

#define MULTIPART_MAX_PARTS  32
#define MULTIPART_MAX_HEADER 8192

typedef struct {
    const char *name;
    const char *filename;     /* NULL when the part is not a file */
    const char *content_type; /* as declared, "" when absent (informative only) */
    const unsigned char *data;
    size_t len;
} multipart_part_t;

ai_err_t multipart_parse(arena_t *a, const char *content_type, const unsigned char *body,
                         size_t len, multipart_part_t **parts, size_t *nparts, ai_error_t *err);

/* The parts named `name`: returns the first and sets *count (0 → NULL). */
const multipart_part_t *multipart_find(const multipart_part_t *parts, size_t n, const char *name,
                                       size_t *count);

/* The boundary parameter of a multipart/form-data Content-Type (quoted or
 * bare, 1..70 bytes) copied into out (n >= 71 bytes fits any);
 * VALIDATION_ERROR otherwise.  Temporary memory comes from a. */
ai_err_t multipart_boundary(arena_t *a, const char *content_type, char *out, size_t n,
                            ai_error_t *err);

/* 1 when content_type is multipart/form-data (case-insensitive type). */
int multipart_is_form(const char *content_type);

#endif
