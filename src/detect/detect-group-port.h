/*
 * detect-group-port.h - rules without a fast pattern, grouped by port and direction (see
 * detect-group-port.c).
 */
#ifndef BONGSU_DETECT_GROUP_PORT_H
#define BONGSU_DETECT_GROUP_PORT_H

#include "detect/detect-internal.h"

typedef struct PortIndex PortIndex;

/* Indexes the rules nums[0..count) (ascending signature numbers) of a group; with by_port
 * false (a group whose packets may have no ports) only by direction. NULL when out of
 * memory. */
PortIndex *port_index_build(Signature *const *sigs, const uint32_t *nums, uint32_t count,
                            bool by_port);
/* For a packet going to the client (of a flow) or not: calls add(ud, num) for the indexed
 * rules whose ports may match sp -> dp, possibly twice, and returns the rules of that
 * direction that could not be indexed (ascending), candidates for every packet. */
const uint32_t *port_index_candidates(const PortIndex *ix, bool to_client, uint16_t sp,
                                      uint16_t dp, void (*add)(void *ud, uint32_t num),
                                      void *ud, uint32_t *rest_count);
void port_index_free(PortIndex *ix);

#endif
