/*
 * decode-ipv6.c - IPv6 header and extension headers.
 *
 * The header names its first next-header; transports (and GRE, IP-in-IP) directly after it go
 * straight to their decoders, extension headers start the chain walk. The walk follows
 * Suricata 7 closely because each anomaly in the chain is a decoder event that rules match
 * on: duplicates (a second hop-by-hop, routing, AH or fragment header, a third destination
 * options header) are flagged and skipped, routing type 0, padding-only or unknown options,
 * zero-length PadN, non-zero AH reserved bits and data after "no next header" are flagged,
 * and a header longer than what remains makes the packet invalid. What the walk does not
 * know after an extension header is decoder.ipv6.unknown_next_header.
 *
 * A fragment header with an offset or the more-fragments bit hands the packet to defrag and
 * ends decoding (the reassembled datagram is decoded later as a pseudo packet); an atomic
 * one (offset 0, no more fragments) is flagged as useless and the walk continues.
 */
#include "decode/decode-internal.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "decode/defrag.h"

#define IPV6_HEADER_LEN 40
#define IPV4_HEADER_MIN_LEN 20
#define IPV6_FRAG_HEADER_LEN 8

enum {
    IPV6_EXT_HOPOPTS = 0,
    IPV6_EXT_ROUTING = 43,
    IPV6_EXT_FRAGMENT = 44,
    IPV6_EXT_ESP = 50,
    IPV6_EXT_AH = 51,
    IPV6_EXT_NONE = 59,
    IPV6_EXT_DSTOPTS = 60,
    IPV6_EXT_MH = 135,
    IPV6_EXT_HIP = 139,
    IPV6_EXT_SHIM6 = 140,
};

enum {
    IPV6_OPT_PAD1 = 0x00,
    IPV6_OPT_PADN = 0x01,
    IPV6_OPT_RA = 0x05,
    IPV6_OPT_JUMBO = 0xc2,
    IPV6_OPT_HAO = 0xc9,
};

/* State of one walk: which headers were seen, where the fragment header is. */
typedef struct Ipv6Walk {
    const uint8_t *ip6;
    uint32_t ip6_len;
    bool hop, routing, ah, fragment;
    int dstopts;
    uint32_t frag_offset; /* of the fragment header within ip6, when `fragment` */
    bool needs_defrag;
} Ipv6Walk;

uint32_t ipv6_ext_header_len(uint8_t type, const uint8_t *hdr)
{
    switch (type) {
    case IPV6_EXT_FRAGMENT:
        return IPV6_FRAG_HEADER_LEN;
    case IPV6_EXT_AH:
        /* The length counts 4-byte words beyond the first 12 bytes, as Suricata reads it. */
        return hdr[1] > 0 ? 12u + ((uint32_t)hdr[1] - 1) * 4 : 12u;
    default:
        return ((uint32_t)hdr[1] + 1) * 8;
    }
}

int ipv6_next_header_field(const uint8_t *ip6, uint32_t hdr_offset)
{
    int field = 6;
    uint8_t type = ip6[6];
    uint32_t pos = IPV6_HEADER_LEN;
    while (pos < hdr_offset) {
        field = (int)pos;
        uint32_t hdr_len = ipv6_ext_header_len(type, ip6 + pos);
        type = ip6[pos];
        pos += hdr_len;
    }
    return field;
}

