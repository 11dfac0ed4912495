/* `audio-ident fp FILE`: fingerprint statistics of one file (debugging). */
#include "audio/audio.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "cli/cli.h"
#include "fp/fp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ai_err_t cli_decode_file_16k(const config_t *cfg, const char *path, audio_decoded_t *d,
                             ai_error_t *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    audio_format_t fmt;
    ai_err_t rc = fs_read_file(path, (size_t)cfg->max_ingest_bytes, &buf, &len, err);
    if (rc == AI_OK)
        rc = audio_sniff(buf, len, &fmt, err);
    if (rc == AI_OK) {
        audio_decode_opts_t o = {.rates = {FP_SAMPLE_RATE},
                                 .nrates = 1,
                                 .max_seconds = cfg->max_track_seconds,
                                 .truncate = 0,
                                 .timeout_s = 0};
        rc = audio_decode(buf, len, fmt, &o, d, err);
    }
    free(buf);
    return rc;
}

int cli_fp(const config_t *cfg, int argc, char **argv)
{
    int show_peaks = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--peaks") == 0)
            show_peaks = 1;
        else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "usage: audio-ident fp [--peaks] FILE\n");
            return 2;
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: audio-ident fp [--peaks] FILE\n");
        return 2;
    }
    ai_error_t err;
    audio_decoded_t d = {0};
    double t0 = clock_now_ms();
    if (cli_decode_file_16k(cfg, path, &d, &err) != AI_OK) {
        fprintf(stderr, "audio-ident fp: %s: %s: %s\n", path, ai_err_name(err.code), err.message);
        return 1;
    }
    double t1 = clock_now_ms();
    fp_params_t p;
    fp_params_default(&p);
    float *spec = NULL;
    fp_peak_t *peaks = NULL;
    fp_hash_t *h = NULL;
    size_t frames = 0, np = 0, nh = 0;
    ai_err_t rc = fp_spectrogram(d.pcm[0].samples, d.pcm[0].n, &spec, &frames, &err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, frames, &p, &peaks, &np, &err);
    if (rc == AI_OK)
        rc = fp_hash_peaks(peaks, np, &p, 1.0, &h, &nh, &err);
    double t2 = clock_now_ms();
    if (rc == AI_OK) {
        double secs = d.decoded_s > 0 ? d.decoded_s : 1;
        printf("file            %s\n", path);
        printf("format          %s (%s, %d Hz, %d ch)\n", d.info.format, d.info.codec,
               d.info.sample_rate, d.info.channels);
        printf("duration        %.2f s\n", d.decoded_s);
        printf("frames          %zu (%.1f ms each)\n", frames, fp_frame_seconds() * 1000);
        printf("peaks           %zu (%.1f/s)\n", np, (double)np / secs);
        printf("hashes          %zu (%.1f/s)\n", nh, (double)nh / secs);
        printf("decode          %.1f ms (%.0fx real time)\n", t1 - t0, secs * 1000 / (t1 - t0));
        printf("fingerprint     %.1f ms (%.0fx real time)\n", t2 - t1, secs * 1000 / (t2 - t1));
        for (size_t i = 0; show_peaks && i < np; i++)
            printf("peak %8.3f s %7.1f Hz %6.2f\n", peaks[i].t * fp_frame_seconds(),
                   peaks[i].f * (double)FP_SAMPLE_RATE / FP_FFT_SIZE, peaks[i].v);
    }
    free(spec);
    free(peaks);
    free(h);
    audio_decoded_release(&d);
    if (rc != AI_OK) {
        fprintf(stderr, "audio-ident fp: %s\n", err.message);
        return 1;
    }
    return 0;
}
