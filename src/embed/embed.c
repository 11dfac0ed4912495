/* Embedder front end: model lookup, windowing, statistics, finishing. */
#include "embed/embed_int.h"

#include "base/clock.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/strbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STATS_MAGIC     "audio-ident embed stats v1"
#define STATS_MAX_BYTES (1u << 20)
#define STD_FLOOR       1e-6
#define CLIP_Z          3.0f /* standardised values are clipped: one odd feature cannot dominate */

struct embedder {
    const embed_ops_t *ops;
    void *state;
    embed_info_t info;
    float *mean, *inv_std; /* dim each */
    float *scale;          /* dim: block weight / sqrt(block len) */
    embed_calib_t calib;
};

struct embed_stats_acc {
    const embed_ops_t *ops;
    double *sum, *sumsq;
    size_t *cnt;
    size_t nvec;
};

static void stats_builtin(embedder_t *e)
{
    const embed_ops_t *o = e->ops;
    for (int i = 0; i < o->dim; i++) {
        e->mean[i] = o->default_mean ? o->default_mean[i] : 0.0f;
        double s = o->default_std ? o->default_std[i] : 1.0;
        e->inv_std[i] = (float)(1.0 / (s > STD_FLOOR ? s : STD_FLOOR));
    }
    e->info.stats_count = 0;
    for (int i = 0; i < EMBED_CALIB_POINTS; i++)
        e->calib.q[i] = o->default_calib ? o->default_calib[i]
                                         : (float)i / (EMBED_CALIB_POINTS - 1);
    e->calib.pairs = 0;
}

const embed_calib_t *embed_calibration(const embedder_t *e)
{
    return &e->calib;
}

/* The optional "calibration PAIRS Q0 … Q100" line: 1 read, 0 absent, -1
 * malformed (not ascending, not finite, too few values). */
static int calib_parse(embedder_t *e, char *line)
{
    if (!line)
        return 0;
    unsigned long long pairs = 0;
    int used = 0;
    if (sscanf(line, "calibration %llu%n", &pairs, &used) != 1)
        return -1;
    embed_calib_t c = {.pairs = (size_t)pairs};
    char *p = line + used;
    for (int i = 0; i < EMBED_CALIB_POINTS; i++) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || (i > 0 && v < c.q[i - 1]))
            return -1;
        c.q[i] = (float)v;
        p = end;
    }
    e->calib = c;
    return 1;
}

/* Parses the text stats format; returns 1 if it applies to this model,
 * 0 if it is another model's, -1 if it is malformed. */
static int stats_parse(embedder_t *e, char *text, size_t *count)
{
    const embed_ops_t *o = e->ops;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    if (!line || strcmp(line, STATS_MAGIC) != 0)
        return -1;
    char model[64];
    int dim = 0;
    unsigned long long cnt = 0;
    line = strtok_r(NULL, "\n", &save);
    if (!line || sscanf(line, "model %63s", model) != 1)
        return -1;
    line = strtok_r(NULL, "\n", &save);
    if (!line || sscanf(line, "dim %d", &dim) != 1)
        return -1;
    line = strtok_r(NULL, "\n", &save);
    if (!line || sscanf(line, "count %llu", &cnt) != 1)
        return -1;
    if (strcmp(model, o->name) != 0 || dim != o->dim)
        return 0;
    for (int i = 0; i < dim; i++) {
        line = strtok_r(NULL, "\n", &save);
        double m, s;
        if (!line || sscanf(line, "%lf %lf", &m, &s) != 2 || !isfinite(m) || !isfinite(s) || s < 0)
            return -1;
        e->mean[i] = (float)m;
        e->inv_std[i] = (float)(1.0 / (s > STD_FLOOR ? s : STD_FLOOR));
    }
    if (calib_parse(e, strtok_r(NULL, "\n", &save)) < 0)
        return -1;
    *count = (size_t)cnt;
    return 1;
}

