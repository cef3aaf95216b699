/*
 * flow-hash.c - flow keys from packets, the symmetric flow hash, key comparison.
 *
 * The hash must give the same value for both directions of a conversation because it decides
 * which worker thread gets a packet: the endpoints are put in a canonical order (lower
 * address/port first) before hashing. ICMP has no ports: its type and code, and the type of
 * its answer, stand in for them, so an echo request and its reply meet in one flow. ESP
 * flows are keyed on the SPI.
 */
#include "flow/flow-icmp.h"
#include "flow/flow-internal.h"

#include <netinet/in.h>
#include <string.h>

static bool vlan_tracking = true;

void flow_hash_set_vlan_tracking(bool on)
{
    vlan_tracking = on;
}

static bool packet_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

bool flow_icmp_is_error(const Packet *p)
{
    if (p->proto != IPPROTO_ICMP)
        return false;
    switch (p->icmp_type) {
    case 3:  /* destination unreachable */
    case 4:  /* source quench */
    case 5:  /* redirect */
    case 11: /* time exceeded */
    case 12: /* parameter problem */
        return true;
    default:
        return false;
    }
}

/* The flow an ICMPv4 error is about: the IPv4 header (and ports) it quotes. */
static bool icmp_error_key(const Packet *p, FlowKey *key)
{
    const uint8_t *e = p->payload;
    uint32_t n = p->payload_len;
    if (!e || n < 20 || (e[0] >> 4) != 4)
        return false;
    uint32_t ihl = (uint32_t)(e[0] & 0x0f) * 4;
    if (ihl < 20 || n < ihl)
        return false;
    key->src.family = key->dst.family = AF_INET;
    memcpy(key->src.addr, e + 12, 4);
    memcpy(key->dst.addr, e + 16, 4);
    key->proto = e[9];
    if (packet_has_ports(key->proto)) {
        if (n < ihl + 4)
            return false;
        key->sp = (uint16_t)(e[ihl] << 8 | e[ihl + 1]);
        key->dp = (uint16_t)(e[ihl + 2] << 8 | e[ihl + 3]);
    }
    return true;
}

void flow_key_from_packet(const Packet *p, FlowKey *key)
{
    memset(key, 0, sizeof(*key));
    key->vlan_count = p->vlan_count;
    memcpy(key->vlan_id, p->vlan_id, sizeof(key->vlan_id));
    /* As Suricata: an ICMPv4 error belongs to the flow it quotes (and hashes like it, so it
     * reaches that flow's worker); it never makes a flow of its own. */
    if (flow_icmp_is_error(p) && icmp_error_key(p, key))
        return;
    key->src = p->src;
    key->dst = p->dst;
    if (packet_has_ports(p->proto)) {
        key->sp = p->sp;
        key->dp = p->dp;
    } else if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
        /* As Suricata: a message is keyed on its type and code, and on the type that answers
         * it, so a request and its reply share a flow (their "ports" are swapped) while
         * other messages between the same hosts are flows of their own. */
        int counterpart = flow_icmp_counterpart(p->proto, p->icmp_type);
        /* ICMPv6 flows are told apart by code as well; ICMPv4 ones only by type. */
        uint8_t code = p->proto == IPPROTO_ICMPV6 ? p->icmp_code : 0;
        key->sp = (uint16_t)(p->icmp_type << 8 | code);
        key->dp = (uint16_t)((counterpart >= 0 ? counterpart : 0xff) << 8 | code);
    } else if (p->proto == IPPROTO_ESP) {
        /* Each direction of an IPsec association has its own SPI, hence its own flow. */
        key->sp = (uint16_t)(p->esp_spi >> 16);
        key->dp = (uint16_t)p->esp_spi;
    }
    key->proto = p->proto;
    key->vlan_count = p->vlan_count;
    memcpy(key->vlan_id, p->vlan_id, sizeof(key->vlan_id));
}

static inline uint32_t mix32(uint32_t h, uint32_t k)
{
    k *= 0xcc9e2d51u;
    k = (k << 15) | (k >> 17);
    k *= 0x1b873593u;
    h ^= k;
    h = (h << 13) | (h >> 19);
    return h * 5 + 0xe6546b64u;
}

static uint32_t hash_address(uint32_t h, const Address *a)
{
    uint32_t words[4];
    memcpy(words, a->addr, sizeof(words));
    h = mix32(h, words[0]);
    if (a->family == AF_INET6) {
        h = mix32(h, words[1]);
        h = mix32(h, words[2]);
        h = mix32(h, words[3]);
    }
    return h;
}

/* True when (a, ap) sorts before (b, bp): the canonical order of the two endpoints. */
static bool endpoint_less(const Address *a, uint16_t ap, const Address *b, uint16_t bp)
{
    int c = memcmp(a->addr, b->addr, sizeof(a->addr));
    return c < 0 || (c == 0 && ap < bp);
}

uint32_t flow_hash_key(const FlowKey *k)
{
    const Address *lo = &k->src, *hi = &k->dst;
    uint16_t lo_port = k->sp, hi_port = k->dp;
    if (!endpoint_less(lo, lo_port, hi, hi_port)) {
        lo = &k->dst;
        hi = &k->src;
        lo_port = k->dp;
        hi_port = k->sp;
    }
    uint32_t h = 0x9747b28cu;
    h = hash_address(h, lo);
    h = hash_address(h, hi);
    h = mix32(h, ((uint32_t)lo_port << 16) | hi_port);
    const uint16_t *vlan = vlan_tracking ? k->vlan_id : (const uint16_t[3]){0, 0, 0};
    h = mix32(h, ((uint32_t)k->proto << 16) | vlan[0]);
    h = mix32(h, ((uint32_t)vlan[1] << 16) | vlan[2]);
    /* murmur3 finaliser: spreads the bits for the bucket index */
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t flow_hash_packet(const Packet *p)
{
    FlowKey key;
    flow_key_from_packet(p, &key);
    return flow_hash_key(&key);
}

FlowDirectionMatch flow_key_match(const FlowKey *flow_key, const FlowKey *pkt_key)
{
    if (flow_key->proto != pkt_key->proto)
        return FLOW_MATCH_NONE;
    if (vlan_tracking && (flow_key->vlan_count != pkt_key->vlan_count ||
                          memcmp(flow_key->vlan_id, pkt_key->vlan_id,
                                 sizeof(flow_key->vlan_id)) != 0))
        return FLOW_MATCH_NONE;
    if (flow_key->sp == pkt_key->sp && flow_key->dp == pkt_key->dp &&
        memcmp(&flow_key->src, &pkt_key->src, sizeof(Address)) == 0 &&
        memcmp(&flow_key->dst, &pkt_key->dst, sizeof(Address)) == 0)
        return FLOW_MATCH_TOSERVER;
    if (flow_key->sp == pkt_key->dp && flow_key->dp == pkt_key->sp &&
        memcmp(&flow_key->src, &pkt_key->dst, sizeof(Address)) == 0 &&
        memcmp(&flow_key->dst, &pkt_key->src, sizeof(Address)) == 0)
        return FLOW_MATCH_TOCLIENT;
    return FLOW_MATCH_NONE;
}
