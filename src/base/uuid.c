#include "base/uuid.h"
#include "base/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

void uuid_format(const uint8_t b[16], char out[UUID_STR_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

ai_err_t uuid_v4(char out[UUID_STR_LEN])
{
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            out[0] = '\0';
            return AI_ERR_INTERNAL_ERROR;
        }
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    uuid_format(b, out);
    return AI_OK;
}

ai_err_t uuid_from_name(const char *ns, const void *name, size_t len, char out[UUID_STR_LEN])
{
    sha256_ctx_t *c = sha256_create();
    uint8_t d[SHA256_DIGEST_LEN];
    if (!c || sha256_update(c, ns, strlen(ns)) || sha256_update(c, "\0", 1) ||
        sha256_update(c, name, len) || sha256_final(c, d)) {
        sha256_destroy(c);
        out[0] = '\0';
        return AI_ERR_INTERNAL_ERROR;
    }
    sha256_destroy(c);
    d[6] = (uint8_t)((d[6] & 0x0F) | 0x50);
    d[8] = (uint8_t)((d[8] & 0x3F) | 0x80);
    uuid_format(d, out);
    return AI_OK;
}

int uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}
