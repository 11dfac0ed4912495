/*
 * fields.h — the small parsers of request text, as pure functions: form and
 * query integers, tag fields, entity-tag lists (If-None-Match, If-Range),
 * CORS origin lists, Content-Length and the ingest JSON body.
 *
 * Every function reads only its arguments (NUL-terminated strings or
 * explicit lengths), allocates nothing unless stated, and is thread-safe.
 * They are strict: anything but the exact syntax is refused, so " 5",
 * "5 ", "+5", "0x5" and "5\0junk" are not the integer 5.  Each is fuzzed by
 * a harness in tests/fuzz/.
 */
#ifndef AI_HTTP_FIELDS_H
#define AI_HTTP_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Longest title/artist/album accepted from a client, in bytes of UTF-8. */
#define HTTP_TAG_MAX_BYTES 511

/* Parses s[0..len) as a decimal integer in [lo, hi]: ASCII digits only
 * (at most 18), no sign, blank or NUL.  Returns 1 and *out, or 0. */
int http_field_int(const char *s, size_t len, long lo, long hi, long *out);

/* 1 when s[0..len) is exactly the C string word (a NUL inside never
 * matches). */
int http_field_is(const char *s, size_t len, const char *word);

/* Checks a descriptive text field (title, artist, album): at most max
 * bytes, no NUL or other control byte except tab.  Returns 1 when fine. */
int http_field_text_ok(const char *s, size_t len, size_t max);

/* Parses a Content-Length value: digits only, no overflow.  Returns 1 and
 * *out, or 0 when malformed. */
int http_parse_content_length(const char *s, uint64_t *out);

/* If-None-Match: 1 when the header is "*" or lists etag (a quoted
 * entity-tag such as "\"abc\""), compared weakly (a W/ prefix is ignored),
 * as RFC 9110 asks.  0 for NULL or a malformed list. */
int http_etag_list_matches(const char *header, const char *etag);

/* If-Range: 1 when the header is exactly the strong etag (a weak or an
 * HTTP-date validator never matches, so the whole file is sent). */
int http_if_range_matches(const char *header, const char *etag);

/* The origin when it is listed in the comma-separated CORS list (or the
 * list holds "*"), else NULL.  Entries are compared exactly after
 * trimming blanks. */
const char *http_cors_match(const char *list, const char *origin);

/* The "directory" string of an ingest JSON body ({"directory": "…"}), at
 * most max_body bytes.  Copies it into dir (n bytes).  VALIDATION_ERROR
 * when the body is not such an object, the string is empty, holds a NUL
 * or does not fit. */
ai_err_t http_ingest_json_dir(const unsigned char *body, size_t len, size_t max_body, char *dir,
                              size_t n, ai_error_t *err);

#endif
