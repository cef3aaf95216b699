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
/* ICMPv4 destination unreachable, source quench, redirect, time exceeded, parameter problem. */
bool flow_icmp_is_error(const Packet *p);
uint32_t flow_hash_key(const FlowKey *key);
FlowDirectionMatch flow_key_match(const FlowKey *flow_key, const FlowKey *pkt_key);

/* TCP port reuse, as Suricata decides it: a SYN (or, with midstream pickups, a SYN/ACK) on a
 * flow whose session is done enough starts a new flow on the same tuple. */
bool flow_tcp_is_reuse(const Flow *f, const Packet *p, bool to_server, bool synack_starts);

#endif
