/*
 * ddos-sketch.h - the fixed-size summaries DDoS accounting is built from.
 *
 * A flood is, by construction, a stream of packets from more sources than anyone can keep a
 * record for, so nothing here allocates per key: every summary is a fixed array sized at
 * start-up, and what it cannot hold exactly it estimates with a known error.
 *
 *  - DdosCms, a count-min sketch (Cormode & Muthukrishnan): depth rows of width counters;
 *    a key adds to one counter per row and its estimate is the row minimum, which never
 *    undercounts and overcounts by at most e*N/width with probability 1 - e^-depth (nearly:
 *    the rows are blocked into cache lines, see ddos-sketch.c). The
 *    detector counts every protected destination in one, cheaply, and only the ones whose
 *    estimate gets large earn an exact entry (a "victim").
 *  - DdosTopK, a space-saving summary (Metwally et al.) of DDOS_TOPK keys: a new key takes
 *    the place of the smallest one and inherits its count as error, so any key seen more than
 *    N/DDOS_TOPK times is guaranteed to be in it. Victims keep one for their sources, source
 *    ports and destination ports.
 *  - DdosSpread, linear counting over a 1024-bit map: the number of distinct sources (how
 *    spread, i.e. how spoofed, a flood is) in 128 bytes, accurate to a few percent up to a few
 *    thousand and reported as "at least" beyond.
 *  - DdosEwma, the exponentially weighted moving average a victim's baseline rate is.
 */
#ifndef BONGSU_DDOS_SKETCH_H
#define BONGSU_DDOS_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

/* ---- hashing ---------------------------------------------------------------------------- */

/* 64-bit hash of an address (family included), different for each seed. */
uint64_t ddos_hash_address(const Address *a, uint64_t seed);

/* ---- count-min sketch ------------------------------------------------------------------- */

#define DDOS_CMS_DEPTH 4

typedef struct DdosCms {
    uint32_t width;           /* a power of two */
    uint32_t *counters;       /* DDOS_CMS_DEPTH * width */
    /* Lines (64 bytes) made non-zero since the last clear, so that clearing once a second
     * costs what was used, not the whole sketch; past dirty_cap the clear is a memset. */
    uint32_t *dirty;
    uint32_t dirty_count, dirty_cap;
} DdosCms;

/* width is rounded up to a power of two (at least 64). Returns 0 or -1 (no memory). */
int ddos_cms_init(DdosCms *cms, uint32_t width);
void ddos_cms_free(DdosCms *cms);
void ddos_cms_clear(DdosCms *cms);
/* Adds n to the key whose hash is h; returns the key's new estimate. */
uint32_t ddos_cms_add(DdosCms *cms, uint64_t h, uint32_t n);
uint32_t ddos_cms_estimate(const DdosCms *cms, uint64_t h);

/* ---- space-saving top-k ----------------------------------------------------------------- */

#define DDOS_TOPK 8
#define DDOS_TOPK_KEY 17 /* an Address (family + 16 bytes), or a port in the first two */

typedef struct DdosTopKEntry {
    uint8_t key[DDOS_TOPK_KEY];
    uint32_t count;  /* upper bound of the key's true count */
    uint32_t error;  /* count - error is a lower bound */
} DdosTopKEntry;

typedef struct DdosTopK {
    uint32_t used;
    uint64_t total;  /* everything ever added, for shares */
    DdosTopKEntry e[DDOS_TOPK];
} DdosTopK;

void ddos_topk_clear(DdosTopK *t);
void ddos_topk_add(DdosTopK *t, const uint8_t key[DDOS_TOPK_KEY], uint32_t n);
void ddos_topk_add_port(DdosTopK *t, uint16_t port);
void ddos_topk_add_address(DdosTopK *t, const Address *a);
/* Copies up to max entries, largest count first, into out; returns how many. */
uint32_t ddos_topk_sorted(const DdosTopK *t, DdosTopKEntry *out, uint32_t max);
uint16_t ddos_topk_port(const DdosTopKEntry *e);
void ddos_topk_address(const DdosTopKEntry *e, Address *out);

/* ---- distinct sources ------------------------------------------------------------------- */

#define DDOS_SPREAD_BITS 1024

typedef struct DdosSpread {
    uint64_t bits[DDOS_SPREAD_BITS / 64];
} DdosSpread;

void ddos_spread_clear(DdosSpread *s);
void ddos_spread_add(DdosSpread *s, uint64_t h);
/* Estimated distinct keys; *saturated is set when every bit is taken (the estimate is then a
 * lower bound). */
uint32_t ddos_spread_estimate(const DdosSpread *s, bool *saturated);

/* ---- EWMA ------------------------------------------------------------------------------- */

typedef struct DdosEwma {
    double value;
    uint32_t samples; /* seconds folded in, saturating; the baseline is trusted after warm-up */
} DdosEwma;

/* Folds one per-second sample in with weight alpha (0 < alpha <= 1). */
void ddos_ewma_update(DdosEwma *e, double sample, double alpha);
/* Folds in `seconds` samples of zero at once (seconds without traffic). */
void ddos_ewma_decay(DdosEwma *e, uint64_t seconds, double alpha);

#endif
