#include "base/sha256.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

struct sha256_ctx {
    EVP_MD_CTX *md;
};

sha256_ctx_t *sha256_create(void)
{
    sha256_ctx_t *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        sha256_destroy(c);
        return NULL;
    }
    return c;
}

void sha256_destroy(sha256_ctx_t *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

ai_err_t sha256_update(sha256_ctx_t *c, const void *data, size_t len)
{
    return EVP_DigestUpdate(c->md, data, len) == 1 ? AI_OK : AI_ERR_INTERNAL_ERROR;
}

ai_err_t sha256_final(sha256_ctx_t *c, uint8_t out[SHA256_DIGEST_LEN])
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != SHA256_DIGEST_LEN)
        return AI_ERR_INTERNAL_ERROR;
    return AI_OK;
}

void sha256_to_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

ai_err_t sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN])
{
    uint8_t d[SHA256_DIGEST_LEN];
    unsigned int n = 0;
    if (EVP_Digest(data, len, d, &n, EVP_sha256(), NULL) != 1)
        return AI_ERR_INTERNAL_ERROR;
    sha256_to_hex(d, out);
    return AI_OK;
}

ai_err_t sha256_file_hex(const char *path, char out[SHA256_HEX_LEN])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return AI_ERR_FILE_NOT_FOUND;
    sha256_ctx_t *c = sha256_create();
    ai_err_t rc = c ? AI_OK : AI_ERR_INTERNAL_ERROR;
    unsigned char buf[65536];
    size_t n;
    while (rc == AI_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = sha256_update(c, buf, n);
    if (rc == AI_OK && ferror(f))
        rc = AI_ERR_INTERNAL_ERROR;
    uint8_t d[SHA256_DIGEST_LEN];
    if (rc == AI_OK)
        rc = sha256_final(c, d);
    if (rc == AI_OK)
        sha256_to_hex(d, out);
    sha256_destroy(c);
    fclose(f);
    return rc;
}
