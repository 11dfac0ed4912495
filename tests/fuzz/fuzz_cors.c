/* libFuzzer harness: CORS Origin matching.  The first line is the
 * CORS_ORIGINS list, the rest the Origin header.  A match must return the
 * request's own Origin, and only when the list names it or holds "*". */
#include "http/fields.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = strchr(buf, '\n');
    const char *list = buf, *origin = "";
    if (nl) {
        *nl = '\0';
        origin = nl + 1;
    }
    const char *m = http_cors_match(list, origin);
    if (m && (m != origin || (!strchr(list, '*') && !strstr(list, origin))))
        __builtin_trap();
    free(buf);
    return 0;
}
