/*
 * defrag.h - IPv4 and IPv6 fragment reassembly.
 *
 * Fragments are collected per datagram (source, destination, id, protocol, VLAN) in a table
 * bounded by a memcap; when a datagram is complete, the reassembled IP packet is queued on the
 * DecodeThread as a pseudo packet (datalink LINKTYPE_IPV4/IPV6) and decoded like any other.
 * Trackers expire after `timeout` seconds of packet time. Overlaps are resolved with a target
 * policy (Suricata's default "bsd") and raise decoder.ipv4/ipv6.frag_overlap.
 */
#ifndef BONGSU_DEFRAG_H
#define BONGSU_DEFRAG_H

#include <stdint.h>

#include "decode/decode.h"

typedef struct DefragConfig {
    uint64_t memcap;        /* bytes of fragment data + trackers (defrag.memcap, 32mb) */
    uint32_t timeout_sec;   /* defrag.timeout, 60 */
    uint32_t max_frags;     /* defrag.max-frags per datagram */
    uint32_t trackers;      /* defrag.trackers: max datagrams in progress */
} DefragConfig;

typedef struct DefragTable DefragTable;

void defrag_config_default(DefragConfig *cfg);
void defrag_register_counters(void);
DefragTable *defrag_table_new(const DefragConfig *cfg);
void defrag_table_free(DefragTable *table);

/* Add an IPv4 fragment; ip points at the IPv4 header, ip_len is its total length. */
void defrag_ipv4(DecodeThread *dt, Packet *p, const uint8_t *ip, uint32_t ip_len);
/* Add an IPv6 fragment; frag_hdr_offset is where the fragment header starts within ip. */
void defrag_ipv6(DecodeThread *dt, Packet *p, const uint8_t *ip, uint32_t ip_len,
                 uint32_t frag_hdr_offset);
/* Drop datagrams not completed within the timeout; now is packet time. */
void defrag_expire(DefragTable *table, CounterSet *counters, uint64_t now_usec);
uint64_t defrag_memuse(const DefragTable *table);

#endif
