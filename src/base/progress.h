/*
 * progress.h — a one-line terminal progress bar with rate and ETA.
 *
 * Draws to `out` only when it is a terminal (isatty) and at most ~10 times a
 * second; otherwise every call is a cheap no-op, so callers need no checks.
 * `units` is a second counter shown next to the item count (e.g. audio hours)
 * with its own label and a "× real time" style ratio against wall time.
 * Not thread-safe: callers serialise updates (e.g. under their own lock).
 */
#ifndef AI_BASE_PROGRESS_H
#define AI_BASE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;
    int enabled;
    const char *label;
    uint64_t total;  /* items expected (0 = unknown) */
    uint64_t done;   /* items finished */
    double units;    /* secondary amount (e.g. seconds of audio) */
    uint64_t start_ns;
    uint64_t last_draw_ns;
} progress_t;

/* force: 1 draws even when out is not a tty (tests), 0 = auto. */
void progress_init(progress_t *p, FILE *out, const char *label, uint64_t total, int force);
/* Adds finished items and secondary units; redraws when due. */
void progress_add(progress_t *p, uint64_t items, double units);
/* Final redraw and newline (when enabled). */
void progress_finish(progress_t *p);
/* Formats the current line into buf (used by the drawer and by tests). */
void progress_format(const progress_t *p, uint64_t now_ns, char *buf, size_t n);

#endif
