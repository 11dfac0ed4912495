#include "base/log.h"
#include "base/clock.h"
#include "base/strbuf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static log_format_t g_format = LOG_FORMAT_TEXT;
static log_level_t g_min = LOG_INFO;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error", "fatal"};

void log_setup(log_format_t format, log_level_t min_level)
{
    g_format = format;
    g_min = min_level;
}

int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_ERROR; i++)
        if (s && strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void log_text_escape(strbuf_t *sb, const char *s, int quote)
{
    int q = quote && (!*s || strpbrk(s, " \"=") != NULL);
    if (q)
        strbuf_append(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '\\' || (q && c == '"')) {
            char esc[3] = {'\\', (char)c, 0};
            strbuf_append(sb, esc);
        } else if (c == '\n') {
            strbuf_append(sb, "\\n");
        } else if (c == '\r') {
            strbuf_append(sb, "\\r");
        } else if (c == '\t') {
            strbuf_append(sb, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            strbuf_printf(sb, "\\x%02x", c);
        } else {
            strbuf_appendn(sb, (const char *)p, 1);
        }
    }
    if (q)
        strbuf_append(sb, "\"");
}

static void put_field_value(strbuf_t *sb, const log_field_t *f, int json)
{
    if (f->str) {
        if (json)
            strbuf_json_string(sb, f->str);
        else
            log_text_escape(sb, f->str, 1);
    } else {
        strbuf_printf(sb, "%.6g", f->num);
    }
}

void log_write(log_level_t level, const char *request_id, const log_field_t *fields,
               size_t nfields, const char *fmt, ...)
{
    if (level < g_min)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    char ts[40];
    clock_rfc3339_now(ts, sizeof ts, 1);
    strbuf_t sb;
    strbuf_init(&sb, 1 << 16);
    int json = g_format == LOG_FORMAT_JSON;
    if (json) {
        strbuf_printf(&sb, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[level]);
        if (request_id) {
            strbuf_append(&sb, ",\"request_id\":");
            strbuf_json_string(&sb, request_id);
        }
        strbuf_append(&sb, ",\"msg\":");
        strbuf_json_string(&sb, msg);
        for (size_t i = 0; i < nfields; i++) {
            strbuf_append(&sb, ",");
            strbuf_json_string(&sb, fields[i].key);
            strbuf_append(&sb, ":");
            put_field_value(&sb, &fields[i], 1);
        }
        strbuf_append(&sb, "}\n");
    } else {
        strbuf_printf(&sb, "%s %-5s ", ts, level_names[level]);
        if (request_id) {
            strbuf_append(&sb, "[req=");
            log_text_escape(&sb, request_id, 0);
            strbuf_append(&sb, "] ");
        }
        log_text_escape(&sb, msg, 0);
        for (size_t i = 0; i < nfields; i++) {
            strbuf_printf(&sb, " %s=", fields[i].key);
            put_field_value(&sb, &fields[i], 0);
        }
        strbuf_append(&sb, "\n");
    }
    pthread_mutex_lock(&g_lock);
    if (sb.len) {
        ssize_t w = write(STDERR_FILENO, sb.data, sb.len);
        (void)w;
    }
    pthread_mutex_unlock(&g_lock);
    strbuf_release(&sb);
}
