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
 *   3. Triplets: each peak (anchor) with two of its first `fanout` targets (the
 *      next peaks dt_min..dt_max frames later within ±FP_TRI_MAX_SEMIS
 *      semitones).  The hash is built from quantities that a change of speed,
 *      tempo or pitch leaves alone — the ratio of the two time gaps and the
 *      two log-frequency differences — plus two coarse classes (anchor
 *      log-frequency, time span) that such a change moves by at most one
 *      class; the query looks up the neighbouring classes (fp_query_hashes).
 *      Each hash carries the anchor's frame, the span in quarter frames and
 *      the anchor's log-frequency in quarter semitones, from which the matcher
 *      estimates the time and frequency scale.  docs/exact-lane.md.
 * The same PCM gives the same hashes on every run (fixed FFT size, FFTW in
 * ESTIMATE mode, deterministic quantisation, stable ordering).
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

/* One triplet hash: FP_HASH_BITS-bit hash, the anchor's frame number, the
 * anchor-to-last-peak span in quarter frames (FP_SPAN_UNIT) and the anchor's
 * log-frequency in quarter semitones above FP_LF_BASE_BIN (FP_LF_UNIT). */
typedef struct {
    uint32_t hash;
    uint32_t t;
    uint8_t span;
    uint8_t lf;
} fp_hash_t;

#define FP_HASH_BITS 23
#define FP_SPAN_UNIT 4.0  /* span steps per frame */
#define FP_LF_UNIT   4.0  /* lf steps per semitone */
#define FP_LF_BASE_BIN 16 /* lf 0 = FFT bin 16 = 250 Hz */
#define FP_TRI_MAX_SEMIS 12.0 /* targets within an octave of the anchor */

/* One spectral peak: frame number, FFT bin, log power, and the peak's
 * position refined between frames and bins (parabolic interpolation of the
 * log spectrum: tq within t±0.5, fq within f±0.5). */
typedef struct {
    uint32_t t;
    uint16_t f;
    float v;
    float tq, fq;
} fp_peak_t;

typedef struct {
    int fmin_bin, fmax_bin;  /* peak band, FFT bins (default 16..320 = 250 Hz..5 kHz) */
    int nb_freq, nb_time;    /* local-max neighbourhood half-widths (bins, frames) */
    float min_prominence;    /* dB-like log units above the frame mean */
    int peaks_per_second;    /* density target */
    int fanout;              /* targets per anchor (index side) */
    int query_fanout;        /* targets per anchor on the query side (>= fanout:
                              * finds the index's triplets despite a spurious peak) */
    int dt_min, dt_max;      /* target zone in frames (dt_max <= 63) */
    int span_min;            /* shortest anchor-to-last-peak span, frames */
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

/* Triplet hashes of peaks as stored in the index (`fanout` targets).  `speed`
 * maps the peaks back first (1.0 = as recorded; 1.03 = the peaks come from
 * audio played 3 % fast: frequencies divided and times multiplied by 1.03);
 * the hash values themselves do not change with it, only t/span/lf.
 * Caller frees *hashes (NULL when there are none). */
ai_err_t fp_hash_peaks(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p, double speed,
                       fp_hash_t **hashes, size_t *nhashes, ai_error_t *err);

/* The query side: triplets of `query_fanout` targets, each emitted under
 * every hash value the stored triplet may have — the neighbouring
 * quantisation cells of values that lie near a cell edge (measurement
 * jitter), and the neighbouring anchor-frequency and span classes reachable
 * by a time or frequency scale change up to `scale_tol` (0.12 = ±12 %; 0 =
 * jitter only).  At most FP_MAX_VARIANTS hashes per triplet. */
#define FP_MAX_VARIANTS 72
ai_err_t fp_query_hashes(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p,
                         double scale_tol, fp_hash_t **hashes, size_t *nhashes, ai_error_t *err);

/* The whole pipeline at speed 1.0: PCM -> hashes (caller frees).  Optionally
 * returns the peak count. */
ai_err_t fp_extract(const float *pcm16k, size_t n, const fp_params_t *p, fp_hash_t **hashes,
                    size_t *nhashes, size_t *npeaks, ai_error_t *err);

/* Hash packing of the quantised cells: anchor class (4 bits, 0..12), span
 * class (3 bits), time-ratio cell (4 bits), two log-frequency difference
 * cells (6 bits each, 0..47).  fp_hash_unpack inverts fp_hash_pack. */
uint32_t fp_hash_pack(int lclass, int sclass, int rho, int d2, int d3);
void fp_hash_unpack(uint32_t h, int *lclass, int *sclass, int *rho, int *d2, int *d3);

/* Log-frequency of a fractional FFT bin, in semitones above FP_LF_BASE_BIN. */
double fp_semitones(double bin);

#endif
