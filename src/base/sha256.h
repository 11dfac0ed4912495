/*
 * sha256.h — SHA-256 through OpenSSL's EVP interface (libcrypto).
 *
 * Streaming: sha256_create → sha256_update… → sha256_final → sha256_destroy.
 * One-shot helpers for memory and files.  A context is owned by one thread.
 * Functions return AI_OK or AI_ERR_INTERNAL_ERROR (libcrypto failure) /
 * AI_ERR_FILE_NOT_FOUND (sha256_file cannot open the file).
 */
#ifndef AI_BASE_SHA256_H
#define AI_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 65 /* including NUL */

typedef struct sha256_ctx sha256_ctx_t;

sha256_ctx_t *sha256_create(void); /* NULL on OOM */
void sha256_destroy(sha256_ctx_t *c);
ai_err_t sha256_update(sha256_ctx_t *c, const void *data, size_t len);
ai_err_t sha256_final(sha256_ctx_t *c, uint8_t out[SHA256_DIGEST_LEN]);

/* Lowercase hex of a digest. */
void sha256_to_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN]);
ai_err_t sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);
ai_err_t sha256_file_hex(const char *path, char out[SHA256_HEX_LEN]);

#endif
