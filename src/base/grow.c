#include "base/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_one(void *arr, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap < *cap || elem == 0 || ncap > SIZE_MAX / elem)
        return NULL;
    void *na = realloc(arr, ncap * elem);
    if (!na)
        return NULL;
    *cap = ncap;
    return na;
}
