/*
 * decode-ppp.c - PPP frames: the HDLC-like header, the protocol field, and its IP payload.
 *
 * PPP reaches bongsu two ways. PPPoE sessions carry only the protocol field and are decoded in
 * place (decode-pppoe.c calls decode_ppp_payload). PPTP carries full PPP frames in GRE version
 * 1; there the inner IP packet is a tunnel packet with its own flow, so it is queued as a
 * pseudo packet instead (decode_ppp_tunnel). decode_ppp is the in-place form for a link whose
 * frames are PPP.
 *
 * Protocols follow Suricata's three classes: IPv4, IPv6 and VJ-uncompressed TCP/IP are
 * decoded; the link and authentication control protocols (LCP, IPCP, PAP, CHAP...) are valid
 * but not inspected; other assigned protocols raise decoder.ppp.unsup_proto and anything else
 * decoder.ppp.wrong_type.
 */
#include "decode/decode-internal.h"

#define IPV4_MIN_HEADER_LEN 20
#define IPV6_HEADER_LEN 40

enum {
    PPP_IP = 0x0021,
    PPP_IPV6 = 0x0057,
    PPP_VJ_UCOMP = 0x002f,
};

/* Valid PPP control/auth protocols that Suricata accepts without inspection. */
static bool ppp_is_control_protocol(uint16_t proto)
{
    switch (proto) {
    case 0x8021: /* IPCP */
    case 0x8057: /* IPv6CP */
    case 0xc021: /* LCP */
    case 0xc023: /* PAP */
    case 0xc223: /* CHAP */
    case 0x80fd: /* CCP */
    case 0xc025: /* LQM */
    case 0xc029: /* CBCP */
    case 0x00fd: /* compressed datagram */
    case 0x8207: /* CDPCP */
        return true;
    default:
        return false;
    }
}

/* Assigned protocols that bongsu, like Suricata, does not decode. */
static bool ppp_is_unsupported_protocol(uint16_t proto)
{
    switch (proto) {
    case 0x002d: /* VJ compressed */
    case 0x002b: /* IPX */
    case 0x0023: /* OSI */
    case 0x0025: /* Xerox NS */
    case 0x0027: /* DECnet */
    case 0x0029: /* AppleTalk */
    case 0x0031: /* bridging PDU */
    case 0x0033: /* ST-II */
    case 0x0035: /* Banyan Vines */
    case 0x0201: /* 802.1d hello */
    case 0x0231: /* Luxcom */
    case 0x0233: /* Sigma */
    case 0x0281: /* MPLS unicast */
    case 0x0283: /* MPLS multicast */
    case 0x8023: /* OSICP */
    case 0x8025: /* NSCP */
    case 0x8027: /* DECnetCP */
    case 0x8029: /* AppleCP */
    case 0x802b: /* IPXCP */
    case 0x8033: /* STIICP */
    case 0x8035: /* VinesCP */
    case 0x8281: /* MPLSCP */
        return true;
    default:
        return false;
    }
}

/* Too short for what the protocol field promises. Suricata decodes a PPTP frame as a tunnel
 * packet of its own and discards it, events and all, when it fails; so in tunnel mode the
 * failure raises nothing on the carrier. */
static DecodeResult ppp_too_small(DecodeThread *dt, Packet *p, DecodeEvent event, bool as_tunnel)
{
    return as_tunnel ? DECODE_FAIL : decode_fail(dt, p, event);
}

static DecodeResult ppp_deliver_ip(DecodeThread *dt, Packet *p, int datalink,
                                   const uint8_t *data, uint32_t len, bool as_tunnel)
{
    if (as_tunnel) {
        decode_tunnel_queue(dt, p, data, len, datalink);
        return DECODE_OK;
    }
    return datalink == LINKTYPE_IPV4 ? decode_ipv4(dt, p, data, len)
                                     : decode_ipv6(dt, p, data, len);
}

