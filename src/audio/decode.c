/*
 * decode.c — FFmpeg decoding from memory to mono float PCM (the only file of
 * audio-ident that includes FFmpeg headers).
 *
 * One pass: demux packets of the best audio stream, decode them, and feed
 * every decoded frame to one SwrContext per requested output rate.  Output
 * buffers grow with the data that actually arrives, never past the cap, so a
 * header that claims billions of samples allocates nothing extra.
 */
#include "audio/audio.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "base/clock.h"
#include "base/log.h"

#define DECODE_IO_BUFSIZE        32768
#define DECODE_PROBESIZE         "2000000" /* bytes the stream-info probe may read */
#define DECODE_ANALYZEDURATION   "3000000" /* microseconds of stream-info probing */
#define DECODE_MAX_STREAMS       "32"
#define DECODE_MAX_SECONDS_LIMIT (24.0 * 3600.0)
#define DECODE_MAX_IN_RATE       1000000 /* a frame claiming more is corrupt */
#define DECODE_MAX_DEMUX_ERRORS  64      /* damaged stretches skipped before giving up */

/* ---------------------------------------------------------------- logging */

__attribute__((format(printf, 3, 0))) static void ffmpeg_log_cb(void *avcl, int level,
                                                                const char *fmt, va_list vl)
{
    (void)avcl;
    if (level > AV_LOG_ERROR)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, vl);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_debug("ffmpeg: %s", line);
}

static pthread_once_t ffmpeg_log_once = PTHREAD_ONCE_INIT;

/* Largest single allocation FFmpeg may make.  A crafted header can ask for
 * up to 2 GB (FFmpeg's default) per request, which on a server is a denial
 * of service; real audio within our caps needs far less. */
#define DECODE_MAX_ALLOC (128u * 1024 * 1024)

/* av_log settings and the allocation cap are process-wide: set them once.
 * FFmpeg's messages about bad input are expected for uploads, so they go to
 * our log at debug level. */
static void ffmpeg_log_setup(void)
{
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(ffmpeg_log_cb);
    av_max_alloc(DECODE_MAX_ALLOC);
}

/* ---------------------------------------------------------------- memory I/O */

typedef struct {
    const uint8_t *data;
    size_t len, pos;
} mem_reader_t;

static int mem_read(void *opaque, uint8_t *buf, int size)
{
    mem_reader_t *r = opaque;
    if (size <= 0)
        return 0;
    if (r->pos >= r->len)
        return AVERROR_EOF;
    size_t n = r->len - r->pos;
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (int)n;
}

static int64_t mem_seek(void *opaque, int64_t offset, int whence)
{
    mem_reader_t *r = opaque;
    int64_t base;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        return (int64_t)r->len;
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)r->pos;
        break;
    case SEEK_END:
        base = (int64_t)r->len;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if ((offset > 0 && base > INT64_MAX - offset))
        return AVERROR(EINVAL);
    int64_t target = base + offset;
    if (target < 0 || (uint64_t)target > r->len)
        return AVERROR(EINVAL);
    r->pos = (size_t)target;
    return target;
}

/* Playlists, references and the like must never open anything. */
static int deny_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                        AVDictionary **options)
{
    (void)s, (void)pb, (void)url, (void)flags, (void)options;
    return AVERROR(EPERM);
}

static int deadline_interrupt(void *opaque)
{
    return deadline_passed(*(const deadline_t *)opaque);
}

/* ---------------------------------------------------------------- output */

typedef struct {
    SwrContext *swr;
    int rate;
    float *buf;
    size_t n, alloc, cap; /* cap: hard limit of samples */
} output_t;

typedef struct {
    const audio_decode_opts_t *o;
    deadline_t deadline;
    output_t out[AUDIO_MAX_OUTPUTS];
    size_t nout;
    /* input parameters the SwrContexts are configured for */
    int in_fmt, in_rate;
    AVChannelLayout in_layout;
    double decoded_s;
    int truncated, too_long;
} decoder_t;

static const struct {
    audio_format_t fmt;
    const char *demuxer; /* av_find_input_format name and format_whitelist */
} demuxers[] = {
    {AUDIO_FMT_WEBM, "matroska,webm"},          {AUDIO_FMT_OGG, "ogg"}, {AUDIO_FMT_MP3, "mp3"},
    {AUDIO_FMT_MP4, "mov,mp4,m4a,3gp,3g2,mj2"}, {AUDIO_FMT_WAV, "wav"}, {AUDIO_FMT_FLAC, "flac"},
};

/* Makes room for `need` more samples in o (amortised doubling, never past
 * o->cap).  Returns the number of samples that fit, or -1 on OOM. */
