#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
    const char *message;
} error_table[] = {
    {"OK", 200, "ok"},
#define AI_ERR_ROW_(name, status, msg) {#name, status, msg},
    AI_ERROR_MAP(AI_ERR_ROW_)
#undef AI_ERR_ROW_
};

_Static_assert(sizeof error_table / sizeof error_table[0] == AI_ERR__COUNT,
               "error table and enum out of sync");

static int valid(ai_err_t code)
{
    return (int)code >= 0 && code < AI_ERR__COUNT;
}

const char *ai_err_name(ai_err_t code)
{
    return valid(code) ? error_table[code].name : "INTERNAL_ERROR";
}

int ai_err_http_status(ai_err_t code)
{
    return valid(code) ? error_table[code].status : 500;
}

const char *ai_err_default_message(ai_err_t code)
{
    return valid(code) ? error_table[code].message : error_table[AI_ERR_INTERNAL_ERROR].message;
}

ai_err_t ai_err_from_name(const char *name)
{
    for (int i = 0; name && i < AI_ERR__COUNT; i++)
        if (strcmp(error_table[i].name, name) == 0)
            return (ai_err_t)i;
    return AI_ERR__COUNT;
}

void ai_error_clear(ai_error_t *e)
{
    if (!e)
        return;
    e->code = AI_OK;
    e->message[0] = '\0';
    e->details[0] = '\0';
}

ai_err_t ai_error_set(ai_error_t *e, ai_err_t code, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    e->details[0] = '\0';
    if (!fmt) {
        snprintf(e->message, sizeof e->message, "%s", ai_err_default_message(code));
        return code;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return code;
}

void ai_error_details(ai_error_t *e, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->details, sizeof e->details, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof e->details)
        e->details[0] = '\0';
}

void ai_error_prefix(ai_error_t *e, const char *fmt, ...)
{
    if (!e)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[AI_ERROR_MSG_MAX];
    memcpy(old, e->message, sizeof old);
    snprintf(e->message, sizeof e->message, "%s: %s", prefix, old);
}
