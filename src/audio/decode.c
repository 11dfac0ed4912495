#include "audio/audio.h"

#include <stdlib.h>
#include <string.h>

ai_err_t audio_decode(const void *data, size_t len, audio_format_t fmt,
                      const audio_decode_opts_t *o, audio_decoded_t *out, ai_error_t *err)
{
    (void)data;
    (void)len;
    (void)fmt;
    (void)o;
    (void)out;
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "audio_decode: not yet implemented");
}

void audio_decoded_release(audio_decoded_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < AUDIO_MAX_OUTPUTS; i++)
        free(d->pcm[i].samples);
    memset(d, 0, sizeof *d);
}
