/* Decoding every accepted format, generated at test time from a known sine. */
#include <pthread.h>

#include "audio_test_util.h"

#define SINE_2S "sine=frequency=1000:duration=2:sample_rate=44100"

/* Decodes path at 16 and 48 kHz and checks duration (±50 ms), rates, sample
 * counts and that 1 kHz is the dominant frequency of both outputs. */
static void check_sine(const char *path, audio_format_t want, const char *codec, double seconds)
{
    REQUIRE(path);
    audio_decoded_t d = {0};
    ai_error_t err = {0};
    ai_err_t rc = audio_test_decode_file(path, want, NULL, &d, &err);
    if (rc != AI_OK)
        test_fail(__FILE__, __LINE__, "%s: %s %s", path, ai_err_name(rc), err.message);
    REQUIRE(rc == AI_OK);
    CHECK_EQ_STR(d.info.format, audio_format_name(want));
    CHECK_EQ_STR(d.info.codec, codec);
    CHECK_NEAR(d.decoded_s, seconds, 0.05);
    CHECK_NEAR(d.info.duration_s, seconds, 0.05);
    CHECK_EQ_INT(d.truncated, 0);
    CHECK(d.info.sample_rate > 0);
    CHECK(d.info.channels >= 1);
    CHECK_EQ_INT(d.pcm[0].rate, 16000);
    CHECK_EQ_INT(d.pcm[1].rate, 48000);
    CHECK_NEAR((double)d.pcm[0].n, d.decoded_s * 16000, 40);
    CHECK_NEAR((double)d.pcm[1].n, d.decoded_s * 48000, 120);
    for (int i = 0; i < 2; i++) {
        REQUIRE(d.pcm[i].samples && d.pcm[i].n > 8000);
        CHECK_NEAR(audio_test_dominant(&d.pcm[i]), 1000, 25);
        CHECK(audio_test_peak(&d.pcm[i]) <= 1.0f);
    }
    /* ffmpeg's sine source has amplitude 1/8 */
    CHECK_NEAR(audio_test_peak(&d.pcm[0]), 0.125, 0.03);
    audio_decoded_release(&d);
    CHECK(d.pcm[0].samples == NULL && d.pcm[0].n == 0);
}

TEST(audio_decode_webm_opus)
{
    check_sine(audio_test_gen("a.webm", SINE_2S, "-c:a libopus -f webm"), AUDIO_FMT_WEBM, "opus",
               2.0);
}

TEST(audio_decode_webm_mediarecorder_no_duration)
{
    /* Written to a pipe (not seekable): like a browser's MediaRecorder, the
     * header has no duration and clusters have unknown size. */
    const char *p = test_path("live.webm");
    REQUIRE(
        test_sh("ffmpeg -nostdin -v error -f lavfi -i '%s' -c:a libopus -live 1 -f webm - > '%s'",
                SINE_2S, p) == 0);
    REQUIRE(test_sh("ffprobe -v error -show_entries format=duration -of csv=p=0 '%s' | grep -q N/A",
                    p) == 0);
    check_sine(p, AUDIO_FMT_WEBM, "opus", 2.0);
}

TEST(audio_decode_ogg_opus)
{
    check_sine(audio_test_gen("a.ogg", SINE_2S, "-c:a libopus"), AUDIO_FMT_OGG, "opus", 2.0);
}

TEST(audio_decode_ogg_vorbis)
{
    check_sine(audio_test_gen("a.ogg", SINE_2S, "-c:a libvorbis"), AUDIO_FMT_OGG, "vorbis", 2.0);
}

TEST(audio_decode_mp3_id3)
{
    check_sine(audio_test_gen("a.mp3", SINE_2S, "-c:a libmp3lame -metadata title=x"), AUDIO_FMT_MP3,
               "mp3", 2.0);
}

