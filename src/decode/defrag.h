/*
 * defrag.h - IPv4 and IPv6 fragment reassembly.
 *
 * Fragments are collected per datagram (source, destination, id, protocol, VLAN) in a table
 * bounded by a memcap; when a datagram is complete, the reassembled IP packet is queued on the
 * DecodeThread as a pseudo packet (datalink LINKTYPE_IPV4/IPV6) and decoded like any other.
 * Trackers expire after `timeout` seconds of packet time. Overlaps are resolved with the
 * policy of the destination's operating system, as Suricata's host-os-policy assigns it
 * (defrag_config_add_host; "bsd" when no entry matches), and raise
 * decoder.ipv4/ipv6.frag_overlap.
 */
#ifndef BONGSU_DEFRAG_H
#define BONGSU_DEFRAG_H

#include <stdint.h>

#include "decode/decode.h"

/* How overlapping fragments are resolved, after the target system (Suricata's names). */
typedef enum DefragPolicy {
    DEFRAG_POLICY_BSD,
    DEFRAG_POLICY_BSD_RIGHT, /* as in Suricata: no trimming, copy order decides */
    DEFRAG_POLICY_LINUX,
    DEFRAG_POLICY_WINDOWS,
    DEFRAG_POLICY_SOLARIS,
    DEFRAG_POLICY_FIRST,
    DEFRAG_POLICY_LAST,
} DefragPolicy;

#define DEFRAG_HOST_POLICIES_MAX 64

/* One host-os-policy entry: a network and the policy of the systems in it. */
typedef struct DefragHostPolicy {
    uint8_t family;     /* AF_INET or AF_INET6 */
    uint8_t prefix_len;
    uint8_t addr[16];
    DefragPolicy policy;
} DefragHostPolicy;

typedef struct DefragConfig {
    uint64_t memcap;        /* bytes of fragment data + trackers (defrag.memcap, 32mb) */
    uint32_t timeout_sec;   /* defrag.timeout, 60 */
    uint32_t max_frags;     /* defrag.max-frags per datagram */
    uint32_t trackers;      /* defrag.trackers: max datagrams in progress */
    /* host-os-policy, longest prefix wins; destinations matching none use bsd. */
    uint32_t host_policy_count;
    DefragHostPolicy host_policy[DEFRAG_HOST_POLICIES_MAX];
} DefragConfig;

typedef struct DefragTable DefragTable;

void defrag_config_default(DefragConfig *cfg);
/* The defrag policy of a host-os-policy name ("windows", "linux", "hpux11"...); -1 when the
 * name is unknown. "none" maps to bsd, Suricata's default. */
int defrag_policy_from_os(const char *os_name);
/* Adds a host-os-policy entry: `network` is an address or CIDR ("10.0.0.0/8", "::/0").
 * Returns 0, or -1 for an unparsable network or a full table. */
int defrag_config_add_host(DefragConfig *cfg, const char *network, DefragPolicy policy);
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
