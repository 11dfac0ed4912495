/*
 * `audio-ident embed [--raw] [--stats FILE] [--vectors] FILE`: the vibe
 * embedding of a file, one line per window (start, length, norm and the
 * strongest dimensions), or the whole vectors with --vectors.  Uses the
 * configured EMBEDDING_MODEL; --stats FILE for library statistics (default:
 * built-in), --raw for the un-standardised descriptor.
 */
#include "audio/audio.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "embed/embed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_window(const embedder_t *e, const float *v, int raw, int full)
{
    int dim = embed_info(e)->dim;
    if (full) {
        for (int i = 0; i < dim; i++)
            printf("%s%.6g", i ? " " : "", v[i]);
        printf("\n");
        return;
    }
    /* Per block: its share of the squared norm. */
    double tot = 0;
    for (int i = 0; i < dim; i++)
        tot += (double)v[i] * v[i];
    printf("norm %.4f", sqrt(tot));
    for (int b = 0; b < embed_block_count(e); b++) {
        const char *name;
        int off, len;
        double w;
        embed_block_get(e, b, &name, &off, &len, &w);
        double s = 0;
        for (int i = off; i < off + len; i++)
            s += (double)v[i] * v[i];
        printf("  %s %.2f", name, tot > 0 ? s / tot : 0.0);
    }
    printf("%s\n", raw ? "  (raw)" : "");
}

int cli_embed(const config_t *cfg, int argc, char **argv)
{
    int raw = 0, full = 0;
    const char *stats = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            raw = 1;
        else if (strcmp(argv[i], "--vectors") == 0)
            full = 1;
        else if (strcmp(argv[i], "--stats") == 0 && i + 1 < argc)
            stats = argv[++i];
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: audio-ident embed [--raw] [--vectors] [--stats FILE] FILE\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: audio-ident embed [--raw] [--vectors] [--stats FILE] FILE\n");
        return 2;
    }
    ai_error_t err;
    embedder_t *e = NULL;
    if (embed_open(cfg->embedding_model, stats, &e, &err) != AI_OK) {
        fprintf(stderr, "audio-ident embed: %s\n", err.message);
        return 1;
    }
    const embed_info_t *in = embed_info(e);
    if (in->sample_rate != 16000) {
        fprintf(stderr, "audio-ident embed: model %s wants %d Hz\n", in->name, in->sample_rate);
        embed_close(e);
        return 1;
    }
    audio_decoded_t d;
    memset(&d, 0, sizeof d);
    int rc = 1;
    float *v = NULL;
    size_t nv = 0;
    if (cli_decode_file_16k(cfg, path, &d, &err) != AI_OK) {
        fprintf(stderr, "audio-ident embed: %s: %s\n", path, err.message);
        goto done;
    }
    double t0 = clock_now_ms();
    if (embed_pcm_raw(e, d.pcm[0].samples, d.pcm[0].n, &v, &nv, &err) != AI_OK) {
        fprintf(stderr, "audio-ident embed: %s: %s\n", path, err.message);
        goto done;
    }
    double ms = clock_now_ms() - t0;
    if (!raw)
        embed_finish(e, v, nv);
    printf("# %s: model %s, dim %d, %zu windows of %.0f s (hop %.0f s), %.2f ms/window, stats %s\n",
           path, in->name, in->dim, nv, in->window_s, in->hop_s, nv ? ms / (double)nv : 0.0,
           in->stats_count ? "library" : "built-in");
    for (size_t j = 0; j < nv; j++) {
        if (!full)
            printf("%3zu  %7.2f s  %5.2f s  ", j, embed_window_start(e, d.pcm[0].n, j),
                   embed_window_duration(e, d.pcm[0].n, j));
        print_window(e, v + j * (size_t)in->dim, raw, full);
    }
    rc = 0;
done:
    free(v);
    audio_decoded_release(&d);
    embed_close(e);
    return rc;
}
