/*
 * array.h - the one way bongsu grows a dynamic array: see array.c.
 */
#ifndef BONGSU_ARRAY_H
#define BONGSU_ARRAY_H

#include <stddef.h>

/* Returns `items` reallocated to hold at least `need` (>= 1) elements of `elem_size` bytes,
 * capacity doubling from a small minimum, and stores the new capacity in *cap. Returns
 * `items` unchanged when *cap already suffices, and NULL (items and *cap untouched) when the
 * size overflows or memory runs out. */
void *array_reserve(void *items, size_t elem_size, size_t need, size_t *cap);

#endif
