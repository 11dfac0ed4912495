/* Bad input, caps and deadlines: each fails with the right code, leaves the
 * output zeroed and (under `make check`) leaks nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "audio_test_util.h"

static const audio_decode_opts_t opts_default = {
    .rates = {16000, 48000}, .nrates = 2, .max_seconds = 60, .truncate = 0, .timeout_s = 30};

static int is_zeroed(const audio_decoded_t *d)
{
    static const audio_decoded_t zero;
    return memcmp(d, &zero, sizeof zero) == 0;
}

/* Decoding buf as every format must fail with `want` and leave *out zeroed. */
static void check_decode_all_formats_fail(const void *buf, size_t len, ai_err_t want)
{
    for (int f = AUDIO_FMT_WEBM; f <= AUDIO_FMT_FLAC; f++) {
        audio_decoded_t d = {0};
        ai_error_t err = {0};
        ai_err_t rc = audio_decode(buf, len, (audio_format_t)f, &opts_default, &d, &err);
        if (rc != want)
            test_fail(__FILE__, __LINE__, "as %s: %s (%s), want %s", audio_format_name(f),
                      ai_err_name(rc), err.message, ai_err_name(want));
        CHECK(is_zeroed(&d));
        CHECK(err.message[0] != '\0');
        audio_decoded_release(&d);
    }
}

