/*
 * fsutil.h — small file-system helpers with crash-safe semantics.
 *
 * fs_write_atomic writes to a temp file in the same directory, fsyncs it,
 * renames it over the target and fsyncs the directory: after a crash the
 * target is either absent/old or complete, never partial.
 * All functions are thread-safe (no shared state). Errors: AI_ERR_INTERNAL_ERROR
 * with strerror in the message, or AI_ERR_FILE_NOT_FOUND / AI_ERR_FILE_TOO_LARGE
 * where stated.
 */
#ifndef AI_BASE_FSUTIL_H
#define AI_BASE_FSUTIL_H

#include <stddef.h>

#include "base/error.h"

/* The error code of an errno from a write: STORAGE_FULL for ENOSPC and
 * EDQUOT (a full disk or quota), INTERNAL_ERROR otherwise.  Every write
 * helper here reports through it. */
ai_err_t fs_errno_code(int e);

/* Free bytes for unprivileged users on the file system holding path
 * (statvfs); INTERNAL_ERROR when it cannot be read. */
ai_err_t fs_free_bytes(const char *path, unsigned long long *out, ai_error_t *err);

/* mkdir -p with mode 0755; existing directories are fine. */
ai_err_t fs_mkdir_p(const char *path, ai_error_t *err);

/* Atomically replaces path with data (see above). */
ai_err_t fs_write_atomic(const char *path, const void *data, size_t len, ai_error_t *err);

/* Reads a whole file into a malloc'd buffer (NUL-terminated, caller frees).
 * AI_ERR_FILE_NOT_FOUND when it cannot be opened; AI_ERR_FILE_TOO_LARGE when
 * it is larger than cap bytes (cap 0 = no cap). */
ai_err_t fs_read_file(const char *path, size_t cap, unsigned char **out, size_t *len,
                      ai_error_t *err);

/* fsync of a directory (after creating/renaming/unlinking inside it). */
ai_err_t fs_sync_dir(const char *dir, ai_error_t *err);

/* 1 if path exists and is a directory / a regular file. */
int fs_is_dir(const char *path);
int fs_is_file(const char *path);

#endif
