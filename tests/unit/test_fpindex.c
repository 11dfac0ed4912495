#include "test.h"
#include "audio/audio.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"

#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* n random hashes at increasing frames, seeded. */
static fp_hash_t *random_hashes(size_t n, uint32_t seed, uint32_t t0)
{
    fp_hash_t *h = malloc(n * sizeof *h);
    uint32_t s = seed;
    for (size_t i = 0; h && i < n; i++) {
        s = s * 1664525u + 1013904223u;
        h[i].hash = s >> 7; /* 25 bits: the index takes any value, and fewer collide */
        h[i].t = t0 + (uint32_t)(i / 4);
        h[i].span = 0; /* unknown: matched without a time scale */
        h[i].lf = 0;
    }
    return h;
}

static const fpindex_query_opts_t opts5 = {.max_results = 5, .deadline = 0, .cancel = NULL};

TEST(fpindex_offset_histogram_finds_track_and_offset)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    fp_hash_t *t1 = random_hashes(4000, 1, 0), *t2 = random_hashes(4000, 2, 0);
    REQUIRE(t1 && t2);
    REQUIRE(fpindex_add_track(idx, 1, t1, 4000, 1000, &err) == AI_OK);
    REQUIRE(fpindex_add_track(idx, 2, t2, 4000, 1000, &err) == AI_OK);
    /* the clip: 200 hashes of track 2 starting at frame 500, clip time from 0,
     * with ±1 frame jitter and some noise hashes */
    fp_hash_t q[260];
    for (int i = 0; i < 200; i++) {
        q[i] = t2[2000 + i];
        q[i].t = t2[2000 + i].t - 500 + (uint32_t)(i % 3 == 0 ? 1 : 0);
    }
    fp_hash_t *noise = random_hashes(60, 99, 0);
    REQUIRE(noise);
    memcpy(q + 200, noise, 60 * sizeof *noise);
    fpindex_match_t m[5];
    size_t nm = 0;
    REQUIRE(fpindex_query(idx, q, 260, &opts5, m, &nm, &err) == AI_OK);
    REQUIRE(nm >= 1);
    CHECK_EQ_INT(m[0].track_no, 2);
    CHECK_NEAR(m[0].offset_seconds, 500 * fp_frame_seconds(), fp_frame_seconds() * 1.01);
    CHECK(m[0].aligned_hashes >= 195); /* jittered votes merged */
    CHECK(m[0].confidence > 0.99);
    /* pure noise: nothing above the minimum score */
    REQUIRE(fpindex_query(idx, noise, 60, &opts5, m, &nm, &err) == AI_OK);
    CHECK_EQ_INT(nm, 0);
    free(noise);
    free(t1);
    free(t2);
    fpindex_close(idx);
}

/* A library where some clip hashes are very common: the vote budget goes to
 * the rare hashes first, the winner is re-counted over all hashes, and a
 * hash beyond the stop-word cap is ignored. */