static long long output_reserve(output_t *o, size_t need)
{
    size_t want = o->n + need;
    if (want > o->cap)
        want = o->cap;
    if (want > o->alloc) {
        size_t a = o->alloc ? o->alloc : (size_t)o->rate;
        while (a < want)
            a = a > o->cap / 2 ? o->cap : a * 2;
        if (a > o->cap)
            a = o->cap;
        float *nb = realloc(o->buf, a * sizeof *nb);
        if (!nb)
            return -1;
        o->buf = nb;
        o->alloc = a;
    }
    return (long long)(want - o->n);
}

/* Converts nb input samples (or drains when in == NULL) into o. */
static int output_convert(output_t *o, const uint8_t **in, int nb)
{
    for (;;) {
        int est = swr_get_out_samples(o->swr, nb);
        if (est < 0)
            return est;
        long long room = output_reserve(o, (size_t)est + 16);
        if (room < 0)
            return AVERROR(ENOMEM);
        if (room == 0)
            return 0; /* at the hard cap: the rest is dropped */
        uint8_t *dst = (uint8_t *)(o->buf + o->n);
        int got = swr_convert(o->swr, &dst, room > INT_MAX ? INT_MAX : (int)room, in, nb);
        if (got < 0)
            return got;
        for (int i = 0; i < got; i++) {
            float *s = &o->buf[o->n + (size_t)i];
            if (!(*s >= -1.0f))
                *s = *s < 0 ? -1.0f : 0.0f; /* -inf -> -1, NaN -> 0 */
            else if (*s > 1.0f)
                *s = 1.0f;
        }
        o->n += (size_t)got;
        /* Fed input is buffered inside swr; loop only while draining. */
        if (in || got == 0)
            return 0;
    }
}

static void decoder_drain(decoder_t *d)
{
    for (size_t i = 0; i < d->nout; i++)
        if (d->out[i].swr)
            (void)output_convert(&d->out[i], NULL, 0);
}

/* (Re)configures the resamplers for frame's input parameters. */
static int decoder_configure(decoder_t *d, const AVFrame *f)
{
    AVChannelLayout in = {0};
    int rc;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || !av_channel_layout_check(&f->ch_layout))
        av_channel_layout_default(&in, f->ch_layout.nb_channels);
    else if ((rc = av_channel_layout_copy(&in, &f->ch_layout)) < 0)
        return rc;
    if (d->out[0].swr && d->in_fmt == f->format && d->in_rate == f->sample_rate &&
        av_channel_layout_compare(&d->in_layout, &in) == 0) {
        av_channel_layout_uninit(&in);
        return 0;
    }
    decoder_drain(d);
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    for (size_t i = 0; i < d->nout; i++) {
        swr_free(&d->out[i].swr);
        rc = swr_alloc_set_opts2(&d->out[i].swr, &mono, AV_SAMPLE_FMT_FLT, d->out[i].rate, &in,
                                 f->format, f->sample_rate, 0, NULL);
        if (rc >= 0) /* downmix with coefficients summing to 1: stays in [-1, 1] */
            rc = av_opt_set_double(d->out[i].swr, "rematrix_maxval", 1.0, 0);
        if (rc >= 0)
            rc = swr_init(d->out[i].swr);
        if (rc < 0) {
            /* all or none: the next frame starts from scratch */
            for (size_t k = 0; k < d->nout; k++)
                swr_free(&d->out[k].swr);
            av_channel_layout_uninit(&in);
            return rc;
        }
    }
    av_channel_layout_uninit(&d->in_layout);
    d->in_layout = in;
    d->in_fmt = f->format;
    d->in_rate = f->sample_rate;
    return 0;
}

/* Feeds one decoded frame, honouring the cap.  Returns <0 on error, 1 when
 * decoding should stop (cap reached), 0 to continue. */
static int decoder_feed(decoder_t *d, const AVFrame *f)
{
    if (f->nb_samples <= 0)
        return 0;
    if (f->sample_rate <= 0 || f->sample_rate > DECODE_MAX_IN_RATE ||
        f->ch_layout.nb_channels <= 0 || f->ch_layout.nb_channels > 64)
        return AVERROR_INVALIDDATA;
    int rc = decoder_configure(d, f);
    if (rc < 0)
        return rc;
    int take = f->nb_samples;
    double remaining = d->o->max_seconds - d->decoded_s;
    double frame_s = (double)take / f->sample_rate;
    int stop = 0;
    if (frame_s > remaining + 0.5 / f->sample_rate) {
        if (!d->o->truncate) {
            d->too_long = 1;
            return 1;
        }
        double t = floor(remaining * f->sample_rate + 0.5);
        take = t <= 0 ? 0 : t >= take ? take : (int)t;
        d->truncated = 1;
        stop = 1;
    }
    if (take > 0) {
        for (size_t i = 0; i < d->nout; i++)
            if ((rc = output_convert(&d->out[i], (const uint8_t **)f->extended_data, take)) < 0)
                return rc;
        d->decoded_s += (double)take / f->sample_rate;
    }
    return stop;
}

