/*
 * decode-service.c - the service-chaining and fabric headers that sit between Ethernet and
 * the network layer: Cisco VN-Tag (ethertype 0x8926) and the Network Service Header (NSH,
 * RFC 8300, ethertype 0x894f).
 *
 * Both are decoded in place, as Suricata 7 does (each has its counter, decoder.vntag and
 * decoder.nsh, and its own decoder events); what they carry goes on to the ethertype
 * dispatch (VN-Tag) or, by NSH's next-protocol field, to IPv4, IPv6, Ethernet or MPLS.
 */
#include "decode/decode-internal.h"

#define VNTAG_HEADER_LEN 6
#define NSH_BASE_LEN 8 /* base header and service path header */
#define NSH_MD1_LEN 24 /* MD type 1: fixed 16 bytes of context */

enum { NSH_MD_TYPE_1 = 1, NSH_MD_TYPE_2 = 2 };
enum { NSH_NP_IPV4 = 1, NSH_NP_IPV6 = 2, NSH_NP_ETHERNET = 3, NSH_NP_MPLS = 5 };

/* 4 bytes of tag (direction, pointer, virtual interfaces), then the next ethertype. */
DecodeResult decode_vntag(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.vntag);
    if (len < VNTAG_HEADER_LEN)
        return decode_fail(dt, p, DE_VNTAG_HEADER_TOO_SMALL);
    uint16_t next = rd16(data + 4);
    if (!ethertype_known(next)) {
        decode_set_event(dt, p, DE_VNTAG_UNKNOWN_TYPE);
        return DECODE_OK;
    }
    return decode_ethertype(dt, p, next, data + VNTAG_HEADER_LEN, len - VNTAG_HEADER_LEN);
}

/* The header length (in 4-byte words) must fit the metadata type: exactly 6 words for type
 * 1, at least the 2 fixed words for type 2; types 0 and 15 are reserved. */
static bool nsh_length_ok(DecodeThread *dt, Packet *p, uint8_t md_type, uint32_t hlen)
{
    switch (md_type) {
    case NSH_MD_TYPE_1:
        if (hlen == NSH_MD1_LEN)
            return true;
        break;
    case NSH_MD_TYPE_2:
        if (hlen >= NSH_BASE_LEN)
            return true;
        break;
    case 0x0:
    case 0xf:
        decode_set_event(dt, p, DE_NSH_RESERVED_TYPE);
        return false;
    default:
        decode_set_event(dt, p, DE_NSH_UNSUPPORTED_TYPE);
        return false;
    }
    decode_set_event(dt, p, DE_NSH_BAD_HEADER_LENGTH);
    return false;
}

DecodeResult decode_nsh(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.nsh);
    if (len < NSH_BASE_LEN)
        return decode_fail(dt, p, DE_NSH_HEADER_TOO_SMALL);
    if (data[0] >> 6 != 0) {
        decode_set_event(dt, p, DE_NSH_UNSUPPORTED_VERSION);
        return DECODE_FAIL;
    }
    uint32_t hlen = (uint32_t)(rd16(data) & 0x3f) * 4;
    if (!nsh_length_ok(dt, p, data[2] & 0x0f, hlen))
        return DECODE_FAIL;
    if (len < hlen)
        return decode_fail(dt, p, DE_NSH_BAD_HEADER_LENGTH);
    uint8_t next_protocol = data[3];
    data += hlen;
    len -= hlen;
    switch (next_protocol) {
    case NSH_NP_IPV4:
        return decode_ipv4(dt, p, data, len);
    case NSH_NP_IPV6:
        return decode_ipv6(dt, p, data, len);
    case NSH_NP_ETHERNET:
        return decode_ethernet(dt, p, data, len);
    case NSH_NP_MPLS:
        return decode_mpls(dt, p, data, len);
    default:
        decode_set_event(dt, p, DE_NSH_UNKNOWN_PAYLOAD);
        return DECODE_OK;
    }
}