TEST(fpindex_budget_spends_votes_on_rare_hashes)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    enum { NT = 30, PER = 2000, COMMON = 40 };
    const uint32_t common = 0x1ABCDEu, stop = 0x0F0F0Fu;
    fp_hash_t *target = NULL;
    for (uint32_t t = 1; t <= NT; t++) {
        fp_hash_t *h = random_hashes(PER, 500 + t, 0);
        REQUIRE(h);
        /* every 10th hash becomes a common one (in every track, 3,000
         * postings) or a stop word (in every track, 33,000 postings) */
        for (size_t i = 0; i < PER; i += 10)
            h[i].hash = (i / 10) % 2 ? common : stop;
        fp_hash_t *all = malloc((PER + 1000) * sizeof *all);
        REQUIRE(all);
        memcpy(all, h, PER * sizeof *h);
        for (uint32_t k = 0; k < 1000; k++)
            all[PER + k] = (fp_hash_t){stop, 600 + k, 0, 0};
        REQUIRE(fpindex_add_track(idx, t, all, PER + 1000, 1600, &err) == AI_OK);
        free(all);
        if (t == 7)
            target = h;
        else
            free(h);
    }
    REQUIRE(target);
    fp_hash_t q[300];
    for (int i = 0; i < 300; i++) {
        q[i] = target[1000 + i];
        q[i].t = target[1000 + i].t - 250;
    }
    fpindex_match_t m[5];
    size_t nm = 0;
    fpindex_query_opts_t o = {.max_results = 5, .max_postings = 100};
    REQUIRE(fpindex_query(idx, q, 300, &o, m, &nm, &err) == AI_OK);
    REQUIRE(nm >= 1);
    CHECK_EQ_INT(m[0].track_no, 7);
    CHECK_NEAR(m[0].offset_seconds, 250 * fp_frame_seconds(), fp_frame_seconds() * 1.01);
    /* 100 votes cover under 100 of the 270 rare hashes; verification counts
     * the rare ones and the common one (a distinct value, though it occurs 15
     * times), not the stop word */
    CHECK_EQ_INT(m[0].aligned_hashes, 271);
    double budget_score = m[0].score;
    o.max_postings = 0; /* the default budget: same verified answer */
    REQUIRE(fpindex_query(idx, q, 300, &o, m, &nm, &err) == AI_OK);
    REQUIRE(nm >= 1);
    CHECK_EQ_INT(m[0].track_no, 7);
    CHECK_EQ_INT(m[0].aligned_hashes, 271);
    CHECK_NEAR(m[0].score, budget_score, 1e-9);
    free(target);
    fpindex_close(idx);
}

TEST(fpindex_insert_delete_reopen_stats)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    const char *dir = test_path("idx");
    REQUIRE(fpindex_open(dir, &idx, &err) == AI_OK);
    fp_hash_t *h = random_hashes(3000, 5, 0);
    REQUIRE(h);
    REQUIRE(fpindex_add_track(idx, 7, h, 3000, 800, &err) == AI_OK);
    REQUIRE(fpindex_add_track(idx, 9, h, 1000, 300, &err) == AI_OK);
    CHECK(fpindex_has_track(idx, 7));
    CHECK(!fpindex_has_track(idx, 8));
    fpindex_stats_t st;
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.tracks, 2);
    CHECK_EQ_INT(st.hashes, 4000);
    CHECK(st.bytes > 0);
    fpindex_close(idx);

    REQUIRE(fpindex_open(dir, &idx, &err) == AI_OK); /* reopen: data persists */
    CHECK(fpindex_has_track(idx, 9));
    uint32_t *nums = NULL;
    size_t n = 0;
    REQUIRE(fpindex_list_tracks(idx, &nums, &n, &err) == AI_OK);
    REQUIRE(n == 2);
    CHECK_EQ_INT(nums[0], 7);
    CHECK_EQ_INT(nums[1], 9);
    free(nums);
    /* re-adding replaces, deleting removes exactly that track's postings */
    REQUIRE(fpindex_add_track(idx, 9, h, 500, 300, &err) == AI_OK);
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.hashes, 3500);
    REQUIRE(fpindex_delete_track(idx, 7, &err) == AI_OK);
    REQUIRE(fpindex_delete_track(idx, 7, &err) == AI_OK); /* absent: fine */
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.tracks, 1);
    CHECK_EQ_INT(st.hashes, 500);
    fpindex_match_t m[5];
    size_t nm = 0;
    REQUIRE(fpindex_query(idx, h, 400, &opts5, m, &nm, &err) == AI_OK);
    REQUIRE(nm == 1);
    CHECK_EQ_INT(m[0].track_no, 9);
    REQUIRE(fpindex_drop_all(idx, &err) == AI_OK);
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.tracks, 0);
    CHECK_EQ_INT(st.hashes, 0);
    /* invalid input */
    CHECK_EQ_INT(fpindex_add_track(idx, 1, NULL, 5, 10, &err), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(fpindex_add_track(idx, 1u << 25, h, 5, 10, &err), AI_ERR_VALIDATION_ERROR);
    fpindex_query_opts_t zero = {0};
    CHECK_EQ_INT(fpindex_query(idx, h, 5, &zero, m, &nm, &err), AI_ERR_VALIDATION_ERROR);
    free(h);
    fpindex_close(idx);
    fpindex_close(NULL);
}

