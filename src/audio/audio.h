/*
 * audio.h — recognise an uploaded audio file and decode it to mono float PCM.
 *
 * Two steps, both working on a caller-owned memory buffer (nothing touches the
 * file system or the network):
 *
 *   audio_format_t fmt;
 *   if (audio_sniff(data, len, &fmt, &err) != AI_OK) ...        (libmagic)
 *   audio_decode_opts_t o = {.rates = {16000, 48000}, .nrates = 2,
 *                            .max_seconds = 30, .truncate = 1, .timeout_s = 5};
 *   audio_decoded_t d = {0};
 *   if (audio_decode(data, len, fmt, &o, &d, &err) != AI_OK) ...  (FFmpeg)
 *   ... d.pcm[0].samples (16 kHz), d.pcm[1].samples (48 kHz), d.info ...
 *   audio_decoded_release(&d);
 *
 * Accepted formats: WebM (Opus/Vorbis, including browser MediaRecorder output
 * without a duration in the header), OGG (Opus/Vorbis/FLAC), MP3 (with or
 * without ID3), MP4/M4A (AAC etc.; an MP4 without an audio stream is
 * rejected at decode), WAV (PCM 8/16/24/32, float), FLAC.
 *
 * Safety: the demuxer is restricted to the one(s) matching the sniffed format,
 * no I/O protocol can be opened (playlists/references are inert), probing is
 * bounded, output buffers grow only as samples actually arrive and never past
 * max_seconds * rate, and a wall-clock deadline interrupts a slow decode.
 *
 * Thread-safety: all functions are reentrant and may be called from many
 * threads at once (each call uses its own libmagic cookie and FFmpeg
 * contexts).  FFmpeg's own logging is silenced once per process.
 */
#ifndef AI_AUDIO_AUDIO_H
#define AI_AUDIO_AUDIO_H

#include <stddef.h>

#include "base/error.h"

typedef enum {
    AUDIO_FMT_UNKNOWN = 0,
    AUDIO_FMT_WEBM,
    AUDIO_FMT_OGG,
    AUDIO_FMT_MP3,
    AUDIO_FMT_MP4,
    AUDIO_FMT_WAV,
    AUDIO_FMT_FLAC
} audio_format_t;

/* "webm","ogg","mp3","mp4","wav","flac" ("unknown" for anything else). Static storage. */
const char *audio_format_name(audio_format_t f);
/* MIME type for an HTTP Content-Type ("audio/webm", "audio/ogg", "audio/mpeg",
 * "audio/mp4", "audio/wav", "audio/flac"; "application/octet-stream" otherwise). */
const char *audio_format_mime(audio_format_t f);
/* File extension without the dot for stored originals ("webm","ogg","mp3","m4a",
 * "wav","flac"; "bin" otherwise). */
const char *audio_format_ext(audio_format_t f);
/* Parses a format name as returned by audio_format_name; AUDIO_FMT_UNKNOWN if unknown. */
audio_format_t audio_format_from_name(const char *name);

/* Identifies the container from the first bytes of data (libmagic, plus an
 * MPEG audio frame-sync check for MP3 without ID3 that libmagic misses).
 * On success *fmt is set.  An MP4 is accepted here even when it may contain
 * only video; audio_decode rejects it then.
 * Returns AI_OK, AI_ERR_UNSUPPORTED_FORMAT (message names what was detected,
 * e.g. "image/png"; also for an empty buffer), AI_ERR_VALIDATION_ERROR (NULL
 * pointer), AI_ERR_INTERNAL_ERROR (libmagic unavailable). */
ai_err_t audio_sniff(const void *data, size_t len, audio_format_t *fmt, ai_error_t *err);

typedef struct {
    int sample_rate, channels;  /* of the source stream */
    long long bitrate;          /* bits/s, 0 if unknown */
    char codec[32], format[16]; /* "opus", "mp3"...; format = audio_format_name */
    double duration_s;          /* seconds: the decoded length after a full decode (exact even when
                                   the header lies or lacks it, e.g. MediaRecorder WebM, VBR MP3);
                                   after a truncated decode the container's duration if known */
    char title[256], artist[256], album[256]; /* "" when absent; UTF-8, truncated */
} audio_info_t;

#define AUDIO_MAX_OUTPUTS 2
#define AUDIO_MIN_RATE    1000
#define AUDIO_MAX_RATE    192000

typedef struct {
    int rates[AUDIO_MAX_OUTPUTS]; /* output rates in Hz, e.g. {16000, 48000} */
    size_t nrates;                /* 1..AUDIO_MAX_OUTPUTS */
    double max_seconds;           /* cap on decoded seconds (> 0) */
    int truncate;                 /* 1: stop at max_seconds and set truncated (search clips);
                                     0: more than max_seconds of audio is AI_ERR_AUDIO_TOO_LONG */
    double timeout_s;             /* wall-clock deadline for the whole decode (0 = none) */
} audio_decode_opts_t;

/* Mono float samples in [-1, 1] at `rate`; samples is heap memory owned by
 * the audio_decoded_t (NULL when n == 0). */
typedef struct {
    float *samples;
    size_t n;
    int rate;
} audio_pcm_t;

typedef struct {
    audio_info_t info;
    audio_pcm_t pcm[AUDIO_MAX_OUTPUTS]; /* pcm[i] is at opts->rates[i] */
    double decoded_s;                   /* seconds of audio decoded (after any truncation) */
    int truncated;                      /* 1 when decoding stopped at max_seconds */
} audio_decoded_t;

/* Decodes data (a whole file in memory, container fmt as found by
 * audio_sniff) to mono float PCM at each of o->rates in one pass, and fills
 * out->info.  *out must not hold buffers (zero it or release it first); on
 * failure *out is left zeroed.  Corrupt or cut-off input decodes as far as
 * it can; it is an error only when no sample at all could be decoded.
 * Returns AI_OK,
 *   AI_ERR_UNSUPPORTED_FORMAT  not decodable as fmt, no audio stream (e.g. a
 *                              video-only MP4), unknown codec, or zero samples in
 *                              some output (e.g. a few ms, lost in resampling),
 *   AI_ERR_AUDIO_TOO_LONG      more than o->max_seconds and o->truncate == 0,
 *   AI_ERR_SEARCH_TIMEOUT      the wall-clock deadline o->timeout_s passed,
 *   AI_ERR_VALIDATION_ERROR    bad options (rate outside AUDIO_MIN_RATE..
 *                              AUDIO_MAX_RATE, nrates, max_seconds <= 0),
 *   AI_ERR_INTERNAL_ERROR      out of memory or an FFmpeg setup failure. */
ai_err_t audio_decode(const void *data, size_t len, audio_format_t fmt,
                      const audio_decode_opts_t *o, audio_decoded_t *out, ai_error_t *err);

/* Frees the PCM buffers and zeroes *d.  Accepts NULL and zeroed structs. */
void audio_decoded_release(audio_decoded_t *d);

#endif