/* Option TLVs of a hop-by-hop or destination options header. */
static void check_option_tlvs(DecodeThread *dt, Packet *p, const uint8_t *hdr, uint32_t hdr_len,
                              bool is_hop)
{
    const uint8_t *opts = hdr + 2;
    uint32_t opts_len = hdr_len - 2;
    uint32_t pos = 0;
    int padding = 0, other = 0;
    while (pos < opts_len) {
        uint8_t type = opts[pos];
        if (type == IPV6_OPT_PAD1) {
            padding++;
            pos++;
            continue;
        }
        /* Suricata's bound lets an option's last byte reach one past the header; the header
         * length was checked against the packet, so the read stays inside it. */
        if (pos + 1 >= opts_len || pos + 1u + opts[pos + 1] > opts_len) {
            decode_fail(dt, p, DE_IPV6_EXTHDR_INVALID_OPTLEN);
            break;
        }
        uint8_t opt_len = opts[pos + 1];
        if (type == IPV6_OPT_PADN) {
            padding++;
            if (opt_len == 0)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_ZERO_LEN_PADN);
        } else if ((type == IPV6_OPT_RA && opt_len < 2) ||
                   (type == IPV6_OPT_JUMBO && opt_len < 4) ||
                   (type == IPV6_OPT_HAO && opt_len < 16)) {
            decode_fail(dt, p, DE_IPV6_EXTHDR_INVALID_OPTLEN);
            break;
        } else if (type == IPV6_OPT_RA || type == IPV6_OPT_HAO) {
            other++;
        } else if (type != IPV6_OPT_JUMBO) {
            decode_set_event(dt, p, is_hop ? DE_IPV6_HOPOPTS_UNKNOWN_OPT
                                           : DE_IPV6_DSTOPTS_UNKNOWN_OPT);
            other++;
        }
        pos += 2u + opt_len;
    }
    /* A jumbo payload option counts as neither, as in Suricata. */
    if (padding > 0 && other == 0)
        decode_set_event(dt, p, is_hop ? DE_IPV6_HOPOPTS_ONLY_PADDING
                                       : DE_IPV6_DSTOPTS_ONLY_PADDING);
}

/* Checks one option header; false when it is a duplicate to be skipped unchecked. */
static bool options_header_first_seen(DecodeThread *dt, Packet *p, Ipv6Walk *w, bool is_hop)
{
    if (is_hop) {
        if (w->hop) {
            decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_HH);
            return false;
        }
        w->hop = true;
        return true;
    }
    /* Two destination options headers are legal (before routing and before the payload). */
    if (w->dstopts >= 2) {
        decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_DH);
        return false;
    }
    w->dstopts++;
    return true;
}

/* The fragment header. Returns true when the packet goes to defrag (the walk stops). */
static bool handle_fragment_header(DecodeThread *dt, Packet *p, Ipv6Walk *w, const uint8_t *fh,
                                   uint32_t remaining)
{
    if (fh[1] != 0)
        decode_set_event(dt, p, DE_IPV6_FH_NON_ZERO_RES_FIELD);
    if (w->fragment) {
        decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_FH);
        return false;
    }
    w->fragment = true;
    w->frag_offset = (uint32_t)(fh - w->ip6);
    uint16_t off_field = rd16(fh + 2);
    bool more = off_field & 1;
    if (!more && (off_field & 0xfff8) == 0) {
        /* An atomic fragment: nothing to reassemble (RFC 6946). */
        decode_set_event(dt, p, DE_IPV6_EXTHDR_USELESS_FH);
        return false;
    }
    /* Every fragment but the last carries a multiple of 8 bytes (RFC 8200 4.5). */
    if (more && remaining % 8 != 0)
        decode_set_event(dt, p, DE_IPV6_FRAG_INVALID_LENGTH);
    p->is_fragment = true;
    p->proto = IPV6_EXT_FRAGMENT;
    w->needs_defrag = true;
    return true;
}

static DecodeResult decode_ipv4_in_ipv6(DecodeThread *dt, Packet *p, const uint8_t *data,
                                        uint32_t len)
{
    if (len < IPV4_HEADER_MIN_LEN)
        return decode_fail(dt, p, DE_IPV4_IN_IPV6_PKT_TOO_SMALL);
    if ((data[0] >> 4) != 4) {
        decode_set_event(dt, p, DE_IPV4_IN_IPV6_WRONG_IP_VER);
        return DECODE_OK;
    }
    if (decode_tunnel_queue(dt, p, data, len, LINKTYPE_IPV4))
        counter_incr(dt->counters, decode_ids.ipv4_in_ipv6);
    return DECODE_OK;
}