TEST(fpindex_map_grows_automatically)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open_sized(test_path("idx"), 1 << 20, &idx, &err) == AI_OK); /* 1 MiB */
    fp_hash_t *h = random_hashes(60000, 11, 0); /* ~1 MB of postings + reverse lists */
    REQUIRE(h);
    for (uint32_t t = 1; t <= 4; t++)
        REQUIRE(fpindex_add_track(idx, t, h, 60000, 20000, &err) == AI_OK);
    fpindex_stats_t st;
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.hashes, 240000);
    CHECK(st.bytes > (1 << 20));
    free(h);
    fpindex_close(idx);
}

TEST(fpindex_corrupt_directory_is_a_clear_error)
{
    const char *dir = test_path("bad");
    REQUIRE(test_sh("mkdir -p '%s' && head -c 65536 /dev/urandom > '%s/data.mdb'", dir, dir) == 0);
    fpindex_t *idx = NULL;
    ai_error_t err;
    CHECK_EQ_INT(fpindex_open(dir, &idx, &err), AI_ERR_INTERNAL_ERROR);
    CHECK(idx == NULL);
    CHECK(strstr(err.message, "fingerprint index") != NULL);
    /* a file where the directory should be */
    const char *file = test_path("file");
    REQUIRE(test_sh("echo x > '%s'", file) == 0);
    CHECK(fpindex_open(file, &idx, &err) != AI_OK);
}

/* Sets the recorded format of a closed index (0 = remove the record, as an
 * index written before the format was recorded). */
static int set_format(const char *dir, uint32_t f)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    int r = mdb_env_create(&env);
    if (r == 0)
        r = mdb_env_set_maxdbs(env, 4);
    if (r == 0)
        r = mdb_env_open(env, dir, 0, 0644);
    if (r == 0)
        r = mdb_txn_begin(env, NULL, 0, &txn);
    if (r == 0)
        r = mdb_dbi_open(txn, "meta", 0, &meta);
    MDB_val k = {6, "format"}, v = {sizeof f, &f};
    if (r == 0)
        r = f ? mdb_put(txn, meta, &k, &v, 0) : mdb_del(txn, meta, &k, NULL);
    if (txn)
        r = r == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), r);
    if (env)
        mdb_env_close(env);
    return r;
}

TEST(fpindex_refuses_another_format_until_rebuilt)
{
    const char *dir = test_path("old");
    fpindex_t *idx = NULL;
    ai_error_t err;
    fp_hash_t *h = random_hashes(100, 3, 0);
    REQUIRE(h);
    /* an empty index of another format is simply re-stamped */
    REQUIRE(fpindex_open(dir, &idx, &err) == AI_OK);
    fpindex_close(idx);
    REQUIRE(set_format(dir, 2) == 0);
    REQUIRE(fpindex_open(dir, &idx, &err) == AI_OK);
    REQUIRE(fpindex_add_track(idx, 1, h, 100, 50, &err) == AI_OK);
    fpindex_close(idx);
    /* with postings: refused, naming both formats and the way out */
    REQUIRE(set_format(dir, 2) == 0);
    idx = NULL;
    CHECK_EQ_INT(fpindex_open(dir, &idx, &err), AI_ERR_INTERNAL_ERROR);
    CHECK(idx == NULL);
    CHECK(strstr(err.message, "format 2") != NULL);
    CHECK(strstr(err.message, "rebuild-index --fingerprints") != NULL);
    /* no record at all: written before formats were recorded */
    REQUIRE(set_format(dir, 0) == 0);
    CHECK_EQ_INT(fpindex_open(dir, &idx, &err), AI_ERR_INTERNAL_ERROR);
    CHECK(strstr(err.message, "rebuild-index --fingerprints") != NULL);
    /* the rebuild's open empties it and stamps the current format */
    REQUIRE(fpindex_open_reset(dir, &idx, &err) == AI_OK);
    CHECK(!fpindex_has_track(idx, 1));
    fpindex_close(idx);
    REQUIRE(fpindex_open(dir, &idx, &err) == AI_OK);
    fpindex_stats_t st;
    REQUIRE(fpindex_stats(idx, &st, &err) == AI_OK);
    CHECK_EQ_INT(st.hashes, 0);
    fpindex_close(idx);
    free(h);
}

