/* Embedder (src/embed): windows, determinism, invariances, statistics, threads. */
#include "embed/embed.h"
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define SR  16000
#define DIM 149 /* vibe-lite-v1 */

/* Deterministic "music": style 0 = bright plucked major-key chord progression
 * with a 120 BPM kick and hi-hats; style 1 = slow dark sine pads in minor, no
 * drums.  semis transposes the harmony (drums stay). */
static float *synth(double seconds, int style, double semis, uint32_t seed)
{
    size_t n = (size_t)(seconds * SR);
    float *x = calloc(n, sizeof *x);
    if (!x)
        return NULL;
    static const int prog0[4][3] = {{60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62}};
    static const int prog1[4][3] = {{57, 60, 64}, {50, 53, 57}, {52, 55, 59}, {57, 60, 64}};
    double chord_len = style == 0 ? 2.0 : 4.0;
    uint32_t r = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / SR;
        int c = (int)(t / chord_len) % 4;
        double tc = fmod(t, chord_len), v = 0;
        for (int k = 0; k < 3; k++) {
            int midi = style == 0 ? prog0[c][k] : prog1[c][k];
            double f = 440.0 * pow(2.0, (midi - 69 + semis) / 12.0);
            if (style == 0) {
                double tn = fmod(tc, 0.5);
                for (int h = 1; h <= 6; h++)
                    v += 0.2 / h * sin(2 * M_PI * f * h * t) * exp(-4.0 * tn);
            } else {
                v += 0.25 * sin(2 * M_PI * f * t) + 0.05 * sin(2 * M_PI * 2 * f * t);
            }
        }
        if (style == 0) {
            double tb = fmod(t, 0.5), to = fmod(t + 0.25, 0.5);
            v += 0.8 * sin(2 * M_PI * 60 * tb) * exp(-20 * tb);
            r = r * 1664525u + 1013904223u;
            double noise = ((double)(r >> 8) / 16777216.0 - 0.5);
            v += 0.3 * noise * exp(-60 * to);
        }
        x[i] = (float)(0.3 * v);
    }
    return x;
}

static embedder_t *open_lite(void)
{
    embedder_t *e = NULL;
    ai_error_t err;
    if (embed_open("vibe-lite", NULL, &e, &err) != AI_OK)
        return NULL;
    return e;
}

static double block_dist(const float *a, const float *b, int off, int len)
{
    double d = 0, na = 0;
    for (int i = off; i < off + len; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
    }
    return sqrt(d / (na > 0 ? na : 1));
}

TEST(embed_open_models)
{
    embedder_t *e = NULL;
    ai_error_t err;
    REQUIRE(embed_open("vibe-lite", NULL, &e, &err) == AI_OK);
    const embed_info_t *in = embed_info(e);
    CHECK_EQ_STR(in->name, "vibe-lite-v1");
    CHECK_EQ_INT(in->dim, DIM);
    CHECK_EQ_INT(in->sample_rate, 16000);
    CHECK_NEAR(in->window_s, 10.0, 1e-9);
    CHECK_NEAR(in->hop_s, 5.0, 1e-9);
    CHECK(in->load_ms >= 0);
    embed_close(e);
    CHECK(embed_open("clap", NULL, &e, &err) == AI_ERR_SERVICE_UNAVAILABLE);
    CHECK(e == NULL);
    CHECK(strstr(err.message, "ONNX") != NULL);
    CHECK(embed_open("nope", NULL, &e, &err) == AI_ERR_VALIDATION_ERROR);
    embed_close(NULL);
    embed_stats_destroy(NULL);
}

