/*
 * detect-iponly.h - the address index of IP-only rules (see detect-iponly.c).
 */
#ifndef BONGSU_DETECT_IPONLY_H
#define BONGSU_DETECT_IPONLY_H

#include "detect/detect-internal.h"

typedef struct IpOnlyIndex IpOnlyIndex;

/* Indexes the IP-only rules nums[0..count) (ascending signature numbers) of a group. NULL
 * when out of memory. */
IpOnlyIndex *iponly_index_build(Signature *const *sigs, const uint32_t *nums, uint32_t count);
/* Calls add(ud, num) for the indexed rules whose addresses may match src -> dst (or the
 * other way round for "<>" rules), possibly twice; returns the rules that could not be
 * indexed (ascending), which are candidates for every packet. */
const uint32_t *iponly_index_candidates(const IpOnlyIndex *ix, const Address *src,
                                        const Address *dst, void (*add)(void *ud, uint32_t num),
                                        void *ud, uint32_t *rest_count);
void iponly_index_free(IpOnlyIndex *ix);

#endif