TEST(fpindex_deadline_and_cancel_stop_a_query)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    fp_hash_t *h = random_hashes(2000, 3, 0);
    REQUIRE(h);
    REQUIRE(fpindex_add_track(idx, 1, h, 2000, 600, &err) == AI_OK);
    fpindex_match_t m[5];
    size_t nm = 0;
    atomic_int cancel = 1;
    fpindex_query_opts_t o = {.max_results = 5, .deadline = 0, .cancel = &cancel};
    CHECK_EQ_INT(fpindex_query(idx, h, 2000, &o, m, &nm, &err), AI_ERR_SEARCH_TIMEOUT);
    o.cancel = NULL;
    o.deadline = deadline_in(1e-9);
    CHECK_EQ_INT(fpindex_query(idx, h, 2000, &o, m, &nm, &err), AI_ERR_SEARCH_TIMEOUT);
    free(h);
    fpindex_close(idx);
}

typedef struct {
    fpindex_t *idx;
    const fp_hash_t *q;
    int ok;
} reader_t;

static void *reader(void *arg)
{
    reader_t *r = arg;
    r->ok = 1;
    for (int i = 0; i < 30; i++) {
        fpindex_match_t m[5];
        size_t nm = 0;
        if (fpindex_query(r->idx, r->q, 500, &opts5, m, &nm, NULL) != AI_OK || nm < 1 ||
            m[0].track_no != 1)
            r->ok = 0;
    }
    return NULL;
}

TEST(fpindex_concurrent_queries_during_writes)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open_sized(test_path("idx"), 1 << 20, &idx, &err) == AI_OK);
    fp_hash_t *h = random_hashes(5000, 21, 0);
    REQUIRE(h);
    REQUIRE(fpindex_add_track(idx, 1, h, 5000, 2000, &err) == AI_OK);
    pthread_t th[4];
    reader_t rd[4];
    for (int i = 0; i < 4; i++) {
        rd[i] = (reader_t){idx, h + 1000, 0};
        pthread_create(&th[i], NULL, reader, &rd[i]);
    }
    /* writes (with map growth) while readers run */
    for (uint32_t t = 2; t < 10; t++) {
        fp_hash_t *o = random_hashes(20000, 100 + t, 0);
        REQUIRE(o);
        CHECK(fpindex_add_track(idx, t, o, 20000, 6000, &err) == AI_OK);
        free(o);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(rd[i].ok);
    }
    free(h);
    fpindex_close(idx);
}

/* End to end: three generated 30 s signals, a noisy 5 s clip of one. */
/* A seeded melody (a note every 0.25 s: two partials with a decaying
 * envelope, over faint noise), `secs` long from `start` seconds of track
 * time, played with time scale `ts` (track seconds per clip second) and
 * frequency scale `fs`: ts = fs = 1.08 is a speed change, fs alone a pitch
 * shift, ts alone a tempo change. */