DecodeResult decode_ppp_payload(DecodeThread *dt, Packet *p, uint16_t proto, const uint8_t *data,
                                uint32_t len, bool as_tunnel)
{
    switch (proto) {
    case PPP_IP:
        if (len < IPV4_MIN_HEADER_LEN)
            return ppp_too_small(dt, p, DE_PPP_IPV4_PKT_TOO_SMALL, as_tunnel);
        return ppp_deliver_ip(dt, p, LINKTYPE_IPV4, data, len, as_tunnel);
    case PPP_IPV6:
        if (len < IPV6_HEADER_LEN)
            return ppp_too_small(dt, p, DE_PPP_IPV6_PKT_TOO_SMALL, as_tunnel);
        return ppp_deliver_ip(dt, p, LINKTYPE_IPV6, data, len, as_tunnel);
    case PPP_VJ_UCOMP:
        /* Van Jacobson "uncompressed" frames are IPv4 packets whose protocol byte holds a
         * connection slot; only a well-formed IPv4 header is worth decoding. */
        if (len < IPV4_MIN_HEADER_LEN)
            return ppp_too_small(dt, p, DE_PPP_VJU_PKT_TOO_SMALL, as_tunnel);
        if ((data[0] >> 4) != 4)
            return DECODE_FAIL;
        return ppp_deliver_ip(dt, p, LINKTYPE_IPV4, data, len, as_tunnel);
    default:
        if (ppp_is_control_protocol(proto))
            return DECODE_OK;
        if (ppp_is_unsupported_protocol(proto)) {
            decode_set_event(dt, p, DE_PPP_UNSUP_PROTO);
            return DECODE_OK;
        }
        decode_fail(dt, p, DE_PPP_WRONG_TYPE);
        return DECODE_OK;
    }
}

/* Reads the optional address/control bytes (0xff 0x03) and the protocol field, which is one
 * byte when its low bit is set (RFC 1661 protocol-field compression). */
static DecodeResult ppp_read_header(DecodeThread *dt, Packet *p, const uint8_t *data,
                                    uint32_t len, bool as_tunnel, uint16_t *proto,
                                    uint32_t *hdr_len, bool *compressed)
{
    if (len < 1)
        return ppp_too_small(dt, p, DE_PPP_PKT_TOO_SMALL, as_tunnel);
    uint32_t offset = data[0] == 0xff ? 2 : 0;
    if (len < offset + 1)
        return ppp_too_small(dt, p, DE_PPP_PKT_TOO_SMALL, as_tunnel);
    uint32_t proto_size = (data[offset] & 0x01) ? 1 : 2;
    if (len < offset + proto_size)
        return ppp_too_small(dt, p, DE_PPP_PKT_TOO_SMALL, as_tunnel);
    *compressed = proto_size == 1;
    *proto = *compressed ? data[offset] : rd16(data + offset);
    *hdr_len = offset + proto_size;
    return DECODE_OK;
}

static DecodeResult decode_ppp_frame(DecodeThread *dt, Packet *p, const uint8_t *data,
                                     uint32_t len, bool as_tunnel)
{
    counter_incr(dt->counters, decode_ids.ppp);
    uint16_t proto = 0;
    uint32_t hdr_len = 0;
    bool compressed = false;
    if (ppp_read_header(dt, p, data, len, as_tunnel, &proto, &hdr_len, &compressed) !=
        DECODE_OK)
        return DECODE_FAIL;
    /* A compressed protocol field can only name IPv4, IPv6 or VJ; Suricata reports any other
     * one-byte value as unsupported rather than wrong. */
    if (compressed && proto != PPP_IP && proto != PPP_IPV6 && proto != PPP_VJ_UCOMP) {
        decode_set_event(dt, p, DE_PPP_UNSUP_PROTO);
        return DECODE_OK;
    }
    return decode_ppp_payload(dt, p, proto, data + hdr_len, len - hdr_len, as_tunnel);
}

DecodeResult decode_ppp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    return decode_ppp_frame(dt, p, data, len, false);
}

DecodeResult decode_ppp_tunnel(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    return decode_ppp_frame(dt, p, data, len, true);
}
