/* Landmark hashes from peak pairs. */
#include "fp/fp.h"

#include <math.h>
#include <stdlib.h>

#define F1_BITS 10
#define DF_BITS 8
#define DT_BITS 7

uint32_t fp_hash_pack(int f1, int df, int dt)
{
    uint32_t uf = (uint32_t)f1 & ((1u << F1_BITS) - 1);
    uint32_t udf = (uint32_t)(df + (1 << (DF_BITS - 1))) & ((1u << DF_BITS) - 1);
    uint32_t udt = (uint32_t)dt & ((1u << DT_BITS) - 1);
    return (uf << (DF_BITS + DT_BITS)) | (udf << DT_BITS) | udt;
}

void fp_hash_unpack(uint32_t h, int *f1, int *df, int *dt)
{
    *dt = (int)(h & ((1u << DT_BITS) - 1));
    *df = (int)((h >> DT_BITS) & ((1u << DF_BITS) - 1)) - (1 << (DF_BITS - 1));
    *f1 = (int)((h >> (DF_BITS + DT_BITS)) & ((1u << F1_BITS) - 1));
}

ai_err_t fp_hash_peaks(const fp_peak_t *peaks, size_t npeaks, const fp_params_t *p, double speed,
                       fp_hash_t **hashes, size_t *nhashes, ai_error_t *err)
{
    *hashes = NULL;
    *nhashes = 0;
    if (npeaks < 2)
        return AI_OK;
    int fanout = p->fanout > 0 ? p->fanout : 1;
    int df_max = p->df_max < (1 << (DF_BITS - 1)) ? p->df_max : (1 << (DF_BITS - 1)) - 1;
    int dt_max = p->dt_max < (1 << DT_BITS) ? p->dt_max : (1 << DT_BITS) - 1;
    if (npeaks > SIZE_MAX / (size_t)fanout / sizeof(fp_hash_t))
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "too many peaks");
    fp_hash_t *out = malloc(npeaks * (size_t)fanout * sizeof *out);
    if (!out)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory hashing peaks");
    size_t n = 0;
    for (size_t i = 0; i < npeaks; i++) {
        /* Map the peak back to the reference's time/frequency grid. */
        double ti = peaks[i].t * speed;
        long fi = lround(peaks[i].f / speed);
        int made = 0;
        for (size_t j = i + 1; j < npeaks && made < fanout; j++) {
            long dt = lround(peaks[j].t * speed - ti);
            if (dt < p->dt_min)
                continue;
            if (dt > dt_max)
                break;
            long df = lround(peaks[j].f / speed) - fi;
            if (df > df_max || df < -df_max)
                continue;
            out[n].hash = fp_hash_pack((int)fi, (int)df, (int)dt);
            out[n].t = (uint32_t)lround(ti);
            n++;
            made++;
        }
    }
    if (n == 0) {
        free(out);
        return AI_OK;
    }
    *hashes = out;
    *nhashes = n;
    return AI_OK;
}

ai_err_t fp_extract(const float *pcm16k, size_t n, const fp_params_t *p, fp_hash_t **hashes,
                    size_t *nhashes, size_t *npeaks_out, ai_error_t *err)
{
    float *spec = NULL;
    size_t frames = 0, npeaks = 0;
    fp_peak_t *peaks = NULL;
    *hashes = NULL;
    *nhashes = 0;
    ai_err_t rc = fp_spectrogram(pcm16k, n, &spec, &frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, frames, p, &peaks, &npeaks, err);
    if (rc == AI_OK)
        rc = fp_hash_peaks(peaks, npeaks, p, 1.0, hashes, nhashes, err);
    if (npeaks_out)
        *npeaks_out = npeaks;
    free(spec);
    free(peaks);
    return rc;
}
