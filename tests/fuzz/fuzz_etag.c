/* libFuzzer harness: If-None-Match lists and If-Range.  The first line is
 * the entity-tag, the rest the header. */
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
    const char *etag = "\"0123abcd\"", *header = buf;
    if (nl) {
        *nl = '\0';
        etag = buf;
        header = nl + 1;
    }
    int inm = http_etag_list_matches(header, etag);
    int ir = http_if_range_matches(header, etag);
    size_t el = strlen(etag);
    int well_formed = el >= 2 && etag[0] == '"' && etag[el - 1] == '"' &&
                      !memchr(etag + 1, '"', el - 2);
    if (well_formed && ir && !inm) /* a strong match is also a weak match */
        __builtin_trap();
    free(buf);
    return 0;
}
