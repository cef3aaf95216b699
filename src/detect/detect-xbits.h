/*
 * detect-xbits.h - bits kept per host or per address pair across flows (the xbits keyword,
 * detect-xbits.c), shared by all worker threads and bounded by a memcap.
 */
#ifndef BONGSU_DETECT_XBITS_H
#define BONGSU_DETECT_XBITS_H

#include <stdint.h>

typedef struct XbitsStore XbitsStore;

XbitsStore *xbits_store_new(uint64_t memcap, uint32_t hash_size);
void xbits_store_free(XbitsStore *s);
/* Sets that found no room (memcap reached); the bit stayed unset. */
uint64_t xbits_store_memcap_drops(const XbitsStore *s);

#endif
