#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    arena_block_t *next;
    size_t size; /* usable bytes in data */
    size_t off;
    _Alignas(max_align_t) unsigned char data[];
};

#define ALIGN _Alignof(max_align_t)

void arena_init(arena_t *a, size_t block_size, size_t cap)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->cap = cap ? cap : SIZE_MAX;
    a->used = 0;
}

void arena_release(arena_t *a)
{
    if (!a)
        return;
    arena_block_t *b = a->head;
    while (b) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *arena_alloc(arena_t *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(ALIGN - 1);
    arena_block_t *b = a->head;
    if (b && b->size - b->off >= need) {
        void *p = b->data + b->off;
        b->off += need;
        return p;
    }
    size_t size = need > a->block_size ? need : a->block_size;
    if (size > a->cap - a->used) {
        if (need > a->cap - a->used)
            return NULL;
        size = need; /* a smaller block still fits under the cap */
    }
    b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->size = size;
    b->off = need;
    a->used += size;
    /* Keep a partly used head in front when the new block is a one-off big one. */
    if (a->head && size > a->block_size && a->head->size - a->head->off > 0) {
        b->next = a->head->next;
        a->head->next = b;
    } else {
        b->next = a->head;
        a->head = b;
    }
    return b->data;
}

void *arena_calloc(arena_t *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *arena_realloc(arena_t *a, void *old, size_t old_n, size_t new_n)
{
    if (!old)
        return arena_alloc(a, new_n);
    arena_block_t *b = a->head;
    size_t old_need = (old_n + ALIGN - 1) & ~(ALIGN - 1);
    if (b && new_n <= SIZE_MAX - ALIGN && (unsigned char *)old + old_need == b->data + b->off) {
        size_t new_need = (new_n + ALIGN - 1) & ~(ALIGN - 1);
        size_t start = (size_t)((unsigned char *)old - b->data);
        if (new_need <= b->size - start) {
            b->off = start + new_need;
            return old;
        }
    }
    if (new_n <= old_n)
        return old;
    void *p = arena_alloc(a, new_n);
    if (p)
        memcpy(p, old, old_n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
