/*
 * detect-bounded-table.h - a chained hash of fixed-size entries that expire, bounded by a
 * memcap, for detection state shared across flows: thresholds and xbits (see
 * detect-bounded-table.c). Not locked: each user holds its own lock around it.
 */
#ifndef BONGSU_DETECT_BOUNDED_TABLE_H
#define BONGSU_DETECT_BOUNDED_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BoundedTable BoundedTable;

/* Keys are compared as bytes (callers zero their padding). hash_size is rounded up to a
 * power of two; the buckets count against memcap too. */
BoundedTable *bounded_table_new(size_t key_size, size_t value_size, uint64_t memcap,
                                uint32_t hash_size);
void bounded_table_free(BoundedTable *t);

/* The value stored for key, or NULL when there is none or it went stale at or before now. */
void *bounded_table_find(BoundedTable *t, const void *key, uint64_t now);
/* The value for key, zeroed and *created when it is new (or was stale); NULL when the memcap
 * leaves no room even after sweeping stale entries, which is counted. */
void *bounded_table_get(BoundedTable *t, const void *key, uint64_t now, bool *created);
/* From `stale` on (same unit as now) the value is as good as absent and may be freed. */
void bounded_table_set_stale(BoundedTable *t, void *value, uint64_t stale);
void bounded_table_remove(BoundedTable *t, const void *key);

uint64_t bounded_table_memcap_drops(const BoundedTable *t);
uint64_t bounded_table_memuse(const BoundedTable *t);

#endif
