/*
 * decode-geneve.c - Geneve (RFC 8926): network virtualization over UDP, port 6081.
 *
 * Suricata 7 decodes Geneve by default on its standard port, so bongsu does too. As with
 * VXLAN, UDP on that port is only treated as Geneve when the header holds up: version 0,
 * reserved bits and byte clear, option lengths that add up to the declared option length;
 * otherwise the payload stays an ordinary UDP payload and nothing is raised. The protocol
 * field names the inner packet: IPv4 or IPv6 directly, or an Ethernet frame (0x6558); they
 * become tunnel pseudo packets. ARP needs no decoding; any other protocol raises
 * decoder.geneve.unknown_payload_type.
 */
#include "decode/decode-internal.h"

#define GENEVE_HEADER_LEN 8
#define GENEVE_OPTION_HEADER_LEN 4

/* The option TLVs must exactly fill the declared option length. */
static bool geneve_options_consistent(const uint8_t *opts, uint32_t opts_len)
{
    uint32_t pos = 0;
    while (pos < opts_len)
        pos += GENEVE_OPTION_HEADER_LEN + (uint32_t)(opts[pos + 3] & 0x1f) * 4;
    return pos == opts_len;
}

DecodeResult decode_geneve(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    if (len < GENEVE_HEADER_LEN)
        return DECODE_FAIL;
    uint32_t opts_len = (uint32_t)(data[0] & 0x3f) * 4;
    uint32_t hdr_len = GENEVE_HEADER_LEN + opts_len;
    if (len < hdr_len || (data[0] >> 6) != 0 || (data[1] & 0x3f) != 0 || data[7] != 0)
        return DECODE_FAIL;
    if (!geneve_options_consistent(data + GENEVE_HEADER_LEN, opts_len))
        return DECODE_FAIL;
    counter_incr(dt->counters, decode_ids.geneve);

    const uint8_t *inner = data + hdr_len;
    uint32_t inner_len = len - hdr_len;
    switch (rd16(data + 2)) {
    case ETHERTYPE_IPV4:
        decode_tunnel_queue(dt, p, inner, inner_len, LINKTYPE_IPV4);
        break;
    case ETHERTYPE_IPV6:
        decode_tunnel_queue(dt, p, inner, inner_len, LINKTYPE_IPV6);
        break;
    case ETHERTYPE_TEB:
        decode_tunnel_queue(dt, p, inner, inner_len, LINKTYPE_ETHERNET);
        break;
    case ETHERTYPE_ARP:
        break;
    default:
        decode_fail(dt, p, DE_GENEVE_UNKNOWN_PAYLOAD_TYPE);
        break;
    }
    return DECODE_OK;
}
