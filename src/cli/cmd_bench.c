/*
 * `audio-ident bench exact`: accuracy and latency of the exact lane.
 *
 * Input (made by bench/exact.sh): a list of track files to index and a
 * manifest of query clips (TSV: path, expected track path or "-", variant,
 * clip seconds, offset seconds).  The bench indexes the tracks into a fresh
 * fingerprint index (plus optional synthetic distractors derived from their
 * peaks), runs every query through the same decode → peaks → match path as
 * the search lane, and prints a table per clip length × degradation plus
 * JSON.
 */
#include "audio/audio.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 4096

typedef struct {
    char *path, *expect, *variant;
    double len, offset;
} query_t;

typedef struct {
    char variant[64];
    double len;
    size_t n, top1, top5, offset_ok, negatives, fp_any, fp_trusted;
    double *lane_ms, *e2e_ms, *cpu_ms;
    size_t nlat;
} group_t;

typedef struct {
    size_t n_trusted, n_trusted_right; /* top-1 with confidence >= 0.85 */
    size_t n_mid, n_mid_right;         /* 0.5 <= confidence < 0.85 */
    size_t n_low, n_low_right;
} calib_t;

static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    *n = 0;
    if (!f)
        return NULL;
    size_t cap = 64;
    char **lines = malloc(cap * sizeof *lines), buf[MAX_LINE];
    if (!lines) {
        fclose(f);
        return NULL;
    }
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!buf[0] || buf[0] == '#')
            continue;
        if (*n == cap) {
            char **nl = realloc(lines, cap * 2 * sizeof *nl);
            if (!nl)
                break;
            lines = nl;
            cap *= 2;
        }
        lines[(*n)++] = strdup(buf);
    }
    fclose(f);
    return lines;
}

static void free_lines(char **l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        free(l[i]);
    free(l);
}

/* This thread's CPU time: the lane's cost without other jobs' load. */
static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(q * (double)n) - 1;
    return v[i < n ? i : n - 1];
}

static group_t *group_for(group_t **gs, size_t *ng, const char *variant, double len, size_t cap)
{
    for (size_t i = 0; i < *ng; i++)
        if (strcmp((*gs)[i].variant, variant) == 0 && (*gs)[i].len == len)
            return &(*gs)[i];
    group_t *ng2 = realloc(*gs, (*ng + 1) * sizeof **gs);
    if (!ng2)
        return NULL;
    *gs = ng2;
    group_t *g = &(*gs)[(*ng)++];
    memset(g, 0, sizeof *g);
    snprintf(g->variant, sizeof g->variant, "%s", variant);
    g->len = len;
    g->lane_ms = calloc(cap, sizeof(double));
    g->e2e_ms = calloc(cap, sizeof(double));
    g->cpu_ms = calloc(cap, sizeof(double));
    return g->lane_ms && g->e2e_ms && g->cpu_ms ? g : NULL;
}

/* Peaks of a decoded file. */
static ai_err_t peaks_of(const audio_pcm_t *pcm, const fp_params_t *p, fp_peak_t **peaks,
                         size_t *np, size_t *frames, ai_error_t *err)
{
    float *spec = NULL;
    ai_err_t rc = fp_spectrogram(pcm->samples, pcm->n, &spec, frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, *frames, p, peaks, np, err);
    free(spec);
    return rc;
}

/* A distractor derived from a track's peaks: pitch-shifted by `semis`
 * semitones, and time-reversed when `reverse` is set. */
