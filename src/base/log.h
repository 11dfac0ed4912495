/*
 * log.h — process-wide logging to stderr, as text or JSON lines.
 *
 * The log is the one piece of process-wide state: main() calls log_setup()
 * once from the configuration before any thread starts; afterwards every
 * function here is thread-safe (a line is written with one locked write).
 *
 * Text:  2026-02-14T10:00:00.123Z INFO  [req=6f1c…] message key=value …
 * JSON:  {"ts":"…","level":"info","request_id":"…","msg":"…","key":value,…}
 *
 * Text lines cannot be forged by what they quote: in the message and in
 * string fields a backslash, CR, LF, tab and every other control byte are
 * escaped (\\ \n \r \t \xNN), and a field value that is empty or holds a
 * space, '"' or '=' is written in double quotes (with \" inside), so one
 * call is always exactly one line and key=value pairs cannot be faked.
 */
#ifndef AI_BASE_LOG_H
#define AI_BASE_LOG_H

#include <stddef.h>

#include "base/strbuf.h"

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL } log_level_t;
typedef enum { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format_t;

/* One extra structured field; str == NULL means the number is used. */
typedef struct {
    const char *key;
    const char *str;
    double num;
} log_field_t;

#define LOG_STR(k, v) ((log_field_t){.key = (k), .str = (v) ? (v) : "", .num = 0})
#define LOG_NUM(k, v) ((log_field_t){.key = (k), .str = NULL, .num = (double)(v)})

/* Sets format and minimum level (defaults: text, info). Not thread-safe. */
void log_setup(log_format_t format, log_level_t min_level);

/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int log_level_parse(const char *s);

/* Writes one line if level >= the minimum. request_id may be NULL. */
void log_write(log_level_t level, const char *request_id, const log_field_t *fields,
               size_t nfields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends s escaped as described above; quote != 0 for a field value (may
 * then be quoted), 0 for the message.  Exposed for the tests. */
void log_text_escape(strbuf_t *sb, const char *s, int quote);

#define log_debug(...) log_write(LOG_DEBUG, NULL, NULL, 0, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, NULL, NULL, 0, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, NULL, NULL, 0, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, NULL, NULL, 0, __VA_ARGS__)

#endif
