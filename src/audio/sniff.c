/*
 * sniff.c — container identification with libmagic.
 *
 * A fresh magic cookie per call: libmagic cookies are not thread-safe, and
 * magic_open + magic_load costs about 2 ms (the compiled database is mapped),
 * which is small next to any decode, so no per-thread cache is kept.
 *
 * What file 5.44 reports for our formats (measured):
 *   WebM (Opus, also MediaRecorder without duration)  video/webm
 *   Ogg Opus / Vorbis                                 audio/ogg
 *   MP3 with ID3, or starting on a frame              audio/mpeg
 *   MP3 starting mid-frame (cut from a stream)        application/octet-stream
 *   M4A / MP4 with audio                              audio/x-m4a / video/mp4
 *   WAV (PCM 16/24, float)                            audio/x-wav
 *   FLAC                                              audio/flac
 * The MP3 case libmagic misses is covered by an MPEG audio frame-sync check.
 */
#include "audio/audio.h"

#include <magic.h>
#include <stdint.h>
#include <string.h>

/* libmagic sees at most this many leading bytes. */
#define SNIFF_MAGIC_BYTES (32u * 1024u)
/* The frame-sync check looks for the first frame within this many bytes. */
#define SNIFF_SYNC_SCAN_BYTES (64u * 1024u)
/* Consecutive consistent frames required to call a stream MPEG audio. */
#define SNIFF_SYNC_FRAMES 4

static const struct {
    const char *mime;
    audio_format_t fmt;
} mime_map[] = {
    {"video/webm", AUDIO_FMT_WEBM},    {"audio/webm", AUDIO_FMT_WEBM},
    {"audio/ogg", AUDIO_FMT_OGG},      {"application/ogg", AUDIO_FMT_OGG},
    {"video/ogg", AUDIO_FMT_OGG},      {"audio/x-ogg", AUDIO_FMT_OGG},
    {"audio/mpeg", AUDIO_FMT_MP3},     {"audio/x-mpeg", AUDIO_FMT_MP3},
    {"audio/mp3", AUDIO_FMT_MP3},      {"audio/x-mp3", AUDIO_FMT_MP3},
    {"audio/mpeg3", AUDIO_FMT_MP3},    {"audio/mp4", AUDIO_FMT_MP4},
    {"audio/x-m4a", AUDIO_FMT_MP4},    {"audio/m4a", AUDIO_FMT_MP4},
    {"video/mp4", AUDIO_FMT_MP4},      {"audio/x-wav", AUDIO_FMT_WAV},
    {"audio/wav", AUDIO_FMT_WAV},      {"audio/wave", AUDIO_FMT_WAV},
    {"audio/vnd.wave", AUDIO_FMT_WAV}, {"audio/flac", AUDIO_FMT_FLAC},
    {"audio/x-flac", AUDIO_FMT_FLAC},
};

/* Length in bytes of the MPEG audio frame whose 4-byte header is at h, or 0
 * when h is not a valid header.  *sig receives the fields that must stay
 * constant across frames (version, layer, sample rate). */
static size_t mpa_frame_len(const uint8_t *h, unsigned *sig)
{
    static const uint16_t kbps[2][3][15] = {
        {/* MPEG-1: layer I, II, III */
         {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
         {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
         {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}},
        {/* MPEG-2 / 2.5 */
         {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}}};
    static const uint32_t rates[3] = {44100, 48000, 32000};

    if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
        return 0;
    unsigned version = (h[1] >> 3) & 3; /* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
    unsigned layer = (h[1] >> 1) & 3;   /* 1: III, 2: II, 3: I, 0: reserved (AAC ADTS) */
    unsigned bri = h[2] >> 4, sri = (h[2] >> 2) & 3, pad = (h[2] >> 1) & 1;
    if (version == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3 || (h[3] & 3) == 2)
        return 0;
    unsigned v = version == 3 ? 0 : 1, l = 3 - layer; /* l: 0 = I, 1 = II, 2 = III */
    uint32_t rate = rates[sri] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
    uint32_t bitrate = kbps[v][l][bri] * 1000u;
    size_t len;
    if (l == 0)
        len = (12u * bitrate / rate + pad) * 4u;
    else if (l == 2 && v == 1)
        len = 72u * bitrate / rate + pad;
    else
        len = 144u * bitrate / rate + pad;
    *sig = (version << 4) | (layer << 2) | sri;
    return len >= 4 ? len : 0;
}

/* 1 when SNIFF_SYNC_FRAMES consecutive consistent MPEG audio frames start
 * somewhere in the first SNIFF_SYNC_SCAN_BYTES of data. */
static int mpa_frames_found(const uint8_t *p, size_t len)
{
    size_t scan_end = len < SNIFF_SYNC_SCAN_BYTES ? len : SNIFF_SYNC_SCAN_BYTES;
    for (size_t start = 0; start + 4 <= scan_end; start++) {
        unsigned sig0 = 0, sig = 0;
        size_t pos = start;
        int frames = 0;
        while (frames < SNIFF_SYNC_FRAMES && pos + 4 <= len) {
            size_t flen = mpa_frame_len(p + pos, &sig);
            if (!flen || (frames > 0 && sig != sig0))
                break;
            sig0 = sig;
            frames++;
            pos += flen;
        }
        if (frames == SNIFF_SYNC_FRAMES)
            return 1;
    }
    return 0;
}

ai_err_t audio_sniff(const void *data, size_t len, audio_format_t *fmt, ai_error_t *err)
{
    if (!fmt || (!data && len))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "audio_sniff: NULL argument");
    if (len == 0)
        return ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "The file is empty");

    /* Data-only checks: no decompression (zip bombs), no archive/ELF/CDF parsers. */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
                           MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_CDF);
    if (!m)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "libmagic: cannot open a cookie");
    ai_err_t rc = AI_OK;
    if (magic_load(m, NULL) != 0) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "libmagic: cannot load the database: %s",
                          magic_error(m) ? magic_error(m) : "unknown error");
        goto done;
    }
    const char *mime = magic_buffer(m, data, len < SNIFF_MAGIC_BYTES ? len : SNIFF_MAGIC_BYTES);
    if (!mime) {
        rc = ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "Could not identify the file type: %s",
                          magic_error(m) ? magic_error(m) : "unknown error");
        goto done;
    }
    for (size_t i = 0; i < sizeof mime_map / sizeof mime_map[0]; i++) {
        if (strcmp(mime, mime_map[i].mime) == 0) {
            *fmt = mime_map[i].fmt;
            goto done;
        }
    }
    if (strcmp(mime, "application/octet-stream") == 0 && mpa_frames_found(data, len)) {
        *fmt = AUDIO_FMT_MP3;
        goto done;
    }
    rc = ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT,
                      "The file is not a supported audio format (detected %s; accepted: "
                      "webm, ogg, mp3, m4a/mp4, wav, flac)",
                      mime);
done:
    magic_close(m);
    return rc;
}