/* Receives every available frame from the decoder.  Damaged input is
 * skipped, as the ffmpeg tool does: a decoder error ends this batch, a frame
 * the resampler refuses is dropped.  Returns <0 only on out-of-memory or the
 * deadline, 1 when decoding should stop (cap reached), 0 to continue. */
static int decoder_receive(decoder_t *d, AVCodecContext *cc, AVFrame *frame)
{
    for (;;) {
        int rc = avcodec_receive_frame(cc, frame);
        if (rc == AVERROR(ENOMEM))
            return rc;
        if (rc < 0) /* EAGAIN, EOF, or a damaged packet */
            return 0;
        rc = decoder_feed(d, frame);
        av_frame_unref(frame);
        if (rc == AVERROR(ENOMEM) || rc > 0)
            return rc;
        if (deadline_passed(d->deadline))
            return AVERROR_EXIT;
    }
}

/* ---------------------------------------------------------------- info */

static void copy_tag(char *dst, size_t n, const AVFormatContext *fc, const AVStream *st,
                     const char *key, const char *fallback)
{
    const AVDictionaryEntry *e = av_dict_get(fc->metadata, key, NULL, 0);
    if (!e || !e->value[0])
        e = av_dict_get(st->metadata, key, NULL, 0);
    if ((!e || !e->value[0]) && fallback) {
        e = av_dict_get(fc->metadata, fallback, NULL, 0);
        if (!e || !e->value[0])
            e = av_dict_get(st->metadata, fallback, NULL, 0);
    }
    snprintf(dst, n, "%s", e && e->value ? e->value : "");
}

static void fill_info(audio_info_t *info, audio_format_t fmt, const AVFormatContext *fc,
                      const AVStream *st)
{
    const AVCodecParameters *cp = st->codecpar;
    info->sample_rate = cp->sample_rate;
    info->channels = cp->ch_layout.nb_channels;
    info->bitrate = cp->bit_rate > 0 ? cp->bit_rate : fc->bit_rate > 0 ? fc->bit_rate : 0;
    snprintf(info->codec, sizeof info->codec, "%s", avcodec_get_name(cp->codec_id));
    snprintf(info->format, sizeof info->format, "%s", audio_format_name(fmt));
    info->duration_s = 0;
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE && st->time_base.den > 0)
        info->duration_s = (double)st->duration * av_q2d(st->time_base);
    else if (fc->duration > 0 && fc->duration != AV_NOPTS_VALUE)
        info->duration_s = (double)fc->duration / AV_TIME_BASE;
    copy_tag(info->title, sizeof info->title, fc, st, "title", NULL);
    copy_tag(info->artist, sizeof info->artist, fc, st, "artist", "album_artist");
    copy_tag(info->album, sizeof info->album, fc, st, "album", NULL);
}

/* ---------------------------------------------------------------- decode */

static ai_err_t check_opts(const audio_decode_opts_t *o, ai_error_t *err)
{
    if (!o || o->nrates < 1 || o->nrates > AUDIO_MAX_OUTPUTS)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "audio_decode: 1..%d output rates",
                            AUDIO_MAX_OUTPUTS);
    for (size_t i = 0; i < o->nrates; i++)
        if (o->rates[i] < AUDIO_MIN_RATE || o->rates[i] > AUDIO_MAX_RATE)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "audio_decode: output rate %d outside %d..%d", o->rates[i],
                                AUDIO_MIN_RATE, AUDIO_MAX_RATE);
    if (!(o->max_seconds > 0 && o->max_seconds <= DECODE_MAX_SECONDS_LIMIT))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "audio_decode: max_seconds must be in (0, %.0f]",
                            DECODE_MAX_SECONDS_LIMIT);
    if (!(o->timeout_s >= 0))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "audio_decode: negative timeout");
    return AI_OK;
}

static ai_err_t av_fail(ai_error_t *err, const decoder_t *d, int rc, const char *what)
{
    if (deadline_passed(d->deadline) || rc == AVERROR_EXIT)
        return ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "Decoding took longer than %.3g s",
                            d->o->timeout_s);
    if (rc == AVERROR(ENOMEM))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "Out of memory while decoding");
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(rc, msg, sizeof msg);
    return ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "Cannot decode the audio (%s: %s)", what,
                        msg);
}

