/*
 * array.c - the one way bongsu grows a dynamic array.
 *
 * Rule lists, transactions, headers, DNS records, indicator tables and text buffers all grow
 * with their input. Doubling keeps appends amortised O(1); doing the arithmetic here once
 * means every caller gets the overflow checks, and a failed growth leaves the caller's array
 * as it was so it can count the drop and go on.
 */
#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>

enum { ARRAY_MIN_CAP = 16 };

void *array_reserve(void *items, size_t elem_size, size_t need, size_t *cap)
{
    if (need <= *cap)
        return items;
    size_t n = *cap > ARRAY_MIN_CAP ? *cap : ARRAY_MIN_CAP;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (elem_size && n > SIZE_MAX / elem_size)
        return NULL;
    void *grown = realloc(items, n * elem_size);
    if (grown)
        *cap = n;
    return grown;
}
