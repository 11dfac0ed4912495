/*
 * fp.h — landmark fingerprints of 16 kHz mono PCM.  Pure functions, no I/O.
 *
 * Pipeline (after Wang 2003 and Ellis' audfprint):
 *   1. STFT: Hann window of FP_FFT_SIZE samples, hop FP_HOP samples
 *      (16 ms at 16 kHz), log power spectrum of the bins in [fmin, fmax).
 *   2. Peaks: points that are the maximum of their time-frequency
 *      neighbourhood and stand out from the frame's mean level; the strongest
 *      `peaks_per_second` of each one-second block are kept, so the density is
 *      controlled whatever the loudness or genre.
 *   3. Landmarks: each peak (anchor) is paired with up to `fanout` later peaks
 *      in a target zone (1..dt_max frames later, within ±df_max bins); a pair
 *      is packed into a 32-bit hash (anchor bin, bin delta, frame delta) and
 *      tagged with the anchor's frame number.
 * The same PCM gives the same hashes on every run (fixed FFT size, FFTW in
 * ESTIMATE mode, integer quantisation, stable ordering).
 *
 * Speed changes: fp_hash_peaks() can re-hash the same peaks under a speed
 * hypothesis (frequencies and times scaled), which is how a query survives a
 * clip played a few percent fast or slow.
 *
 * Thread-safety: all functions are reentrant (FFTW planning is serialised
 * internally).  Memory returned through out-parameters is malloc'd and owned
 * by the caller.
 */
#ifndef AI_FP_FP_H
#define AI_FP_FP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define FP_SAMPLE_RATE 16000
#define FP_FFT_SIZE 1024
#define FP_HOP 256
#define FP_NBINS (FP_FFT_SIZE / 2 + 1)

/* One landmark: 32-bit hash and the anchor's frame number. */
typedef struct {
    uint32_t hash;
    uint32_t t;
} fp_hash_t;

/* One spectral peak: frame number, FFT bin, log power. */
typedef struct {
    uint32_t t;
    uint16_t f;
    float v;
} fp_peak_t;

typedef struct {
    int fmin_bin, fmax_bin;  /* peak band, FFT bins (default 16..320 = 250 Hz..5 kHz) */
    int nb_freq, nb_time;    /* local-max neighbourhood half-widths (bins, frames) */
    float min_prominence;    /* dB-like log units above the frame mean */
    int peaks_per_second;    /* density target */
    int fanout;              /* targets per anchor */
    int dt_min, dt_max;      /* target zone in frames */
    int df_max;              /* target zone half-height in bins */
} fp_params_t;

/* Fills the defaults described above. */
void fp_params_default(fp_params_t *p);

/* Seconds per frame (FP_HOP / FP_SAMPLE_RATE). */
double fp_frame_seconds(void);

/* Log-power spectrogram: *frames x FP_NBINS floats, row-major, caller frees.
 * n < FP_FFT_SIZE gives 0 frames and *spec == NULL.
 * Returns AI_OK or AI_ERR_INTERNAL_ERROR (out of memory / FFTW failure). */
ai_err_t fp_spectrogram(const float *pcm, size_t n, float **spec, size_t *frames,
                        ai_error_t *err);

/* Peaks of a spectrogram, sorted by (t, f).  Caller frees *peaks. */
ai_err_t fp_find_peaks(const float *spec, size_t frames, const fp_params_t *p, fp_peak_t **peaks,
                       size_t *npeaks, ai_error_t *err);

/* Landmark hashes of peaks under a speed hypothesis `speed` (1.0 = as
 * recorded; 1.03 = the peaks come from audio played 3 % fast, so they are
 * mapped back by dividing frequencies and multiplying times by 1.03).
 * Caller frees *hashes (NULL when there are none). */
ai_err_t fp_hash_peaks(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p, double speed,
                       fp_hash_t **hashes, size_t *nhashes, ai_error_t *err);

/* The whole pipeline at speed 1.0: PCM -> hashes (caller frees).  Optionally
 * returns the peak count. */
ai_err_t fp_extract(const float *pcm16k, size_t n, const fp_params_t *p, fp_hash_t **hashes,
                    size_t *nhashes, size_t *npeaks, ai_error_t *err);

/* Hash packing: anchor bin (10 bits), signed bin delta (8 bits), frame delta
 * (7 bits).  fp_hash_unpack inverts fp_hash_pack for in-range values. */
uint32_t fp_hash_pack(int f1, int df, int dt);
void fp_hash_unpack(uint32_t h, int *f1, int *df, int *dt);

#endif