static int open_input(AVFormatContext **fcp, AVIOContext *pb, audio_format_t fmt,
                      deadline_t *deadline)
{
    const char *name = NULL;
    for (size_t i = 0; i < sizeof demuxers / sizeof demuxers[0]; i++)
        if (demuxers[i].fmt == fmt)
            name = demuxers[i].demuxer;
    const AVInputFormat *ifmt = name ? av_find_input_format(name) : NULL;
    if (!ifmt)
        return AVERROR_DEMUXER_NOT_FOUND;
    AVFormatContext *fc = avformat_alloc_context();
    if (!fc)
        return AVERROR(ENOMEM);
    fc->pb = pb;
    fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    fc->io_open = deny_io_open;
    fc->interrupt_callback.callback = deadline_interrupt;
    fc->interrupt_callback.opaque = deadline;
    AVDictionary *opts = NULL;
    int rc = av_dict_set(&opts, "format_whitelist", name, 0);
    if (rc >= 0)
        rc = av_dict_set(&opts, "protocol_whitelist", "none", 0);
    if (rc >= 0)
        rc = av_dict_set(&opts, "probesize", DECODE_PROBESIZE, 0);
    if (rc >= 0)
        rc = av_dict_set(&opts, "analyzeduration", DECODE_ANALYZEDURATION, 0);
    if (rc >= 0)
        rc = av_dict_set(&opts, "max_streams", DECODE_MAX_STREAMS, 0);
    if (rc >= 0)
        rc = avformat_open_input(&fc, NULL, ifmt, &opts); /* frees fc on failure */
    else
        avformat_free_context(fc);
    av_dict_free(&opts);
    if (rc >= 0)
        *fcp = fc;
    return rc;
}

static ai_err_t open_decoder(AVFormatContext *fc, int *stream, AVCodecContext **ccp,
                             const decoder_t *d, ai_error_t *err)
{
    const AVCodec *codec = NULL;
    int idx = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (idx == AVERROR_STREAM_NOT_FOUND)
        return ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "The file contains no audio stream");
    if (idx == AVERROR_DECODER_NOT_FOUND || (idx >= 0 && !codec))
        return ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "The audio codec (%s) is not supported",
                            idx >= 0 ? avcodec_get_name(fc->streams[idx]->codecpar->codec_id)
                                     : "unknown");
    if (idx < 0)
        return av_fail(err, d, idx, "finding the audio stream");
    AVCodecContext *cc = avcodec_alloc_context3(codec);
    if (!cc)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "Out of memory while decoding");
    int rc = avcodec_parameters_to_context(cc, fc->streams[idx]->codecpar);
    if (rc >= 0) {
        cc->pkt_timebase = fc->streams[idx]->time_base;
        cc->thread_count = 1; /* callers parallelise across files */
        rc = avcodec_open2(cc, codec, NULL);
    }
    if (rc < 0) {
        avcodec_free_context(&cc);
        return av_fail(err, d, rc, "opening the decoder");
    }
    for (unsigned i = 0; i < fc->nb_streams; i++)
        fc->streams[i]->discard = (int)i == idx ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    *stream = idx;
    *ccp = cc;
    return AI_OK;
}

/* The demux/decode loop.  Returns 0, or <0 (AVERROR) on a fatal error. */
static int decode_loop(decoder_t *d, AVFormatContext *fc, AVCodecContext *cc, int stream)
{
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int rc = pkt && frame ? 0 : AVERROR(ENOMEM);
    int stop = 0, demux_errors = 0;
    while (rc >= 0 && !stop) {
        if (deadline_passed(d->deadline)) {
            rc = AVERROR_EXIT;
            break;
        }
        int r = av_read_frame(fc, pkt);
        if (r < 0) {
            /* A damaged stretch: demuxers resynchronise on the next call. */
            if (r == AVERROR_INVALIDDATA && !avio_feof(fc->pb) &&
                ++demux_errors <= DECODE_MAX_DEMUX_ERRORS)
                continue;
            /* EOF, or a truncated/corrupt container: keep what was decoded. */
            if (r == AVERROR_EXIT || r == AVERROR(ENOMEM))
                rc = r;
            break;
        }
        if (pkt->stream_index == stream) {
            r = avcodec_send_packet(cc, pkt);
            if (r == AVERROR(ENOMEM))
                rc = r; /* other errors: a damaged packet, skipped */
        }
        av_packet_unref(pkt);
        if (rc >= 0 && !stop) {
            r = decoder_receive(d, cc, frame);
            if (r < 0)
                rc = r;
            stop = r > 0;
        }
    }
    if (rc >= 0 && !stop && avcodec_send_packet(cc, NULL) >= 0) {
        int r = decoder_receive(d, cc, frame);
        if (r < 0)
            rc = r;
    }
    av_packet_free(&pkt);
    av_frame_free(&frame);
    return rc;
}

