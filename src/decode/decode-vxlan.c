/*
 * decode-vxlan.c - VXLAN (RFC 7348): Ethernet frames in UDP, port 4789 by default.
 *
 * UDP on the VXLAN port is not always VXLAN, so the header is checked first (the I flag that
 * says a VNI is present, the last reserved byte zero, room for an inner Ethernet header); a
 * payload that fails is not an anomaly and stays an ordinary UDP payload. A valid one is a
 * tunnel: as in Suricata the inner Ethernet header is read here and the packet behind it
 * (IPv4, IPv6, or VLAN-tagged) becomes a pseudo packet with its own flow. ARP needs no
 * decoding; other ethertypes raise decoder.vxlan.unknown_payload_type.
 */
#include "decode/decode-internal.h"

#define VXLAN_HEADER_LEN 8
#define VXLAN_FLAG_VNI 0x08
#define ETHERNET_HEADER_LEN 14

DecodeResult decode_vxlan(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    if (!dt->options.vxlan_enabled || len < VXLAN_HEADER_LEN + ETHERNET_HEADER_LEN)
        return DECODE_FAIL;
    if ((data[0] & VXLAN_FLAG_VNI) == 0 || data[7] != 0)
        return DECODE_FAIL;
    counter_incr(dt->counters, decode_ids.vxlan);

    const uint8_t *eth = data + VXLAN_HEADER_LEN;
    const uint8_t *inner = eth + ETHERNET_HEADER_LEN;
    uint32_t inner_len = len - VXLAN_HEADER_LEN - ETHERNET_HEADER_LEN;
    switch (rd16(eth + 12)) {
    case ETHERTYPE_ARP:
        break;
    case ETHERTYPE_IPV4:
        decode_tunnel_queue(dt, p, inner, inner_len, LINKTYPE_IPV4);
        break;
    case ETHERTYPE_IPV6:
        decode_tunnel_queue(dt, p, inner, inner_len, LINKTYPE_IPV6);
        break;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
        /* The whole frame, so its tags are decoded as VLAN layers of the inner packet. */
        decode_tunnel_queue(dt, p, eth, len - VXLAN_HEADER_LEN, LINKTYPE_ETHERNET);
        break;
    default:
        decode_fail(dt, p, DE_VXLAN_UNKNOWN_PAYLOAD_TYPE);
        break;
    }
    return DECODE_OK;
}
