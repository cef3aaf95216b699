/*
 * detect-xbits.h - bits kept per host or per address pair across flows (the xbits keyword,
 * detect-xbits.c), shared by all worker threads and bounded by a memcap.
 */
#ifndef BONGSU_DETECT_XBITS_H
#define BONGSU_DETECT_XBITS_H

#include <stdint.h>

#include "detect/detect-internal.h"

typedef enum XbitCmd { XB_SET, XB_UNSET, XB_TOGGLE, XB_ISSET, XB_ISNOTSET } XbitCmd;
typedef enum XbitTrack { XB_SRC, XB_DST, XB_PAIR } XbitTrack;

/* One xbits (or hostbits, detect-hostbits.c) option: the bit's name id (flowvar_name_id),
 * which host(s) it belongs to, and how long a set lasts. */
typedef struct XbitsCtx {
    XbitCmd cmd;
    XbitTrack track;
    int id;
    uint32_t expire;
} XbitsCtx;

/* Appends a copy of ctx to sig: actions after the match, tests with the packet keywords. */
int xbits_append(const DetectKeyword *kw, Signature *sig, const XbitsCtx *ctx);
/* The match/action of an XbitsCtx on the engine's shared store. */
bool xbits_match(DetectMatchCtx *m, const void *ctx_ptr);

typedef struct XbitsStore XbitsStore;

XbitsStore *xbits_store_new(uint64_t memcap, uint32_t hash_size);
void xbits_store_free(XbitsStore *s);
/* Sets that found no room (memcap reached); the bit stayed unset. */
uint64_t xbits_store_memcap_drops(const XbitsStore *s);

#endif
