/* libFuzzer harness: sniff + decode must never crash, hang, leak or return
 * out-of-range samples on any input.  When sniff rejects the input it is
 * still decoded as one of the formats (picked by its size), so every demuxer
 * also sees arbitrary bytes. */
#include "audio/audio.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    audio_format_t fmt = AUDIO_FMT_UNKNOWN;
    if (audio_sniff(data, size, &fmt, NULL) != AI_OK)
        fmt = (audio_format_t)(AUDIO_FMT_WEBM + size % 6);
    audio_decode_opts_t o = {
        .rates = {16000, 8000}, .nrates = 2, .max_seconds = 5, .truncate = 1, .timeout_s = 2};
    audio_decoded_t d = {0};
    if (audio_decode(data, size, fmt, &o, &d, NULL) == AI_OK) {
        for (size_t i = 0; i < o.nrates; i++) {
            /* caps: at most max_seconds (+1 s resampler slack) of output */
            if (d.pcm[i].rate != o.rates[i] || d.pcm[i].n == 0 ||
                d.pcm[i].n > (size_t)(6 * o.rates[i]) || d.decoded_s > o.max_seconds + 1e-6)
                __builtin_trap();
            for (size_t k = 0; k < d.pcm[i].n; k++)
                if (!(d.pcm[i].samples[k] >= -1.0f && d.pcm[i].samples[k] <= 1.0f))
                    __builtin_trap();
        }
    }
    audio_decoded_release(&d);
    return 0;
}
