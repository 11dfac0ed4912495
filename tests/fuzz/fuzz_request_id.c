/* libFuzzer harness: X-Request-Id validation.  Whatever uuid_valid accepts
 * must be exactly 36 characters of hex digits with hyphens at 8, 13, 18
 * and 23, so it is safe to echo in a header and a log line. */
#include "base/uuid.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (uuid_valid(s)) {
        if (strlen(s) != 36)
            __builtin_trap();
        for (size_t i = 0; i < 36; i++) {
            int hy = i == 8 || i == 13 || i == 18 || i == 23;
            if (hy ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                __builtin_trap();
        }
    }
    free(s);
    return 0;
}
