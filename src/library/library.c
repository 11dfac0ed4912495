/* The library context: opening the stores, raw storage, delete and repair. */
#include "library/library_int.h"
#include "audio/audio.h"
#include "base/fsutil.h"
#include "base/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ai_err_t library_open(const config_t *cfg, library_t **out, ai_error_t *err)
{
    *out = NULL;
    library_t *lib = calloc(1, sizeof *lib);
    if (!lib)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    lib->cfg = *cfg;
    fp_params_default(&lib->fpp);
    ai_err_t rc = library_owner_init(lib, err);
    if (rc != AI_OK) {
        free(lib);
        return rc;
    }
    snprintf(lib->raw_dir, sizeof lib->raw_dir, "%s/raw", cfg->data_dir);
    char fpdir[CONFIG_STR_MAX + 16];
    snprintf(fpdir, sizeof fpdir, "%s/fpindex", cfg->data_dir);
    snprintf(lib->stats_path, sizeof lib->stats_path, "%s/vectors/stats.txt", cfg->data_dir);
    snprintf(lib->reserve_path, sizeof lib->reserve_path, "%s/.rollback-reserve", cfg->data_dir);
    rc = fs_mkdir_p(lib->raw_dir, err);
    if (rc == AI_ERR_STORAGE_FULL && fs_is_dir(lib->raw_dir))
        rc = AI_OK; /* a full disk still serves searches */
    if (rc == AI_OK)
        rc = meta_open(cfg->database_url, (int)cfg->workers + 2, &lib->meta, err);
    if (rc == AI_OK)
        rc = meta_migrate(lib->meta, NULL, err);
    if (rc == AI_OK)
        rc = fpindex_open(fpdir, &lib->fp, err);
    if (rc == AI_OK)
        rc = embed_open(cfg->embedding_model, lib->stats_path, &lib->emb, err);
    if (rc == AI_OK)
        rc = vecstore_open(cfg, &lib->vs, err);
    if (rc == AI_OK) {
        /* what a crash left (owners gone) goes now; a repair that cannot run
         * (e.g. a full disk) is logged and retried by the sweep */
        ai_error_t e;
        library_reserve_space(lib);
        if (library_sweep(lib, 0, NULL, &e) != AI_OK)
            log_warn("repair at open: %s: %s", ai_err_name(e.code), e.message);
        rc = library_maintenance_start(lib, err);
    }
    if (rc != AI_OK) {
        library_close(lib);
        return rc;
    }
    *out = lib;
    return AI_OK;
}

void library_close(library_t *lib)
{
    if (!lib)
        return;
    library_maintenance_stop(lib);
    vecstore_close(lib->vs);
    embed_close(lib->emb);
    fpindex_close(lib->fp);
    meta_close(lib->meta);
    pthread_cond_destroy(&lib->cv);
    pthread_mutex_destroy(&lib->mu);
    free(lib);
}

meta_t *library_meta(library_t *lib)
{
    return lib->meta;
}

fpindex_t *library_fpindex(library_t *lib)
{
    return lib->fp;
}

embedder_t *library_embedder(library_t *lib)
{
    return lib->emb;
}

vecstore_t *library_vecstore(library_t *lib)
{
    return lib->vs;
}

const char *library_stats_path(const library_t *lib)
{
    return lib->stats_path;
}

const config_t *library_config(const library_t *lib)
{
    return &lib->cfg;
}

const fp_params_t *library_fp_params(const library_t *lib)
{
    return &lib->fpp;
}

void library_raw_path(const library_t *lib, const char *sha256, const char *ext, char *out,
                      size_t n)
{
    snprintf(out, n, "%s/%.2s/%s.%s", lib->raw_dir, sha256, sha256, ext);
}

void library_track_path(const library_t *lib, const meta_track_t *t, char *out, size_t n)
{
    library_raw_path(lib, t->file_hash_sha256, audio_format_ext(audio_format_from_name(t->format)),
                     out, n);
}

/* The temp files "<path>.tmp.XXXXXX" an interrupted write of path left (only
 * the row's owner writes them, so once it is gone they are garbage). */
static void remove_temp_files_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return;
    char dir[CONFIG_STR_MAX + 128], prefix[256];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    snprintf(prefix, sizeof prefix, "%s.tmp.", slash + 1);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char p[sizeof dir + 300];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
}

/* Removes a track's derived data and file, then its row (the safe order:
 * the row goes last, so a crash in between leaves a row that still points
 * at what remains and the operation can be retried). */
ai_err_t library_remove_track(library_t *lib, const meta_track_t *t, ai_error_t *err)
{
    ai_err_t rc = fpindex_delete_track(lib->fp, t->fp_track_no, err);
    if (rc == AI_OK)
        rc = vecstore_delete_track(lib->vs, t->id, err);
    if (rc)
        return rc;
    char path[CONFIG_STR_MAX + 128];
    library_track_path(lib, t, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot remove %s: %s", path,
                            strerror(errno));
    remove_temp_files_of(path);
    return library_delete_row(lib, t->id, err);
}

ai_err_t library_delete_row(library_t *lib, const char *id, ai_error_t *err)
{
    ai_err_t rc = meta_track_delete(lib->meta, id, err);
    if (rc == AI_ERR_STORAGE_FULL && unlink(lib->reserve_path) == 0) {
        log_warn("disk full: released the rollback reserve to remove track %s", id);
        rc = meta_track_delete(lib->meta, id, err);
    }
    return rc;
}

void library_reserve_space(library_t *lib)
{
    if (fs_is_file(lib->reserve_path))
        return;
    unsigned long long free_b = 0;
    if (fs_free_bytes(lib->cfg.data_dir, &free_b, NULL) != AI_OK ||
        free_b < 2ull * LIBRARY_RESERVE_BYTES)
        return;
    int fd = open(lib->reserve_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int rc = posix_fallocate(fd, 0, LIBRARY_RESERVE_BYTES);
    close(fd);
    if (rc != 0)
        unlink(lib->reserve_path);
}

ai_err_t library_delete(library_t *lib, const char *track_id, ai_error_t *err)
{
    meta_track_t t;
    meta_track_init(&t);
    ai_err_t rc = meta_track_get(lib->meta, track_id, &t, err);
    if (rc == AI_OK)
        rc = library_remove_track(lib, &t, err);
    meta_track_release(&t);
    return rc;
}

/* Temp files of interrupted atomic writes (NAME.tmp.XXXXXX under raw/)
 * older than grace_s. */
void library_remove_stray_temp_files(const library_t *lib, double grace_s)
{
    const char *raw_dir = lib->raw_dir;
    DIR *top = opendir(raw_dir);
    if (!top)
        return;
    struct dirent *e;
    while ((e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s", raw_dir, e->d_name);
        DIR *d = opendir(sub);
        if (!d)
            continue;
        struct dirent *f;
        while ((f = readdir(d))) {
            if (!strstr(f->d_name, ".tmp."))
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", sub, f->d_name);
            struct stat st;
            if (stat(p, &st) == 0 && difftime(time(NULL), st.st_mtime) > grace_s)
                unlink(p);
        }
        closedir(d);
    }
    closedir(top);
}

ai_err_t library_repair(library_t *lib, size_t *rolled_back, ai_error_t *err)
{
    return library_sweep(lib, 0, rolled_back, err);
}

ai_err_t library_repair_now(library_t *lib, size_t *rolled_back, ai_error_t *err)
{
    return library_sweep(lib, 1, rolled_back, err);
}
