/* The clip's level and activity, the silence floor, and the verdict rules. */
#include "search/search.h"
#include "test.h"

#include <stdlib.h>

#define RATE 16000
#define N    (8 * RATE)

static float *tone(double amp, double dc, double on_share)
{
    float *x = calloc(N, sizeof *x);
    if (!x)
        abort();
    for (size_t i = 0; i < N; i++) {
        int on = (double)(i % RATE) < on_share * RATE; /* the first part of each second */
        x[i] = (float)(dc + (on ? amp * sin(2 * M_PI * 440.0 * (double)i / RATE) : 0));
    }
    return x;
}

TEST(search_clip_levels_and_floor)
{
    search_clip_t c;
    float *x = tone(0, 0, 1);
    search_clip_analyze(x, N, RATE, &c);
    CHECK_NEAR(c.duration_seconds, 8.0, 1e-9);
    CHECK_NEAR(c.rms_dbfs, SEARCH_DBFS_MIN, 1e-9);
    CHECK_NEAR(c.active_ratio, 0, 1e-9);
    CHECK(c.silent);
    free(x);

    x = tone(0, 0.5, 1); /* a constant offset is no signal */
    search_clip_analyze(x, N, RATE, &c);
    CHECK(c.rms_dbfs < -100);
    CHECK(c.silent);
    free(x);

    x = tone(0.1, 0.3, 1); /* -23 dBFS sine on an offset: the offset does not count */
    search_clip_analyze(x, N, RATE, &c);
    CHECK_NEAR(c.rms_dbfs, 20 * log10(0.1 / sqrt(2)), 0.1);
    CHECK_NEAR(c.active_ratio, 1, 1e-9);
    CHECK(!c.silent);
    free(x);

    x = tone(0.0005, 0, 1); /* -69 dBFS: below the level floor */
    search_clip_analyze(x, N, RATE, &c);
    CHECK(c.rms_dbfs < SEARCH_SILENT_DBFS);
    CHECK(c.silent);
    free(x);

    x = tone(0.5, 0, 0.1); /* loud, but only 10 % of the time: a click track */
    search_clip_analyze(x, N, RATE, &c);
    CHECK(c.rms_dbfs > SEARCH_SILENT_DBFS);
    CHECK(c.active_ratio < SEARCH_MIN_ACTIVE_RATIO);
    CHECK(c.silent);
    free(x);

    x = tone(0.5, 0, 0.5); /* half the time: music with pauses is heard */
    search_clip_analyze(x, N, RATE, &c);
    CHECK_NEAR(c.active_ratio, 0.5, 0.03);
    CHECK(!c.silent);
    free(x);

    search_clip_analyze(NULL, 0, RATE, &c);
    CHECK(c.silent);
}

TEST(search_verdict_rules)
{
    search_exact_match_t ex[1] = {{.confidence = 0.9}};
    search_vibe_match_t vb[1] = {{.similarity = 0.8}};
    search_result_t r = {.mode = SEARCH_MODE_BOTH};
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "not_found");
    r.vibe = vb;
    r.nvibe = 1;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "similar");
    r.exact = ex;
    r.nexact = 1;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "identified");
    ex[0].confidence = SEARCH_TRUST_CONFIDENCE - 0.01;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "possible");
    ex[0].confidence = SEARCH_TRUST_CONFIDENCE;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "identified");
    r.mode = SEARCH_MODE_VIBE; /* the vibe mode never claims an identification */
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "similar");
    r.mode = SEARCH_MODE_EXACT;
    r.nexact = 0;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "not_found");
    r.nexact = 1;
    r.clip.silent = 1;
    CHECK_EQ_STR(search_verdict_name(search_verdict_of(&r)), "silent");
}
