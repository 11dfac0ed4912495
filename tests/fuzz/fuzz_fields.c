/* libFuzzer harness: form integers, tag text and Content-Length.  An
 * accepted integer must print back to the same digits (leading zeros
 * aside) and lie in range. */
#include "http/fields.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    long v;
    if (http_field_int(s, size, 1, 50, &v)) {
        char back[32];
        size_t z = 0;
        while (z + 1 < size && s[z] == '0')
            z++;
        snprintf(back, sizeof back, "%ld", v);
        if (v < 1 || v > 50 || strlen(back) != size - z || memcmp(back, s + z, size - z) != 0)
            __builtin_trap();
    }
    if (http_field_text_ok(s, size, HTTP_TAG_MAX_BYTES) &&
        (size > HTTP_TAG_MAX_BYTES || memchr(s, '\n', size) || memchr(s, '\0', size)))
        __builtin_trap();
    char *c = malloc(size + 1);
    if (!c)
        return 0;
    memcpy(c, data, size);
    c[size] = '\0';
    uint64_t n;
    if (http_parse_content_length(c, &n)) {
        char back[32];
        snprintf(back, sizeof back, "%" PRIu64, n);
        const char *d = c;
        while (d[0] == '0' && d[1])
            d++;
        if (strcmp(back, d) != 0)
            __builtin_trap();
    }
    free(c);
    return 0;
}
