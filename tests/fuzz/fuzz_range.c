/* libFuzzer harness: the Range header parser (GET /api/v1/tracks/{id}/audio).
 * The first 8 bytes are the file size, the rest the header.  A satisfiable
 * answer must lie inside the file. */
#include "http/http_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t fsize = 0;
    if (size >= 8) {
        memcpy(&fsize, data, 8);
        data += 8;
        size -= 8;
    }
    fsize %= (uint64_t)1 << 40;
    char *h = malloc(size + 1);
    if (!h)
        return 0;
    memcpy(h, data, size);
    h[size] = '\0';
    uint64_t start = 0, len = 0;
    int r = http_parse_range(h, fsize, &start, &len);
    if (r == 1 && (len == 0 || start >= fsize || len > fsize - start))
        __builtin_trap();
    if (r < -1 || r > 1)
        __builtin_trap();
    free(h);
    return 0;
}
