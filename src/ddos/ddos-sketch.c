/*
 * ddos-sketch.c - count-min sketch, space-saving top-k, linear counting and EWMA (see
 * ddos-sketch.h for what each is for and its error bounds).
 */
#include "ddos-sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64's finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

uint64_t ddos_hash_address(const Address *a, uint64_t seed)
{
    uint64_t lo, hi;
    memcpy(&lo, a->addr, 8);
    memcpy(&hi, a->addr + 8, 8);
    return mix64(mix64(lo ^ seed) ^ hi ^ ((uint64_t)a->family << 56));
}

/* ---- count-min sketch ------------------------------------------------------------------- */

int ddos_cms_init(DdosCms *cms, uint32_t width)
{
    uint32_t w = 64;
    while (w < width && w < (1u << 24))
        w <<= 1;
    cms->width = w;
    cms->counters = aligned_alloc(64, (size_t)DDOS_CMS_DEPTH * w * sizeof(uint32_t));
    cms->dirty_cap = w * DDOS_CMS_DEPTH / 16 / 8; /* an eighth of the lines */
    cms->dirty = malloc((cms->dirty_cap ? cms->dirty_cap : 1) * sizeof(uint32_t));
    if (!cms->counters || !cms->dirty) {
        ddos_cms_free(cms);
        return -1;
    }
    cms->dirty_count = cms->dirty_cap + 1; /* unknown contents: the first clear is whole */
    ddos_cms_clear(cms);
    return 0;
}

void ddos_cms_free(DdosCms *cms)
{
    free(cms->counters);
    free(cms->dirty);
    cms->counters = NULL;
    cms->dirty = NULL;
}

void ddos_cms_clear(DdosCms *cms)
{
    if (cms->dirty_count > cms->dirty_cap) {
        memset(cms->counters, 0, (size_t)DDOS_CMS_DEPTH * cms->width * sizeof(uint32_t));
    } else {
        for (uint32_t i = 0; i < cms->dirty_count; i++)
            memset(&cms->counters[(size_t)cms->dirty[i] * 16], 0, 16 * sizeof(uint32_t));
    }
    cms->dirty_count = 0;
}

/* Where row `row`'s counter for hash h is. The sketch is blocked: a key's DDOS_CMS_DEPTH
 * counters share one 64-byte line (a line holds 4 counters of each row), so an update costs
 * one cache miss instead of four, which matters because every packet to an untracked
 * protected address makes one. The line comes from the low hash bits, the counter within
 * each row's quarter from independent high bits; each row still has `width` counters, but
 * two keys' rows now collide together when they share a line, which weakens the bound from
 * independent rows only in the (1/lines) case of sharing one. */
static size_t cms_index(const DdosCms *cms, uint64_t h, uint32_t row)
{
    size_t lines = (size_t)cms->width * DDOS_CMS_DEPTH / 16;
    size_t line = (size_t)(h & (lines - 1));
    uint32_t slot = row * 4 + (uint32_t)((h >> (56 - 2 * row)) & 3);
    return line * 16 + slot;
}

uint32_t ddos_cms_add(DdosCms *cms, uint64_t h, uint32_t n)
{
    uint32_t est = UINT32_MAX;
    for (uint32_t row = 0; row < DDOS_CMS_DEPTH; row++) {
        uint32_t *c = &cms->counters[cms_index(cms, h, row)];
        *c = *c > UINT32_MAX - n ? UINT32_MAX : *c + n;
        if (*c < est)
            est = *c;
    }
    /* A counter that was zero may mean the line was all zero: note it (duplicates are
     * harmless). Every line's first add passes here, so no dirty line is missed. */
    if (n && est == n && cms->dirty_count <= cms->dirty_cap) {
        if (cms->dirty_count < cms->dirty_cap)
            cms->dirty[cms->dirty_count] = (uint32_t)(cms_index(cms, h, 0) / 16);
        cms->dirty_count++;
    }
    return est;
}

uint32_t ddos_cms_estimate(const DdosCms *cms, uint64_t h)
{
    uint32_t est = UINT32_MAX;
    for (uint32_t row = 0; row < DDOS_CMS_DEPTH; row++) {
        uint32_t c = cms->counters[cms_index(cms, h, row)];
        if (c < est)
            est = c;
    }
    return est;
}

