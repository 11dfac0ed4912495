#include "test.h"
#include "fp/fp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define FP_GOLDEN_PEAKS 184
#define FP_GOLDEN_HASHES 453
#define FP_GOLDEN_CHECKSUM 14567945051996862828ull

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
    for (int l = 0; l < 13; l += 3)
        for (int sc = 0; sc < 8; sc += 3)
            for (int r = 0; r < 16; r += 5)
                for (int d2 = 0; d2 < 48; d2 += 7)
                    for (int d3 = 0; d3 < 48; d3 += 11) {
                        int a, b, c, d, e;
                        uint32_t h = fp_hash_pack(l, sc, r, d2, d3);
                        fp_hash_unpack(h, &a, &b, &c, &d, &e);
                        if (h >> FP_HASH_BITS || a != l || b != sc || c != r || d != d2 ||
                            e != d3) {
                            test_fail(__FILE__, __LINE__, "(%d,%d,%d,%d,%d) round trip", l, sc,
                                      r, d2, d3);
                            return;
                        }
                    }
    CHECK(fp_hash_pack(1, 2, 3, 4, 5) != fp_hash_pack(1, 2, 3, 5, 4));
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
    size_t same = 0;
    for (size_t i = 0; i < nh; i++)
        same += h[i].hash == h2[i].hash && h[i].t == h2[i].t && h[i].span == h2[i].span &&
                h[i].lf == h2[i].lf;
    CHECK_EQ_INT(same, nh);
    uint64_t sum = 0;
    for (size_t i = 0; i < nh; i++)
        sum = sum * 31 + h[i].hash + h[i].t + ((uint64_t)h[i].span << 32) +
              ((uint64_t)h[i].lf << 40);
    printf("    golden: peaks=%zu hashes=%zu checksum=%llu\n", np, nh, (unsigned long long)sum);
    CHECK_EQ_INT(np, FP_GOLDEN_PEAKS);
    CHECK_EQ_INT(nh, FP_GOLDEN_HASHES);
    CHECK(sum == FP_GOLDEN_CHECKSUM);
    free(h);
    free(h2);
    free(x);
}

/* Peaks on a continuous grid, as fp_find_peaks refines them. */
static void make_peaks(fp_peak_t *pk, int n, double tscale, double fscale)
{
    uint32_t s = 11;
    double t = 10;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        t += 1.0 + (double)(s >> 28) / 4.0; /* 1 .. 4.75 frames apart */
        double f = 40.0 * pow(2.0, (double)((s >> 8) % 4000) / 1000.0); /* 40 .. 640 bins */
        double tq = t / tscale, fq = f * fscale;
        pk[i] = (fp_peak_t){(uint32_t)lround(tq), (uint16_t)lround(fq), 1.0f, (float)tq,
                            (float)fq};
    }
}

/* Share of the reference's index hashes that the query hashes of the changed
 * peaks contain (same hash value). */
static double recovered(const fp_hash_t *ref, size_t nref, const fp_hash_t *q, size_t nq)
{
    size_t found = 0;
    for (size_t i = 0; i < nref; i++)
        for (size_t j = 0; j < nq; j++)
            if (ref[i].hash == q[j].hash) {
                found++;
                break;
            }
    return nref ? (double)found / (double)nref : 0;
}

TEST(fp_triplets_survive_speed_tempo_and_pitch_changes)
{
    fp_params_t p;
    fp_params_default(&p);
    enum { N = 200 };
    static const double changes[][2] = {
        {1.0, 1.0},      /* unchanged */
        {1.08, 1.08},    /* speed +8 %: times / 1.08, frequencies × 1.08 */
        {0.9, 0.9},      /* speed -10 % */
        {1.1, 1.0},      /* tempo +10 % */
        {1.0, 1.12246},  /* pitch +2 semitones */
        {1.0, 0.943874}, /* pitch -1 semitone */
    };
    fp_peak_t ref[N], chg[N];
    make_peaks(ref, N, 1.0, 1.0);
    fp_hash_t *a = NULL;
    size_t na = 0;
    REQUIRE(fp_hash_peaks(ref, N, &p, 1.0, &a, &na, NULL) == AI_OK);
    REQUIRE(na > N);
    for (size_t c = 0; c < sizeof changes / sizeof changes[0]; c++) {
        make_peaks(chg, N, changes[c][0], changes[c][1]);
        fp_hash_t *q0 = NULL, *q1 = NULL;
        size_t n0 = 0, n1 = 0;
        REQUIRE(fp_query_hashes(chg, N, &p, 0, &q0, &n0, NULL) == AI_OK);
        REQUIRE(fp_query_hashes(chg, N, &p, 0.12, &q1, &n1, NULL) == AI_OK);
        double r0 = recovered(a, na, q0, n0), r1 = recovered(a, na, q1, n1);
        printf("    change %zu: first pass %.2f, second pass %.2f of %zu hashes\n", c, r0, r1, na);
        if (c == 0)
            CHECK(r0 > 0.99); /* unchanged peaks: every hash in the first pass */
        CHECK(r1 > 0.85);     /* a change up to ±12 %: nearly all in the second */
        CHECK(n1 >= n0);
        /* span and anchor log-frequency carry the scales: compare the first
         * triplet of the changed peaks with the reference's first */
        CHECK_NEAR((double)a[0].span / q0[0].span, changes[c][0], 0.05);
        CHECK_NEAR(((double)q0[0].lf - a[0].lf) / FP_LF_UNIT, 12 * log2(changes[c][1]), 0.3);
        free(q0);
        free(q1);
    }
    free(a);
}
