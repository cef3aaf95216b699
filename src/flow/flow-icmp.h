/*
 * flow-icmp.h - ICMP request/reply pairing, shared by the flow key and Community ID.
 */
#ifndef BONGSU_FLOW_ICMP_H
#define BONGSU_FLOW_ICMP_H

#include <stdint.h>

/* The ICMP (proto IPPROTO_ICMP) or ICMPv6 type that answers `type`, or -1 when none does. */
int flow_icmp_counterpart(uint8_t proto, uint8_t type);

#endif
