/* Directory ingest: a sorted file list worked off by a pool of threads. */
#include "library/library_int.h"
#include "base/grow.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "base/progress.h"
#include "base/strbuf.h"

#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 1000000

typedef struct {
    char **paths;
    size_t n, cap;
    int overflow;
} file_list_t;

/* nftw has no user pointer; the walk runs under a lock with this as its target. */
static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;
static file_list_t *walk_target;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    file_list_t *l = walk_target;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 256;
        char **np = ncap <= MAX_FILES ? realloc(l->paths, ncap * sizeof *np) : NULL;
        if (!np) {
            l->overflow = 1;
            return 1;
        }
        l->paths = np;
        l->cap = ncap;
    }
    l->paths[l->n] = strdup(path);
    if (!l->paths[l->n]) {
        l->overflow = 1;
        return 1;
    }
    l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    library_t *lib;
    file_list_t *files;
    size_t next;
    int json_lines;
    progress_t progress;
    library_dir_report_t *rep;
    size_t errcap, trackcap;
    pthread_mutex_t lock;
} job_t;

static void record(job_t *j, const char *path, ai_err_t rc, const ai_error_t *err,
                   const library_ingest_result_t *res)
{
    pthread_mutex_lock(&j->lock);
    library_dir_report_t *rep = j->rep;
    if (rc == AI_OK && res->duplicate)
        rep->duplicates++;
    else if (rc == AI_OK)
        rep->ingested++;
    if (rc == AI_OK && !res->duplicate) {
        rep->audio_seconds += res->duration_s;
        library_dir_track_t *nt = grow_one(rep->tracks, rep->ntracks, &j->trackcap, sizeof *nt, 16);
        if (nt) {
            rep->tracks = nt;
            library_dir_track_t *t = &rep->tracks[rep->ntracks++];
            snprintf(t->file, sizeof t->file, "%s", path);
            t->res = *res;
        }
    }
    if (rc != AI_OK) {
        library_file_error_t *ne = grow_one(rep->errors, rep->nerrors, &j->errcap, sizeof *ne, 16);
        if (ne) {
            rep->errors = ne;
            library_file_error_t *e = &rep->errors[rep->nerrors++];
            snprintf(e->file, sizeof e->file, "%s", path);
            snprintf(e->error, sizeof e->error, "%s: %s", ai_err_name(rc), err->message);
            e->code = rc;
        }
    }
    if (j->json_lines) {
        strbuf_t sb;
        strbuf_init(&sb, 1 << 16);
        strbuf_append(&sb, "{\"file\":");
        strbuf_json_string(&sb, path);
        if (rc == AI_OK) {
            strbuf_printf(&sb, ",\"status\":\"%s\",\"track_id\":\"%s\",\"title\":",
                          res->duplicate ? "duplicate" : "ingested", res->track_id);
            strbuf_json_string(&sb, res->title);
            strbuf_printf(&sb, ",\"duration_seconds\":%.3f}", res->duration_s);
        } else {
            strbuf_printf(&sb, ",\"status\":\"error\",\"error\":{\"code\":\"%s\",\"message\":",
                          ai_err_name(rc));
            strbuf_json_string(&sb, err->message);
            strbuf_append(&sb, "}}");
        }
        printf("%s\n", strbuf_cstr(&sb));
        fflush(stdout);
        strbuf_release(&sb);
    }
    progress_add(&j->progress, 1, rc == AI_OK && !res->duplicate ? res->duration_s : 0);
    pthread_mutex_unlock(&j->lock);
}

static void *worker(void *arg)
{
    job_t *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t i = j->next < j->files->n ? j->next++ : j->files->n;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->files->n)
            return NULL;
        const char *path = j->files->paths[i];
        ai_error_t err;
        library_ingest_result_t res;
        ai_error_clear(&err);
        ai_err_t rc = library_ingest_file(j->lib, path, NULL, &res, &err);
        record(j, path, rc, &err, &res);
    }
}

ai_err_t library_ingest_dir(library_t *lib, const char *dir, int workers, int json_lines,
                            FILE *progress, library_dir_report_t *rep, ai_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (!fs_is_dir(dir))
        return ai_error_set(err, AI_ERR_DIRECTORY_NOT_FOUND, "%s is not a directory", dir);
    file_list_t files = {0};
    pthread_mutex_lock(&walk_lock);
    walk_target = &files;
    int wr = nftw(dir, collect, 32, FTW_PHYS);
    walk_target = NULL;
    pthread_mutex_unlock(&walk_lock);
    ai_err_t rc = AI_OK;
    if (wr != 0 || files.overflow)
        rc = ai_error_set(err, files.overflow ? AI_ERR_INTERNAL_ERROR : AI_ERR_DIRECTORY_NOT_FOUND,
                          "cannot list %s", dir);
    if (rc == AI_OK) {
        if (files.n)
            qsort(files.paths, files.n, sizeof *files.paths, cmp_str);
        job_t j = {.lib = lib, .files = &files, .json_lines = json_lines, .rep = rep};
        pthread_mutex_init(&j.lock, NULL);
        progress_init(&j.progress, json_lines ? NULL : progress, "ingest", files.n, 0);
        rep->total = files.n;
        double t0 = clock_now_ms();
        int nw = workers < 1 ? 1 : workers > 64 ? 64 : workers;
        pthread_t th[64];
        int started = 0;
        for (int i = 0; i < nw; i++)
            if (pthread_create(&th[started], NULL, worker, &j) == 0)
                started++;
        if (started == 0)
            worker(&j);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        progress_finish(&j.progress);
        rep->wall_seconds = (clock_now_ms() - t0) / 1000.0;
        pthread_mutex_destroy(&j.lock);
    }
    for (size_t i = 0; i < files.n; i++)
        free(files.paths[i]);
    free(files.paths);
    return rc;
}

void library_dir_report_release(library_dir_report_t *rep)
{
    if (!rep)
        return;
    free(rep->errors);
    free(rep->tracks);
    memset(rep, 0, sizeof *rep);
}