TEST(audio_bad_empty_and_one_byte)
{
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    ai_error_t err = {0};
    CHECK_EQ_INT(audio_sniff("", 0, &fmt, &err), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK_EQ_INT(audio_sniff(NULL, 0, &fmt, &err), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK_EQ_INT(audio_sniff("\xff", 1, &fmt, &err), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK_EQ_INT(fmt, AUDIO_FMT_UNKNOWN);
    check_decode_all_formats_fail("", 0, AI_ERR_UNSUPPORTED_FORMAT);
    check_decode_all_formats_fail("\xff", 1, AI_ERR_UNSUPPORTED_FORMAT);
    check_decode_all_formats_fail("R", 1, AI_ERR_UNSUPPORTED_FORMAT);
}

TEST(audio_bad_random_bytes)
{
    unsigned char buf[65536];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    ai_error_t err = {0};
    CHECK_EQ_INT(audio_sniff(buf, sizeof buf, &fmt, &err), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(strstr(err.message, "application/octet-stream") != NULL);
    check_decode_all_formats_fail(buf, sizeof buf, AI_ERR_UNSUPPORTED_FORMAT);
}

static void check_sniff_rejects(const char *path, const char *detected)
{
    size_t len = 0;
    unsigned char *buf = test_read_file(path, &len);
    REQUIRE(buf);
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    ai_error_t err = {0};
    CHECK_EQ_INT(audio_sniff(buf, len, &fmt, &err), AI_ERR_UNSUPPORTED_FORMAT);
    if (!strstr(err.message, detected))
        test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.message, detected);
    free(buf);
}

TEST(audio_bad_png_and_text)
{
    const char *png = audio_test_gen("x.png", "color=c=red:s=16x16", "-frames:v 1");
    REQUIRE(png);
    check_sniff_rejects(png, "image/png");
    const char *txt = test_path("x.txt");
    REQUIRE(test_sh("printf 'hello, this is not audio\\n' > '%s'", txt) == 0);
    check_sniff_rejects(txt, "text/plain");
}

TEST(audio_bad_video_only_mp4)
{
    const char *p = audio_test_gen("v.mp4", "testsrc=duration=1:size=64x64:rate=5", "-c:v mpeg4");
    REQUIRE(p);
    audio_decoded_t d = {0};
    ai_error_t err = {0};
    /* sniff accepts the MP4; decode finds no audio stream */
    CHECK_EQ_INT(audio_test_decode_file(p, AUDIO_FMT_MP4, NULL, &d, &err),
                 AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(strstr(err.message, "no audio") != NULL);
    CHECK(is_zeroed(&d));
}

/* Cuts path to `keep` bytes and decodes the rest. */
static ai_err_t decode_cut(const char *path, size_t keep, audio_format_t fmt, audio_decoded_t *d)
{
    size_t len = 0;
    unsigned char *buf = test_read_file(path, &len);
    if (!buf)
        return AI_ERR_INTERNAL_ERROR;
    ai_err_t rc = audio_decode(buf, keep < len ? keep : len, fmt, &opts_default, d, NULL);
    free(buf);
    return rc;
}

/* Policy: a cut-off file decodes up to the cut (AI_OK, shorter); when
 * nothing at all is decodable it is AI_ERR_UNSUPPORTED_FORMAT. */
TEST(audio_bad_truncated_mp3_and_webm)
{
    const char *mp3 =
        audio_test_gen("a.mp3", "sine=frequency=1000:duration=4", "-c:a libmp3lame -b:a 64k");
    const char *webm =
        audio_test_gen("a.webm", "sine=frequency=1000:duration=4", "-c:a libopus -b:a 64k -f webm");
    REQUIRE(mp3 && webm);
    audio_decoded_t d = {0};
    /* about half of the 32 KB of audio */
    CHECK_EQ_INT(decode_cut(mp3, 16000, AUDIO_FMT_MP3, &d), AI_OK);
    CHECK(d.decoded_s > 1.0 && d.decoded_s < 3.0);
    CHECK_NEAR(d.info.duration_s, d.decoded_s, 1e-9);
    CHECK_NEAR(audio_test_dominant(&d.pcm[0]), 1000, 25);
    audio_decoded_release(&d);
    CHECK_EQ_INT(decode_cut(webm, 16000, AUDIO_FMT_WEBM, &d), AI_OK);
    CHECK(d.decoded_s > 1.0 && d.decoded_s < 3.0);
    audio_decoded_release(&d);
    /* headers only: nothing decodable */
    CHECK_EQ_INT(decode_cut(mp3, 200, AUDIO_FMT_MP3, &d), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(is_zeroed(&d));
    CHECK_EQ_INT(decode_cut(webm, 100, AUDIO_FMT_WEBM, &d), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(is_zeroed(&d));
}

/* Damage in the middle: the decoder skips it and keeps going. */
TEST(audio_bad_damaged_middle_decodes_the_rest)
{
    const char *mp3 =
        audio_test_gen("a.mp3", "sine=frequency=1000:duration=4", "-c:a libmp3lame -b:a 64k");
    const char *flac = audio_test_gen("a.flac", "sine=frequency=1000:duration=4", "-c:a flac");
    REQUIRE(mp3 && flac);
    const char *paths[] = {mp3, flac};
    const audio_format_t fmts[] = {AUDIO_FMT_MP3, AUDIO_FMT_FLAC};
    for (int k = 0; k < 2; k++) {
        size_t len = 0;
        unsigned char *buf = test_read_file(paths[k], &len);
        REQUIRE(buf && len > 8000);
        uint32_t x = 99;
        for (size_t i = len / 2; i < len / 2 + 1500; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (unsigned char)(x >> 24);
        }
        audio_decoded_t d = {0};
        ai_error_t err = {0};
        ai_err_t rc = audio_decode(buf, len, fmts[k], &opts_default, &d, &err);
        if (rc != AI_OK)
            test_fail(__FILE__, __LINE__, "%s: %s", paths[k], err.message);
        CHECK(d.decoded_s > 3.4 && d.decoded_s < 4.1);
        CHECK(audio_test_peak(&d.pcm[0]) <= 1.0f);
        audio_decoded_release(&d);
        free(buf);
    }
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}

/* A 16-bit mono PCM WAV of n samples of a 1 kHz sine whose data chunk
 * claims data_bytes.  Caller frees. */
static unsigned char *make_wav(uint32_t rate, size_t n, uint32_t data_bytes, size_t *len)
{
    *len = 44 + 2 * n;
    unsigned char *w = calloc(1, *len);
    if (!w)
        return NULL;
    memcpy(w, "RIFF", 4);
    put32(w + 4, 0xFFFFFFFFu);
    memcpy(w + 8, "WAVEfmt ", 8);
    put32(w + 16, 16);
    w[20] = 1, w[22] = 1; /* PCM, 1 channel */
    put32(w + 24, rate);
    put32(w + 28, rate * 2);
    w[32] = 2, w[34] = 16;
    memcpy(w + 36, "data", 4);
    put32(w + 40, data_bytes);
    for (size_t i = 0; i < n; i++) {
        int16_t s = (int16_t)(8000 * sin(2 * M_PI * 1000 * (double)i / rate));
        w[44 + 2 * i] = (unsigned char)(s & 0xFF);
        w[45 + 2 * i] = (unsigned char)((uint16_t)s >> 8);
    }
    return w;
}

TEST(audio_bad_wav_header_claims_2e31_samples)
{
    /* 8 kHz WAV whose data chunk claims 2^31 - 1 samples (74 hours) but
     * holds one second: decodes the one second, allocating only for it. */
    size_t len = 0;
    unsigned char *w = make_wav(8000, 8000, 0xFFFFFFFEu, &len);
    REQUIRE(w);
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    CHECK(audio_sniff(w, len, &fmt, NULL) == AI_OK);
    CHECK_EQ_INT(fmt, AUDIO_FMT_WAV);
    audio_decoded_t d = {0};
    ai_error_t err = {0};
    audio_decode_opts_t o = opts_default;
    o.max_seconds = 6 * 3600;
    ai_err_t rc = audio_decode(w, len, AUDIO_FMT_WAV, &o, &d, &err);
    if (rc != AI_OK)
        test_fail(__FILE__, __LINE__, "%s %s", ai_err_name(rc), err.message);
    CHECK_EQ_INT(rc, AI_OK);
    CHECK_NEAR(d.decoded_s, 1.0, 1e-6);
    CHECK_NEAR(d.info.duration_s, 1.0, 1e-6);
    CHECK_NEAR((double)d.pcm[1].n, 48000, 50);
    CHECK_NEAR(audio_test_dominant(&d.pcm[0]), 1000, 25);
    audio_decoded_release(&d);
    free(w);
}

TEST(audio_bad_few_ms_at_odd_rate)
{
    /* Found by fuzzing: 320 samples at 139072 Hz are 2.3 ms, which the
     * 8 kHz resampler's filter delay swallows whole; no output may be empty. */
    size_t len = 0;
    unsigned char *w = make_wav(139072, 320, 640, &len);
    REQUIRE(w);
    audio_decode_opts_t o = opts_default;
    o.rates[1] = 8000;
    audio_decoded_t d = {0};
    CHECK_EQ_INT(audio_decode(w, len, AUDIO_FMT_WAV, &o, &d, NULL), AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(is_zeroed(&d));
    free(w);
}

TEST(audio_bad_longer_than_cap)
{
    const char *p = audio_test_gen("long.flac", "sine=frequency=1000:duration=5", "-c:a flac");
    REQUIRE(p);
    audio_decode_opts_t o = opts_default;
    o.max_seconds = 2;
    o.truncate = 1;
    audio_decoded_t d = {0};
    ai_error_t err = {0};
    REQUIRE(audio_test_decode_file(p, AUDIO_FMT_FLAC, &o, &d, &err) == AI_OK);
    CHECK_EQ_INT(d.truncated, 1);
    CHECK_NEAR(d.decoded_s, 2.0, 1e-3);
    CHECK_NEAR((double)d.pcm[0].n, 32000, 40);
    CHECK_NEAR((double)d.pcm[1].n, 96000, 120);
    CHECK_NEAR(d.info.duration_s, 5.0, 0.05); /* the container still knows the whole length */
    audio_decoded_release(&d);

    o.truncate = 0;
    CHECK_EQ_INT(audio_test_decode_file(p, AUDIO_FMT_FLAC, &o, &d, &err), AI_ERR_AUDIO_TOO_LONG);
    CHECK(is_zeroed(&d));
    CHECK(strstr(err.message, "2 seconds") != NULL);
    o.max_seconds = 5.5; /* just fits */
    CHECK_EQ_INT(audio_test_decode_file(p, AUDIO_FMT_FLAC, &o, &d, &err), AI_OK);
    CHECK_EQ_INT(d.truncated, 0);
    audio_decoded_release(&d);
}

TEST(audio_bad_deadline_exceeded)
{
    /* Ten minutes of FLAC take far longer than 20 ms to decode anywhere, but
     * opening it does not: 1e-6 s expires before/while opening, 0.02 s in
     * the decode loop. */
    const char *p = audio_test_gen("long.flac", "sine=frequency=1000:duration=600:sample_rate=8000",
                                   "-c:a flac");
    REQUIRE(p);
    static const double timeouts[] = {1e-6, 0.02};
    for (size_t i = 0; i < 2; i++) {
        audio_decode_opts_t o = opts_default;
        o.max_seconds = 1200;
        o.timeout_s = timeouts[i];
        audio_decoded_t d = {0};
        ai_error_t err = {0};
        CHECK_EQ_INT(audio_test_decode_file(p, AUDIO_FMT_FLAC, &o, &d, &err),
                     AI_ERR_SEARCH_TIMEOUT);
        CHECK(is_zeroed(&d));
    }
}

TEST(audio_bad_options)
{
    audio_decoded_t d = {0};
    audio_decode_opts_t o = opts_default;
    o.nrates = 0;
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_WAV, &o, &d, NULL), AI_ERR_VALIDATION_ERROR);
    o.nrates = 3;
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_WAV, &o, &d, NULL), AI_ERR_VALIDATION_ERROR);
    o = opts_default;
    o.rates[1] = 100;
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_WAV, &o, &d, NULL), AI_ERR_VALIDATION_ERROR);
    o = opts_default;
    o.max_seconds = 0;
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_WAV, &o, &d, NULL), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_WAV, NULL, &d, NULL), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(audio_decode("x", 1, AUDIO_FMT_UNKNOWN, &opts_default, &d, NULL),
                 AI_ERR_UNSUPPORTED_FORMAT);
    CHECK(is_zeroed(&d));
    audio_decoded_release(NULL);
}

TEST(audio_format_names)
{
    CHECK_EQ_STR(audio_format_name(AUDIO_FMT_WEBM), "webm");
    CHECK_EQ_STR(audio_format_mime(AUDIO_FMT_MP3), "audio/mpeg");
    CHECK_EQ_STR(audio_format_ext(AUDIO_FMT_MP4), "m4a");
    CHECK_EQ_STR(audio_format_name(AUDIO_FMT_UNKNOWN), "unknown");
    CHECK_EQ_STR(audio_format_mime((audio_format_t)99), "application/octet-stream");
    for (int f = AUDIO_FMT_WEBM; f <= AUDIO_FMT_FLAC; f++)
        CHECK_EQ_INT(audio_format_from_name(audio_format_name(f)), f);
    CHECK_EQ_INT(audio_format_from_name("aiff"), AUDIO_FMT_UNKNOWN);
    CHECK_EQ_INT(audio_format_from_name(NULL), AUDIO_FMT_UNKNOWN);
}