static float *melody(uint32_t seed, double start, double secs, double ts, double fs, size_t *n)
{
    *n = (size_t)(secs * FP_SAMPLE_RATE);
    float *x = malloc(*n * sizeof *x);
    double ph1 = 0, ph2 = 0;
    /* the noise is new for every clip (the same noise would match itself) */
    uint32_t s = seed * 7919u + (uint32_t)(start * 1000 + ts * 1e4 + fs * 1e5);
    for (size_t i = 0; x && i < *n; i++) {
        double tt = start + (double)i / FP_SAMPLE_RATE * ts;
        uint32_t note = (uint32_t)(tt / 0.25), h = (note + 1) * 2654435761u ^ seed * 40503u;
        h ^= h >> 13;
        h *= 2246822519u;
        h ^= h >> 16;
        double f1 = 220.0 * pow(2.0, (double)(h % 24) / 12.0) * fs;
        double f2 = f1 * pow(2.0, (double)(3 + (h >> 8) % 9) / 12.0);
        double env = exp(-3.0 * (tt / 0.25 - note));
        ph1 += 2 * M_PI * f1 / FP_SAMPLE_RATE;
        ph2 += 2 * M_PI * f2 / FP_SAMPLE_RATE;
        s = s * 1664525u + 1013904223u;
        double noise = ((double)(s >> 8) / (double)(1u << 24) - 0.5) * 0.01;
        x[i] = (float)(env * (0.3 * sin(ph1) + 0.2 * sin(ph2)) + noise);
    }
    return x;
}

static int match_pcm(fpindex_t *idx, const fp_params_t *p, const float *x, size_t n,
                     fpindex_match_t *m, size_t *nm)
{
    ai_error_t err;
    float *spec = NULL;
    fp_peak_t *pk = NULL;
    size_t frames = 0, np = 0;
    int ok = fp_spectrogram(x, n, &spec, &frames, &err) == AI_OK &&
             fp_find_peaks(spec, frames, p, &pk, &np, &err) == AI_OK &&
             fpindex_match_peaks(idx, pk, np, p, &opts5, m, nm, &err) == AI_OK;
    free(spec);
    free(pk);
    return ok;
}

/* Speed, tempo and pitch changes up to ±10 % / two semitones: found, with
 * the offset in the track's time and the measured scales. */
TEST(fpindex_speed_tempo_and_pitch_changes_are_measured)
{
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    fp_params_t p;
    fp_params_default(&p);
    for (uint32_t t = 1; t <= 4; t++) {
        size_t n = 0;
        fp_hash_t *h = NULL;
        size_t nh = 0;
        float *x = melody(t, 0, 40, 1, 1, &n);
        REQUIRE(x);
        REQUIRE(fp_extract(x, n, &p, &h, &nh, NULL, &err) == AI_OK);
        REQUIRE(fpindex_add_track(idx, t, h, nh, (uint32_t)(n / FP_HOP), &err) == AI_OK);
        free(h);
        free(x);
    }
    static const struct {
        uint32_t track;
        double start, ts, fs;
    } cases[] = {
        {2, 9.0, 1.08, 1.08},     /* speed +8 % */
        {3, 20.0, 0.9, 0.9},      /* speed -10 % */
        {1, 15.0, 1.0, 1.122462}, /* pitch +2 semitones */
        {4, 5.0, 0.9, 1.0},       /* tempo -10 % */
        {4, 25.0, 1.0, 1.0},      /* unchanged */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = 0, nm = 0;
        float *x = melody(cases[c].track, cases[c].start, 8, cases[c].ts, cases[c].fs, &n);
        REQUIRE(x);
        fpindex_match_t m[5];
        REQUIRE(match_pcm(idx, &p, x, n, m, &nm));
        free(x);
        REQUIRE(nm >= 1);
        CHECK_EQ_INT(m[0].track_no, cases[c].track);
        CHECK_NEAR(m[0].offset_seconds, cases[c].start, 0.05);
        CHECK_NEAR(m[0].speed, cases[c].ts, 0.005);
        CHECK_NEAR(m[0].pitch_cents, 1200 * log2(cases[c].fs), 15);
        CHECK(m[0].confidence >= 0.85);
    }
    fpindex_close(idx);
}

