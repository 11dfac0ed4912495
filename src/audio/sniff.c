#include "audio/audio.h"

ai_err_t audio_sniff(const void *data, size_t len, audio_format_t *fmt, ai_error_t *err)
{
    (void)data;
    (void)len;
    (void)fmt;
    return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "audio_sniff: not yet implemented");
}
