/* `audio-ident bench-vecstore`: exact top-k query time of the embedded flat
 * vector store at growing sizes, against a plain in-memory scan of the same
 * vectors as the baseline (same run, same machine: the ratio is what counts). */
#include "base/clock.h"
#include "cli/cli.h"
#include "vecstore/vecstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QUERIES 30
#define BATCH   4096

static float frand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void random_unit(float *v, int dim, unsigned *seed)
{
    double n = 0;
    for (int i = 0; i < dim; i++) {
        v[i] = frand(seed);
        n += v[i] * v[i];
    }
    for (int i = 0; i < dim; i++)
        v[i] = (float)(v[i] / sqrt(n));
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills a fresh store with n vectors; returns the file size or -1. */
static long long fill(vecstore_t *vs, size_t n, int dim, unsigned *seed)
{
    float *v = malloc((size_t)BATCH * (size_t)dim * sizeof *v);
    vecstore_chunk_t *c = calloc(BATCH, sizeof *c);
    char(*ids)[37] = calloc(BATCH, 37);
    ai_error_t err;
    long long rc = v && c && ids ? 0 : -1;
    for (size_t done = 0; rc == 0 && done < n; done += BATCH) {
        size_t k = n - done < BATCH ? n - done : BATCH;
        for (size_t i = 0; i < k; i++) {
            size_t track = (done + i) / 40; /* 40 chunks per track, like a 3.5 min song */
            snprintf(ids[i], 37, "%08zx-0000-4000-8000-d15%09zx", track, track);
            c[i] = (vecstore_chunk_t){ids[i], (int)((done + i) % 40), 5.0 * (double)i, 10.0, NULL,
                                      NULL};
            random_unit(v + i * (size_t)dim, dim, seed);
        }
        if (vecstore_upsert(vs, v, k, dim, c, &err) != AI_OK) {
            fprintf(stderr, "bench-vecstore: %s\n", err.message);
            rc = -1;
        }
    }
    free(v);
    free(c);
    free(ids);
    return rc;
}

int cli_bench_vecstore(const config_t *cfg, int argc, char **argv)
{
    size_t sizes[8] = {1000, 100000, 1000000};
    size_t nsizes = 3;
    int dim = 149;
    size_t distractors = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--distractors") == 0) {
            distractors = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--dim") == 0) {
            dim = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--sizes") == 0) {
            nsizes = 0;
            for (char *p = argv[i + 1]; *p && nsizes < 8; p++) {
                sizes[nsizes++] = strtoull(p, &p, 10);
                if (!*p)
                    break;
            }
        }
    }
    if (dim <= 0 || dim > VECSTORE_MAX_DIM || (argc % 2) == 0) {
        fprintf(stderr, "usage: audio-ident bench-vecstore [--dim D] [--sizes N,N,...] "
                        "[--distractors N]\n");
        return 2;
    }
    if (distractors) { /* into the library's own store, for lane timings at scale */
        vecstore_t *vs = NULL;
        ai_error_t err;
        unsigned seed = 7u;
        if (vecstore_open(cfg, &vs, &err) != AI_OK || fill(vs, distractors, dim, &seed) < 0) {
            fprintf(stderr, "bench-vecstore: %s\n", err.message);
            vecstore_close(vs);
            return 1;
        }
        vecstore_close(vs);
        printf("added %zu synthetic vectors (tracks not in the metadata store)\n", distractors);
        return 0;
    }
    printf("flat vector store: exact top-100 cosine, dim %d, %d queries per size\n", dim, QUERIES);
    printf("%10s %12s %10s %10s %12s\n", "vectors", "bytes/vec", "p50 ms", "p95 ms", "Mvec/s");
    for (size_t s = 0; s < nsizes; s++) {
        config_t c = *cfg;
        c.qdrant_url[0] = '\0';
        snprintf(c.data_dir, sizeof c.data_dir, "%s/bench-vecstore-%zu", cfg->data_dir, sizes[s]);
        vecstore_t *vs = NULL;
        ai_error_t err;
        unsigned seed = 20261125u;
        if (vecstore_open(&c, &vs, &err) != AI_OK || vecstore_drop(vs, &err) != AI_OK ||
            fill(vs, sizes[s], dim, &seed) < 0) {
            fprintf(stderr, "bench-vecstore: %s\n", err.message);
            vecstore_close(vs);
            return 1;
        }
        char path[CONFIG_STR_MAX + 64];
        snprintf(path, sizeof path, "%s/vectors/flat.vec", c.data_dir);
        struct stat st;
        stat(path, &st);
        double ms[QUERIES];
        float q[VECSTORE_MAX_DIM];
        vecstore_hit_t hits[100];
        for (int k = 0; k < QUERIES; k++) {
            random_unit(q, dim, &seed);
            size_t n;
            double t0 = clock_now_ms();
            vecstore_query(vs, q, dim, 100, 0, hits, &n, &err);
            ms[k] = clock_now_ms() - t0;
        }
        qsort(ms, QUERIES, sizeof ms[0], by_double);
        printf("%10zu %12.0f %10.2f %10.2f %12.1f\n", sizes[s], (double)st.st_size / sizes[s],
               ms[QUERIES / 2], ms[QUERIES * 95 / 100], sizes[s] / ms[QUERIES / 2] / 1000.0);
        vecstore_drop(vs, &err);
        vecstore_close(vs);
    }
    return 0;
}
