/*
 * arena.h — a bump allocator for per-request memory.
 *
 * An arena hands out pointers from large blocks and frees everything at once
 * in arena_release().  It has a hard cap on the total bytes it will allocate,
 * so a request cannot grow without bound: an allocation beyond the cap (or a
 * failed malloc) returns NULL and leaves the arena usable.
 *
 * Lifecycle: arena_init() (no allocation) ... arena_release() (accepts a
 * zeroed or released arena).  Memory from the arena must not be free()d.
 * Not thread-safe: one arena per request/thread.
 */
#ifndef AI_BASE_ARENA_H
#define AI_BASE_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block_t;

typedef struct {
    arena_block_t *head;
    size_t block_size; /* default size of a new block */
    size_t cap;        /* maximum total bytes of all blocks */
    size_t used;       /* bytes currently reserved in blocks */
} arena_t;

/* block_size 0 -> 64 KiB; cap 0 -> unlimited. */
void arena_init(arena_t *a, size_t block_size, size_t cap);
void arena_release(arena_t *a);

/* n bytes aligned to max_align_t; NULL when n == 0 would be ambiguous, so
 * n == 0 returns a valid unique pointer. NULL on cap or OOM. */
void *arena_alloc(arena_t *a, size_t n);
/* Zeroed array of count*size with overflow check. */
void *arena_calloc(arena_t *a, size_t count, size_t size);
/* Grows the most recent allocation or copies; old content preserved. */
void *arena_realloc(arena_t *a, void *old, size_t old_n, size_t new_n);
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_sprintf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
