/* The vibe score's calibration: the lane's track rule on a library view,
 * the quantiles of unrelated pairs, the score mapping, and the calibration
 * line of the statistics file. */
#include "embed/embed.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#define D      16
#define TRACKS 20
#define CHUNKS 8

/* Deterministic unit vectors: track t's chunks near its own direction. */
static void make_library(float *v)
{
    unsigned s = 12345;
    for (int t = 0; t < TRACKS; t++)
        for (int c = 0; c < CHUNKS; c++) {
            float *x = v + ((size_t)t * CHUNKS + (size_t)c) * D;
            double norm = 0;
            for (int d = 0; d < D; d++) {
                s = s * 1103515245u + 12345u;
                double noise = ((s >> 8) & 0xffff) / 65536.0 - 0.5;
                x[d] = (float)((d == t % D ? 2.0 : 0.0) + (t >= D && d == (t + 3) % D ? 1.5 : 0) +
                               noise);
                norm += (double)x[d] * x[d];
            }
            for (int d = 0; d < D; d++)
                x[d] = (float)(x[d] / sqrt(norm));
        }
}

TEST(embed_calib_compute_and_score)
{
    float *v = malloc((size_t)TRACKS * CHUNKS * D * sizeof *v);
    REQUIRE(v);
    make_library(v);
    const float *vecs[TRACKS];
    size_t nvec[TRACKS];
    for (int t = 0; t < TRACKS; t++) {
        vecs[t] = v + (size_t)t * CHUNKS * D;
        nvec[t] = CHUNKS;
    }
    embed_lib_view_t L = {vecs, nvec, TRACKS, D};
    double score[TRACKS];
    REQUIRE(embed_lane_scores(&L, vecs[5], 3, SIZE_MAX, score) == 0);
    for (int t = 0; t < TRACKS; t++)
        if (t != 5)
            CHECK(score[t] < score[5]); /* its own chunks are the nearest */
    CHECK(score[5] > 0.9 && score[5] <= 1.0);
    REQUIRE(embed_lane_scores(&L, vecs[5], 3, 5, score) == 0);
    CHECK(score[5] == -1.0); /* excluded */

    embed_calib_t cal = {{0}, 0};
    REQUIRE(embed_calib_compute(&L, &cal) == 1);
    CHECK_EQ_INT(cal.pairs, TRACKS * (TRACKS - 1)); /* < 200 chunks: every track is reached */
    for (int i = 1; i < EMBED_CALIB_POINTS; i++)
        CHECK(cal.q[i] >= cal.q[i - 1]);
    /* the score is the share of unrelated pairs below a similarity */
    CHECK_NEAR(embed_calib_score(&cal, cal.q[50]), 0.5, 0.011);
    CHECK_NEAR(embed_calib_score(&cal, cal.q[0] - 0.01), 0.0, 1e-12);
    CHECK_NEAR(embed_calib_score(&cal, 1.0), 1.0, 1e-12);
    double prev = -1;
    for (double s = cal.q[0] - 0.05; s <= 1.0; s += 0.001) {
        double c = embed_calib_score(&cal, s);
        CHECK(c >= prev && c >= 0 && c <= 1);
        prev = c;
    }
    /* a track's own chunk scores above every unrelated pair */
    REQUIRE(embed_lane_scores(&L, vecs[7], 1, SIZE_MAX, score) == 0);
    CHECK(embed_calib_score(&cal, score[7]) >= 0.99);

    embed_lib_view_t tiny = {vecs, nvec, 1, D};
    embed_calib_t before = cal;
    CHECK_EQ_INT(embed_calib_compute(&tiny, &cal), 0); /* too few pairs: unchanged */
    CHECK(memcmp(&before, &cal, sizeof cal) == 0);
    free(v);
}

TEST(embed_calib_in_stats_file)
{
    ai_error_t err;
    embedder_t *e = NULL;
    REQUIRE(embed_open("vibe-lite", NULL, &e, &err) == AI_OK);
    const embed_calib_t *builtin = embed_calibration(e);
    CHECK_EQ_INT(builtin->pairs, 0);
    CHECK(builtin->q[0] < builtin->q[100]);
    embed_calib_t mine;
    for (int i = 0; i < EMBED_CALIB_POINTS; i++)
        mine.q[i] = 0.5f + 0.004f * (float)i;
    mine.pairs = 4242;
    embed_stats_acc_t *acc = NULL;
    REQUIRE(embed_stats_create(e, &acc, &err) == AI_OK);
    const char *path = test_path("stats.txt");
    REQUIRE(embed_stats_save(acc, &mine, path, &err) == AI_OK);
    REQUIRE(embed_load_stats(e, path, &err) == AI_OK);
    CHECK_EQ_INT(embed_calibration(e)->pairs, 4242);
    CHECK_NEAR(embed_calibration(e)->q[100], 0.9, 1e-6);
    CHECK_NEAR(embed_calib_score(embed_calibration(e), 0.7), 0.5, 1e-3);

    /* without a calibration line: the built-in one */
    REQUIRE(embed_stats_save(acc, NULL, path, &err) == AI_OK);
    REQUIRE(embed_load_stats(e, path, &err) == AI_OK);
    CHECK_EQ_INT(embed_calibration(e)->pairs, 0);

    /* a broken calibration line makes the file corrupt, not silently ignored */
    REQUIRE(embed_stats_save(acc, &mine, path, &err) == AI_OK);
    REQUIRE(test_sh("sed -i 's/^calibration 4242 0.5 /calibration 4242 0.95 /' %s", path) == 0);
    CHECK_EQ_INT(embed_load_stats(e, path, &err), AI_ERR_INTERNAL_ERROR);
    REQUIRE(test_sh("sed -i 's/^calibration .*/calibration 7 0.1 0.2/' %s", path) == 0);
    CHECK_EQ_INT(embed_load_stats(e, path, &err), AI_ERR_INTERNAL_ERROR);
    embed_stats_destroy(acc);
    embed_close(e);
}
