#include "audio/audio.h"

#include <string.h>

static const struct {
    audio_format_t fmt;
    const char *name, *mime, *ext;
} formats[] = {
    {AUDIO_FMT_WEBM, "webm", "audio/webm", "webm"}, {AUDIO_FMT_OGG, "ogg", "audio/ogg", "ogg"},
    {AUDIO_FMT_MP3, "mp3", "audio/mpeg", "mp3"},    {AUDIO_FMT_MP4, "mp4", "audio/mp4", "m4a"},
    {AUDIO_FMT_WAV, "wav", "audio/wav", "wav"},     {AUDIO_FMT_FLAC, "flac", "audio/flac", "flac"},
};

static int format_index(audio_format_t f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].fmt == f)
            return (int)i;
    return -1;
}

const char *audio_format_name(audio_format_t f)
{
    int i = format_index(f);
    return i < 0 ? "unknown" : formats[i].name;
}

const char *audio_format_mime(audio_format_t f)
{
    int i = format_index(f);
    return i < 0 ? "application/octet-stream" : formats[i].mime;
}

const char *audio_format_ext(audio_format_t f)
{
    int i = format_index(f);
    return i < 0 ? "bin" : formats[i].ext;
}

audio_format_t audio_format_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0)
            return formats[i].fmt;
    return AUDIO_FMT_UNKNOWN;
}
