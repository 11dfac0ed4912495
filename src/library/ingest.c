/* The ingest pipeline for one file (see library.h for the order of steps). */
#include "library/library_int.h"
#include "audio/audio.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
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

/* The test-only hook AI_TEST_INGEST_STAGE="STAGE:ACTION" (config.h): at the
 * named stage, sleep:MS waits, kill ends the process with SIGKILL (a crash
 * at that exact point), fail and full make the stage fail with
 * INTERNAL_ERROR / STORAGE_FULL.  Unset in production: one strcmp. */
static ai_err_t test_stage(const library_t *lib, const char *stage, ai_error_t *err)
{
    const char *spec = lib->cfg.test_ingest_stage;
    size_t n = strlen(stage);
    if (!spec[0] || strncmp(spec, stage, n) != 0 || spec[n] != ':')
        return AI_OK;
    const char *action = spec + n + 1;
    if (strncmp(action, "sleep:", 6) == 0)
        usleep((useconds_t)(atof(action + 6) * 1000.0));
    else if (strcmp(action, "kill") == 0)
        raise(SIGKILL);
    else if (strcmp(action, "fail") == 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "test failure injected at %s", stage);
    else if (strcmp(action, "full") == 0)
        return ai_error_set(err, AI_ERR_STORAGE_FULL, "test disk full injected at %s", stage);
    return AI_OK;
}

ai_err_t library_disk_free(const library_t *lib, unsigned long long *free_bytes, int *low,
                           ai_error_t *err)
{
    *low = 0;
    ai_err_t rc = fs_free_bytes(lib->cfg.data_dir, free_bytes, err);
    if (rc == AI_OK && lib->cfg.min_free_disk_mb > 0)
        *low = *free_bytes < (unsigned long long)lib->cfg.min_free_disk_mb << 20;
    return rc;
}

/* Refuses an ingest while DATA_DIR has less than MIN_FREE_DISK_MB free. */
static ai_err_t check_free_space(const library_t *lib, ai_error_t *err)
{
    unsigned long long free_b = 0;
    int low = 0;
    ai_err_t rc = library_disk_free(lib, &free_b, &low, err);
    if (rc == AI_OK && low)
        rc = ai_error_set(err, AI_ERR_STORAGE_FULL,
                          "only %llu MB free in DATA_DIR; ingest needs MIN_FREE_DISK_MB=%lld",
                          free_b >> 20, lib->cfg.min_free_disk_mb);
    return rc;
}

/* What the store holds for this hash.  A ready row → *ready = 1 and *t is
 * it; a pending row of a dead owner is rolled back; one of a live owner is
 * waited for (LIBRARY_WAIT_S, then INGEST_IN_PROGRESS).  AI_OK with
 * *ready = 0: no row (any more). */
static ai_err_t settle_existing(library_t *lib, const char *sha, meta_track_t *t, int *ready,
                                ai_error_t *err)
{
    *ready = 0;
    int wait_ms = (int)(library_wait_s(lib) * 1000.0);
    for (int waited_ms = 0;;) {
        meta_track_release(t);
        ai_err_t rc = meta_track_get_by_hash(lib->meta, sha, t, err);
        if (rc == AI_ERR_NOT_FOUND) {
            ai_error_clear(err);
            return AI_OK;
        }
        if (rc != AI_OK)
            return rc;
        if (t->status == META_READY) {
            *ready = 1;
            return AI_OK;
        }
        if (!library_owner_alive(lib, t)) {
            int done = 0;
            rc = library_take_over(lib, t, &done, err);
            if (rc != AI_OK)
                return rc;
            continue; /* removed (or changed by someone else): look again */
        }
        if (waited_ms >= wait_ms)
            return ai_error_set(err, AI_ERR_INGEST_IN_PROGRESS,
                                "the same file is being ingested by another process (track %s); "
                                "try again later",
                                t->id);
        usleep(100 * 1000);
        waited_ms += 100;
    }
}

/* Removes what a failed ingest wrote: fingerprints and vectors (its own
 * track number and id), then — only while the row is still this ingest's
 * (a stalled ingest may have been taken over, and the new owner writes the
 * same file path) — the original and the row.  When that cannot be done the
 * row is handed back (no owner, lease expired) so the next ingest or sweep
 * takes it over at once. */
static void roll_back(library_t *lib, const meta_track_t *t, const char *path)
{
    ai_error_t e2;
    ai_err_t rc = fpindex_delete_track(lib->fp, t->fp_track_no, &e2);
    if (rc == AI_OK)
        rc = vecstore_delete_track(lib->vs, t->id, &e2);
    /* a read, not a write: on a full disk the file must go before the
     * store can write again */
    meta_track_t now;
    meta_track_init(&now);
    if (rc == AI_OK)
        rc = meta_track_get(lib->meta, t->id, &now, &e2);
    int mine = rc == AI_OK && now.status == META_PENDING && strcmp(now.owner, lib->owner) == 0;
    meta_track_release(&now);
    if (rc == AI_ERR_NOT_FOUND || (rc == AI_OK && !mine))
        return; /* taken over: the file and the row are the new owner's business */
    if (rc == AI_OK && unlink(path) != 0 && errno != ENOENT)
        rc = ai_error_set(&e2, AI_ERR_INTERNAL_ERROR, "cannot remove %s: %s", path,
                          strerror(errno));
    if (rc == AI_OK)
        rc = library_delete_row(lib, t->id, &e2);
    if (rc == AI_OK || rc == AI_ERR_NOT_FOUND)
        return;
    log_warn("ingest: cannot roll back %s now (%s: %s); the next repair sweep will", t->id,
             ai_err_name(rc), e2.message);
    int claimed;
    meta_track_claim(lib->meta, t->id, lib->owner, "", -1, &claimed, &e2);
}

