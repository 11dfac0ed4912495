/*
 * audio_test_util.h — helpers shared by the test_audio_*.c files: generate a
 * file with ffmpeg, load it, sniff + decode it, and measure the dominant
 * frequency of the result.
 */
#ifndef AI_TESTS_AUDIO_TEST_UTIL_H
#define AI_TESTS_AUDIO_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>

#include "audio/audio.h"
#include "test.h"

/* Generates tmpdir/name with ffmpeg from a lavfi source and output options.
 * Returns the path, or NULL when ffmpeg failed. */
static inline const char *audio_test_gen(const char *name, const char *lavfi, const char *args)
{
    const char *p = test_path(name);
    if (test_sh("ffmpeg -nostdin -v error -y -f lavfi -i '%s' %s '%s'", lavfi, args, p) != 0)
        return NULL;
    return p;
}

/* Power of frequency f in x (Goertzel). */
static inline double audio_test_goertzel(const float *x, size_t n, int rate, double f)
{
    double w = 2.0 * M_PI * f / rate, c = 2.0 * cos(w), s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double s0 = x[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* The strongest frequency between 100 Hz and min(rate/2, 8 kHz) in 25 Hz
 * steps, measured on up to 0.5 s from the middle of the signal. */
static inline double audio_test_dominant(const audio_pcm_t *p)
{
    size_t len = (size_t)p->rate / 2;
    if (len > p->n)
        len = p->n;
    const float *x = p->samples + (p->n - len) / 2;
    double best = 0, best_f = 0, top = p->rate / 2.0 < 8000 ? p->rate / 2.0 : 8000;
    for (double f = 100; f < top; f += 25) {
        double pw = audio_test_goertzel(x, len, p->rate, f);
        if (pw > best)
            best = pw, best_f = f;
    }
    return best_f;
}

static inline float audio_test_peak(const audio_pcm_t *p)
{
    float m = 0;
    for (size_t i = 0; i < p->n; i++)
        m = fabsf(p->samples[i]) > m ? fabsf(p->samples[i]) : m;
    return m;
}

/* Loads path, sniffs it (expecting `want`) and decodes at 16 kHz and 48 kHz. */
static inline ai_err_t audio_test_decode_file(const char *path, audio_format_t want,
                                              const audio_decode_opts_t *opts, audio_decoded_t *d,
                                              ai_error_t *err)
{
    size_t len = 0;
    unsigned char *buf = test_read_file(path, &len);
    if (!buf)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot read %s", path);
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    ai_err_t rc = audio_sniff(buf, len, &fmt, err);
    if (rc == AI_OK && fmt != want)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "sniffed %s, want %s", audio_format_name(fmt),
                          audio_format_name(want));
    audio_decode_opts_t def = {
        .rates = {16000, 48000}, .nrates = 2, .max_seconds = 600, .truncate = 0, .timeout_s = 60};
    if (rc == AI_OK)
        rc = audio_decode(buf, len, fmt, opts ? opts : &def, d, err);
    free(buf);
    return rc;
}

#endif