TEST(embed_window_layout)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    CHECK_EQ_INT(embed_window_count(e, SR / 2), 0);
    CHECK_EQ_INT(embed_window_count(e, 3 * SR), 1);
    CHECK_EQ_INT(embed_window_count(e, 10 * SR), 1);
    CHECK_EQ_INT(embed_window_count(e, 15 * SR), 2);
    CHECK_EQ_INT(embed_window_count(e, 16 * SR), 3);
    /* 23 s: 0-10, 5-15, 10-20, then one ending at the track's end: 13-23. */
    CHECK_EQ_INT(embed_window_count(e, 23 * SR), 4);
    CHECK_NEAR(embed_window_start(e, 23 * SR, 2), 10.0, 1e-9);
    CHECK_NEAR(embed_window_start(e, 23 * SR, 3), 13.0, 1e-9);
    CHECK_NEAR(embed_window_duration(e, 23 * SR, 3), 10.0, 1e-9);
    CHECK_NEAR(embed_window_duration(e, 4 * SR, 0), 4.0, 1e-9);

    float *x = synth(23, 0, 0, 1), *v = NULL;
    REQUIRE(x);
    size_t nv = 0;
    ai_error_t err;
    REQUIRE(embed_pcm(e, x, 23 * SR, &v, &nv, &err) == AI_OK);
    CHECK_EQ_INT(nv, 4);
    for (size_t j = 0; j < nv; j++)
        CHECK_NEAR(embed_dot(v + j * DIM, v + j * DIM, DIM), 1.0, 1e-4);
    free(v);
    v = NULL;
    CHECK(embed_pcm_raw(e, x, SR / 2, &v, &nv, &err) == AI_ERR_AUDIO_TOO_SHORT);
    CHECK(v == NULL && nv == 0);
    CHECK(embed_pcm_raw(e, NULL, SR * 5, &v, &nv, &err) == AI_ERR_VALIDATION_ERROR);
    /* A 4 s clip gives exactly one vector. */
    REQUIRE(embed_pcm_raw(e, x, 4 * SR, &v, &nv, &err) == AI_OK);
    CHECK_EQ_INT(nv, 1);
    free(v);
    free(x);
    embed_close(e);
}

/* Golden values: the raw descriptor of a fixed synthetic window.  If this
 * fails after an intentional change of the descriptor, bump the model
 * version ("vibe-lite-v2": stored vectors must be rebuilt) and update. */
TEST(embed_golden_values)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *x = synth(10, 0, 0, 7), *v = NULL;
    REQUIRE(x);
    size_t nv = 0;
    REQUIRE(embed_pcm_raw(e, x, 10 * SR, &v, &nv, NULL) == AI_OK);
    REQUIRE(nv == 1);
    static const struct {
        int i;
        double v;
    } gold[] = {{0, 31.741},      {7, 1.12456},    {14, 0.239735},  {21, 5.48537},
                {28, 1.29661},    {35, 1.23443},   {42, 0.875696},  {49, 0.966053},
                {56, 0.576022},   {63, -5.17825},  {70, 11.2483},   {77, -19.6064},
                {84, -0.0618965}, {91, 0.953289},  {98, 0.435655},  {105, 0.498588},
                {112, 0.0755828}, {119, 3.56809},  {126, -1.41514}, {133, -0.255149},
                {140, -0.411368}, {147, -0.676321}};
    for (size_t k = 0; k < sizeof gold / sizeof gold[0]; k++)
        CHECK_NEAR(v[gold[k].i], gold[k].v, 1e-3 + 1e-3 * fabs(gold[k].v));
    for (int i = 0; i < DIM; i++)
        CHECK(isfinite(v[i]));
    free(v);
    free(x);
    embed_close(e);
}

TEST(embed_gain_invariance)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    const char *a = test_path("a.f32"), *b = test_path("b.f32");
    REQUIRE(test_sh("sox -R -n -r 16000 -c 1 -e floating-point -b 32 -t raw %s synth 12 pluck C3 "
                    "pluck E3 pluck G3 pinknoise remix - tremolo 3 50 vol 0.5",
                    a) == 0);
    REQUIRE(test_sh("sox -r 16000 -c 1 -e floating-point -b 32 -t raw %s -t raw %s vol 0.05", a,
                    b) == 0);
    size_t na = 0, nb = 0;
    float *xa = test_read_f32(a, &na), *xb = test_read_f32(b, &nb);
    REQUIRE(xa && xb && na == nb && na >= 12 * SR);
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *va = NULL, *vb = NULL;
    size_t ca = 0, cb = 0;
    REQUIRE(embed_pcm(e, xa, na, &va, &ca, NULL) == AI_OK);
    REQUIRE(embed_pcm(e, xb, nb, &vb, &cb, NULL) == AI_OK);
    REQUIRE(ca == 2 && cb == 2);
    for (size_t j = 0; j < ca; j++)
        CHECK(embed_dot(va + j * DIM, vb + j * DIM, DIM) > 0.9999f);
    free(va);
    free(vb);
    free(xa);
    free(xb);
    embed_close(e);
}