ai_err_t embed_load_stats(embedder_t *e, const char *stats_path, ai_error_t *err)
{
    stats_builtin(e);
    if (!stats_path || !*stats_path || !fs_is_file(stats_path))
        return AI_OK;
    unsigned char *buf = NULL;
    size_t len = 0;
    ai_err_t rc = fs_read_file(stats_path, STATS_MAX_BYTES, &buf, &len, err);
    if (rc != AI_OK)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot read embedding statistics %s",
                            stats_path);
    size_t count = 0;
    int r = stats_parse(e, (char *)buf, &count);
    free(buf);
    if (r < 0) {
        stats_builtin(e);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                            "embedding statistics %s are corrupt (run rebuild-index --vectors)",
                            stats_path);
    }
    if (r == 0) {
        stats_builtin(e);
        log_warn("embedding statistics %s belong to another model; using built-in statistics "
                 "until rebuild-index --vectors",
                 stats_path);
        return AI_OK;
    }
    e->info.stats_count = count > INT32_MAX ? INT32_MAX : (int)count;
    return AI_OK;
}

ai_err_t embed_open(const char *model, const char *stats_path, embedder_t **out, ai_error_t *err)
{
    *out = NULL;
    double t0 = clock_now_ms();
    const embed_ops_t *ops = NULL;
    if (!model || !*model || strcasecmp(model, "vibe-lite") == 0 ||
        strcasecmp(model, embed_vibe_lite_ops.name) == 0)
        ops = &embed_vibe_lite_ops;
    else if (strcasecmp(model, "clap") == 0)
        return ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                            "EMBEDDING_MODEL=clap needs ONNX Runtime, which is not available in "
                            "this build; use EMBEDDING_MODEL=vibe-lite");
    else
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "unknown EMBEDDING_MODEL '%s' (expected vibe-lite or clap)", model);

    embedder_t *e = calloc(1, sizeof *e);
    if (!e)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    e->ops = ops;
    e->mean = malloc((size_t)ops->dim * sizeof *e->mean);
    e->inv_std = malloc((size_t)ops->dim * sizeof *e->inv_std);
    e->scale = calloc((size_t)ops->dim, sizeof *e->scale);
    ai_err_t rc = AI_ERR_INTERNAL_ERROR;
    if (!e->mean || !e->inv_std || !e->scale) {
        ai_error_set(err, rc, "out of memory");
        goto fail;
    }
    for (int b = 0; b < ops->nblocks; b++) {
        const embed_block_t *bl = &ops->blocks[b];
        for (int i = 0; i < bl->len; i++)
            e->scale[bl->offset + i] = (float)(bl->weight / sqrt((double)bl->len));
    }
    snprintf(e->info.name, sizeof e->info.name, "%s", ops->name);
    e->info.dim = ops->dim;
    e->info.sample_rate = ops->sample_rate;
    e->info.window_s = ops->window_s;
    e->info.hop_s = ops->hop_s;
    rc = ops->create(&e->state, err);
    if (rc != AI_OK)
        goto fail;
    rc = embed_load_stats(e, stats_path, err);
    if (rc != AI_OK)
        goto fail;
    e->info.load_ms = clock_now_ms() - t0;
    *out = e;
    return AI_OK;
fail:
    embed_close(e);
    return rc;
}

void embed_close(embedder_t *e)
{
    if (!e)
        return;
    if (e->state)
        e->ops->destroy(e->state);
    free(e->mean);
    free(e->inv_std);
    free(e->scale);
    free(e);
}

const embed_info_t *embed_info(const embedder_t *e)
{
    return &e->info;
}

static size_t win_len(const embedder_t *e)
{
    return (size_t)lround(e->info.window_s * e->info.sample_rate);
}

static size_t hop_len(const embedder_t *e)
{
    return (size_t)lround(e->info.hop_s * e->info.sample_rate);
}

size_t embed_window_count(const embedder_t *e, size_t n)
{
    if ((double)n < EMBED_MIN_SECONDS * e->info.sample_rate)
        return 0;
    size_t w = win_len(e), h = hop_len(e);
    if (n <= w)
        return 1;
    size_t full = (n - w) / h + 1;
    return full + ((full - 1) * h + w < n ? 1 : 0);
}

static size_t window_start_samples(const embedder_t *e, size_t n, size_t i)
{
    size_t w = win_len(e), h = hop_len(e);
    if (n <= w)
        return 0;
    size_t s = i * h;
    return s + w > n ? n - w : s;
}

