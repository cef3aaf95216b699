/*
 * decode-ipv6.c - IPv6 header and extension headers.
 *
 * The extension header chain is walked to find the transport protocol; each header's length
 * is checked against what remains. A fragment header hands the packet to defrag (only a
 * complete datagram is decoded further). Anomalies in the chain (duplicates, routing header
 * type 0, padding-only option headers...) raise Suricata's decoder.ipv6.* events.
 */
#include "decode/decode.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "decode/defrag.h"

#define IPV6_HEADER_LEN 40

enum {
    IPV6_EXT_HOPOPTS = 0,
    IPV6_EXT_ROUTING = 43,
    IPV6_EXT_FRAGMENT = 44,
    IPV6_EXT_ESP = 50,
    IPV6_EXT_AH = 51,
    IPV6_EXT_NONE = 59,
    IPV6_EXT_DSTOPTS = 60,
    IPV6_EXT_MH = 135,
};

/* Which extension headers were seen, to flag duplicates. */
typedef struct ExtSeen {
    bool hop, routing, fragment, ah, dst_count2;
    int dst;
} ExtSeen;

/* Hop-by-hop and destination options: TLVs after the 2-byte header. */
static void check_option_tlvs(DecodeThread *dt, Packet *p, const uint8_t *hdr, uint32_t hdr_len,
                              bool is_hop)
{
    uint32_t pos = 2;
    bool only_padding = true;
    while (pos < hdr_len) {
        uint8_t type = hdr[pos];
        if (type == 0) { /* Pad1 */
            pos++;
            continue;
        }
        if (pos + 2 > hdr_len) {
            decode_set_event(dt, p, DE_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        uint8_t opt_len = hdr[pos + 1];
        if (pos + 2 + opt_len > hdr_len) {
            decode_set_event(dt, p, DE_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        if (type == 1) { /* PadN */
            if (opt_len == 0)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_ZERO_LEN_PADN);
        } else {
            only_padding = false;
            /* Router alert (5), jumbo (0xc2), home address (0xc9), tunnel limit (4) */
            if (type != 5 && type != 0xc2 && type != 0xc9 && type != 4)
                decode_set_event(dt, p, is_hop ? DE_IPV6_HOPOPTS_UNKNOWN_OPT
                                               : DE_IPV6_DSTOPTS_UNKNOWN_OPT);
        }
        pos += 2u + opt_len;
    }
    if (only_padding)
        decode_set_event(dt, p, is_hop ? DE_IPV6_HOPOPTS_ONLY_PADDING
                                       : DE_IPV6_DSTOPTS_ONLY_PADDING);
}

/* Returns the length of the extension header at data, or 0 when it is truncated. */
static uint32_t ext_header_len(uint8_t type, const uint8_t *data, uint32_t len)
{
    if (len < 2)
        return 0;
    uint32_t hdr_len;
    if (type == IPV6_EXT_FRAGMENT)
        hdr_len = 8;
    else if (type == IPV6_EXT_AH)
        hdr_len = ((uint32_t)data[1] + 2) * 4;
    else
        hdr_len = ((uint32_t)data[1] + 1) * 8;
    return hdr_len <= len ? hdr_len : 0;
}

static DecodeResult handle_fragment_header(DecodeThread *dt, Packet *p, const uint8_t *frag,
                                           const uint8_t *ip6, uint32_t ip6_len)
{
    uint16_t off_field = rd16(frag + 2);
    bool more = off_field & 1;
    uint16_t offset = off_field >> 3;
    if ((frag[1] != 0) || (off_field & 0x6))
        decode_set_event(dt, p, DE_IPV6_FH_NON_ZERO_RES_FIELD);
    if (!more && offset == 0) {
        /* An atomic fragment: nothing to reassemble (RFC 6946). */
        decode_set_event(dt, p, DE_IPV6_EXTHDR_USELESS_FH);
        return DECODE_OK;
    }
    p->is_fragment = true;
    if (dt->defrag)
        defrag_ipv6(dt, p, ip6, ip6_len, (uint32_t)(frag - ip6));
    return DECODE_FAIL; /* not an error: tells the chain walk to stop */
}

static DecodeResult walk_extension_headers(DecodeThread *dt, Packet *p, const uint8_t *ip6,
                                           uint32_t ip6_len)
{
    uint8_t next = ip6[6];
    uint32_t pos = IPV6_HEADER_LEN;
    ExtSeen seen = {0};
    for (;;) {
        const uint8_t *hdr = ip6 + pos;
        uint32_t remaining = ip6_len - pos;
        if (next == IPV6_EXT_NONE) {
            if (remaining > 0)
                decode_set_event(dt, p, DE_IPV6_DATA_AFTER_NONE_HEADER);
            p->proto = next;
            return DECODE_OK;
        }
        if (next != IPV6_EXT_HOPOPTS && next != IPV6_EXT_ROUTING && next != IPV6_EXT_FRAGMENT &&
            next != IPV6_EXT_AH && next != IPV6_EXT_DSTOPTS && next != IPV6_EXT_MH)
            break;
        uint32_t hdr_len = ext_header_len(next, hdr, remaining);
        if (hdr_len == 0)
            return decode_fail(dt, p, DE_IPV6_TRUNC_EXTHDR);
        switch (next) {
        case IPV6_EXT_HOPOPTS:
            if (seen.hop)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_HH);
            seen.hop = true;
            check_option_tlvs(dt, p, hdr, hdr_len, true);
            break;
        case IPV6_EXT_DSTOPTS:
            if (++seen.dst > 2)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_DH);
            check_option_tlvs(dt, p, hdr, hdr_len, false);
            break;
        case IPV6_EXT_ROUTING:
            if (seen.routing)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_RH);
            seen.routing = true;
            if (hdr_len >= 3 && hdr[2] == 0)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_RH_TYPE_0);
            break;
        case IPV6_EXT_AH:
            if (seen.ah)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_AH);
            seen.ah = true;
            if (hdr_len >= 4 && rd16(hdr + 2) != 0)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_AH_RES_NOT_NULL);
            break;
        case IPV6_EXT_FRAGMENT:
            if (seen.fragment)
                decode_set_event(dt, p, DE_IPV6_EXTHDR_DUPL_FH);
            seen.fragment = true;
            if (handle_fragment_header(dt, p, hdr, ip6, ip6_len) != DECODE_OK)
                return DECODE_OK;
            break;
        default:
            break;
        }
        next = hdr[0];
        pos += hdr_len;
    }
    p->ip_hdr_len = (uint16_t)pos;
    return decode_ip_payload(dt, p, next, ip6 + pos, ip6_len - pos);
}

DecodeResult decode_ipv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.ipv6);
    if (len < IPV6_HEADER_LEN)
        return decode_fail(dt, p, DE_IPV6_PKT_TOO_SMALL);
    if ((data[0] >> 4) != 6)
        return decode_fail(dt, p, DE_IPV6_WRONG_IP_VER);
    uint32_t payload_len = rd16(data + 4);
    uint32_t total_len = IPV6_HEADER_LEN + payload_len;
    if (len < total_len)
        return decode_fail(dt, p, DE_IPV6_TRUNC_PKT);

    p->ip_version = 6;
    p->ip_hdr = data;
    p->ip_hdr_len = IPV6_HEADER_LEN;
    p->ip_total_len = total_len;
    p->ttl = data[7];
    memset(&p->src, 0, sizeof(p->src));
    memset(&p->dst, 0, sizeof(p->dst));
    p->src.family = AF_INET6;
    p->dst.family = AF_INET6;
    memcpy(p->src.addr, data + 8, 16);
    memcpy(p->dst.addr, data + 24, 16);
    return walk_extension_headers(dt, p, data, total_len);
}