TEST(embed_key_transposition)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *x0 = synth(10, 0, 0, 3), *x3 = synth(10, 0, 3, 3), *xm = synth(10, 1, 0, 3),
          *xm5 = synth(10, 1, 5, 3);
    float *v0 = NULL, *v3 = NULL, *vm = NULL, *vm5 = NULL;
    size_t nv = 0;
    REQUIRE(x0 && x3 && xm && xm5);
    REQUIRE(embed_pcm_raw(e, x0, 10 * SR, &v0, &nv, NULL) == AI_OK);
    REQUIRE(embed_pcm_raw(e, x3, 10 * SR, &v3, &nv, NULL) == AI_OK);
    REQUIRE(embed_pcm_raw(e, xm, 10 * SR, &vm, &nv, NULL) == AI_OK);
    REQUIRE(embed_pcm_raw(e, xm5, 10 * SR, &vm5, &nv, NULL) == AI_OK);
    /* Harmony block: offset 95, 25 dims (embed docs/vibe-lane.md). */
    double d03 = block_dist(v0, v3, 95, 25), dm5 = block_dist(vm, vm5, 95, 25);
    double d0m = block_dist(v0, vm, 95, 25);
    CHECK(d03 < 0.15);
    CHECK(dm5 < 0.15);
    CHECK(d0m > 0.3);
    CHECK(d0m > 3 * d03);
    free(v0);
    free(v3);
    free(vm);
    free(vm5);
    free(x0);
    free(x3);
    free(xm);
    free(xm5);
    embed_close(e);
}

TEST(embed_stats_file)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *x0 = synth(30, 0, 0, 1), *x1 = synth(30, 1, 0, 2), *v0 = NULL, *v1 = NULL;
    size_t n0 = 0, n1 = 0;
    REQUIRE(x0 && x1);
    REQUIRE(embed_pcm_raw(e, x0, 30 * SR, &v0, &n0, NULL) == AI_OK);
    REQUIRE(embed_pcm_raw(e, x1, 30 * SR, &v1, &n1, NULL) == AI_OK);
    embed_stats_acc_t *acc = NULL;
    REQUIRE(embed_stats_create(e, &acc, NULL) == AI_OK);
    embed_stats_add(acc, v0, n0);
    embed_stats_add(acc, v1, n1);
    CHECK_EQ_INT(embed_stats_count(acc), n0 + n1);
    const char *path = test_path("stats.txt");
    ai_error_t err;
    REQUIRE(embed_stats_save(acc, NULL, path, &err) == AI_OK);
    embed_stats_destroy(acc);

    embedder_t *es = NULL;
    REQUIRE(embed_open("vibe-lite", path, &es, &err) == AI_OK);
    CHECK_EQ_INT(embed_info(es)->stats_count, (long long)(n0 + n1));
    /* With library stats, windows of the same piece are closer than windows
     * of different pieces. */
    embed_finish(es, v0, n0);
    embed_finish(es, v1, n1);
    float same = embed_dot(v0, v0 + 2 * DIM, DIM), diff = embed_dot(v0, v1, DIM);
    CHECK(same > diff + 0.3f);
    double dot01 = embed_dot(v1, v1 + DIM, DIM);
    CHECK(dot01 > 0.5);
    embed_close(es);

    REQUIRE(
        test_sh("printf 'audio-ident embed stats v1\\nmodel other-v9\\ndim 3\\ncount 1\\n1 1\\n1 "
                "1\\n1 1\\n' > %s",
                path) == 0);
    REQUIRE(embed_open("vibe-lite", path, &es, &err) == AI_OK);
    CHECK_EQ_INT(embed_info(es)->stats_count, 0);
    embed_close(es);
    REQUIRE(test_sh("printf 'audio-ident embed stats v1\\nmodel vibe-lite-v1\\ndim 149\\ncount "
                    "5\\n1 x\\n' > %s",
                    path) == 0);
    es = NULL;
    CHECK(embed_open("vibe-lite", path, &es, &err) == AI_ERR_INTERNAL_ERROR);
    CHECK(es == NULL);
    CHECK(embed_load_stats(e, path, &err) == AI_ERR_INTERNAL_ERROR);
    CHECK_EQ_INT(embed_info(e)->stats_count, 0);
    free(v0);
    free(v1);
    free(x0);
    free(x1);
    embed_close(e);
}

