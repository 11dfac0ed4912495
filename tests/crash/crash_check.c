/*
 * crash-check — the crash suite's consistency probe (test-only tool).
 *
 *   crash-check settled N    everything finished: exactly N ready rows, no
 *                            pending row, and no original, fingerprint
 *                            posting or vector without a ready row
 *   crash-check visible      between runs (pending rows allowed): every
 *                            row the API can see (ready) is complete
 *
 * Reads DATA_DIR / DATABASE_URL like the program.  It opens the stores
 * directly, not through library_open(), so no repair runs first and what a
 * crash left is seen as it is.  Prints one line per problem; exit 0 when
 * there is none, 1 otherwise, 2 on usage or open errors.
 */
#include "audio/audio.h"
#include "base/fsutil.h"
#include "config/config.h"
#include "embed/embed.h"
#include "fpindex/fpindex.h"
#include "meta/meta.h"
#include "vecstore/vecstore.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 100000

typedef struct {
    meta_track_t *rows;
    size_t n;
} rows_t;

static int load_rows(meta_t *m, rows_t *out)
{
    out->rows = NULL;
    out->n = 0;
    for (int page = 1;; page++) {
        meta_list_opts_t o = {.page = page, .page_size = META_PAGE_SIZE_MAX, .ready_only = 0};
        meta_track_t *t = NULL;
        size_t n = 0;
        long long total = 0;
        ai_error_t err;
        if (meta_tracks_list(m, &o, &t, &n, &total, &err) != AI_OK) {
            fprintf(stderr, "crash-check: list: %s\n", err.message);
            return -1;
        }
        meta_track_t *grown = n ? realloc(out->rows, (out->n + n) * sizeof *grown) : out->rows;
        if (n && !grown) {
            meta_tracks_free(t, n);
            return -1;
        }
        out->rows = grown;
        for (size_t i = 0; i < n; i++) {
            out->rows[out->n++] = t[i];
            t[i].chromaprint = NULL; /* moved */
        }
        meta_tracks_free(t, n);
        if (n < META_PAGE_SIZE_MAX || out->n >= MAX_ROWS)
            return 0;
    }
}

static const meta_track_t *row_by_fp(const rows_t *r, uint32_t fp)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].fp_track_no == fp)
            return &r->rows[i];
    return NULL;
}

static const meta_track_t *row_by_sha(const rows_t *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strncmp(r->rows[i].file_hash_sha256, name, 64) == 0)
            return &r->rows[i];
    return NULL;
}

/* Files under raw/: each must belong to a ready row (settled) or any row. */
static int check_raw(const char *data_dir, const rows_t *r, int settled)
{
    char raw[CONFIG_STR_MAX + 8];
    snprintf(raw, sizeof raw, "%s/raw", data_dir);
    int bad = 0;
    DIR *top = opendir(raw);
    struct dirent *e;
    while (top && (e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CONFIG_STR_MAX + 300];
        snprintf(sub, sizeof sub, "%s/%s", raw, e->d_name);
        DIR *d = opendir(sub);
        struct dirent *f;
        while (d && (f = readdir(d))) {
            if (f->d_name[0] == '.')
                continue;
            const meta_track_t *t = row_by_sha(r, f->d_name);
            int temp = strstr(f->d_name, ".tmp.") != NULL;
            if ((settled && (temp || !t || t->status != META_READY)) || (!settled && !t && !temp)) {
                printf("orphan original %s/%s\n", e->d_name, f->d_name);
                bad++;
            }
        }
        if (d)
            closedir(d);
    }
    if (top)
        closedir(top);
    return bad;
}

int main(int argc, char **argv)
{
    int settled = argc == 3 && strcmp(argv[1], "settled") == 0;
    if (!settled && !(argc == 2 && strcmp(argv[1], "visible") == 0)) {
        fprintf(stderr, "usage: crash-check settled N | crash-check visible\n");
        return 2;
    }
    long want = settled ? strtol(argv[2], NULL, 10) : -1;
    config_t cfg;
    ai_error_t err;
    if (config_load(&cfg, NULL, &err) != AI_OK) {
        fprintf(stderr, "crash-check: %s\n", err.message);
        return 2;
    }
    char fpdir[CONFIG_STR_MAX + 16];
    snprintf(fpdir, sizeof fpdir, "%s/fpindex", cfg.data_dir);
    meta_t *m = NULL;
    fpindex_t *fp = NULL;
    vecstore_t *vs = NULL;
    embedder_t *emb = NULL;
    rows_t r = {0};
    if (meta_open(cfg.database_url, 2, &m, &err) != AI_OK || meta_migrate(m, NULL, &err) != AI_OK ||
        fpindex_open(fpdir, &fp, &err) != AI_OK || vecstore_open(&cfg, &vs, &err) != AI_OK ||
        embed_open(cfg.embedding_model, "", &emb, &err) != AI_OK || load_rows(m, &r) != 0) {
        fprintf(stderr, "crash-check: %s\n", err.message);
        return 2;
    }
    int bad = 0;
    size_t ready = 0, pending = 0;
    unsigned long long want_vectors = 0;
    int rate = embed_info(emb)->sample_rate;
    for (size_t i = 0; i < r.n; i++) {
        const meta_track_t *t = &r.rows[i];
        if (t->status != META_READY) {
            pending++;
            continue;
        }
        ready++;
        char path[CONFIG_STR_MAX + 128];
        snprintf(path, sizeof path, "%s/raw/%.2s/%s.%s", cfg.data_dir, t->file_hash_sha256,
                 t->file_hash_sha256, audio_format_ext(audio_format_from_name(t->format)));
        if (!fs_is_file(path)) {
            printf("ready track %s has no original\n", t->id);
            bad++;
        }
        if (!fpindex_has_track(fp, t->fp_track_no)) {
            printf("ready track %s has no fingerprints\n", t->id);
            bad++;
        }
        want_vectors += embed_window_count(emb, (size_t)llround(t->duration_seconds * rate));
    }
    uint32_t *nums = NULL;
    size_t nn = 0;
    if (fpindex_list_tracks(fp, &nums, &nn, &err) != AI_OK) {
        printf("cannot list fingerprints: %s\n", err.message);
        bad++;
    }
    for (size_t i = 0; i < nn; i++) {
        const meta_track_t *t = row_by_fp(&r, nums[i]);
        if (!t || (settled && t->status != META_READY)) {
            printf("orphan fingerprints of track number %u\n", nums[i]);
            bad++;
        }
    }
    free(nums);
    bad += check_raw(cfg.data_dir, &r, settled);
    uint64_t nvec = 0;
    if (settled) {
        if (vecstore_count(vs, &nvec, &err) != AI_OK && r.n > 0) {
            printf("cannot count vectors: %s\n", err.message);
            bad++;
        } else if (nvec != want_vectors) {
            printf("vector store holds %llu vectors; the ready tracks have %llu\n",
                   (unsigned long long)nvec, want_vectors);
            bad++;
        }
        if (pending) {
            printf("%zu pending rows left\n", pending);
            bad++;
        }
        if ((long)ready != want) {
            printf("%zu ready tracks, want %ld\n", ready, want);
            bad++;
        }
    }
    printf("crash-check: %zu ready, %zu pending, %zu fingerprinted, %llu vectors: %s\n", ready,
           pending, nn, (unsigned long long)nvec, bad ? "INCONSISTENT" : "consistent");
    meta_tracks_free(r.rows, r.n);
    embed_close(emb);
    vecstore_close(vs);
    fpindex_close(fp);
    meta_close(m);
    return bad ? 1 : 0;
}
