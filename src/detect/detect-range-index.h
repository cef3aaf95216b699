/*
 * detect-range-index.h - which rules cover a key: an interval index over fixed-width
 * big-endian keys (ports, addresses), and a pair of them keyed by the packet's source and
 * destination (see detect-range-index.c).
 */
#ifndef BONGSU_DETECT_RANGE_INDEX_H
#define BONGSU_DETECT_RANGE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Widest key: an address family byte and 16 address bytes. */
#define RANGE_KEY_MAX 17

typedef struct RangeIndex RangeIndex;
typedef struct RangeIndexBuilder RangeIndexBuilder;

RangeIndexBuilder *range_index_builder_new(uint32_t key_width);
/* Rule `value` covers every key k with lo <= k <= hi (big-endian, key_width bytes). 0, or -1
 * when out of memory. */
int range_index_builder_add(RangeIndexBuilder *b, const uint8_t *lo, const uint8_t *hi,
                            uint32_t value);
/* Freezes the builder (freed here) into an index. NULL when it holds no range, or when it
 * runs out of memory or past max_entries values in all (*failed is set then). */
RangeIndex *range_index_build(RangeIndexBuilder *b, size_t max_entries, bool *failed);
void range_index_builder_free(RangeIndexBuilder *b);
/* The values whose ranges cover key, ascending and without repeats (NULL, 0 when none). */
const uint32_t *range_index_lookup(const RangeIndex *ri, const uint8_t *key, uint32_t *count);
void range_index_free(RangeIndex *ri);

/* Rules indexed on one side of their header. A rule is keyed on the ranges of its source or
 * its destination (whichever selects more); a packet's source is looked up in by_src, its
 * destination in by_dst. A bidirectional rule ("<>") matches either way round, so its ranges
 * go to both. */
typedef struct SidedIndex {
    RangeIndex *by_src, *by_dst;
} SidedIndex;

typedef struct SidedIndexBuilder {
    RangeIndexBuilder *by_src, *by_dst;
} SidedIndexBuilder;

int sided_index_builder_init(SidedIndexBuilder *b, uint32_t key_width);
int sided_index_add(SidedIndexBuilder *b, bool rule_src_side, bool bidir, const uint8_t *lo,
                    const uint8_t *hi, uint32_t value);
/* 0, or -1 when either index could not be built (too large or out of memory). */
int sided_index_build(SidedIndexBuilder *b, SidedIndex *out, size_t max_entries);
void sided_index_builder_free(SidedIndexBuilder *b);
/* Calls add(ud, value) for each rule whose keyed side covers the packet's src or dst key
 * (a rule may be reported twice; callers deduplicate). */
void sided_index_lookup(const SidedIndex *ix, const uint8_t *src_key, const uint8_t *dst_key,
                        void (*add)(void *ud, uint32_t value), void *ud);
void sided_index_free(SidedIndex *ix);

/* A set of rules in a sided index, and the ones it could not key (ascending): what both the
 * IP-only address index and the port groups are. */
typedef struct KeyedRules {
    SidedIndex ix;
    uint32_t *rest;
    uint32_t rest_count;
} KeyedRules;

/* key(ud, b, num) adds rule num's ranges to b with sided_index_add: 0, 1 when the rule has
 * no side to key on (it goes to rest), -1 when out of memory. nums ascending. When the index
 * would hold far more entries than ranges were added, every rule goes to rest instead. */
typedef int (*KeyRuleFn)(void *ud, SidedIndexBuilder *b, uint32_t num);
int keyed_rules_build(KeyedRules *kr, uint32_t key_width, const uint32_t *nums, uint32_t count,
                      KeyRuleFn key, void *ud);
/* Indexed rules that may match (via add, possibly twice); returns rest. */
const uint32_t *keyed_rules_lookup(const KeyedRules *kr, const uint8_t *src_key,
                                   const uint8_t *dst_key, void (*add)(void *ud, uint32_t num),
                                   void *ud, uint32_t *rest_count);
void keyed_rules_free(KeyedRules *kr);

#endif
