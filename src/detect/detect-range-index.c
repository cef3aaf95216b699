/*
 * detect-range-index.c - which rules cover a key: an interval index over fixed-width
 * big-endian keys.
 *
 * Why: checking a packet's ports or addresses against each rule one by one costs the rule
 * count per packet, and with ET Open that is hundreds of IP-only rules (reputation lists of
 * dozens of addresses each) on each new flow direction, and the port-specific rules without
 * a fast pattern on every packet. This index answers "which rules can this key satisfy" with
 * one binary search, as Suricata's port groups and IP-only radix tree do.
 *
 * How: every range's start and end+1 cut the key space into elementary intervals, sorted;
 * each interval lists (ascending, once) the rules whose ranges cover it. A lookup finds the
 * last cut at or below the key. Keys are compared as big-endian byte strings of the index's
 * width: 2 bytes for ports, 17 (family, then the 16 address bytes) for addresses, which is
 * the order AddrRange uses. A range that ends at the largest key has no end cut.
 *
 * A wide range lies over every interval cut inside it, so callers index only the narrow side
 * of a rule (sided index below) and keep rules that have none in a list of their own; the
 * build also stops at max_entries so that a pathological rule set falls back to that list
 * rather than growing without bound.
 */
#include "detect/detect-range-index.h"

#include <stdlib.h>
#include <string.h>

typedef struct Key {
    uint8_t b[RANGE_KEY_MAX];  /* zero past the index's width, so memcmp orders them */
} Key;

struct RangeIndexBuilder {
    uint32_t width;
    Key *lo, *hi;
    uint32_t *values;
    uint32_t count, cap;
};

struct RangeIndex {
    uint32_t width;
    uint8_t *cuts;           /* cut_count keys of width bytes, ascending */
    uint32_t cut_count;
    uint32_t *offsets;       /* interval i lists values[offsets[i] .. offsets[i + 1]) */
    uint32_t *values;
};

RangeIndexBuilder *range_index_builder_new(uint32_t key_width)
{
    if (key_width == 0 || key_width > RANGE_KEY_MAX)
        return NULL;
    RangeIndexBuilder *b = calloc(1, sizeof(*b));
    if (b)
        b->width = key_width;
    return b;
}

int range_index_builder_add(RangeIndexBuilder *b, const uint8_t *lo, const uint8_t *hi,
                            uint32_t value)
{
    if (b->count == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 16;
        Key *l = realloc(b->lo, cap * sizeof(Key));
        if (l)
            b->lo = l;
        Key *h = realloc(b->hi, cap * sizeof(Key));
        if (h)
            b->hi = h;
        uint32_t *v = realloc(b->values, cap * sizeof(uint32_t));
        if (v)
            b->values = v;
        if (!l || !h || !v)
            return -1;
        b->cap = cap;
    }
    memset(&b->lo[b->count], 0, sizeof(Key));
    memset(&b->hi[b->count], 0, sizeof(Key));
    memcpy(b->lo[b->count].b, lo, b->width);
    memcpy(b->hi[b->count].b, hi, b->width);
    b->values[b->count++] = value;
    return 0;
}

void range_index_builder_free(RangeIndexBuilder *b)
{
    if (!b)
        return;
    free(b->lo);
    free(b->hi);
    free(b->values);
    free(b);
}

/* k + 1 over width bytes; false when k was the largest key. */
static bool key_next(Key *k, uint32_t width)
{
    for (uint32_t i = width; i-- > 0;) {
        if (++k->b[i] != 0)
            return true;
    }
    return false;
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, RANGE_KEY_MAX);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted, distinct cuts: each range's start and the key after its end. */
static Key *collect_cuts(const RangeIndexBuilder *b, uint32_t *count)
{
    Key *cuts = malloc(2 * (size_t)b->count * sizeof(Key));
    if (!cuts)
        return NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        cuts[n++] = b->lo[i];
        cuts[n] = b->hi[i];
        if (key_next(&cuts[n], b->width))
            n++;
    }
    qsort(cuts, n, sizeof(Key), cmp_key);
    uint32_t out = 0;
    for (uint32_t i = 0; i < n; i++)
        if (out == 0 || memcmp(&cuts[out - 1], &cuts[i], sizeof(Key)) != 0)
            cuts[out++] = cuts[i];
    *count = out;
    return cuts;
}