/* ---- space-saving top-k ----------------------------------------------------------------- */

void ddos_topk_clear(DdosTopK *t)
{
    memset(t, 0, sizeof(*t));
}

void ddos_topk_add(DdosTopK *t, const uint8_t key[DDOS_TOPK_KEY], uint32_t n)
{
    t->total += n;
    uint32_t min = 0;
    for (uint32_t i = 0; i < t->used; i++) {
        if (memcmp(t->e[i].key, key, DDOS_TOPK_KEY) == 0) {
            t->e[i].count += n;
            return;
        }
        if (t->e[i].count < t->e[min].count)
            min = i;
    }
    if (t->used < DDOS_TOPK) {
        DdosTopKEntry *e = &t->e[t->used++];
        memcpy(e->key, key, DDOS_TOPK_KEY);
        e->count = n;
        e->error = 0;
        return;
    }
    /* The newcomer may have been seen up to min times before, uncounted: that is its error. */
    DdosTopKEntry *e = &t->e[min];
    memcpy(e->key, key, DDOS_TOPK_KEY);
    e->error = e->count;
    e->count += n;
}

void ddos_topk_add_port(DdosTopK *t, uint16_t port)
{
    uint8_t key[DDOS_TOPK_KEY] = {(uint8_t)(port >> 8), (uint8_t)port};
    ddos_topk_add(t, key, 1);
}

void ddos_topk_add_address(DdosTopK *t, const Address *a)
{
    uint8_t key[DDOS_TOPK_KEY];
    key[0] = a->family;
    memcpy(key + 1, a->addr, 16);
    ddos_topk_add(t, key, 1);
}

static int by_count_desc(const void *a, const void *b)
{
    const DdosTopKEntry *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

uint32_t ddos_topk_sorted(const DdosTopK *t, DdosTopKEntry *out, uint32_t max)
{
    DdosTopKEntry tmp[DDOS_TOPK];
    memcpy(tmp, t->e, t->used * sizeof(DdosTopKEntry));
    qsort(tmp, t->used, sizeof(DdosTopKEntry), by_count_desc);
    uint32_t n = t->used < max ? t->used : max;
    memcpy(out, tmp, n * sizeof(DdosTopKEntry));
    return n;
}

uint16_t ddos_topk_port(const DdosTopKEntry *e)
{
    return (uint16_t)(e->key[0] << 8 | e->key[1]);
}

void ddos_topk_address(const DdosTopKEntry *e, Address *out)
{
    out->family = e->key[0];
    memcpy(out->addr, e->key + 1, 16);
}

/* ---- distinct sources ------------------------------------------------------------------- */

void ddos_spread_clear(DdosSpread *s)
{
    memset(s, 0, sizeof(*s));
}

void ddos_spread_add(DdosSpread *s, uint64_t h)
{
    uint32_t bit = (uint32_t)(h >> 40) & (DDOS_SPREAD_BITS - 1);
    s->bits[bit / 64] |= 1ull << (bit % 64);
}

uint32_t ddos_spread_estimate(const DdosSpread *s, bool *saturated)
{
    uint32_t set = 0;
    for (size_t i = 0; i < DDOS_SPREAD_BITS / 64; i++)
        set += (uint32_t)__builtin_popcountll(s->bits[i]);
    uint32_t zero = DDOS_SPREAD_BITS - set;
    *saturated = zero == 0;
    if (zero == 0)
        zero = 1; /* the estimate with one bit left: the most this map can tell */
    double m = DDOS_SPREAD_BITS;
    return (uint32_t)llround(-m * log((double)zero / m));
}

/* ---- EWMA ------------------------------------------------------------------------------- */

void ddos_ewma_update(DdosEwma *e, double sample, double alpha)
{
    e->value = e->samples ? alpha * sample + (1.0 - alpha) * e->value : sample;
    if (e->samples < UINT32_MAX)
        e->samples++;
}

void ddos_ewma_decay(DdosEwma *e, uint64_t seconds, double alpha)
{
    if (!seconds)
        return;
    e->value *= pow(1.0 - alpha, (double)seconds);
    e->samples = e->samples > UINT32_MAX - seconds ? UINT32_MAX : e->samples + (uint32_t)seconds;
}