TEST(audio_decode_mp3_no_id3_mid_stream)
{
    /* No ID3, no Xing header, cut at a byte that is not a frame start:
     * libmagic calls this application/octet-stream; the frame-sync check
     * must still recognise it. */
    const char *full = audio_test_gen("full.mp3", "sine=frequency=1000:duration=3",
                                      "-c:a libmp3lame -id3v2_version 0 -write_xing 0");
    REQUIRE(full);
    const char *cut = test_path("cut.mp3");
    REQUIRE(test_sh("tail -c +1001 '%s' > '%s'", full, cut) == 0);
    REQUIRE(test_sh("file -b --mime-type '%s' | grep -qv audio/mpeg", cut) == 0);
    /* 1000 bytes of 64 kbit/s is 0.125 s; without Xing there is also encoder padding */
    check_sine(cut, AUDIO_FMT_MP3, "mp3", 3.0 - 0.125 + 0.04);
}

TEST(audio_decode_m4a_aac)
{
    check_sine(audio_test_gen("a.m4a", SINE_2S, "-c:a aac"), AUDIO_FMT_MP4, "aac", 2.0);
}

TEST(audio_decode_wav_s16_s24_f32)
{
    check_sine(audio_test_gen("s16.wav", SINE_2S, "-c:a pcm_s16le"), AUDIO_FMT_WAV, "pcm_s16le",
               2.0);
    check_sine(audio_test_gen("s24.wav", SINE_2S, "-c:a pcm_s24le"), AUDIO_FMT_WAV, "pcm_s24le",
               2.0);
    check_sine(audio_test_gen("f32.wav", SINE_2S, "-c:a pcm_f32le"), AUDIO_FMT_WAV, "pcm_f32le",
               2.0);
}

TEST(audio_decode_flac)
{
    check_sine(audio_test_gen("a.flac", SINE_2S, "-c:a flac"), AUDIO_FMT_FLAC, "flac", 2.0);
}

TEST(audio_decode_stereo_downmix_stays_in_range)
{
    /* Near full-scale identical channels: a plain sum would reach 1.4 and
     * clip; the downmix averages them. */
    const char *p =
        audio_test_gen("st.wav", "sine=frequency=1000:duration=1,volume=7.8,pan=stereo|c0=c0|c1=c0",
                       "-c:a pcm_s16le");
    REQUIRE(p);
    audio_decoded_t d = {0};
    REQUIRE(audio_test_decode_file(p, AUDIO_FMT_WAV, NULL, &d, NULL) == AI_OK);
    CHECK_EQ_INT(d.info.channels, 2);
    CHECK_NEAR(audio_test_peak(&d.pcm[0]), 0.975, 0.01);
    CHECK_NEAR(audio_test_dominant(&d.pcm[1]), 1000, 25);
    audio_decoded_release(&d);
}

TEST(audio_decode_one_rate_and_info)
{
    const char *p = audio_test_gen("a.flac", "sine=frequency=440:duration=1:sample_rate=22050",
                                   "-ac 2 -c:a flac");
    REQUIRE(p);
    audio_decode_opts_t o = {.rates = {8000}, .nrates = 1, .max_seconds = 10, .timeout_s = 0};
    audio_decoded_t d = {0};
    REQUIRE(audio_test_decode_file(p, AUDIO_FMT_FLAC, &o, &d, NULL) == AI_OK);
    CHECK_EQ_INT(d.info.sample_rate, 22050);
    CHECK_EQ_INT(d.info.channels, 2);
    CHECK(d.info.bitrate > 0);
    CHECK_EQ_INT(d.pcm[0].rate, 8000);
    CHECK_NEAR((double)d.pcm[0].n, 8000, 20);
    CHECK(d.pcm[1].samples == NULL && d.pcm[1].n == 0);
    CHECK_NEAR(audio_test_dominant(&d.pcm[0]), 440, 25);
    audio_decoded_release(&d);
}