static ai_err_t add_distractor(fpindex_t *idx, uint32_t no, const fp_peak_t *src, size_t n,
                               size_t frames, int semis, int reverse, const fp_params_t *p,
                               ai_error_t *err)
{
    fp_peak_t *pk = malloc((n ? n : 1) * sizeof *pk);
    if (!pk)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    double ratio = pow(2.0, semis / 12.0);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = reverse ? n - 1 - i : i;
        long f = lround(src[j].f * ratio);
        if (f < p->fmin_bin || f >= p->fmax_bin)
            continue;
        pk[m].t = reverse ? (uint32_t)(frames - 1 - src[j].t) : src[j].t;
        pk[m].f = (uint16_t)f;
        pk[m].v = src[j].v;
        pk[m].fq = (float)(src[j].fq * ratio);
        pk[m].tq = reverse ? (float)(frames - 1) - src[j].tq : src[j].tq;
        m++;
    }
    fp_hash_t *h = NULL;
    size_t nh = 0;
    ai_err_t rc = fp_hash_peaks(pk, m, p, 1.0, &h, &nh, err);
    if (rc == AI_OK)
        rc = fpindex_add_track(idx, no, h, nh, (uint32_t)frames, err);
    free(h);
    free(pk);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: audio-ident bench exact --tracks LIST --queries MANIFEST --index DIR\n"
                    "                           [--distractors N] [--json FILE] [--dump TSV]\n"
                    "                           [--reuse-index 1] [--every K] [--budget VOTES]\n");
}

