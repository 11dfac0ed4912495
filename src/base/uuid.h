/*
 * uuid.h — UUIDs as lowercase hyphenated strings (36 chars + NUL).
 * Thread-safe.
 */
#ifndef AI_BASE_UUID_H
#define AI_BASE_UUID_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define UUID_STR_LEN 37 /* including NUL */

/* A random version-4 UUID from getrandom(2).
 * Returns AI_OK or AI_ERR_INTERNAL_ERROR when the kernel has no entropy source. */
ai_err_t uuid_v4(char out[UUID_STR_LEN]);

/* A name-based UUID: SHA-256 of (ns, NUL, name) truncated to 16 bytes with
 * the version-5 and RFC 4122 variant bits set.  The same (ns, name) gives the
 * same id on every machine (used for vector point ids). */
ai_err_t uuid_from_name(const char *ns, const void *name, size_t len, char out[UUID_STR_LEN]);

/* 1 if s is a canonical UUID string (8-4-4-4-12 hex, any case), else 0. */
int uuid_valid(const char *s);

/* Formats 16 bytes as a lowercase hyphenated string. */
void uuid_format(const uint8_t bytes[16], char out[UUID_STR_LEN]);

#endif
