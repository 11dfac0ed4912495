/*
 * error.h — the one error table of audio-ident.
 *
 * Every fallible function returns an ai_err_t (AI_OK == 0 on success) and,
 * when the caller passes a non-NULL ai_error_t, writes a human-readable detail
 * message there (and optionally a JSON `details` object).  The codes are exactly
 * the error codes of the public HTTP contract (shared/API.md): the stable string
 * code and HTTP status come from the same table, so an error can travel from
 * deep inside a module to the HTTP response without translation.
 *
 * Internal failures that are not the client's fault (I/O, a corrupt index)
 * use AI_ERR_INTERNAL_ERROR; an unreachable backing store uses
 * AI_ERR_SERVICE_UNAVAILABLE.  A detail message never contains secrets.
 *
 * Thread-safety: all functions are reentrant; ai_error_t is caller-owned.
 */
#ifndef AI_BASE_ERROR_H
#define AI_BASE_ERROR_H

#include <stddef.h>

/* X(NAME, http_status, default message) */
#define AI_ERROR_MAP(X)                                                                            \
    X(VALIDATION_ERROR, 400, "A field is missing, malformed or out of range")                     \
    X(FILE_TOO_LARGE, 400, "The uploaded file is too large")                                       \
    X(UNSUPPORTED_FORMAT, 400, "The file is not a supported audio format")                         \
    X(AUDIO_TOO_SHORT, 400, "The audio clip is too short (minimum 3 seconds)")                     \
    X(AUDIO_TOO_LONG, 400, "The audio track is too long")                                          \
    X(TRACK_TOO_SHORT, 400, "The track is shorter than MIN_TRACK_SECONDS")                         \
    X(DIRECTORY_NOT_FOUND, 400, "The directory does not exist or is outside the ingest root")      \
    X(UNAUTHORIZED, 401, "Missing or invalid admin token")                                         \
    X(NOT_FOUND, 404, "Not found")                                                                 \
    X(FILE_NOT_FOUND, 404, "The stored audio file is missing")                                     \
    X(METHOD_NOT_ALLOWED, 405, "Method not allowed")                                               \
    X(INGEST_IN_PROGRESS, 409, "The same file is being ingested by another process")               \
    X(PAYLOAD_TOO_LARGE, 413, "Request body too large")                                            \
    X(RANGE_NOT_SATISFIABLE, 416, "The requested range is not satisfiable")                        \
    X(RATE_LIMITED, 429, "Too many requests")                                                      \
    X(INTERNAL_ERROR, 500, "Internal server error")                                                \
    X(SERVICE_UNAVAILABLE, 503, "Service unavailable")                                             \
    X(STORAGE_FULL, 507, "Not enough free disk space to store the track")                          \
    X(SEARCH_TIMEOUT, 504, "The search timed out")

typedef enum {
    AI_OK = 0,
#define AI_ERR_ENUM_(name, status, msg) AI_ERR_##name,
    AI_ERROR_MAP(AI_ERR_ENUM_)
#undef AI_ERR_ENUM_
        AI_ERR__COUNT
} ai_err_t;

#define AI_ERROR_MSG_MAX 512
#define AI_ERROR_DETAILS_MAX 256

/* Caller-owned error detail.  details is "" or a serialised JSON object. */
typedef struct {
    ai_err_t code;
    char message[AI_ERROR_MSG_MAX];
    char details[AI_ERROR_DETAILS_MAX];
} ai_error_t;

/* Stable string code ("FILE_TOO_LARGE"); "OK" for AI_OK; "INTERNAL_ERROR" for
 * an out-of-range value. Never NULL, static storage. */
const char *ai_err_name(ai_err_t code);

/* HTTP status of the code (200 for AI_OK, 500 for out-of-range). */
int ai_err_http_status(ai_err_t code);

/* Default message of the code, static storage. */
const char *ai_err_default_message(ai_err_t code);

/* Looks up a code by its stable name; returns AI_ERR__COUNT when unknown. */
ai_err_t ai_err_from_name(const char *name);

/* Resets *e to AI_OK with empty message and details. e may be NULL. */
void ai_error_clear(ai_error_t *e);

/* Records code and a printf-style message in *e (e may be NULL; fmt may be
 * NULL for the default message).  Clears details.  Returns code, so a caller
 * can write `return ai_error_set(err, AI_ERR_X, "...")`. */
ai_err_t ai_error_set(ai_error_t *e, ai_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the JSON details object of *e from a printf-style format that must
 * produce a JSON object, e.g. ai_error_details(e, "{\"field\":\"%s\"}", f).
 * e may be NULL. Truncation leaves details empty rather than broken. */
void ai_error_details(ai_error_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the existing message with "prefix: " (context as the error travels up). */
void ai_error_prefix(ai_error_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
