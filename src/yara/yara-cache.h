/*
 * yara-cache.h - scan results remembered by file content, so a payload downloaded again is
 * not scanned again.
 *
 * A result depends on the scanned bytes, the rule set and the externals the rules read from
 * the file's name. The key is therefore the file's sha256 (computed by the file layer for
 * fileinfo and intel anyway), the number of bytes scanned (a file cut at max-file-size or the
 * memcap is scanned on a prefix: same sha256 and same length is the same prefix), the rule
 * set's generation (a reload empties it in effect) and the part of the name that the rules
 * can see: the whole path when some rule may read filepath, the base name for filename, the
 * extension for extension, nothing when no rule reads any (yara_rules_externals). Scans that
 * timed out or failed are not remembered. The cache is direct-mapped (one slot per hash) with
 * yara.cache-size slots, so its memory is bounded and a lookup is one comparison; an insert
 * over a different key is counted as an eviction.
 */
#ifndef BONGSU_YARA_CACHE_H
#define BONGSU_YARA_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yara/yara-match.h"

typedef struct YaraCache YaraCache;

typedef struct YaraCacheKey {
    uint8_t sha256[32];
    uint64_t len;
    uint64_t gen;
    const char *name_part;   /* what the rules can see of the name ("" when nothing) */
} YaraCacheKey;

typedef struct YaraCacheStats {
    uint64_t hits, misses, evictions;
} YaraCacheStats;

/* NULL when slots is 0 (cache off) or on OOM. */
YaraCache *yara_cache_new(uint32_t slots);
void yara_cache_free(YaraCache *c);

/* The part of name the rule set's externals can see (points into name or to ""). */
const char *yara_cache_name_part(unsigned externals, const char *name);

/* True and *out filled when the key is cached. Thread-safe. */
bool yara_cache_get(YaraCache *c, const YaraCacheKey *key, YaraMatch *out);
void yara_cache_put(YaraCache *c, const YaraCacheKey *key, const YaraMatch *m);
void yara_cache_stats(YaraCache *c, YaraCacheStats *out);

#endif
