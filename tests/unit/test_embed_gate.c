/* The music gate (embed_music_gate): music passes; stationary noise of any
 * colour, tones, a sweep and an empty window list do not. */
#include "embed/embed.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SR 16000

/* The gate of 10 s of `sox -n ... synth` with the given arguments (built-in
 * statistics); 0 when sox failed. */
static int gate_of(embedder_t *e, const char *synth_args, embed_gate_t *g)
{
    const char *f = test_path("gate.f32");
    if (test_sh("sox -R -n -r %d -c 1 -e floating-point -b 32 -t raw %s %s", SR, f, synth_args) !=
        0)
        return 0;
    size_t n = 0;
    float *x = test_read_f32(f, &n), *v = NULL;
    size_t nv = 0;
    int ok = x && embed_pcm_raw(e, x, n, &v, &nv, NULL) == AI_OK && nv >= 1;
    if (ok) {
        embed_music_gate(e, v, nv, g);
        fprintf(stderr, "    gate %-60.60s music=%d distance=%.2f change=%.3f\n", synth_args,
                g->music, g->distance, g->change);
    }
    free(v);
    free(x);
    return ok;
}

TEST(embed_music_gate_tells_music_from_noise_and_tones)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    embedder_t *e = NULL;
    REQUIRE(embed_open("vibe-lite", NULL, &e, NULL) == AI_OK);
    embed_gate_t g;
    /* a plucked chord progression (C, Am, F, G, half a second each) */
    REQUIRE(gate_of(e,
                    "synth 0.5 pluck C3 pluck E3 pluck G3 : synth 0.5 pluck A2 pluck C3 pluck E3 "
                    ": synth 0.5 pluck F2 pluck A2 pluck C3 : synth 0.5 pluck G2 pluck B2 pluck D3 "
                    "repeat 4",
                    &g));
    CHECK_EQ_INT(g.music, 1);
    CHECK(g.distance <= EMBED_GATE_MAX_DISTANCE);
    CHECK(g.change >= 0.75);
    /* stationary noise sits inside the distance bound: the change test refuses it */
    const char *noise[] = {"synth 10 whitenoise vol 0.3", "synth 10 pinknoise vol 0.5",
                           "synth 10 brownnoise vol 0.5"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        REQUIRE(gate_of(e, noise[i], &g));
        CHECK_EQ_INT(g.music, 0);
        CHECK(g.change >= 0 && g.change < 0.75);
    }
    /* tones and a sweep are far from the library's music */
    const char *tone[] = {"synth 10 sine 440 vol 0.5", "synth 10 sine 50 sine 100 vol 0.3",
                          "synth 10 sine 100-8000 vol 0.5"};
    for (size_t i = 0; i < sizeof tone / sizeof tone[0]; i++) {
        REQUIRE(gate_of(e, tone[i], &g));
        CHECK_EQ_INT(g.music, 0);
        CHECK(g.distance > EMBED_GATE_MAX_DISTANCE);
    }
    embed_music_gate(e, NULL, 0, &g);
    CHECK_EQ_INT(g.music, 0);
    embed_close(e);
}