/* The file's row from insert to ready (the caller holds the hash in flight). */
static ai_err_t ingest_new(library_t *lib, const void *data, size_t len, audio_format_t fmt,
                           const char *sha, const library_ingest_opts_t *o,
                           library_ingest_result_t *res, ai_error_t *err)
{
    audio_decoded_t d = {0};
    int emb_rate = embed_info(lib->emb)->sample_rate;
    audio_decode_opts_t dopt = {.rates = {FP_SAMPLE_RATE, emb_rate},
                                .nrates = emb_rate == FP_SAMPLE_RATE ? 1 : 2,
                                .max_seconds = lib->cfg.max_track_seconds,
                                .truncate = 0,
                                .timeout_s = 600};
    fp_hash_t *h = NULL;
    size_t frames = 0, nh = 0;
    int dup_found = 0, inserted = 0, ready = 0;
    char path[CONFIG_STR_MAX + 128] = "";
    meta_track_t t;
    meta_track_init(&t);
    ai_err_t rc = audio_decode(data, len, fmt, &dopt, &d, err);
    if (rc == AI_OK && d.decoded_s < lib->cfg.min_track_seconds)
        rc = ai_error_set(err, AI_ERR_TRACK_TOO_SHORT,
                          "the track is %.1f s long; MIN_TRACK_SECONDS is %g", d.decoded_s,
                          lib->cfg.min_track_seconds);
    if (rc == AI_OK)
        rc = test_stage(lib, "decoded", err);
    if (rc == AI_OK)
        rc = library_fingerprint_pcm(lib, &d.pcm[0], &h, &nh, &frames, err);
    if (rc == AI_OK)
        rc = find_content_duplicate(lib, h, nh, d.decoded_s, &t, &dup_found, err);
    if (rc == AI_OK && dup_found) {
        result_from_track(res, &t, 1);
        goto done;
    }

    library_raw_path(lib, sha, audio_format_ext(fmt), path, sizeof path);
    for (int attempt = 0; rc == AI_OK && !inserted; attempt++) {
        int dup_race = 0;
        meta_track_release(&t);
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
        snprintf(t.owner, sizeof t.owner, "%s", lib->owner);
        t.lease_left_s = LIBRARY_LEASE_S;
        rc = meta_track_insert_pending(lib->meta, &t, &dup_race, err);
        if (rc != AI_OK || !dup_race) {
            inserted = rc == AI_OK;
            break;
        }
        /* another process inserted the same hash meanwhile */
        if (attempt == 3) {
            rc = ai_error_set(err, AI_ERR_INGEST_IN_PROGRESS,
                              "the same file keeps being ingested elsewhere; try again later");
            break;
        }
        rc = settle_existing(lib, sha, &t, &ready, err);
        if (rc == AI_OK && ready) {
            result_from_track(res, &t, 1);
            goto done;
        }
    }
    if (inserted)
        library_inflight_set_id(lib, sha, t.id);
    /* store the original only now that a pending row names it, so a crash
     * at any point leaves either nothing or a row that repair rolls back
     * (idempotent: same hash, same bytes, same path) */
    if (rc == AI_OK)
        rc = test_stage(lib, "row", err);
    if (rc == AI_OK) {
        char dir[sizeof path];
        snprintf(dir, sizeof dir, "%s", path);
        rc = fs_mkdir_p(dirname(dir), err);
    }
    if (rc == AI_OK && !fs_is_file(path))
        rc = fs_write_atomic(path, data, len, err);
    if (rc == AI_OK)
        rc = test_stage(lib, "original", err);
    if (rc == AI_OK)
        rc = fpindex_add_track(lib->fp, t.fp_track_no, h, nh, (uint32_t)frames, err);
    if (rc == AI_OK)
        rc = test_stage(lib, "fingerprints", err);
    const audio_pcm_t *vpcm = &d.pcm[dopt.nrates - 1];
    if (rc == AI_OK)
        rc = library_store_vectors(lib, &t, vpcm->samples, vpcm->n, err);
    if (rc == AI_OK)
        rc = test_stage(lib, "vectors", err);
    if (rc == AI_OK)
        rc = meta_track_update_index_info(lib->meta, t.id, 1, embed_info(lib->emb)->name,
                                          embed_info(lib->emb)->dim, err);
    if (rc == AI_OK) {
        rc = meta_track_set_ready(lib->meta, t.id, lib->owner, err);
        if (rc == AI_ERR_NOT_FOUND) /* taken over after our lease ran out */
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                              "ingest of %s stalled past its lease and was rolled back", t.id);
    }
    if (rc == AI_OK)
        rc = test_stage(lib, "ready", err);
    if (rc == AI_OK)
        result_from_track(res, &t, 0);
    else if (inserted)
        roll_back(lib, &t, path);
done:
    free(h);
    audio_decoded_release(&d);
    meta_track_release(&t);
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
    rc = test_stage(lib, "hashed", err);
    if (rc == AI_OK)
        rc = library_inflight_acquire(lib, sha, err);
    if (rc)
        return rc;
    meta_track_t t;
    meta_track_init(&t);
    int ready = 0;
    rc = settle_existing(lib, sha, &t, &ready, err);
    if (rc == AI_OK && ready) /* byte-identical file already in the library */
        result_from_track(res, &t, 1);
    meta_track_release(&t);
    if (rc == AI_OK && !ready)
        rc = check_free_space(lib, err);
    if (rc == AI_OK && !ready)
        rc = ingest_new(lib, data, len, fmt, sha, o, res, err);
    library_inflight_release(lib, sha);
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
