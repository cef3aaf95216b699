/*
 * decode-ethernet.c - Ethernet II frames and the ethertype dispatch that every link layer
 * (Ethernet, SLL, VLAN, PPPoE, GRE, MPLS...) ends in.
 *
 * An ethertype nothing decodes is counted as decoder.unknown_ethertype, 802.3 length values
 * and LLC frames included, as Suricata counts them; it is not an anomaly except behind a
 * VLAN tag (decode-vlan.c asks ethertype_known).
 */
#include "decode/decode-internal.h"

#include <string.h>

#define ETHERNET_HEADER_LEN 14

DecodeResult decode_ethernet(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.ethernet);
    if (len < ETHERNET_HEADER_LEN)
        return decode_fail(dt, p, DE_ETHERNET_PKT_TOO_SMALL);
    if (!p->has_mac) { /* inner frames of a tunnel keep the wire's addresses */
        memcpy(p->dst_mac, data, 6);
        memcpy(p->src_mac, data + 6, 6);
        p->has_mac = true;
    }
    uint16_t ethertype = rd16(data + 12);
    return decode_ethertype(dt, p, ethertype, data + ETHERNET_HEADER_LEN,
                            len - ETHERNET_HEADER_LEN);
}

/* Fails only when the layer limit is reached: what the next layer makes of its bytes is that
 * layer's business, as in Suricata's network-layer dispatch. */
DecodeResult decode_ethertype(DecodeThread *dt, Packet *p, uint16_t ethertype,
                              const uint8_t *data, uint32_t len)
{
    if (++dt->depth > DECODE_MAX_LAYERS) {
        counter_incr(dt->counters, decode_ids.too_many_layers);
        return decode_fail(dt, p, DE_DECODE_TOO_MANY_LAYERS);
    }
    switch (ethertype) {
    case ETHERTYPE_IPV4:
        decode_ipv4(dt, p, data, len);
        break;
    case ETHERTYPE_IPV6:
        decode_ipv6(dt, p, data, len);
        break;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
        decode_vlan(dt, p, ethertype, data, len);
        break;
    case ETHERTYPE_MPLS_UNICAST:
    case ETHERTYPE_MPLS_MULTICAST:
        decode_mpls(dt, p, data, len);
        break;
    case ETHERTYPE_PPPOE_SESS:
        decode_pppoe_session(dt, p, data, len);
        break;
    case ETHERTYPE_PPPOE_DISC:
        decode_pppoe_discovery(dt, p, data, len);
        break;
    case ETHERTYPE_TEB:
        decode_ethernet(dt, p, data, len);
        break;
    case ETHERTYPE_ARP:
        counter_incr(dt->counters, decode_ids.arp);
        break;
    case ETHERTYPE_VNTAG:
        decode_vntag(dt, p, data, len);
        break;
    case ETHERTYPE_NSH:
        decode_nsh(dt, p, data, len);
        break;
    default:
        counter_incr(dt->counters, decode_ids.unknown_ethertype);
        break;
    }
    return DECODE_OK;
}

bool ethertype_known(uint16_t ethertype)
{
    switch (ethertype) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
    case ETHERTYPE_MPLS_UNICAST:
    case ETHERTYPE_MPLS_MULTICAST:
    case ETHERTYPE_PPPOE_SESS:
    case ETHERTYPE_PPPOE_DISC:
    case ETHERTYPE_TEB:
    case ETHERTYPE_ARP:
    case ETHERTYPE_VNTAG:
    case ETHERTYPE_NSH:
        return true;
    default:
        return false;
    }
}
