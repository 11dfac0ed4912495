/* The ingest pipeline for one file (see library.h for the order of steps). */
#include "library/library_int.h"
#include "audio/audio.h"
#include "base/fsutil.h"
#include "base/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A re-encoded copy of a library track matches it from start to end: most of
 * its hashes align at offset ~0 with a track of nearly the same length. */
#define DEDUP_MIN_ALIGNED_FRACTION 0.25
#define DEDUP_MAX_OFFSET_S         1.0
#define DEDUP_DURATION_TOL         0.02

static void copy_trimmed(char *dst, size_t n, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* "Artist - Title.ext" → artist, title; otherwise the stem is the title. */
void library_tags_from_name(const char *name, char *artist, size_t an, char *title, size_t tn)
{
    artist[0] = title[0] = '\0';
    if (!name || !*name)
        return;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < stem; i++)
        if (base[i] == ' ' && base[i + 1] == '-' && base[i + 2] == ' ') {
            sep = base + i;
            break;
        }
    if (sep) {
        copy_trimmed(artist, an, base, (size_t)(sep - base));
        copy_trimmed(title, tn, sep + 3, stem - (size_t)(sep - base) - 3);
    } else {
        copy_trimmed(title, tn, base, stem);
    }
}

static void pick(char *dst, size_t n, const char *override, const char *tag, const char *fallback)
{
    const char *v = override && *override ? override : tag && *tag ? tag : fallback;
    snprintf(dst, n, "%s", v ? v : "");
}

/* Looks for a library track with the same content (see DEDUP_*). */
static ai_err_t find_content_duplicate(library_t *lib, const fp_hash_t *h, size_t nh,
                                       double duration, meta_track_t *dup, int *found,
                                       ai_error_t *err)
{
    *found = 0;
    if (nh == 0)
        return AI_OK;
    fpindex_match_t m[3];
    size_t nm = 0;
    fpindex_query_opts_t o = {.max_results = 3, .deadline = deadline_in(30), .cancel = NULL};
    ai_err_t rc = fpindex_query(lib->fp, h, nh, &o, m, &nm, err);
    for (size_t i = 0; rc == AI_OK && i < nm && !*found; i++) {
        if ((double)m[i].aligned_hashes < DEDUP_MIN_ALIGNED_FRACTION * (double)nh ||
            m[i].offset_seconds > DEDUP_MAX_OFFSET_S)
            continue;
        meta_track_t *t = NULL;
        size_t n = 0;
        rc = meta_tracks_by_fp_numbers(lib->meta, &m[i].track_no, 1, &t, &n, err);
        if (rc == AI_OK && n == 1 &&
            fabs(t[0].duration_seconds - duration) <= DEDUP_DURATION_TOL * duration + 0.5) {
            *dup = t[0];
            t[0].chromaprint = NULL; /* ownership moved to *dup */
            *found = 1;
        }
        meta_tracks_free(t, n);
    }
    return rc;
}

static void result_from_track(library_ingest_result_t *res, const meta_track_t *t, int dup)
{
    memset(res, 0, sizeof *res);
    snprintf(res->track_id, sizeof res->track_id, "%s", t->id);
    snprintf(res->title, sizeof res->title, "%s", t->title);
    snprintf(res->artist, sizeof res->artist, "%s", t->artist);
    res->duration_s = t->duration_seconds;
    res->duplicate = dup;
}

ai_err_t library_fingerprint_pcm(library_t *lib, const audio_pcm_t *pcm, fp_hash_t **h, size_t *nh,
                                 size_t *frames, ai_error_t *err)
{
    float *spec = NULL;
    fp_peak_t *peaks = NULL;
    size_t np = 0;
    *h = NULL;
    *nh = 0;
    ai_err_t rc = fp_spectrogram(pcm->samples, pcm->n, &spec, frames, err);
    if (rc == AI_OK)
        rc = fp_find_peaks(spec, *frames, &lib->fpp, &peaks, &np, err);
    if (rc == AI_OK)
        rc = fp_hash_peaks(peaks, np, &lib->fpp, 1.0, h, nh, err);
    free(spec);
    free(peaks);
    return rc;
}

