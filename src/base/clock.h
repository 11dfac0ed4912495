/*
 * clock.h — monotonic time, deadlines and RFC 3339 timestamps.
 * All functions are thread-safe.
 */
#ifndef AI_BASE_CLOCK_H
#define AI_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Monotonic clock in nanoseconds / milliseconds (arbitrary origin). */
uint64_t clock_now_ns(void);
double clock_now_ms(void);

/* A deadline on the monotonic clock; 0 means "none". */
typedef uint64_t deadline_t;
/* Deadline `seconds` from now; seconds <= 0 gives no deadline. */
deadline_t deadline_in(double seconds);
/* 1 when the deadline is set and has passed. */
int deadline_passed(deadline_t d);

/* Formats t (UTC) as 2026-02-14T10:00:00Z into buf; returns buf. */
char *clock_rfc3339(time_t t, char *buf, size_t n);
/* Current wall-clock time, with milliseconds when `millis` is set. */
char *clock_rfc3339_now(char *buf, size_t n, int millis);
/* Formats t as an HTTP date (Sun, 06 Nov 1994 08:49:37 GMT). */
char *clock_http_date(time_t t, char *buf, size_t n);

#endif
