/*
 * flow-internal.h - what the flow/ files share among themselves and with their tests.
 */
#ifndef BONGSU_FLOW_INTERNAL_H
#define BONGSU_FLOW_INTERNAL_H

#include "flow/flow.h"

typedef enum FlowDirectionMatch {
    FLOW_MATCH_NONE,
    FLOW_MATCH_TOSERVER,
    FLOW_MATCH_TOCLIENT,
} FlowDirectionMatch;

void flow_key_from_packet(const Packet *p, FlowKey *key);
uint32_t flow_hash_key(const FlowKey *key);
FlowDirectionMatch flow_key_match(const FlowKey *flow_key, const FlowKey *pkt_key);

/* TCP: update the connection state from a packet; true when a SYN starts a new connection on
 * a flow whose previous connection has closed (port reuse). */
void flow_tcp_update(Flow *f, const Packet *p, bool to_server);
bool flow_tcp_is_reuse(const Flow *f, const Packet *p);

#endif