ai_err_t library_ingest_bytes(library_t *lib, const void *data, size_t len,
                              const library_ingest_opts_t *o, library_ingest_result_t *res,
                              ai_error_t *err)
{
    static const library_ingest_opts_t none = {0};
    if (!o)
        o = &none;
    memset(res, 0, sizeof *res);
    if (len > (size_t)lib->cfg.max_ingest_bytes)
        return ai_error_set(err, AI_ERR_FILE_TOO_LARGE, "file is %zu bytes; the limit is %lld", len,
                            lib->cfg.max_ingest_bytes);
    audio_format_t fmt;
    ai_err_t rc = audio_sniff(data, len, &fmt, err);
    if (rc)
        return rc;
    char sha[SHA256_HEX_LEN];
    rc = sha256_hex(data, len, sha);
    if (rc)
        return ai_error_set(err, rc, "cannot hash the file");

    meta_track_t t;
    meta_track_init(&t);
    rc = meta_track_get_by_hash(lib->meta, sha, &t, err);
    if (rc == AI_OK) { /* byte-identical file already there (ready or being ingested) */
        result_from_track(res, &t, 1);
        meta_track_release(&t);
        return AI_OK;
    }
    if (rc != AI_ERR_NOT_FOUND)
        return rc;
    ai_error_clear(err);

    audio_decoded_t d = {0};
    int emb_rate = embed_info(lib->emb)->sample_rate;
    audio_decode_opts_t dopt = {.rates = {FP_SAMPLE_RATE, emb_rate},
                                .nrates = emb_rate == FP_SAMPLE_RATE ? 1 : 2,
                                .max_seconds = lib->cfg.max_track_seconds,
                                .truncate = 0,
                                .timeout_s = 600};
    fp_hash_t *h = NULL;
    size_t frames = 0, nh = 0;
    int dup_found = 0, inserted = 0, dup_race = 0;
    char path[CONFIG_STR_MAX + 128] = "";
    rc = audio_decode(data, len, fmt, &dopt, &d, err);
    if (rc == AI_OK)
        rc = library_fingerprint_pcm(lib, &d.pcm[0], &h, &nh, &frames, err);
    if (rc == AI_OK)
        rc = find_content_duplicate(lib, h, nh, d.decoded_s, &t, &dup_found, err);
    if (rc == AI_OK && dup_found) {
        result_from_track(res, &t, 1);
        goto done;
    }

    library_raw_path(lib, sha, audio_format_ext(fmt), path, sizeof path);
    if (rc == AI_OK) {
        char artist[512], title[512];
        library_tags_from_name(o->source_name, artist, sizeof artist, title, sizeof title);
        pick(t.title, sizeof t.title, o->title, d.info.title, title[0] ? title : "Untitled");
        pick(t.artist, sizeof t.artist, o->artist, d.info.artist, artist);
        pick(t.album, sizeof t.album, o->album, d.info.album, NULL);
        t.duration_seconds = d.decoded_s;
        t.sample_rate = d.info.sample_rate;
        t.channels = d.info.channels;
        t.bitrate = d.info.bitrate;
        snprintf(t.format, sizeof t.format, "%s", audio_format_name(fmt));
        snprintf(t.file_hash_sha256, sizeof t.file_hash_sha256, "%s", sha);
        t.file_size_bytes = (long long)len;
        snprintf(t.file_path, sizeof t.file_path, "%s", path);
        rc = meta_track_insert_pending(lib->meta, &t, &dup_race, err);
        inserted = rc == AI_OK && !dup_race;
    }
    if (rc == AI_OK && dup_race) { /* another worker won: the file is now its file */
        result_from_track(res, &t, 1);
        goto done;
    }
    /* store the original only now that a pending row names it, so a crash
     * at any point leaves either nothing or a row that repair rolls back
     * (idempotent: same hash, same bytes, same path) */
    if (rc == AI_OK) {
        char dir[sizeof path];
        snprintf(dir, sizeof dir, "%s", path);
        rc = fs_mkdir_p(dirname(dir), err);
    }
    if (rc == AI_OK && !fs_is_file(path))
        rc = fs_write_atomic(path, data, len, err);
    if (rc == AI_OK)
        rc = fpindex_add_track(lib->fp, t.fp_track_no, h, nh, (uint32_t)frames, err);
    const audio_pcm_t *vpcm = &d.pcm[dopt.nrates - 1];
    if (rc == AI_OK)
        rc = library_store_vectors(lib, &t, vpcm->samples, vpcm->n, err);
    if (rc == AI_OK)
        rc = meta_track_update_index_info(lib->meta, t.id, 1, embed_info(lib->emb)->name,
                                          embed_info(lib->emb)->dim, err);
    if (rc == AI_OK)
        rc = meta_track_set_ready(lib->meta, t.id, err);
    if (rc == AI_OK) {
        result_from_track(res, &t, 0);
    } else if (inserted) {
        /* undo in the safe order; what cannot be undone now is pending and
         * will be rolled back by the next repair */
        ai_error_t e2;
        if (fpindex_delete_track(lib->fp, t.fp_track_no, &e2) == AI_OK &&
            vecstore_delete_track(lib->vs, t.id, &e2) == AI_OK &&
            (unlink(path) == 0 || errno == ENOENT))
            meta_track_delete(lib->meta, t.id, &e2);
    }
done:
    free(h);
    audio_decoded_release(&d);
    meta_track_release(&t);
    return rc;
}

ai_err_t library_ingest_file(library_t *lib, const char *path, const library_ingest_opts_t *o,
                             library_ingest_result_t *res, ai_error_t *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(res, 0, sizeof *res);
    ai_err_t rc = fs_read_file(path, (size_t)lib->cfg.max_ingest_bytes, &buf, &len, err);
    if (rc)
        return rc;
    library_ingest_opts_t oo = o ? *o : (library_ingest_opts_t){0};
    if (!oo.source_name)
        oo.source_name = path;
    rc = library_ingest_bytes(lib, buf, len, &oo, res, err);
    free(buf);
    return rc;
}