static DecodeResult decode_ipv6_in_ipv6(DecodeThread *dt, Packet *p, const uint8_t *data,
                                        uint32_t len)
{
    if (len < IPV6_HEADER_LEN)
        return decode_fail(dt, p, DE_IPV6_IN_IPV6_PKT_TOO_SMALL);
    if ((data[0] >> 4) != 6) {
        decode_set_event(dt, p, DE_IPV6_IN_IPV6_WRONG_IP_VER);
        return DECODE_OK;
    }
    if (decode_tunnel_queue(dt, p, data, len, LINKTYPE_IPV6))
        counter_incr(dt->counters, decode_ids.ipv6_in_ipv6);
    return DECODE_OK;
}

/* Handles the headers of the chain; returns the length to skip, or 0 when `nh` ends the walk
 * (the caller then decodes the upper layer), or UINT32_MAX when decoding stops here. */
static uint32_t walk_one_header(DecodeThread *dt, Packet *p, Ipv6Walk *w, uint8_t nh,
                                const uint8_t *hdr, uint32_t remaining)
{
    switch (nh) {
    case IPV6_EXT_HOPOPTS:
    case IPV6_EXT_DSTOPTS:
    case IPV6_EXT_ROUTING:
    case IPV6_EXT_AH:
    case IPV6_EXT_FRAGMENT:
    case IPV6_EXT_MH:
    case IPV6_EXT_HIP:
    case IPV6_EXT_SHIM6:
        break;
    default:
        return 0;
    }
    uint32_t hdr_len = ipv6_ext_header_len(nh, hdr);
    if (hdr_len > remaining) {
        decode_fail(dt, p, DE_IPV6_TRUNC_EXTHDR);
        return UINT32_MAX;
    }
    switch (nh) {
    case IPV6_EXT_HOPOPTS:
    case IPV6_EXT_DSTOPTS:
        if (options_header_first_seen(dt, p, w, nh == IPV6_EXT_HOPOPTS))
            check_option_tlvs(dt, p, hdr, hdr_len, nh == IPV6_EXT_HOPOPTS);
        break;
    case IPV6_EXT_ROUTING:
        if (w->routing) {
            decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_RH);
            break;
        }
        w->routing = true;
        if (hdr[2] == 0)
            decode_set_event(dt, p, DE_IPV6_EXTHDR_RH_TYPE_0);
        break;
    case IPV6_EXT_AH:
        if (rd16(hdr + 2) != 0)
            decode_set_event(dt, p, DE_IPV6_EXTHDR_AH_RES_NOT_NULL);
        if (w->ah)
            decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_AH);
        w->ah = true;
        break;
    case IPV6_EXT_FRAGMENT:
        if (handle_fragment_header(dt, p, w, hdr, remaining))
            return UINT32_MAX;
        break;
    default: /* mobility, HIP, shim6: skipped without parsing */
        break;
    }
    return hdr_len;
}

/* The protocol after one or more extension headers. */
static DecodeResult decode_after_ext(DecodeThread *dt, Packet *p, uint8_t nh,
                                     const uint8_t *data, uint32_t len)
{
    switch (nh) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_ICMPV6:
    case IPPROTO_SCTP:
    case IPPROTO_ESP:
    case IPPROTO_ICMP:
        return decode_ip_payload(dt, p, nh, data, len);
    case IPPROTO_IPIP:
        p->proto = nh;
        return decode_ipv4_in_ipv6(dt, p, data, len);
    default:
        p->proto = nh;
        decode_set_event(dt, p, DE_IPV6_UNKNOWN_NEXT_HEADER);
        return DECODE_OK;
    }
}