int cli_bench(const config_t *cfg, int argc, char **argv)
{
    const char *tracks_path = NULL, *manifest = NULL, *index_dir = NULL, *json_path = NULL;
    const char *dump_path = NULL;
    long distractors = 0, every = 1, reuse = 0, budget = 0;
    if (argc < 2 || strcmp(argv[1], "exact") != 0) {
        usage();
        return 2;
    }
    for (int i = 2; i < argc; i += 2) { /* --flag value pairs */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--tracks") == 0)
            tracks_path = v;
        else if (strcmp(a, "--queries") == 0)
            manifest = v;
        else if (strcmp(a, "--index") == 0)
            index_dir = v;
        else if (strcmp(a, "--json") == 0)
            json_path = v;
        else if (strcmp(a, "--dump") == 0)
            dump_path = v;
        else if (strcmp(a, "--distractors") == 0)
            distractors = strtol(v, NULL, 10);
        else if (strcmp(a, "--reuse-index") == 0)
            reuse = strtol(v, NULL, 10);
        else if (strcmp(a, "--budget") == 0)
            budget = strtol(v, NULL, 10);
        else if (strcmp(a, "--every") == 0)
            every = strtol(v, NULL, 10);
        else {
            usage();
            return 2;
        }
    }
    if (!tracks_path || !manifest || !index_dir || distractors < 0 || distractors > 1000000 ||
        every < 1 || budget < 0) {
        usage();
        return 2;
    }
    ai_error_t err;
    size_t ntracks = 0, nq = 0;
    char **tracks = read_lines(tracks_path, &ntracks);
    char **qlines = read_lines(manifest, &nq);
    fpindex_t *idx = NULL;
    if (!tracks || !qlines || fpindex_open(index_dir, &idx, &err) != AI_OK) {
        fprintf(stderr, "bench: cannot read inputs or open index %s\n", index_dir);
        free_lines(tracks, ntracks);
        free_lines(qlines, nq);
        return 1;
    }
    fp_params_t p;
    fp_params_default(&p);
    /* A stamp names what the index holds, so a reused index matches the corpus. */
    char stamp_path[1100], stamp[256], *old = NULL;
    snprintf(stamp_path, sizeof stamp_path, "%s/bench-stamp", index_dir);
    snprintf(stamp, sizeof stamp, "tracks=%zu distractors=%ld format=%d\n", ntracks,
             distractors, FPINDEX_FORMAT);
    size_t old_len = 0;
    int reused = reuse && fs_read_file(stamp_path, 0, (unsigned char **)&old, &old_len, NULL) ==
                              AI_OK && old_len == strlen(stamp) && memcmp(old, stamp, old_len) == 0;
    free(old);
    if (!reused && (fpindex_drop_all(idx, &err) != AI_OK || (remove(stamp_path), 0))) {
        fprintf(stderr, "bench: %s\n", err.message);
        fpindex_close(idx);
        free_lines(tracks, ntracks);
        free_lines(qlines, nq);
        return 1;
    }
    if (reused)
        fprintf(stderr, "bench: reusing the index in %s (%s)", index_dir, stamp);

    /* ---- index the corpus */
    double audio_s = 0, t_decode = 0, t_fp = 0, t_insert = 0;
    size_t total_hashes = 0;
    size_t nalloc = ntracks ? ntracks : 1;
    fp_peak_t **tpeaks = calloc(nalloc, sizeof(fp_peak_t *));
    size_t *tnp = calloc(nalloc, sizeof(size_t)), *tframes = calloc(nalloc, sizeof(size_t));
    int rc = 0;
    for (size_t i = 0; !reused && tpeaks && tnp && tframes && i < ntracks; i++) {
        audio_decoded_t d = {0};
        double t0 = clock_now_ms();
        if (cli_decode_file_16k(cfg, tracks[i], &d, &err) != AI_OK) {
            fprintf(stderr, "bench: %s: %s\n", tracks[i], err.message);
            rc = 1;
            break;
        }
        double t1 = clock_now_ms();
        fp_hash_t *h = NULL;
        size_t nh = 0;
        ai_err_t r = peaks_of(&d.pcm[0], &p, &tpeaks[i], &tnp[i], &tframes[i], &err);
        if (r == AI_OK)
            r = fp_hash_peaks(tpeaks[i], tnp[i], &p, 1.0, &h, &nh, &err);
        double t2 = clock_now_ms();
        if (r == AI_OK && !reused)
            r = fpindex_add_track(idx, (uint32_t)i + 1, h, nh, (uint32_t)tframes[i], &err);
        double t3 = clock_now_ms();
        free(h);
        audio_s += d.decoded_s;
        audio_decoded_release(&d);
        if (r != AI_OK) {
            fprintf(stderr, "bench: %s: %s\n", tracks[i], err.message);
            rc = 1;
            break;
        }
        t_decode += t1 - t0;
        t_fp += t2 - t1;
        t_insert += t3 - t2;
        total_hashes += nh;
    }
    for (long k = 0; rc == 0 && !reused && k < distractors; k++) {
        size_t src = (size_t)k % ntracks;
        int semis = 1 + (int)((k / (long)ntracks) % 11);
        int rev = (int)((k / (long)ntracks / 11) % 2);
        if (add_distractor(idx, (uint32_t)(ntracks + 1 + (size_t)k), tpeaks[src], tnp[src],
                           tframes[src], (k % 2) ? semis : -semis, rev, &p, &err) != AI_OK) {
            fprintf(stderr, "bench: distractor: %s\n", err.message);
            rc = 1;
        }
    }
    if (rc == 0 && !reused && fs_write_atomic(stamp_path, stamp, strlen(stamp), &err) != AI_OK)
        fprintf(stderr, "bench: %s\n", err.message);
    fpindex_stats_t st = {0};
    uint64_t compact_bytes = 0;
    if (rc == 0)
        fpindex_stats(idx, &st, NULL);
    if (rc == 0 && !reused) {
        /* the live size: a compacted copy, as `mdb_copy -c` would write it */
        char cdir[1100];
        snprintf(cdir, sizeof cdir, "%s.compact", index_dir);
        unsigned char *tmp = NULL;
        size_t tlen = 0;
        char cfile[1200];
        snprintf(cfile, sizeof cfile, "%s/data.mdb", cdir);
        remove(cfile);
        if (fs_mkdir_p(cdir, NULL) == AI_OK && fpindex_copy_compact(idx, cdir, NULL) == AI_OK &&
            fs_read_file(cfile, 0, &tmp, &tlen, NULL) == AI_OK)
            compact_bytes = tlen;
        free(tmp);
        remove(cfile);
        rmdir(cdir);
    }

    /* ---- queries, against an index mapped in memory as in a running server */
    double tw = clock_now_ms();
    if (rc == 0 && fpindex_warm(idx, &err) != AI_OK)
        fprintf(stderr, "bench: %s\n", err.message);
    fprintf(stderr, "bench: index warmed in %.0f ms\n", clock_now_ms() - tw);
    group_t *groups = NULL;
    size_t ngroups = 0;
    calib_t cal = {0};
    FILE *dump = dump_path ? fopen(dump_path, "w") : NULL;
    if (dump)
        fprintf(dump, "variant\tlen\texpected\ttop\tscore\tconfidence\taligned\tspeed\tpeaks"
                      "\tsecond_aligned\tsecond_score\traw_score\traw_aligned\tpitch_cents\toffset"
                      "\texpected_offset\n");
    for (size_t qi = 0; rc == 0 && qi < nq; qi++) {
        /* --every K: a seeded 1-in-K sample spread over all variants */
        if (every > 1 && ((uint32_t)(qi * 2654435761u) >> 16) % (uint32_t)every != 0)
            continue;
        char *f[5] = {0}, *save = NULL, *line = qlines[qi];
        for (int c = 0; c < 5; c++)
            f[c] = strtok_r(c ? NULL : line, "\t", &save);
        if (!f[4])
            continue;
        double len = atof(f[3]), offset = atof(f[4]);
        group_t *g = group_for(&groups, &ngroups, f[2], len, nq);
        if (!g) {
            rc = 1;
            break;
        }
        size_t expect = 0; /* 1-based track number, 0 = negative */
        for (size_t i = 0; strcmp(f[1], "-") != 0 && i < ntracks; i++)
            if (strcmp(tracks[i], f[1]) == 0)
                expect = i + 1;

        double t0 = clock_now_ms();
        unsigned char *buf = NULL;
        size_t blen = 0;
        audio_format_t fmt;
        audio_decoded_t d = {0};
        audio_decode_opts_t o = {.rates = {FP_SAMPLE_RATE}, .nrates = 1, .max_seconds = 30,
                                 .truncate = 1, .timeout_s = 10};
        ai_err_t r = fs_read_file(f[0], 0, &buf, &blen, &err);
        if (r == AI_OK)
            r = audio_sniff(buf, blen, &fmt, &err);
        if (r == AI_OK)
            r = audio_decode(buf, blen, fmt, &o, &d, &err);
        free(buf);
        if (r != AI_OK) {
            fprintf(stderr, "bench: query %s: %s\n", f[0], err.message);
            audio_decoded_release(&d);
            continue;
        }
        double t1 = clock_now_ms(), c1 = thread_cpu_ms();
        fp_peak_t *pk = NULL;
        size_t np = 0, frames = 0, nm = 0;
        fpindex_match_t m[5];
        fpindex_query_opts_t qo = {.max_results = 5, .max_postings = (size_t)budget,
                                   .min_score = 1e-6, .deadline = deadline_in(3),
                                   .cancel = NULL};
        r = peaks_of(&d.pcm[0], &p, &pk, &np, &frames, &err);
        if (r == AI_OK)
            r = fpindex_match_peaks(idx, pk, np, &p, &qo, m, &nm, &err);
        double t2 = clock_now_ms(), c2 = thread_cpu_ms();
        free(pk);
        audio_decoded_release(&d);
        if (r != AI_OK) {
            fprintf(stderr, "bench: query %s: %s\n", f[0], err.message);
            continue;
        }
        /* the raw best score goes to the dump (calibration); matches below
         * the product's minimum score count as no match */
        double raw_score = nm ? m[0].score : 0;
        uint32_t raw_aligned = nm ? m[0].aligned_hashes : 0;
        size_t kept = 0;
        for (size_t k = 0; k < nm; k++)
            if (m[k].score >= FPINDEX_MIN_SCORE)
                m[kept++] = m[k];
        nm = kept;
        g->lane_ms[g->nlat] = t2 - t1;
        g->cpu_ms[g->nlat] = c2 - c1;
        g->e2e_ms[g->nlat++] = t2 - t0;
        int right = nm > 0 && expect && m[0].track_no == expect;
        if (dump)
            fprintf(dump, "%s\t%.0f\t%zu\t%u\t%.2f\t%.3f\t%u\t%.3f\t%zu\t%u\t%.2f\t%.2f\t%u"
                          "\t%.0f\t%.2f\t%.2f\n", f[2],
                    len, expect, nm ? m[0].track_no : 0, nm ? m[0].score : 0,
                    nm ? m[0].confidence : 0, nm ? m[0].aligned_hashes : 0, nm ? m[0].speed : 0,
                    np, nm > 1 ? m[1].aligned_hashes : 0, nm > 1 ? m[1].score : 0, raw_score,
                    raw_aligned, nm ? m[0].pitch_cents : 0, nm ? m[0].offset_seconds : 0, offset);
        if (expect) {
            g->n++;
            g->top1 += (size_t)right;
            for (size_t k = 0; k < nm; k++)
                if (m[k].track_no == expect) {
                    g->top5++;
                    break;
                }
            if (right && fabs(m[0].offset_seconds - offset) < 0.25)
                g->offset_ok++;
        } else {
            g->negatives++;
            g->fp_any += nm > 0;
            g->fp_trusted += nm > 0 && m[0].confidence >= 0.85;
        }
        if (nm > 0) {
            double c = m[0].confidence;
            if (c >= 0.85) {
                cal.n_trusted++;
                cal.n_trusted_right += (size_t)right;
            } else if (c >= 0.5) {
                cal.n_mid++;
                cal.n_mid_right += (size_t)right;
            } else {
                cal.n_low++;
                cal.n_low_right += (size_t)right;
            }
        }
    }

    /* ---- report */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double hours = audio_s / 3600.0;
    double ingest_x = audio_s * 1000.0 / (t_decode + t_fp + t_insert + 1e-9);
    strbuf_t js;
    strbuf_init(&js, 1 << 22);
    if (rc == 0) {
        printf("\nexact lane: %zu tracks (%.2f h) + %ld distractors, %zu postings, index %.1f MB "
               "on disk, %.1f MB compacted\n",
               ntracks, hours, distractors, (size_t)st.hashes, (double)st.bytes / 1e6,
               (double)compact_bytes / 1e6);
        if (reused)
            printf("ingest: not measured (index reused; run without --reuse-index)\n");
        else
            printf("ingest: %.0fx real time on one core (decode %.0f ms, fingerprint %.0f ms, insert "
               "%.0f ms); %.1f hashes/s of audio; index per hour of audio: %.1f MB on disk, "
               "%.1f MB compacted\n",
               ingest_x, t_decode, t_fp, t_insert, (double)total_hashes / (audio_s + 1e-9),
               (double)st.bytes / 1e6 / (hours * (1 + (double)distractors / (double)ntracks) + 1e-9),
               (double)compact_bytes / 1e6 /
                   (hours * (1 + (double)distractors / (double)ntracks) + 1e-9));
        printf("peak RSS: %.1f MB\n\n", (double)ru.ru_maxrss / 1024.0);
        printf("%-5s %-14s %6s %8s %8s %8s %8s %9s %9s %9s %8s %8s\n", "len", "variant", "n",
               "top1%", "top5%", "offset%", "FP%", "lane p50", "lane p95", "e2e p95", "cpu p50",
               "cpu p95");
        strbuf_printf(&js, "{\"tracks\":%zu,\"distractors\":%ld,\"audio_hours\":%.4f,"
                           "\"postings\":%llu,\"index_bytes\":%llu,\"index_bytes_compacted\":%llu,"
                           "\"ingest_x_realtime\":%.1f,"
                           "\"peak_rss_mb\":%.1f,\"groups\":[",
                      ntracks, distractors, hours, (unsigned long long)st.hashes,
                      (unsigned long long)st.bytes, (unsigned long long)compact_bytes, ingest_x, (double)ru.ru_maxrss / 1024.0);
    }
    for (size_t i = 0; rc == 0 && i < ngroups; i++) {
        group_t *g = &groups[i];
        double n = g->n ? (double)g->n : 1, nn = g->negatives ? (double)g->negatives : 1;
        double l50 = percentile(g->lane_ms, g->nlat, 0.5), l95 = percentile(g->lane_ms, g->nlat, 0.95);
        double e95 = percentile(g->e2e_ms, g->nlat, 0.95);
        double c50 = percentile(g->cpu_ms, g->nlat, 0.5), c95 = percentile(g->cpu_ms, g->nlat, 0.95);
        char fp_s[16] = "-";
        if (g->negatives)
            snprintf(fp_s, sizeof fp_s, "%.2f", 100.0 * (double)g->fp_any / nn);
        printf("%-5.0f %-14s %6zu %8.2f %8.2f %8.2f %8s %9.2f %9.2f %9.2f %8.2f %8.2f\n", g->len,
               g->variant, g->n ? g->n : g->negatives, 100.0 * (double)g->top1 / n,
               100.0 * (double)g->top5 / n, 100.0 * (double)g->offset_ok / n, fp_s, l50, l95, e95,
               c50, c95);
        strbuf_printf(&js, "%s{\"len\":%.0f,\"variant\":", i ? "," : "", g->len);
        strbuf_json_string(&js, g->variant);
        strbuf_printf(&js, ",\"n\":%zu,\"top1\":%zu,\"top5\":%zu,\"offset_ok\":%zu,"
                           "\"negatives\":%zu,\"fp_any\":%zu,\"fp_trusted\":%zu,"
                           "\"lane_p50_ms\":%.3f,\"lane_p95_ms\":%.3f,\"e2e_p95_ms\":%.3f,"
                           "\"lane_cpu_p50_ms\":%.3f,\"lane_cpu_p95_ms\":%.3f}",
                      g->n, g->top1, g->top5, g->offset_ok, g->negatives, g->fp_any,
                      g->fp_trusted, l50, l95, e95, c50, c95);
    }
    /* every query of a clip length together (positives and negatives) */
    double *pool = calloc(nq ? nq : 1, sizeof *pool), *cpool = calloc(nq ? nq : 1, sizeof *cpool);
    for (int len = 5; rc == 0 && pool && cpool && len <= 10; len += 5) {
        size_t np = 0;
        for (size_t i = 0; i < ngroups; i++)
            for (size_t j = 0; groups[i].len == len && j < groups[i].nlat && np < nq; j++) {
                cpool[np] = groups[i].cpu_ms[j];
                pool[np++] = groups[i].lane_ms[j];
            }
        if (!np)
            continue;
        double l50 = percentile(pool, np, 0.5), l95 = percentile(pool, np, 0.95);
        double c50 = percentile(cpool, np, 0.5), c95 = percentile(cpool, np, 0.95);
        printf("%-5d %-14s %6zu %8s %8s %8s %8s %9.2f %9.2f %9s %8.2f %8.2f\n", len, "ALL", np, "",
               "", "", "", l50, l95, "", c50, c95);
        strbuf_printf(&js, ",{\"len\":%d,\"variant\":\"ALL\",\"n\":%zu,\"lane_p50_ms\":%.3f,"
                           "\"lane_p95_ms\":%.3f,\"lane_cpu_p50_ms\":%.3f,\"lane_cpu_p95_ms\":%.3f}",
                      len, np, l50, l95, c50, c95);
    }
    free(pool);
    free(cpool);
    if (rc == 0) {
        double la[3];
        getloadavg(la, 3);
        printf("load average during the run: %.2f (1 min)\n", la[0]);
        printf("\ncalibration (top-1 correctness by confidence): >=0.85: %zu/%zu  "
               "0.5-0.85: %zu/%zu  <0.5: %zu/%zu\n",
               cal.n_trusted_right, cal.n_trusted, cal.n_mid_right, cal.n_mid, cal.n_low_right,
               cal.n_low);
        strbuf_printf(&js, "],\"calibration\":{\"trusted\":%zu,\"trusted_right\":%zu,\"mid\":%zu,"
                           "\"mid_right\":%zu,\"low\":%zu,\"low_right\":%zu}}\n",
                      cal.n_trusted, cal.n_trusted_right, cal.n_mid, cal.n_mid_right, cal.n_low,
                      cal.n_low_right);
        if (json_path && fs_write_atomic(json_path, strbuf_cstr(&js), js.len, &err) != AI_OK) {
            fprintf(stderr, "bench: %s\n", err.message);
            rc = 1;
        }
    }
    strbuf_release(&js);
    if (dump)
        fclose(dump);
    for (size_t i = 0; i < ngroups; i++) {
        free(groups[i].lane_ms);
        free(groups[i].e2e_ms);
        free(groups[i].cpu_ms);
    }
    free(groups);
    for (size_t i = 0; tpeaks && i < ntracks; i++)
        free(tpeaks[i]);
    free(tpeaks);
    free(tnp);
    free(tframes);
    fpindex_close(idx);
    free_lines(tracks, ntracks);
    free_lines(qlines, nq);
    return rc;
}
