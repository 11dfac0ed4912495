#include "test.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"

#include <stdint.h>
#include <stdlib.h>

/* Unknown audio must give no match: a clip of silence (no peaks, no hashes)
 * and a clip of an unrelated signal, against an index of real signals. */

static const fpindex_query_opts_t opts = {.max_results = 5, .deadline = 0, .cancel = NULL};

/* A chord with a slow frequency sweep and amplitude pattern, seeded. */
static float *synth_signal(size_t n, double f0, uint32_t seed)
{
    float *x = malloc(n * sizeof *x);
    uint32_t s = seed;
    double ph[3] = {0, 0, 0};
    for (size_t i = 0; x && i < n; i++) {
        double t = (double)i / FP_SAMPLE_RATE;
        double env = 0.5 + 0.5 * sin(2 * M_PI * (1.3 + seed % 5) * t);
        double v = 0;
        for (int k = 0; k < 3; k++) {
            double f = f0 * (1 + 0.25 * k) * (1 + 0.3 * sin(2 * M_PI * 0.11 * (k + 1) * t));
            ph[k] += 2 * M_PI * f / FP_SAMPLE_RATE;
            v += sin(ph[k]);
        }
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(0.2 * env * v + 0.02 * ((double)(s >> 8) / (1 << 24) - 0.5));
    }
    return x;
}

static int match_pcm(fpindex_t *idx, const float *x, size_t n, size_t *nout)
{
    fp_params_t p;
    fp_params_default(&p);
    float *spec = NULL;
    fp_peak_t *pk = NULL;
    size_t frames = 0, np = 0;
    fpindex_match_t m[5];
    ai_error_t err;
    int rc = fp_spectrogram(x, n, &spec, &frames, &err) == AI_OK &&
             fp_find_peaks(spec, frames, &p, &pk, &np, &err) == AI_OK &&
             fpindex_match_peaks(idx, pk, np, &p, &opts, m, nout, &err) == AI_OK;
    free(spec);
    free(pk);
    return rc;
}

TEST(fpindex_unknown_and_silent_clips_give_no_match)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    fp_params_t p;
    fp_params_default(&p);
    const size_t n = 30 * FP_SAMPLE_RATE;
    float *tracks[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        tracks[i] = synth_signal(n, 300.0 + 170.0 * i, 11u + (uint32_t)i);
        REQUIRE(tracks[i]);
        fp_hash_t *h = NULL;
        size_t nh = 0;
        REQUIRE(fp_extract(tracks[i], n, &p, &h, &nh, NULL, &err) == AI_OK);
        CHECK(nh > 100);
        REQUIRE(fpindex_add_track(idx, (uint32_t)i + 1, h, nh, (uint32_t)(n / FP_HOP), &err) ==
                AI_OK);
        free(h);
    }
    size_t nout = 99;
    /* positive control: a 5 s excerpt of track 2 is found */
    REQUIRE(match_pcm(idx, tracks[1] + 10 * FP_SAMPLE_RATE, 5 * FP_SAMPLE_RATE, &nout));
    CHECK(nout >= 1);

    /* silence: no peaks, AI_OK with no match */
    const size_t nc = 5 * FP_SAMPLE_RATE;
    float *silence = calloc(nc, sizeof *silence);
    REQUIRE(silence);
    nout = 99;
    CHECK(match_pcm(idx, silence, nc, &nout));
    CHECK_EQ_INT(nout, 0);
    /* a clip shorter than one FFT window: no frames, still no match and no error */
    nout = 99;
    CHECK(match_pcm(idx, silence, FP_FFT_SIZE / 2, &nout));
    CHECK_EQ_INT(nout, 0);
    free(silence);

    /* an unrelated signal (other pitches and modulation) is not matched */
    float *other = synth_signal(nc, 233.0, 97u);
    REQUIRE(other);
    nout = 99;
    CHECK(match_pcm(idx, other, nc, &nout));
    CHECK_EQ_INT(nout, 0);
    free(other);

    for (int i = 0; i < 3; i++)
        free(tracks[i]);
    fpindex_close(idx);
}