ai_err_t audio_decode(const void *data, size_t len, audio_format_t fmt,
                      const audio_decode_opts_t *o, audio_decoded_t *out, ai_error_t *err)
{
    if (!out || (!data && len))
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "audio_decode: NULL argument");
    ai_err_t rc = check_opts(o, err);
    if (rc != AI_OK)
        return rc;
    memset(out, 0, sizeof *out);
    if (len == 0)
        return ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT, "The file is empty");
    pthread_once(&ffmpeg_log_once, ffmpeg_log_setup);

    decoder_t d = {.o = o, .deadline = deadline_in(o->timeout_s), .nout = o->nrates};
    for (size_t i = 0; i < d.nout; i++) {
        d.out[i].rate = o->rates[i];
        d.out[i].cap = (size_t)ceil(o->max_seconds * o->rates[i]) + (size_t)o->rates[i];
    }
    mem_reader_t reader = {.data = data, .len = len};
    AVFormatContext *fc = NULL;
    AVCodecContext *cc = NULL;
    AVIOContext *pb = NULL;
    int stream = -1;
    uint8_t *iobuf = av_malloc(DECODE_IO_BUFSIZE);
    if (iobuf)
        pb = avio_alloc_context(iobuf, DECODE_IO_BUFSIZE, 0, &reader, mem_read, NULL, mem_seek);
    if (!pb) {
        av_free(iobuf);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "Out of memory while decoding");
    }
    int r = open_input(&fc, pb, fmt, &d.deadline);
    if (r < 0) {
        rc = av_fail(err, &d, r, audio_format_name(fmt));
        goto cleanup;
    }
    r = avformat_find_stream_info(fc, NULL);
    if (r < 0 && deadline_passed(d.deadline)) {
        rc = av_fail(err, &d, r, "reading stream info");
        goto cleanup;
    }
    if ((rc = open_decoder(fc, &stream, &cc, &d, err)) != AI_OK)
        goto cleanup;
    fill_info(&out->info, fmt, fc, fc->streams[stream]);

    r = decode_loop(&d, fc, cc, stream);
    if (r < 0) {
        rc = av_fail(err, &d, r, "decoding");
        goto cleanup;
    }
    if (d.too_long) {
        rc = ai_error_set(err, AI_ERR_AUDIO_TOO_LONG,
                          "The audio is longer than the limit of %.0f seconds", o->max_seconds);
        goto cleanup;
    }
    decoder_drain(&d);
    size_t min_n = SIZE_MAX;
    for (size_t i = 0; i < d.nout; i++)
        min_n = d.out[i].n < min_n ? d.out[i].n : min_n;
    /* A few milliseconds can vanish in a resampler's filter delay. */
    if (min_n == 0 || d.decoded_s <= 0) {
        rc = ai_error_set(err, AI_ERR_UNSUPPORTED_FORMAT,
                          "No audio could be decoded from the %s file", audio_format_name(fmt));
        goto cleanup;
    }
    if (!out->info.sample_rate)
        out->info.sample_rate = d.in_rate;
    if (!out->info.channels)
        out->info.channels = d.in_layout.nb_channels;
    /* A full decode measures the true length (VBR MP3 estimates, lying WAV
     * headers); a truncated one only knows what the container says. */
    if (!d.truncated || out->info.duration_s <= 0)
        out->info.duration_s = d.decoded_s;
    for (size_t i = 0; i < d.nout; i++) {
        out->pcm[i].samples = d.out[i].buf;
        out->pcm[i].n = d.out[i].n;
        out->pcm[i].rate = d.out[i].rate;
        d.out[i].buf = NULL;
    }
    out->decoded_s = d.decoded_s;
    out->truncated = d.truncated;

cleanup:
    for (size_t i = 0; i < d.nout; i++) {
        swr_free(&d.out[i].swr);
        free(d.out[i].buf);
    }
    av_channel_layout_uninit(&d.in_layout);
    avcodec_free_context(&cc);
    avformat_close_input(&fc);
    if (pb)
        av_freep(&pb->buffer);
    avio_context_free(&pb);
    if (rc != AI_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

void audio_decoded_release(audio_decoded_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < AUDIO_MAX_OUTPUTS; i++)
        free(d->pcm[i].samples);
    memset(d, 0, sizeof *d);
}