double embed_window_start(const embedder_t *e, size_t n, size_t i)
{
    return (double)window_start_samples(e, n, i) / e->info.sample_rate;
}

double embed_window_duration(const embedder_t *e, size_t n, size_t i)
{
    size_t w = win_len(e);
    (void)i;
    return (double)(n < w ? n : w) / e->info.sample_rate;
}

ai_err_t embed_pcm_raw(const embedder_t *e, const float *pcm, size_t n, float **out, size_t *nvec,
                       ai_error_t *err)
{
    *out = NULL;
    *nvec = 0;
    if (!pcm)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "no audio");
    size_t nw = embed_window_count(e, n);
    if (nw == 0)
        return ai_error_set(err, AI_ERR_AUDIO_TOO_SHORT,
                            "%.2f s of audio is too short to embed (minimum %.0f s)",
                            (double)n / e->info.sample_rate, EMBED_MIN_SECONDS);
    if (nw > EMBED_MAX_WINDOWS)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "audio too long to embed (%zu windows)",
                            nw);
    size_t dim = (size_t)e->info.dim, w = win_len(e);
    float *v = malloc(nw * dim * sizeof *v);
    if (!v)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    for (size_t i = 0; i < nw; i++) {
        size_t s = window_start_samples(e, n, i);
        size_t len = n - s < w ? n - s : w;
        ai_err_t rc = e->ops->window(e->state, pcm + s, len, v + i * dim, err);
        if (rc != AI_OK) {
            free(v);
            return rc;
        }
    }
    *out = v;
    *nvec = nw;
    return AI_OK;
}

int embed_block_count(const embedder_t *e)
{
    return e->ops->nblocks;
}

int embed_block_get(const embedder_t *e, int i, const char **name, int *offset, int *len,
                    double *weight)
{
    if (i < 0 || i >= e->ops->nblocks)
        return 0;
    const embed_block_t *b = &e->ops->blocks[i];
    *name = b->name;
    *offset = b->offset;
    *len = b->len;
    *weight = b->weight;
    return 1;
}

static void finish(const embedder_t *e, const float *scale, float *vecs, size_t nvec)
{
    size_t dim = (size_t)e->info.dim;
    for (size_t j = 0; j < nvec; j++) {
        float *v = vecs + j * dim;
        double ss = 0;
        for (size_t i = 0; i < dim; i++) {
            float z = isfinite(v[i]) ? (v[i] - e->mean[i]) * e->inv_std[i] : 0.0f;
            z = z > CLIP_Z ? CLIP_Z : z < -CLIP_Z ? -CLIP_Z : z;
            float x = z * scale[i];
            v[i] = x;
            ss += (double)x * x;
        }
        if (ss > 0) {
            float inv = (float)(1.0 / sqrt(ss));
            for (size_t i = 0; i < dim; i++)
                v[i] *= inv;
        }
    }
}

void embed_finish(const embedder_t *e, float *vecs, size_t nvec)
{
    finish(e, e->scale, vecs, nvec);
}

void embed_finish_weighted(const embedder_t *e, const double *block_weights, float *vecs,
                           size_t nvec)
{
    if (!block_weights) {
        finish(e, e->scale, vecs, nvec);
        return;
    }
    float scale[EMBED_MAX_DIM] = {0};
    for (int b = 0; b < e->ops->nblocks; b++) {
        const embed_block_t *bl = &e->ops->blocks[b];
        for (int i = 0; i < bl->len && bl->offset + i < EMBED_MAX_DIM; i++)
            scale[bl->offset + i] = (float)(block_weights[b] / sqrt((double)bl->len));
    }
    finish(e, scale, vecs, nvec);
}

ai_err_t embed_pcm(const embedder_t *e, const float *pcm, size_t n, float **out, size_t *nvec,
                   ai_error_t *err)
{
    ai_err_t rc = embed_pcm_raw(e, pcm, n, out, nvec, err);
    if (rc == AI_OK)
        embed_finish(e, *out, *nvec);
    return rc;
}

