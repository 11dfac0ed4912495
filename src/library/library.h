/*
 * library.h — the app context and the ingest pipeline.
 *
 * library_open() opens every store from the configuration: the metadata store
 * (DATABASE_URL, migrated), the fingerprint index (DATA_DIR/fpindex) and the
 * raw-file store (DATA_DIR/raw/ab/<sha256>.<ext>), then repairs what a crash
 * may have left (library_repair) and starts a maintenance thread that renews
 * the leases of this process's ingests and sweeps every minute.
 *
 * Ingest of one file, in this order (DESIGN.md "Storage and consistency"):
 *   size cap (MAX_INGEST_BYTES → FILE_TOO_LARGE) → sniff (UNSUPPORTED_FORMAT)
 *   → SHA-256 → a row with this hash: ready → duplicate; pending with a dead
 *   owner → rolled back now; pending with a live owner → wait (20 s, then
 *   INGEST_IN_PROGRESS) → free space (MIN_FREE_DISK_MB → STORAGE_FULL)
 *   → decode (MAX_TRACK_SECONDS → AUDIO_TOO_LONG, MIN_TRACK_SECONDS →
 *   TRACK_TOO_SHORT) → same content already in the library (its own
 *   fingerprints match one track end to end → duplicate)
 *   → row status=pending, owned by this instance with a lease → store the
 *   original (temp + fsync + rename) → fingerprints (one LMDB transaction)
 *   → chunk vectors (10 s windows, 5 s hop) → status=ready (only if still
 *   the owner).
 * Search only sees ready rows, so a crash at any point leaves no half-visible
 * track.  Any error rolls the track back before returning (fingerprints,
 * vectors, file, row); a crash leaves a pending row whose owner is dead,
 * which the next ingest of the file or the next sweep rolls back.  `duplicate`
 * always names a ready track.  Delete: fingerprints, vectors, file, row.
 *
 * Thread-safety: a library_t is shared by all threads; every function may run
 * concurrently (two ingests of the same bytes give exactly one track: the
 * unique hash in the metadata store decides).  Not fork-safe.
 * Errors: the codes of the steps above; SERVICE_UNAVAILABLE when the metadata
 * store is down; STORAGE_FULL when a write meets a full disk or quota;
 * INTERNAL_ERROR for other I/O failures; NOT_FOUND for unknown ids.
 */
#ifndef AI_LIBRARY_LIBRARY_H
#define AI_LIBRARY_LIBRARY_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "embed/embed.h"
#include "fp/fp.h"
#include "fpindex/fpindex.h"
#include "meta/meta.h"
#include "vecstore/vecstore.h"

typedef struct library library_t;

ai_err_t library_open(const config_t *cfg, library_t **out, ai_error_t *err);
void library_close(library_t *lib);

meta_t *library_meta(library_t *lib);
fpindex_t *library_fpindex(library_t *lib);
/* The vibe lane's embedder (EMBEDDING_MODEL) and vector store (flat file or
 * Qdrant); both owned by the library. */
embedder_t *library_embedder(library_t *lib);
vecstore_t *library_vecstore(library_t *lib);
/* Where rebuild-index keeps the embedder's per-library statistics. */
const char *library_stats_path(const library_t *lib);
const config_t *library_config(const library_t *lib);

/* Optional overrides of the container tags (NULL = use the tags, then the
 * file name "Artist - Title.ext").  source_name is the original file name. */
typedef struct {
    const char *title, *artist, *album;
    const char *source_name;
} library_ingest_opts_t;

typedef struct {
    char track_id[37];
    int duplicate; /* 1: the track already existed (byte-identical or same content) */
    char title[512], artist[512];
    double duration_s;
} library_ingest_result_t;

/* Ingests a file held in memory (HTTP uploads). */
ai_err_t library_ingest_bytes(library_t *lib, const void *data, size_t len,
                              const library_ingest_opts_t *o, library_ingest_result_t *res,
                              ai_error_t *err);