TEST(embed_silence_and_noise)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *z = calloc(5 * SR, sizeof *z), *v = NULL;
    REQUIRE(z);
    size_t nv = 0;
    REQUIRE(embed_pcm(e, z, 5 * SR, &v, &nv, NULL) == AI_OK);
    for (int i = 0; i < DIM; i++)
        CHECK(isfinite(v[i]));
    free(v);
    z[100] = NAN; /* garbage in: still finite out */
    REQUIRE(embed_pcm(e, z, 5 * SR, &v, &nv, NULL) == AI_OK);
    for (int i = 0; i < DIM; i++)
        CHECK(isfinite(v[i]));
    free(v);
    free(z);
    embed_close(e);
}

typedef struct {
    const embedder_t *e;
    const float *x;
    size_t n;
    float *v;
    size_t nv;
} job_t;

static void *embed_job(void *p)
{
    job_t *j = p;
    if (embed_pcm(j->e, j->x, j->n, &j->v, &j->nv, NULL) != AI_OK)
        j->v = NULL;
    return NULL;
}

TEST(embed_threads_deterministic)
{
    embedder_t *e = open_lite();
    REQUIRE(e);
    float *x = synth(20, 0, 0, 5);
    REQUIRE(x);
    job_t jobs[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (job_t){e, x, 20 * SR, NULL, 0};
        REQUIRE(pthread_create(&th[i], NULL, embed_job, &jobs[i]) == 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++)
        REQUIRE(jobs[i].v && jobs[i].nv == 3);
    size_t same = 0;
    for (size_t i = 0; i < 3 * DIM; i++)
        same += jobs[0].v[i] == jobs[1].v[i] && jobs[0].v[i] == jobs[2].v[i];
    CHECK_EQ_INT(same, 3 * DIM);
    for (int i = 0; i < 3; i++)
        free(jobs[i].v);
    free(x);
    embed_close(e);
}

TEST(embed_cli_prints_windows)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    if (!test_have("sox"))
        SKIP("sox not installed");
    const char *wav = test_path("t.wav");
    REQUIRE(test_sh("sox -n -r 44100 -c 2 %s synth 23 pluck C3 pluck G3 vol 0.5", wav) == 0);
    /* 23 s: 4 windows, the last one ending at the end (13-23 s). */
    CHECK_EQ_INT(test_sh("cd '%s' && '%s' embed %s > out.txt", test_tmpdir(), test_bin(), wav), 0);
    CHECK_EQ_INT(test_sh("grep -q 'vibe-lite-v1, dim 149, 4 windows' '%s/out.txt'", test_tmpdir()),
                 0);
    CHECK_EQ_INT(
        test_sh("grep -q '^  3 *13.00 s *10.00 s *norm 1.0000' '%s/out.txt'", test_tmpdir()), 0);
    CHECK_EQ_INT(test_sh("cd '%s' && '%s' embed --vectors %s | tail -n 1 | wc -w | grep -qx 149",
                         test_tmpdir(), test_bin(), wav),
                 0);
    CHECK_EQ_INT(test_sh("cd '%s' && EMBEDDING_MODEL=clap CLAP_MODEL_PATH=m.onnx '%s' embed %s "
                         "2>err.txt >/dev/null",
                         test_tmpdir(), test_bin(), wav),
                 1);
    CHECK_EQ_INT(test_sh("grep -q ONNX '%s/err.txt'", test_tmpdir()), 0);
}