/* Decodes a WAV file and matches it as the exact lane does; 1 on success. */
static int match_file(fpindex_t *idx, const fp_params_t *p, const char *path, fpindex_match_t *m,
                      size_t *nm)
{
    size_t len;
    unsigned char *buf = test_read_file(path, &len);
    if (!buf)
        return 0;
    ai_error_t err;
    audio_format_t fmt;
    audio_decoded_t d = {0};
    audio_decode_opts_t o = {.rates = {16000}, .nrates = 1, .max_seconds = 30, .truncate = 1};
    float *spec = NULL;
    fp_peak_t *pk = NULL;
    size_t frames = 0, np = 0;
    int ok = audio_sniff(buf, len, &fmt, &err) == AI_OK &&
             audio_decode(buf, len, fmt, &o, &d, &err) == AI_OK &&
             fp_spectrogram(d.pcm[0].samples, d.pcm[0].n, &spec, &frames, &err) == AI_OK &&
             fp_find_peaks(spec, frames, p, &pk, &np, &err) == AI_OK &&
             fpindex_match_peaks(idx, pk, np, p, &opts5, m, nm, &err) == AI_OK;
    free(buf);
    free(spec);
    free(pk);
    audio_decoded_release(&d);
    return ok;
}

TEST(fpindex_end_to_end_noisy_clip)
{
    if (!test_have("sox"))
        SKIP("sox not installed");
    const char *synths[3] = {
        "synth 30 pluck C3 pluck E3 pluck G3 tremolo 3 40 : synth 30 sine 200-1800",
        "synth 30 square 110-880 : synth 30 sine 660 tremolo 7 60",
        "synth 30 pinknoise tremolo 2 90 : synth 30 sawtooth 330-220",
    };
    fpindex_t *idx = NULL;
    ai_error_t err;
    REQUIRE(fpindex_open(test_path("idx"), &idx, &err) == AI_OK);
    fp_params_t p;
    fp_params_default(&p);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d.wav", i);
        /* two synth parts mixed, then an echo so each signal has structure */
        REQUIRE(test_sh("sox -n -r 16000 -c 1 '%s' %s 2>/dev/null || "
                        "sox -n -r 16000 -c 1 '%s' %.*s",
                        test_path(name), synths[i], test_path(name),
                        (int)(strchr(synths[i], ':') - synths[i]), synths[i]) == 0);
        size_t len;
        unsigned char *buf = test_read_file(test_path(name), &len);
        REQUIRE(buf);
        audio_format_t fmt;
        audio_decoded_t d = {0};
        audio_decode_opts_t o = {.rates = {16000}, .nrates = 1, .max_seconds = 60};
        REQUIRE(audio_sniff(buf, len, &fmt, &err) == AI_OK);
        REQUIRE(audio_decode(buf, len, fmt, &o, &d, &err) == AI_OK);
        free(buf);
        fp_hash_t *h = NULL;
        size_t nh = 0;
        REQUIRE(fp_extract(d.pcm[0].samples, d.pcm[0].n, &p, &h, &nh, NULL, &err) == AI_OK);
        CHECK(nh > 100);
        REQUIRE(fpindex_add_track(idx, (uint32_t)i + 1, h, nh, (uint32_t)(d.pcm[0].n / FP_HOP),
                                  &err) == AI_OK);
        free(h);
        audio_decoded_release(&d);
    }
    /* 5 s of track 2 from 12.0 s, white noise at about 10 dB SNR */
    REQUIRE(
        test_sh("sox '%s' '%s' trim 12 5 && sox -n -r 16000 -c 1 '%s' synth 5 whitenoise vol 0.05 "
                "&& sox -m '%s' '%s' '%s'",
                test_path("t1.wav"), test_path("clip.wav"), test_path("noise.wav"),
                test_path("clip.wav"), test_path("noise.wav"), test_path("query.wav")) == 0);
    fpindex_match_t m[5];
    size_t nm = 0;
    REQUIRE(match_file(idx, &p, test_path("query.wav"), m, &nm));
    REQUIRE(nm >= 1);
    CHECK_EQ_INT(m[0].track_no, 2);
    CHECK_NEAR(m[0].offset_seconds, 12.0, 0.1);
    CHECK_NEAR(m[0].speed, 1.0, 0.005);
    CHECK_NEAR(m[0].pitch_cents, 0, 15);
    CHECK(m[0].confidence >= 0.85);
    fpindex_close(idx);
}
