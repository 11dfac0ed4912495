/* STFT of 16 kHz mono PCM into a log-power spectrogram (FFTW, single precision). */
#include "fp/fp.h"
#include "base/planlock.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner is not thread-safe; executing a plan is.
 * FFTW_ESTIMATE picks the plan without timing measurements, and
 * FFTW_NO_SIMD keeps it from choosing SSE/AVX/AVX-512 codelets by what the
 * CPU offers: those round differently in the last bits, so the same PCM
 * would give slightly different spectra (and rarely different peaks) on
 * different machines.  The scalar transform costs ~0.3 ms per second of
 * audio, far inside the ingest budget. */

double fp_frame_seconds(void)
{
    return (double)FP_HOP / FP_SAMPLE_RATE;
}

ai_err_t fp_spectrogram(const float *pcm, size_t n, float **spec, size_t *frames, ai_error_t *err)
{
    *spec = NULL;
    *frames = 0;
    if (n < FP_FFT_SIZE)
        return AI_OK;
    size_t nf = (n - FP_FFT_SIZE) / FP_HOP + 1;
    if (nf > SIZE_MAX / FP_NBINS / sizeof(float))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "spectrogram too large");
    float *out = malloc(nf * FP_NBINS * sizeof *out);
    float *in = fftwf_malloc(FP_FFT_SIZE * sizeof *in);
    fftwf_complex *X = fftwf_malloc(FP_NBINS * sizeof *X);
    float window[FP_FFT_SIZE];
    fftwf_plan plan = NULL;
    if (out && in && X) {
        plan_lock();
        plan = fftwf_plan_dft_r2c_1d(FP_FFT_SIZE, in, X, FFTW_ESTIMATE | FFTW_NO_SIMD);
        plan_unlock();
    }
    if (!plan) {
        free(out);
        fftwf_free(in);
        fftwf_free(X);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot set up the FFT");
    }
    for (int i = 0; i < FP_FFT_SIZE; i++)
        window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / FP_FFT_SIZE));
    for (size_t t = 0; t < nf; t++) {
        const float *x = pcm + t * FP_HOP;
        for (int i = 0; i < FP_FFT_SIZE; i++)
            in[i] = x[i] * window[i];
        fftwf_execute(plan);
        float *row = out + t * FP_NBINS;
        for (int k = 0; k < FP_NBINS; k++) {
            float p = X[k][0] * X[k][0] + X[k][1] * X[k][1];
            row[k] = logf(p + 1e-10f);
        }
    }
    plan_lock();
    fftwf_destroy_plan(plan);
    plan_unlock();
    fftwf_free(in);
    fftwf_free(X);
    *spec = out;
    *frames = nf;
    return AI_OK;
}
