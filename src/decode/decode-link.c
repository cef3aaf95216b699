/*
 * decode-link.c - link layers other than Ethernet: Linux cooked capture (SLL, SLL2), BSD
 * null/loopback, Cisco HDLC, and raw IP.
 *
 * They all end up naming a network protocol and handing over to the ethertype dispatch (SLL,
 * SLL2) or straight to IPv4/IPv6 (null, raw).
 */
#include "decode/decode.h"

#define SLL_HEADER_LEN 16
#define SLL2_HEADER_LEN 20

DecodeResult decode_sll(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.sll);
    if (len < SLL_HEADER_LEN)
        return decode_fail(dt, p, DE_SLL_PKT_TOO_SMALL);
    /* The protocol field sits last, after packet type, ARPHRD type and the address. */
    uint16_t protocol = rd16(data + 14);
    return decode_ethertype(dt, p, protocol, data + SLL_HEADER_LEN, len - SLL_HEADER_LEN);
}

DecodeResult decode_sll2(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    /* Suricata 7 has no separate SLL2 counter or event; both cooked formats count as sll. */
    counter_incr(dt->counters, decode_ids.sll);
    if (len < SLL2_HEADER_LEN)
        return decode_fail(dt, p, DE_SLL_PKT_TOO_SMALL);
    /* SLL2 moved the protocol to the front, followed by interface index and the rest. */
    uint16_t protocol = rd16(data);
    return decode_ethertype(dt, p, protocol, data + SLL2_HEADER_LEN, len - SLL2_HEADER_LEN);
}

/* Cisco HDLC: address, control, then an ethertype. */
DecodeResult decode_chdlc(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.chdlc);
    if (len < 4)
        return decode_fail(dt, p, DE_CHDLC_PKT_TOO_SMALL);
    return decode_ethertype(dt, p, rd16(data + 2), data + 4, len - 4);
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order. The IPv6 family
 * number differs between systems (BSD 24, FreeBSD 28, Darwin 30, Linux 10, Solaris 26,
 * Winsock 23); Suricata accepts them all. A value that only makes sense big-endian was
 * written by a big-endian host and is read that way. */
DecodeResult decode_null(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.null);
    if (len < 4)
        return decode_fail(dt, p, DE_LTNULL_PKT_TOO_SMALL);
    uint32_t family = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                      (uint32_t)data[3] << 24;
    if (family > 0xffff)
        family = rd32(data);
    switch (family) {
    case 2:
        return decode_ipv4(dt, p, data + 4, len - 4);
    case 10:
    case 23:
    case 24:
    case 26:
    case 28:
    case 30:
        return decode_ipv6(dt, p, data + 4, len - 4);
    default:
        decode_set_event(dt, p, DE_LTNULL_UNSUPPORTED_TYPE);
        return DECODE_FAIL;
    }
}

/* Raw IP: the version nibble decides. As in Suricata, anything shorter than an IPv4 header is
 * ipv4.pkt_too_small, and an unknown version is an anomaly that does not invalidate. */
DecodeResult decode_raw(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.raw);
    if (len < 20)
        return decode_fail(dt, p, DE_IPV4_PKT_TOO_SMALL);
    switch (data[0] >> 4) {
    case 4:
        return decode_ipv4(dt, p, data, len);
    case 6:
        return decode_ipv6(dt, p, data, len);
    default:
        decode_set_event(dt, p, DE_IPRAW_INVALID_IPV);
        return DECODE_FAIL;
    }
}