/* Reads and ingests a file (FILE_NOT_FOUND when it cannot be read). */
ai_err_t library_ingest_file(library_t *lib, const char *path, const library_ingest_opts_t *o,
                             library_ingest_result_t *res, ai_error_t *err);

typedef struct {
    char file[1024];
    char error[600]; /* "CODE: message" */
    ai_err_t code;
} library_file_error_t;

/* A track a directory ingest added (duplicates are not listed). */
typedef struct {
    char file[1024];
    library_ingest_result_t res;
} library_dir_track_t;

/* total = ingested + duplicates + nerrors (every file counted once).
 * tracks lists the ingested files in the order they finished; ntracks <
 * ingested only when memory for the list ran out (the counts stay right). */
typedef struct {
    size_t total, ingested, duplicates, nerrors;
    double audio_seconds, wall_seconds;
    library_file_error_t *errors; /* nerrors entries, owned by the report */
    library_dir_track_t *tracks;  /* ntracks entries, owned by the report */
    size_t ntracks;
} library_dir_report_t;

/* Ingests every regular file under dir (recursively, sorted) with `workers`
 * threads.  Non-audio files count as errors with their reason.  Progress: a
 * tty progress bar on `progress` (may be NULL), or, when json_lines is set,
 * one JSON object per file on stdout.  DIRECTORY_NOT_FOUND when dir is not a
 * directory. */
ai_err_t library_ingest_dir(library_t *lib, const char *dir, int workers, int json_lines,
                            FILE *progress, library_dir_report_t *rep, ai_error_t *err);
void library_dir_report_release(library_dir_report_t *rep);

/* Removes fingerprints, vectors, stored file and row (NOT_FOUND for an
 * unknown id). */
ai_err_t library_delete(library_t *lib, const char *track_id, ai_error_t *err);

typedef struct {
    size_t tracks, failed; /* failed: original missing or undecodable (logged) */
    double audio_seconds, wall_seconds;
} library_rebuild_report_t;

/* Rebuilds from the stored originals of every ready track: the fingerprint
 * index (dropped first) and/or the vector collection (new per-library
 * embedder statistics once the library has at least 1,000 chunks, before
 * that the built-in ones; collection dropped and refilled; also how a model
 * switch takes effect).  Progress bar on `progress` (may be NULL).  Run it
 * while nothing is being ingested; searches meanwhile see partial results. */
ai_err_t library_rebuild(library_t *lib, int vectors, int fingerprints, FILE *progress,
                         library_rebuild_report_t *rep, ai_error_t *err);

/* Rolls back pending rows whose owner is dead (a crash mid-ingest: process
 * gone or lease expired) and removes stray temp files older than two
 * minutes.  *rolled_back (may be NULL) gets the number of rows removed.
 * library_repair_now() rolls back every pending row and temp file (use only
 * when nothing else is ingesting, e.g. tests). */
ai_err_t library_repair(library_t *lib, size_t *rolled_back, ai_error_t *err);
ai_err_t library_repair_now(library_t *lib, size_t *rolled_back, ai_error_t *err);

/* Free bytes on the file system of DATA_DIR; *low = 1 when below
 * MIN_FREE_DISK_MB (then ingest answers STORAGE_FULL). */
ai_err_t library_disk_free(const library_t *lib, unsigned long long *free_bytes, int *low,
                           ai_error_t *err);

/* Fingerprint parameters every ingest and search of this library uses. */
const fp_params_t *library_fp_params(const library_t *lib);

/* Where the original of a track is stored: derived from its hash and format
 * under DATA_DIR (not from the row's file_path), so a DATA_DIR moved or
 * restored elsewhere keeps working. */
void library_track_path(const library_t *lib, const meta_track_t *t, char *out, size_t n);

/* Where the original of a track with this hash and format is stored. */
void library_raw_path(const library_t *lib, const char *sha256, const char *ext, char *out,
                      size_t n);

#endif