/* Intervals [first, last) that range i covers. */
static void range_span(const RangeIndexBuilder *b, const Key *cuts, uint32_t ncuts, uint32_t i,
                       uint32_t *first, uint32_t *last)
{
    const Key *lo = bsearch(&b->lo[i], cuts, ncuts, sizeof(Key), cmp_key);
    Key end = b->hi[i];
    const Key *hi = key_next(&end, b->width) ? bsearch(&end, cuts, ncuts, sizeof(Key), cmp_key)
                                             : NULL;
    *first = (uint32_t)(lo - cuts);
    *last = hi ? (uint32_t)(hi - cuts) : ncuts;
}

/* Sorts each interval's values and drops repeats (a rule's ranges may overlap). */
static void dedupe_lists(RangeIndex *ri)
{
    uint32_t out = 0;
    for (uint32_t i = 0; i < ri->cut_count; i++) {
        uint32_t start = ri->offsets[i], end = ri->offsets[i + 1];
        qsort(ri->values + start, end - start, sizeof(uint32_t), cmp_u32);
        ri->offsets[i] = out;
        for (uint32_t j = start; j < end; j++)
            if (j == start || ri->values[j] != ri->values[j - 1])
                ri->values[out++] = ri->values[j];
    }
    ri->offsets[ri->cut_count] = out;
}

/* Counts, then places, each range's value in the intervals it covers. */
static int fill_lists(RangeIndex *ri, const RangeIndexBuilder *b, const Key *cuts,
                      size_t max_entries)
{
    uint32_t n = ri->cut_count;
    size_t total = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        uint32_t first, last;
        range_span(b, cuts, n, i, &first, &last);
        total += last - first;
        if (total > max_entries)
            return -1;
        for (uint32_t k = first; k < last; k++)
            ri->offsets[k + 1]++;
    }
    for (uint32_t k = 0; k < n; k++)
        ri->offsets[k + 1] += ri->offsets[k];
    ri->values = malloc((total ? total : 1) * sizeof(uint32_t));
    uint32_t *fill = malloc((n + 1) * sizeof(uint32_t));
    if (!ri->values || !fill) {
        free(fill);
        return -1;
    }
    memcpy(fill, ri->offsets, (n + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->count; i++) {
        uint32_t first, last;
        range_span(b, cuts, n, i, &first, &last);
        for (uint32_t k = first; k < last; k++)
            ri->values[fill[k]++] = b->values[i];
    }
    free(fill);
    dedupe_lists(ri);
    return 0;
}

RangeIndex *range_index_build(RangeIndexBuilder *b, size_t max_entries, bool *failed)
{
    *failed = false;
    if (!b || b->count == 0) {
        range_index_builder_free(b);
        return NULL;
    }
    RangeIndex *ri = calloc(1, sizeof(*ri));
    uint32_t ncuts = 0;
    Key *cuts = ri ? collect_cuts(b, &ncuts) : NULL;
    if (ri && cuts) {
        ri->width = b->width;
        ri->cut_count = ncuts;
        ri->cuts = malloc((size_t)ncuts * b->width);
        ri->offsets = calloc((size_t)ncuts + 1, sizeof(uint32_t));
    }
    if (!cuts || !ri->cuts || !ri->offsets || fill_lists(ri, b, cuts, max_entries) != 0) {
        range_index_free(ri);
        ri = NULL;
        *failed = true;
    } else {
        for (uint32_t i = 0; i < ncuts; i++)
            memcpy(ri->cuts + (size_t)i * b->width, cuts[i].b, b->width);
    }
    free(cuts);
    range_index_builder_free(b);
    return ri;
}

