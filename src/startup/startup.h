/*
 * startup.h — the fail-fast startup checks shared by `serve` and `check`.
 *
 * In order: the TLS certificate and key when TLS_CERT_FILE is set (readable,
 * matching, valid now; a warning within 14 days of expiry; "skipped" for
 * plain HTTP), data directory writable (a full disk is only a warning: search
 * still works and ingest answers STORAGE_FULL), metadata store reachable (SELECT 1) and
 * migrated (pending migrations are applied), fingerprint index opens, vector
 * store reachable with the model's dimension, embedder loads (its load time;
 * a warning above 5 s).  Each check has a bounded duration (connect
 * timeouts, no retries loops), so a dead backend fails in seconds.
 *
 * A failed check's detail names the component and its URL with any password
 * masked, e.g. "cannot reach PostgreSQL at postgresql://u@h:5432/db: ...".
 * Thread-safety: call from one thread before serving.
 */
#ifndef AI_STARTUP_STARTUP_H
#define AI_STARTUP_STARTUP_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

typedef enum { STARTUP_OK, STARTUP_WARN, STARTUP_FAIL, STARTUP_SKIPPED } startup_status_t;

typedef struct {
    const char *component; /* "tls", "data_dir", "metadata", "fingerprint_index", ... */
    startup_status_t status;
    double ms;
    char detail[600];
} startup_check_t;

#define STARTUP_MAX_CHECKS 8
/* An embedder that takes longer than this to load is a warning. */
#define STARTUP_EMBEDDER_SLOW_MS 5000.0

/* Runs every check (all of them, even after a failure, so the table is
 * complete).  Returns the number of checks written to out; *failed gets the
 * index of the first failed check or -1. */
size_t startup_run(const config_t *cfg, startup_check_t out[STARTUP_MAX_CHECKS], int *failed);

/* Compares the vector store with the library: every ready track has at
 * least one chunk vector, so fewer vectors than tracks means vectors are
 * missing (a deleted Qdrant collection, a lost flat file). Returns 1 and a
 * message that names `audio-ident rebuild-index --vectors`, else 0. */
int startup_vectors_missing(long long tracks, unsigned long long vectors, char *msg, size_t n);

/* Prints the checks as a table. */
void startup_print_table(const startup_check_t *c, size_t n, FILE *out);

/* The one-line FATAL message for a failed check ("FATAL: metadata: ..."). */
void startup_fatal_line(const startup_check_t *c, char *buf, size_t n);

#endif
