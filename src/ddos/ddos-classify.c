/*
 * ddos-classify.c - packet classes and attack names (see ddos-classify.h).
 *
 * The dominance rule: the attack is named after the class carrying at least
 * DOMINANT_SHARE of the victim's classified packets; a UDP flood concentrated on one source
 * port that is not a listed reflector is still a reflection (a new amplifier protocol), and
 * with no dominant class the attack is multi-vector. Packets of other IP protocols (GRE, ESP,
 * ...) count only in the IPv4/IPv6 totals, so a flood of them is named by the total.
 */
#include "ddos-classify.h"

#include <netinet/in.h>
#include <string.h>

#define DOMINANT_SHARE 0.6
#define REFLECTION_PORT_SHARE 0.8
#define SPOOFED_MIN_SOURCES 32
#define SPOOFED_SOURCE_SHARE 0.5
#define SPOOFED_MIN_TTLS 16

static const char *const class_names[] = {
#define DDOS_CLASS_NAME(id, name, attack) name,
    DDOS_CLASSES(DDOS_CLASS_NAME)
#undef DDOS_CLASS_NAME
};

static const char *const attack_names[] = {
#define DDOS_ATTACK_NAME(id, name, attack) attack,
    DDOS_CLASSES(DDOS_ATTACK_NAME)
#undef DDOS_ATTACK_NAME
    "udp_reflection",
    "multi_vector",
};

bool ddos_attack_is_reflection(DdosAttack a)
{
    return (a >= (DdosAttack)DDOS_DNS && a <= (DdosAttack)DDOS_SNMP) ||
           a == DDOS_ATTACK_UDP_REFLECTION;
}

const char *ddos_class_name(DdosClass c)
{
    return (unsigned)c < DDOS_CLASS_COUNT ? class_names[c] : "unknown";
}

int ddos_class_from_name(const char *name)
{
    for (int c = 0; c < DDOS_CLASS_COUNT; c++)
        if (strcmp(class_names[c], name) == 0)
            return c;
    return -1;
}

const char *ddos_attack_name(DdosAttack a)
{
    return (unsigned)a < DDOS_ATTACK_COUNT ? attack_names[a] : "unknown";
}

DdosClass ddos_udp_class(uint16_t src_port)
{
    switch (src_port) {
    case 53: return DDOS_DNS;
    case 123: return DDOS_NTP;
    case 11211: return DDOS_MEMCACHED;
    case 1900: return DDOS_SSDP;
    case 389: return DDOS_CLDAP;
    case 19: return DDOS_CHARGEN;
    case 161: return DDOS_SNMP;
    default: return DDOS_UDP;
    }
}

static DdosClass tcp_class(uint8_t flags)
{
    if (flags & TH_RST)
        return DDOS_RST;
    if ((flags & (TH_SYN | TH_ACK | TH_FIN)) == TH_SYN)
        return DDOS_SYN;
    if ((flags & (TH_SYN | TH_FIN | TH_ACK)) == TH_ACK || (flags & (TH_SYN | TH_ACK)) ==
                                                               (TH_SYN | TH_ACK))
        return DDOS_ACK;
    return DDOS_TCP_OTHER;
}

DdosClass ddos_packet_class(const Packet *p)
{
    /* A fragment without its transport header (or any fragment: the transport of the first
     * one says nothing about the rest) is a fragment first. */
    if (p->is_fragment)
        return DDOS_FRAGMENT;
    switch (p->proto) {
    case IPPROTO_TCP:
        return p->l4_hdr ? tcp_class(p->tcp_flags) : DDOS_TCP_OTHER;
    case IPPROTO_UDP:
        return p->l4_hdr ? ddos_udp_class(p->sp) : DDOS_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        return DDOS_ICMP;
    default:
        return p->ip_version == 6 ? DDOS_IPV6 : DDOS_IPV4;
    }
}

DdosAttack ddos_classify(const double rates[DDOS_CLASS_COUNT], const DdosSigns *signs)
{
    double specific = 0, top = 0;
    int dominant = -1;
    for (int c = 0; c < DDOS_SPECIFIC_CLASSES; c++) {
        specific += rates[c];
        if (rates[c] > top) {
            top = rates[c];
            dominant = c;
        }
    }
    double total = rates[DDOS_IPV4] + rates[DDOS_IPV6];
    /* Mostly protocols without a class of their own: name the flood by IP version. */
    if (dominant < 0 || specific < total / 2)
        return rates[DDOS_IPV6] > rates[DDOS_IPV4] ? (DdosAttack)DDOS_IPV6
                                                    : (DdosAttack)DDOS_IPV4;
    if (top < DOMINANT_SHARE * specific)
        return DDOS_ATTACK_MULTI_VECTOR;
    if (dominant == DDOS_UDP && signs && signs->src_port_share >= REFLECTION_PORT_SHARE &&
        signs->top_src_port != 0)
        return DDOS_ATTACK_UDP_REFLECTION;
    return (DdosAttack)dominant;
}

bool ddos_signs_spoofed(const DdosSigns *s)
{
    bool spread = s->src_spread_saturated ||
                  (s->src_spread >= SPOOFED_MIN_SOURCES &&
                   s->src_spread >= SPOOFED_SOURCE_SHARE * (double)s->packets);
    return spread && s->ttl_distinct >= SPOOFED_MIN_TTLS;
}
