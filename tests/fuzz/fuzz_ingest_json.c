/* libFuzzer harness: the ingest JSON body ({"directory": "..."}). */
#include "http/fields.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[256];
    ai_error_t err;
    if (http_ingest_json_dir(data, size, 64 * 1024, dir, sizeof dir, &err) == AI_OK &&
        (!dir[0] || strlen(dir) >= sizeof dir))
        __builtin_trap();
    return 0;
}