const uint32_t *range_index_lookup(const RangeIndex *ri, const uint8_t *key, uint32_t *count)
{
    *count = 0;
    if (!ri)
        return NULL;
    /* The number of cuts at or below key; the interval is the one starting at the last. */
    uint32_t lo = 0, hi = ri->cut_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (memcmp(ri->cuts + (size_t)mid * ri->width, key, ri->width) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    *count = ri->offsets[lo] - ri->offsets[lo - 1];
    return *count ? ri->values + ri->offsets[lo - 1] : NULL;
}

void range_index_free(RangeIndex *ri)
{
    if (!ri)
        return;
    free(ri->cuts);
    free(ri->offsets);
    free(ri->values);
    free(ri);
}

int sided_index_builder_init(SidedIndexBuilder *b, uint32_t key_width)
{
    b->by_src = range_index_builder_new(key_width);
    b->by_dst = range_index_builder_new(key_width);
    return b->by_src && b->by_dst ? 0 : -1;
}

int sided_index_add(SidedIndexBuilder *b, bool rule_src_side, bool bidir, const uint8_t *lo,
                    const uint8_t *hi, uint32_t value)
{
    if ((bidir || rule_src_side) && range_index_builder_add(b->by_src, lo, hi, value) != 0)
        return -1;
    if ((bidir || !rule_src_side) && range_index_builder_add(b->by_dst, lo, hi, value) != 0)
        return -1;
    return 0;
}

int sided_index_build(SidedIndexBuilder *b, SidedIndex *out, size_t max_entries)
{
    bool failed_src, failed_dst;
    out->by_src = range_index_build(b->by_src, max_entries, &failed_src);
    out->by_dst = range_index_build(b->by_dst, max_entries, &failed_dst);
    b->by_src = b->by_dst = NULL;
    if (failed_src || failed_dst) {
        sided_index_free(out);
        return -1;
    }
    return 0;
}

void sided_index_builder_free(SidedIndexBuilder *b)
{
    range_index_builder_free(b->by_src);
    range_index_builder_free(b->by_dst);
    b->by_src = b->by_dst = NULL;
}

void sided_index_lookup(const SidedIndex *ix, const uint8_t *src_key, const uint8_t *dst_key,
                        void (*add)(void *ud, uint32_t value), void *ud)
{
    uint32_t n;
    const uint32_t *v = range_index_lookup(ix->by_src, src_key, &n);
    for (uint32_t i = 0; i < n; i++)
        add(ud, v[i]);
    v = range_index_lookup(ix->by_dst, dst_key, &n);
    for (uint32_t i = 0; i < n; i++)
        add(ud, v[i]);
}

void sided_index_free(SidedIndex *ix)
{
    range_index_free(ix->by_src);
    range_index_free(ix->by_dst);
    ix->by_src = ix->by_dst = NULL;
}

int keyed_rules_build(KeyedRules *kr, uint32_t key_width, const uint32_t *nums, uint32_t count,
                      KeyRuleFn key, void *ud)
{
    memset(kr, 0, sizeof(*kr));
    kr->rest = malloc((count ? count : 1) * sizeof(uint32_t));
    SidedIndexBuilder b;
    int rc = sided_index_builder_init(&b, key_width) == 0 && kr->rest ? 0 : -1;
    for (uint32_t i = 0; i < count && rc == 0; i++) {
        int r = key(ud, &b, nums[i]);
        if (r > 0)
            kr->rest[kr->rest_count++] = nums[i];
        rc = r < 0 ? -1 : 0;
    }
    if (rc != 0) {
        sided_index_builder_free(&b);
        keyed_rules_free(kr);
        return -1;
    }
    /* Disjoint narrow ranges (reputation lists, single ports) make about one entry each;
     * far more means wide ranges lying over many cuts, where checking each rule costs less
     * memory for about the same time. */
    size_t ranges = (size_t)b.by_src->count + b.by_dst->count;
    if (sided_index_build(&b, &kr->ix, 8 * ranges + 65536) != 0) {
        memcpy(kr->rest, nums, count * sizeof(uint32_t));
        kr->rest_count = count;
    }
    return 0;
}

const uint32_t *keyed_rules_lookup(const KeyedRules *kr, const uint8_t *src_key,
                                   const uint8_t *dst_key, void (*add)(void *ud, uint32_t num),
                                   void *ud, uint32_t *rest_count)
{
    sided_index_lookup(&kr->ix, src_key, dst_key, add, ud);
    *rest_count = kr->rest_count;
    return kr->rest;
}

void keyed_rules_free(KeyedRules *kr)
{
    sided_index_free(&kr->ix);
    free(kr->rest);
    kr->rest = NULL;
    kr->rest_count = 0;
}