/* Writes tags with ffmpeg -metadata and reads them back. */
static void check_tags(const char *name, const char *args, audio_format_t want)
{
    char full[256];
    snprintf(full, sizeof full,
             "%s -metadata title='Tïtle One' -metadata artist='The Artist' -metadata album='LP'",
             args);
    const char *p = audio_test_gen(name, "sine=frequency=1000:duration=1", full);
    REQUIRE(p);
    audio_decoded_t d = {0};
    ai_error_t err = {0};
    REQUIRE(audio_test_decode_file(p, want, NULL, &d, &err) == AI_OK);
    CHECK_EQ_STR(d.info.title, "Tïtle One");
    CHECK_EQ_STR(d.info.artist, "The Artist");
    CHECK_EQ_STR(d.info.album, "LP");
    audio_decoded_release(&d);
}

TEST(audio_decode_reads_tags)
{
    check_tags("t.mp3", "-c:a libmp3lame", AUDIO_FMT_MP3);
    check_tags("t.ogg", "-c:a libvorbis", AUDIO_FMT_OGG);
    check_tags("t.opus.ogg", "-c:a libopus", AUDIO_FMT_OGG);
    check_tags("t.webm", "-c:a libopus", AUDIO_FMT_WEBM);
    check_tags("t.m4a", "-c:a aac", AUDIO_FMT_MP4);
    check_tags("t.flac", "-c:a flac", AUDIO_FMT_FLAC);
    check_tags("t.wav", "-c:a pcm_s16le", AUDIO_FMT_WAV);
}

TEST(audio_decode_tags_absent_and_case_insensitive)
{
    const char *p = audio_test_gen("u.flac", "sine=frequency=1000:duration=1",
                                   "-c:a flac -metadata ARTIST=Upper");
    REQUIRE(p);
    audio_decoded_t d = {0};
    REQUIRE(audio_test_decode_file(p, AUDIO_FMT_FLAC, NULL, &d, NULL) == AI_OK);
    CHECK_EQ_STR(d.info.artist, "Upper");
    CHECK_EQ_STR(d.info.title, "");
    CHECK_EQ_STR(d.info.album, "");
    audio_decoded_release(&d);
}

TEST(audio_decode_mp4_with_video_and_audio)
{
    const char *p = test_path("av.mp4");
    REQUIRE(test_sh("ffmpeg -nostdin -v error -y -f lavfi -i testsrc=duration=2:size=64x64:rate=5 "
                    "-f lavfi -i '%s' -c:v mpeg4 -c:a aac -shortest '%s'",
                    SINE_2S, p) == 0);
    check_sine(p, AUDIO_FMT_MP4, "aac", 2.0);
}

typedef struct {
    const unsigned char *buf;
    size_t len;
    ai_err_t rc;
    size_t n;
} decode_job_t;

static void *decode_thread(void *arg)
{
    decode_job_t *j = arg;
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    audio_decode_opts_t o = {.rates = {16000}, .nrates = 1, .max_seconds = 10, .timeout_s = 30};
    audio_decoded_t d = {0};
    for (int i = 0; i < 3; i++) {
        j->rc = audio_sniff(j->buf, j->len, &fmt, NULL);
        if (j->rc == AI_OK)
            j->rc = audio_decode(j->buf, j->len, fmt, &o, &d, NULL);
        j->n = d.pcm[0].n;
        audio_decoded_release(&d);
        if (j->rc != AI_OK)
            break;
    }
    return NULL;
}

TEST(audio_decode_concurrent_threads)
{
    const char *p = audio_test_gen("a.ogg", SINE_2S, "-c:a libopus");
    REQUIRE(p);
    size_t len = 0;
    unsigned char *buf = test_read_file(p, &len);
    REQUIRE(buf);
    enum { NT = 4 };
    pthread_t th[NT];
    decode_job_t jobs[NT];
    int started = 0;
    for (int i = 0; i < NT; i++) {
        jobs[i] = (decode_job_t){.buf = buf, .len = len, .rc = AI_ERR_INTERNAL_ERROR};
        if (pthread_create(&th[i], NULL, decode_thread, &jobs[i]) == 0)
            started++;
        else
            break;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(started, NT);
    for (int i = 0; i < started; i++) {
        CHECK_EQ_INT(jobs[i].rc, AI_OK);
        CHECK_EQ_INT(jobs[i].n, 32000);
    }
    free(buf);
}