static DecodeResult walk_extension_headers(DecodeThread *dt, Packet *p, Ipv6Walk *w)
{
    uint8_t nh = w->ip6[6];
    uint32_t pos = IPV6_HEADER_LEN;
    for (;;) {
        uint32_t remaining = w->ip6_len - pos;
        if (nh == IPV6_EXT_NONE) {
            if (remaining > 0)
                decode_set_event(dt, p, DE_IPV6_DATA_AFTER_NONE_HEADER);
            p->proto = nh;
            return DECODE_OK;
        }
        if (remaining < 2)
            return decode_fail(dt, p, DE_IPV6_TRUNC_EXTHDR);
        uint32_t hdr_len = walk_one_header(dt, p, w, nh, w->ip6 + pos, remaining);
        if (hdr_len == UINT32_MAX)
            return p->is_invalid ? DECODE_FAIL : DECODE_OK;
        if (hdr_len == 0) {
            p->ip_hdr_len = (uint16_t)pos;
            return decode_after_ext(dt, p, nh, w->ip6 + pos, remaining);
        }
        nh = w->ip6[pos];
        pos += hdr_len;
    }
}

/* The protocol named by the IPv6 header itself. */
static DecodeResult decode_ipv6_next(DecodeThread *dt, Packet *p, Ipv6Walk *w)
{
    uint8_t nh = w->ip6[6];
    const uint8_t *payload = w->ip6 + IPV6_HEADER_LEN;
    uint32_t payload_len = w->ip6_len - IPV6_HEADER_LEN;
    switch (nh) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_ICMPV6:
    case IPPROTO_SCTP:
    case IPPROTO_GRE:
    case IPPROTO_ICMP:
        return decode_ip_payload(dt, p, nh, payload, payload_len);
    case IPPROTO_IPIP:
        p->proto = nh;
        return decode_ipv4_in_ipv6(dt, p, payload, payload_len);
    case IPPROTO_IPV6:
        p->proto = nh;
        return decode_ipv6_in_ipv6(dt, p, payload, payload_len);
    case IPV6_EXT_HOPOPTS:
    case IPV6_EXT_ROUTING:
    case IPV6_EXT_FRAGMENT:
    case IPV6_EXT_NONE:
    case IPV6_EXT_DSTOPTS:
    case IPV6_EXT_AH:
    case IPV6_EXT_ESP:
    case IPV6_EXT_MH:
    case IPV6_EXT_HIP:
    case IPV6_EXT_SHIM6:
        return walk_extension_headers(dt, p, w);
    default:
        p->proto = nh;
        decode_set_event(dt, p, DE_IPV6_UNKNOWN_NEXT_HEADER);
        return DECODE_OK;
    }
}

DecodeResult decode_ipv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.ipv6);
    /* Suricata 7 drops a short IPv6 packet without an event (pkt_too_small is unused). */
    if (len < IPV6_HEADER_LEN)
        return DECODE_FAIL;
    if ((data[0] >> 4) != 6)
        return decode_fail(dt, p, DE_IPV6_WRONG_IP_VER);
    uint32_t total_len = IPV6_HEADER_LEN + rd16(data + 4);
    if (len < total_len)
        return decode_fail(dt, p, DE_IPV6_TRUNC_PKT);

    p->ip_version = 6;
    p->ip_hdr = data;
    p->ip_hdr_len = IPV6_HEADER_LEN;
    p->ip_total_len = total_len;
    p->ttl = data[7];
    p->proto = data[6];
    memset(&p->src, 0, sizeof(p->src));
    memset(&p->dst, 0, sizeof(p->dst));
    p->src.family = AF_INET6;
    p->dst.family = AF_INET6;
    memcpy(p->src.addr, data + 8, 16);
    memcpy(p->dst.addr, data + 24, 16);

    Ipv6Walk w = {.ip6 = data, .ip6_len = total_len};
    decode_ipv6_next(dt, p, &w);
    if (w.needs_defrag && dt->defrag)
        defrag_ipv6(dt, p, data, total_len, w.frag_offset);
    /* As Suricata: the IPv6 layer decoded, whatever its payload turned out to be. */
    return DECODE_OK;
}
