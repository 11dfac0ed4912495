/* libFuzzer harness: .env parsing must never crash, hang or leak on any input. */
#include "config/config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_set(const char *name, const char *value, void *user)
{
    size_t *n = user;
    /* names are never empty and values are NUL-terminated */
    if (!name[0])
        __builtin_trap();
    *n += strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    ai_error_t err;
    config_parse_env_text((const char *)data, size, count_set, &n, &err);
    return 0;
}
