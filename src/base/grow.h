/*
 * grow.h — room for one more element in a growable array.
 *
 * The arrays of this project grow by doubling (from a first capacity) and
 * report running out of memory to their caller; this is that one step.
 *
 * Thread-safety: none of its own; the caller owns the array.
 */
#ifndef AI_BASE_GROW_H
#define AI_BASE_GROW_H

#include <stddef.h>

/* arr holds n used elements of elem bytes in a capacity of *cap.  Returns
 * arr when n < *cap; otherwise arr reallocated to twice *cap (first when
 * *cap is 0) with *cap updated.  NULL when memory runs out or the size would
 * overflow: arr and *cap are then unchanged and arr stays valid (the caller
 * still owns and frees it). */
void *grow_one(void *arr, size_t n, size_t *cap, size_t elem, size_t first);

#endif
