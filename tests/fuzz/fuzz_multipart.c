/* libFuzzer harness: the multipart parser must never crash, hang, leak or
 * hand out a part outside the body, whatever the body and Content-Type. */
#include "http/multipart.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first line is the Content-Type, the rest the body */
    const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
    char ct[256] = "multipart/form-data; boundary=XyZ";
    const uint8_t *body = data;
    if (nl) {
        size_t n = (size_t)(nl - data);
        memcpy(ct, data, n);
        ct[n] = '\0';
        body = nl + 1;
    }
    size_t len = size - (size_t)(body - data);
    arena_t a;
    arena_init(&a, 0, 1 << 20);
    multipart_part_t *parts;
    size_t np;
    ai_error_t err;
    if (multipart_parse(&a, ct, body, len, &parts, &np, &err) == AI_OK) {
        for (size_t i = 0; i < np; i++) {
            if (parts[i].data < body || parts[i].data + parts[i].len > body + len || !parts[i].name)
                __builtin_trap();
        }
    }
    arena_release(&a);
    return 0;
}
