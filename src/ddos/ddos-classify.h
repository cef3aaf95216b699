/*
 * ddos-classify.h - what kind of packet, and what kind of attack.
 *
 * Every decoded IP packet to a protected address falls in exactly one traffic class (TCP by
 * flags, UDP by well-known reflector source port, ICMP, fragments) and in one of the two
 * totals (IPv4, IPv6); thresholds and baselines are kept per class. When a victim's rates
 * cross a threshold, ddos_classify() names the attack from the dominant class and the signs
 * (handshakes that never complete, one source port, many sources, many TTLs): the name goes
 * into EVE and into the mitigation command's environment, so it is a stable vocabulary.
 */
#ifndef BONGSU_DDOS_CLASSIFY_H
#define BONGSU_DDOS_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

#define DDOS_CLASSES(X)                                      \
    X(DDOS_SYN, "syn", "syn_flood")                          \
    X(DDOS_ACK, "ack", "tcp_ack_flood")                          \
    X(DDOS_RST, "rst", "tcp_rst_flood")                          \
    X(DDOS_TCP_OTHER, "tcp-other", "tcp_flood")              \
    X(DDOS_UDP, "udp", "udp_flood")                          \
    X(DDOS_DNS, "dns", "dns_amplification")                  \
    X(DDOS_NTP, "ntp", "ntp_amplification")                  \
    X(DDOS_MEMCACHED, "memcached", "memcached_amplification") \
    X(DDOS_SSDP, "ssdp", "ssdp_amplification")               \
    X(DDOS_CLDAP, "cldap", "cldap_amplification")            \
    X(DDOS_CHARGEN, "chargen", "chargen_amplification")      \
    X(DDOS_SNMP, "snmp", "snmp_amplification")               \
    X(DDOS_ICMP, "icmp", "icmp_flood")                       \
    X(DDOS_FRAGMENT, "fragment", "fragment_flood")           \
    X(DDOS_IPV4, "ipv4", "ipv4_flood")                       \
    X(DDOS_IPV6, "ipv6", "ipv6_flood")

typedef enum DdosClass {
#define DDOS_CLASS_ENUM(id, name, attack) id,
    DDOS_CLASSES(DDOS_CLASS_ENUM)
#undef DDOS_CLASS_ENUM
    DDOS_CLASS_COUNT
} DdosClass;

/* The classes before DDOS_IPV4 partition the traffic; DDOS_IPV4/6 are totals. */
#define DDOS_SPECIFIC_CLASSES DDOS_IPV4

/* Attacks beyond "flood of class X". */
typedef enum DdosAttack {
    DDOS_ATTACK_CLASS_BASE = 0, /* 0..DDOS_CLASS_COUNT-1: the class's own attack name */
    DDOS_ATTACK_UDP_REFLECTION = DDOS_CLASS_COUNT, /* UDP from one unlisted source port */
    DDOS_ATTACK_MULTI_VECTOR,                       /* no class dominates */
    DDOS_ATTACK_COUNT
} DdosAttack;

typedef struct DdosSigns {
    double syn_unanswered;   /* 1 - ACKs/SYNs towards the victim: handshakes not completed */
    double src_port_share;   /* share of the top source port among the victim's packets */
    uint16_t top_src_port;
    uint64_t packets;        /* packets the source summaries saw */
    uint32_t src_spread;     /* estimated distinct sources */
    bool src_spread_saturated;
    uint32_t ttl_distinct;   /* distinct TTL / hop-limit values */
} DdosSigns;

const char *ddos_class_name(DdosClass c);
/* -1 when name is no class. */
int ddos_class_from_name(const char *name);
DdosClass ddos_packet_class(const Packet *p);
/* The class the reflector source port maps to, or DDOS_UDP. */
DdosClass ddos_udp_class(uint16_t src_port);

/* The attack from per-class rates (packets/s) and signs. */
DdosAttack ddos_classify(const double rates[DDOS_CLASS_COUNT], const DdosSigns *signs);
const char *ddos_attack_name(DdosAttack a);
/* Amplification and other reflection attacks: the telling port is the reflectors' source. */
bool ddos_attack_is_reflection(DdosAttack a);
/* Sources look forged: nearly one per packet, with many TTLs (real hosts sit at a few
 * distances, so a botnet or reflectors repeat both). */
bool ddos_signs_spoofed(const DdosSigns *s);

#endif
