#include "test.h"
#include "fp/fp.h"

#include <stdint.h>
#include <stdlib.h>

#define FP_GOLDEN_PEAKS 184
#define FP_GOLDEN_HASHES 1051
#define FP_GOLDEN_CHECKSUM 12251152509650637586ull

/* Deterministic test signal: a melody of tones over seeded noise. */
static float *synth(size_t n, uint32_t seed, double tone_scale)
{
    float *x = malloc(n * sizeof *x);
    if (!x)
        return NULL;
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double noise = ((double)(s >> 8) / (double)(1u << 24) - 0.5) * 0.02;
        size_t note = i / 4000; /* a new note every 0.25 s */
        double f = 300.0 * tone_scale * (1.0 + (double)((note * 7 + seed) % 12) / 6.0);
        double f2 = f * 1.5 + 40.0 * (double)(note % 3);
        x[i] = (float)(0.3 * sin(2 * M_PI * f * (double)i / FP_SAMPLE_RATE) +
                       0.2 * sin(2 * M_PI * f2 * (double)i / FP_SAMPLE_RATE) + noise);
    }
    return x;
}

TEST(fp_stft_sine_peaks_at_its_bin)
{
    size_t n = FP_SAMPLE_RATE;
    float *x = malloc(n * sizeof *x);
    REQUIRE(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2 * M_PI * 1000.0 * (double)i / FP_SAMPLE_RATE));
    float *spec = NULL;
    size_t frames = 0;
    REQUIRE(fp_spectrogram(x, n, &spec, &frames, NULL) == AI_OK);
    CHECK_EQ_INT(frames, (n - FP_FFT_SIZE) / FP_HOP + 1);
    for (size_t t = 0; t < frames; t += 10) {
        int best = 0;
        for (int k = 1; k < FP_NBINS; k++)
            if (spec[t * FP_NBINS + k] > spec[t * FP_NBINS + best])
                best = k;
        CHECK_EQ_INT(best, 64); /* 1000 Hz / (16000 / 1024) */
    }
    free(spec);
    /* shorter than one window: no frames, no error */
    REQUIRE(fp_spectrogram(x, FP_FFT_SIZE - 1, &spec, &frames, NULL) == AI_OK);
    CHECK_EQ_INT(frames, 0);
    CHECK(spec == NULL);
    free(x);
}

TEST(fp_peak_density_is_controlled)
{
    fp_params_t p;
    fp_params_default(&p);
    size_t n = 10 * FP_SAMPLE_RATE;
    float *x = malloc(n * sizeof *x);
    REQUIRE(x);
    uint32_t s = 7;
    for (size_t i = 0; i < n; i++) { /* loud white noise: peaks everywhere */
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((double)(s >> 8) / (double)(1u << 24) - 0.5);
    }
    for (int target = 10; target <= 40; target += 15) {
        p.peaks_per_second = target;
        fp_hash_t *h = NULL;
        size_t nh = 0, np = 0;
        REQUIRE(fp_extract(x, n, &p, &h, &nh, &np, NULL) == AI_OK);
        CHECK(np <= (size_t)target * 11); /* 10 s -> at most 11 started blocks */
        CHECK(np >= (size_t)target * 8);
        CHECK(nh > 0);
        free(h);
    }
    free(x);
}

TEST(fp_silence_gives_no_peaks)
{
    fp_params_t p;
    fp_params_default(&p);
    size_t n = 5 * FP_SAMPLE_RATE;
    float *x = calloc(n, sizeof *x);
    REQUIRE(x);
    fp_hash_t *h = NULL;
    size_t nh = 99, np = 99;
    REQUIRE(fp_extract(x, n, &p, &h, &nh, &np, NULL) == AI_OK);
    CHECK_EQ_INT(np, 0);
    CHECK_EQ_INT(nh, 0);
    CHECK(h == NULL);
    free(x);
}

