#include "base/fsutil.h"

#include <errno.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ai_err_t fs_errno_code(int e)
{
    return e == ENOSPC || e == EDQUOT ? AI_ERR_STORAGE_FULL : AI_ERR_INTERNAL_ERROR;
}

ai_err_t fs_free_bytes(const char *path, unsigned long long *out, ai_error_t *err)
{
    struct statvfs vs;
    *out = 0;
    if (statvfs(path, &vs) != 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot read free space of %s: %s", path,
                            strerror(errno));
    *out = (unsigned long long)vs.f_bavail * (unsigned long long)vs.f_frsize;
    return AI_OK;
}

ai_err_t fs_mkdir_p(const char *path, ai_error_t *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "invalid directory path");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return ai_error_set(err, fs_errno_code(errno), "cannot create directory %s: %s", buf,
                                strerror(errno));
        buf[i] = c;
    }
    if (!fs_is_dir(path))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "%s exists and is not a directory", path);
    return AI_OK;
}

ai_err_t fs_sync_dir(const char *dir, ai_error_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot open directory %s: %s", dir,
                            strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "fsync %s: %s", dir, strerror(e));
    return AI_OK;
}

ai_err_t fs_write_atomic(const char *path, const void *data, size_t len, ai_error_t *err)
{
    char tmp[4200], dir[4096];
    if (strlen(path) >= sizeof dir)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "path too long");
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return ai_error_set(err, fs_errno_code(errno), "cannot create %s: %s", tmp,
                            strerror(errno));
    const unsigned char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || fchmod(fd, 0644) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    snprintf(dir, sizeof dir, "%s", path);
    return fs_sync_dir(dirname(dir), err);
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return ai_error_set(err, fs_errno_code(e), "cannot write %s: %s", path, strerror(e));
}

ai_err_t fs_read_file(const char *path, size_t cap, unsigned char **out, size_t *len,
                      ai_error_t *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ai_error_set(err, AI_ERR_FILE_NOT_FOUND, "cannot open %s: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ai_error_set(err, AI_ERR_FILE_NOT_FOUND, "%s is not a regular file", path);
    }
    if (cap && (size_t)st.st_size > cap) {
        close(fd);
        return ai_error_set(err, AI_ERR_FILE_TOO_LARGE, "%s is %lld bytes (limit %zu)", path,
                            (long long)st.st_size, cap);
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory reading %s", path);
    }
    size_t off = 0;
    while (off < size) {
        ssize_t r = read(fd, buf + off, size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        off += (size_t)r;
    }
    close(fd);
    buf[off] = '\0';
    *out = buf;
    *len = off;
    return AI_OK;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
