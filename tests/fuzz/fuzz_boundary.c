/* libFuzzer harness: the boundary parameter of a multipart Content-Type. */
#include "http/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *ct = malloc(size + 1);
    if (!ct)
        return 0;
    memcpy(ct, data, size);
    ct[size] = '\0';
    arena_t a;
    arena_init(&a, 0, 1 << 20);
    char b[80];
    ai_error_t err;
    if (multipart_boundary(&a, ct, b, sizeof b, &err) == AI_OK &&
        (!b[0] || strlen(b) > 70 || !multipart_is_form(ct)))
        __builtin_trap();
    arena_release(&a);
    free(ct);
    return 0;
}