TEST(fp_hash_pack_round_trip)
{
    for (int f1 = 0; f1 < 1024; f1 += 7)
        for (int df = -127; df <= 127; df += 13)
            for (int dt = 0; dt < 128; dt += 5) {
                int a, b, c;
                fp_hash_unpack(fp_hash_pack(f1, df, dt), &a, &b, &c);
                if (a != f1 || b != df || c != dt) {
                    test_fail(__FILE__, __LINE__, "(%d,%d,%d) -> (%d,%d,%d)", f1, df, dt, a, b, c);
                    return;
                }
            }
    CHECK(fp_hash_pack(10, 1, 2) != fp_hash_pack(10, 2, 1));
    CHECK(fp_hash_pack(10, -1, 2) != fp_hash_pack(10, 1, 2));
}

TEST(fp_golden_hash_counts_are_deterministic)
{
    /* Tolerance-free: a change here means a fingerprint format change, which
     * needs `rebuild-index --fingerprints`. */
    fp_params_t p;
    fp_params_default(&p);
    size_t n = 8 * FP_SAMPLE_RATE;
    float *x = synth(n, 42, 1.0);
    REQUIRE(x);
    fp_hash_t *h = NULL, *h2 = NULL;
    size_t nh = 0, np = 0, nh2 = 0;
    REQUIRE(fp_extract(x, n, &p, &h, &nh, &np, NULL) == AI_OK);
    REQUIRE(fp_extract(x, n, &p, &h2, &nh2, NULL, NULL) == AI_OK);
    REQUIRE(nh == nh2);
    CHECK(memcmp(h, h2, nh * sizeof *h) == 0);
    uint64_t sum = 0;
    for (size_t i = 0; i < nh; i++)
        sum = sum * 31 + h[i].hash + h[i].t;
    printf("    golden: peaks=%zu hashes=%zu checksum=%llu\n", np, nh, (unsigned long long)sum);
    CHECK_EQ_INT(np, FP_GOLDEN_PEAKS);
    CHECK_EQ_INT(nh, FP_GOLDEN_HASHES);
    CHECK(sum == FP_GOLDEN_CHECKSUM);
    free(h);
    free(h2);
    free(x);
}

TEST(fp_speed_hypothesis_recovers_hashes_of_scaled_peaks)
{
    fp_params_t p;
    fp_params_default(&p);
    /* Reference peaks, and the same peaks as heard 3 % fast. */
    fp_peak_t ref[40], fast[40];
    for (int i = 0; i < 40; i++) {
        ref[i] = (fp_peak_t){(uint32_t)(10 + i * 9), (uint16_t)(40 + (i * 37) % 200), 1.0f};
        fast[i] = (fp_peak_t){(uint32_t)lround(ref[i].t / 1.03),
                              (uint16_t)lround(ref[i].f * 1.03), 1.0f};
    }
    fp_hash_t *a = NULL, *b = NULL, *c = NULL;
    size_t na = 0, nb = 0, nc = 0;
    REQUIRE(fp_hash_peaks(ref, 40, &p, 1.0, &a, &na, NULL) == AI_OK);
    REQUIRE(fp_hash_peaks(fast, 40, &p, 1.0, &b, &nb, NULL) == AI_OK);
    REQUIRE(fp_hash_peaks(fast, 40, &p, 1.03, &c, &nc, NULL) == AI_OK);
    size_t same_plain = 0, same_mapped = 0;
    for (size_t i = 0; i < na; i++) {
        for (size_t j = 0; j < nb; j++)
            if (a[i].hash == b[j].hash) {
                same_plain++;
                break;
            }
        for (size_t j = 0; j < nc; j++)
            if (a[i].hash == c[j].hash) {
                same_mapped++;
                break;
            }
    }
    CHECK(same_mapped > 2 * same_plain);
    CHECK(same_mapped * 2 > na);
    free(a);
    free(b);
    free(c);
}