void embed_music_gate(const embedder_t *e, const float *raw, size_t nvec, embed_gate_t *out)
{
    const embed_ops_t *o = e->ops;
    size_t dim = (size_t)e->info.dim;
    out->distance = INFINITY;
    out->change = o->change_len > 0 ? 0.0 : -1.0;
    out->music = 0;
    for (size_t j = 0; j < nvec; j++) {
        const float *v = raw + j * dim;
        double d2 = 0;
        for (size_t i = 0; i < dim; i++) {
            double z = (double)(v[i] - e->mean[i]) * e->inv_std[i];
            double z2 = isfinite(z) ? z * z : 100.0; /* a non-number is no music */
            d2 += z2 < 100.0 ? z2 : 100.0;
        }
        double dist = d2 / (double)dim, change = 0;
        for (int i = 0; i < o->change_len; i++)
            change += isfinite(v[o->change_off + i]) ? v[o->change_off + i] : 0.0;
        change = o->change_len > 0 ? change / o->change_len : 0;
        out->distance = dist < out->distance ? dist : out->distance;
        if (o->change_len > 0 && change > out->change)
            out->change = change;
        if (dist <= EMBED_GATE_MAX_DISTANCE && (o->change_len == 0 || change >= o->change_floor))
            out->music = 1;
    }
}

float embed_dot(const float *a, const float *b, int dim)
{
    float s = 0;
    for (int i = 0; i < dim; i++)
        s += a[i] * b[i];
    return s;
}

ai_err_t embed_stats_create(const embedder_t *e, embed_stats_acc_t **out, ai_error_t *err)
{
    *out = NULL;
    embed_stats_acc_t *a = calloc(1, sizeof *a);
    size_t dim = (size_t)e->info.dim;
    if (a) {
        a->ops = e->ops;
        a->sum = calloc(dim, sizeof *a->sum);
        a->sumsq = calloc(dim, sizeof *a->sumsq);
        a->cnt = calloc(dim, sizeof *a->cnt);
    }
    if (!a || !a->sum || !a->sumsq || !a->cnt) {
        embed_stats_destroy(a);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    *out = a;
    return AI_OK;
}

void embed_stats_add(embed_stats_acc_t *a, const float *raw, size_t nvec)
{
    size_t dim = (size_t)a->ops->dim;
    for (size_t j = 0; j < nvec; j++) {
        const float *v = raw + j * dim;
        for (size_t i = 0; i < dim; i++) {
            if (!isfinite(v[i]))
                continue;
            a->sum[i] += v[i];
            a->sumsq[i] += (double)v[i] * v[i];
            a->cnt[i]++;
        }
    }
    a->nvec += nvec;
}

size_t embed_stats_count(const embed_stats_acc_t *a)
{
    return a ? a->nvec : 0;
}

ai_err_t embed_stats_save(const embed_stats_acc_t *a, const embed_calib_t *calib,
                          const char *path, ai_error_t *err)
{
    const embed_ops_t *o = a->ops;
    strbuf_t sb;
    strbuf_init(&sb, STATS_MAX_BYTES);
    strbuf_printf(&sb, "%s\nmodel %s\ndim %d\ncount %zu\n", STATS_MAGIC, o->name, o->dim, a->nvec);
    for (int i = 0; i < o->dim; i++) {
        double m = o->default_mean ? o->default_mean[i] : 0.0;
        double s = o->default_std ? o->default_std[i] : 1.0;
        if (a->cnt[i] > 1) {
            m = a->sum[i] / (double)a->cnt[i];
            double var = a->sumsq[i] / (double)a->cnt[i] - m * m;
            s = var > 0 ? sqrt(var) : 0.0;
        }
        strbuf_printf(&sb, "%.9g %.9g\n", m, s);
    }
    if (calib) {
        strbuf_printf(&sb, "calibration %zu", calib->pairs);
        for (int i = 0; i < EMBED_CALIB_POINTS; i++)
            strbuf_printf(&sb, " %.7g", calib->q[i]);
        strbuf_append(&sb, "\n");
    }
    ai_err_t rc;
    if (sb.overflow)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    else
        rc = fs_write_atomic(path, strbuf_cstr(&sb), sb.len, err);
    strbuf_release(&sb);
    return rc;
}

void embed_stats_destroy(embed_stats_acc_t *a)
{
    if (!a)
        return;
    free(a->sum);
    free(a->sumsq);
    free(a->cnt);
    free(a);
}
