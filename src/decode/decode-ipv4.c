/*
 * decode-ipv4.c - IPv4 header, options, fragments and the hand-off to the transport layer.
 *
 * Order of checks follows Suricata so the same malformed packet raises the same event: size,
 * version, header length, total length, truncation, then options. Bytes past the total length
 * (Ethernet padding) are not part of the datagram and are cut off. Fragments are handed to
 * defrag and not decoded further; when a datagram completes, defrag queues it as a pseudo
 * packet that is decoded from its IPv4 header like any other.
 *
 * The result says whether the IPv4 layer itself was decodable (header, lengths, option
 * lengths), not whether everything inside was: that is what decides, as in Suricata, whether
 * a tunnel's or defrag's pseudo packet is kept.
 */
#include "decode/decode.h"

#include <string.h>
#include <sys/socket.h>

#include "decode/defrag.h"

#define IPV4_HEADER_LEN 20

enum {
    IPV4_OPT_EOL = 0,
    IPV4_OPT_NOP = 1,
    IPV4_OPT_RR = 7,
    IPV4_OPT_QS = 25,
    IPV4_OPT_TS = 68,
    IPV4_OPT_SEC = 130,
    IPV4_OPT_LSRR = 131,
    IPV4_OPT_ESEC = 133,
    IPV4_OPT_CIPSO = 134,
    IPV4_OPT_SID = 136,
    IPV4_OPT_SSRR = 137,
    IPV4_OPT_RTRALT = 148,
};

/* Minimum and fixed lengths Suricata validates. */
#define IPV4_OPT_ROUTE_MIN 3
#define IPV4_OPT_TS_MIN 5
#define IPV4_OPT_QS_MIN 8
#define IPV4_OPT_SEC_MIN 3
#define IPV4_OPT_CIPSO_MIN 10
#define IPV4_OPT_SID_LEN 4
#define IPV4_OPT_RTRALT_LEN 4

/* Route options (RR, LSRR, SSRR): a 1-based pointer to the next 4-byte address slot. */
static DecodeEvent route_option_error(const uint8_t *opt, uint8_t opt_len)
{
    if (opt_len < IPV4_OPT_ROUTE_MIN)
        return DE_IPV4_OPT_INVALID_LEN;
    uint8_t ptr = opt[2];
    if (ptr < 4 || ptr % 4 != 0 || ptr > opt_len + 1)
        return DE_IPV4_OPT_MALFORMED;
    return DECODE_EVENT_COUNT;
}

/* Timestamp: pointer, overflow/flag, then 4- or 8-byte entries depending on the flag. */
static DecodeEvent timestamp_option_error(const uint8_t *opt, uint8_t opt_len)
{
    if (opt_len < IPV4_OPT_TS_MIN)
        return DE_IPV4_OPT_INVALID_LEN;
    uint8_t ptr = opt[2];
    if (ptr < 5)
        return DE_IPV4_OPT_MALFORMED;
    uint8_t flag = opt[3] & 0x0f;
    uint8_t entry = (flag == 1 || flag == 3) ? 8 : 4;
    if ((ptr - 5) % entry != 0 || ptr > opt_len + 1)
        return DE_IPV4_OPT_MALFORMED;
    return DECODE_EVENT_COUNT;
}

/* CIPSO (draft-ietf-cipso): a 4-byte domain of interpretation, then type/length tags of the
 * types FIPS 188 defines, each at least 4 bytes with a zero alignment octet (not tag 7). */
static DecodeEvent cipso_option_error(const uint8_t *opt, uint8_t opt_len)
{
    if (opt_len < IPV4_OPT_CIPSO_MIN)
        return DE_IPV4_OPT_INVALID_LEN;
    const uint8_t *tag = opt + 6;
    uint32_t left = opt_len - 6u;
    while (left) {
        if (left < 2)
            return DE_IPV4_OPT_MALFORMED;
        uint8_t type = tag[0], tlen = tag[1];
        if (tlen > left)
            return DE_IPV4_OPT_MALFORMED;
        if (type != 1 && type != 2 && type != 5 && type != 6 && type != 7)
            return DE_IPV4_OPT_MALFORMED;
        if (tlen < 4 || (type != 7 && tag[2] != 0))
            return DE_IPV4_OPT_MALFORMED;
        tag += tlen;
        left -= tlen;
    }
    return DECODE_EVENT_COUNT;
}

/* The event a known option's content deserves, or DECODE_EVENT_COUNT when it is valid. */
static DecodeEvent option_error(uint8_t type, const uint8_t *opt, uint8_t opt_len)
{
    switch (type) {
    case IPV4_OPT_RR:
    case IPV4_OPT_LSRR:
    case IPV4_OPT_SSRR:
        return route_option_error(opt, opt_len);
    case IPV4_OPT_TS:
        return timestamp_option_error(opt, opt_len);
    case IPV4_OPT_CIPSO:
        return cipso_option_error(opt, opt_len);
    case IPV4_OPT_QS:
        return opt_len < IPV4_OPT_QS_MIN ? DE_IPV4_OPT_INVALID_LEN : DECODE_EVENT_COUNT;
    case IPV4_OPT_SEC:
    case IPV4_OPT_ESEC:
        return opt_len < IPV4_OPT_SEC_MIN ? DE_IPV4_OPT_INVALID_LEN : DECODE_EVENT_COUNT;
    case IPV4_OPT_SID:
        return opt_len != IPV4_OPT_SID_LEN ? DE_IPV4_OPT_INVALID_LEN : DECODE_EVENT_COUNT;
    default: /* IPV4_OPT_RTRALT */
        return opt_len != IPV4_OPT_RTRALT_LEN ? DE_IPV4_OPT_INVALID_LEN : DECODE_EVENT_COUNT;
    }
}

static bool option_known(uint8_t type)
{
    switch (type) {
    case IPV4_OPT_RR:
    case IPV4_OPT_QS:
    case IPV4_OPT_TS:
    case IPV4_OPT_SEC:
    case IPV4_OPT_LSRR:
    case IPV4_OPT_ESEC:
    case IPV4_OPT_CIPSO:
    case IPV4_OPT_SID:
    case IPV4_OPT_SSRR:
    case IPV4_OPT_RTRALT:
        return true;
    default:
        return false;
    }
}

/*
 * Walks the options as Suricata 7 does, so one packet raises the same events the same number
 * of times: an option area that is not a multiple of 8 bytes is noted (opt_pad_required); a
 * known option with bad content makes the packet invalid but the walk goes on (so a second
 * problem is reported too); only a length that does not fit ends the walk. Only the first
 * valid instance of an option counts, later ones are duplicates. Returns false when decoding
 * must stop.
 */
static bool decode_ipv4_options(DecodeThread *dt, Packet *p, const uint8_t *opts, uint32_t len)
{
    uint32_t valid_mask[8] = {0};
    if (len % 8)
        decode_set_event(dt, p, DE_IPV4_OPT_PAD_REQUIRED);
    uint32_t pos = 0;
    while (pos < len) {
        uint8_t type = opts[pos];
        if (type == IPV4_OPT_EOL)
            break;
        if (type == IPV4_OPT_NOP) {
            pos++;
            continue;
        }
        if (len - pos < 2) {
            decode_set_event(dt, p, DE_IPV4_OPT_EOL_REQUIRED);
            break;
        }
        uint8_t opt_len = opts[pos + 1];
        if (opt_len > len - pos || opt_len < 2) {
            decode_fail(dt, p, DE_IPV4_OPT_INVALID_LEN);
            return false;
        }
        uint32_t bit = 1u << (type & 31);
        if (!option_known(type)) {
            decode_set_event(dt, p, DE_IPV4_OPT_INVALID);
        } else if (valid_mask[type >> 5] & bit) {
            decode_set_event(dt, p, DE_IPV4_OPT_DUPLICATE);
        } else {
            DecodeEvent error = option_error(type, opts + pos, opt_len);
            if (error != DECODE_EVENT_COUNT)
                decode_fail(dt, p, error);
            else
                valid_mask[type >> 5] |= bit;
        }
        pos += opt_len;
    }
    return true;
}

static void set_ipv4_addresses(Packet *p, const uint8_t *hdr)
{
    memset(&p->src, 0, sizeof(p->src));
    memset(&p->dst, 0, sizeof(p->dst));
    p->src.family = AF_INET;
    p->dst.family = AF_INET;
    memcpy(p->src.addr, hdr + 12, 4);
    memcpy(p->dst.addr, hdr + 16, 4);
}

DecodeResult decode_ipv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.ipv4);
    if (len < IPV4_HEADER_LEN)
        return decode_fail(dt, p, DE_IPV4_PKT_TOO_SMALL);
    if ((data[0] >> 4) != 4)
        return decode_fail(dt, p, DE_IPV4_WRONG_IP_VER);
    uint32_t hlen = (uint32_t)(data[0] & 0x0f) * 4;
    if (hlen < IPV4_HEADER_LEN)
        return decode_fail(dt, p, DE_IPV4_HLEN_TOO_SMALL);
    uint32_t total_len = rd16(data + 2);
    if (total_len < hlen)
        return decode_fail(dt, p, DE_IPV4_IPLEN_SMALLER_THAN_HLEN);
    if (len < total_len)
        return decode_fail(dt, p, DE_IPV4_TRUNC_PKT);

    p->ip_version = 4;
    p->ip_hdr = data;
    p->ip_hdr_len = (uint16_t)hlen;
    p->ip_total_len = total_len;
    p->ttl = data[8];
    p->proto = data[9];
    set_ipv4_addresses(p, data);

    if (hlen > IPV4_HEADER_LEN &&
        !decode_ipv4_options(dt, p, data + IPV4_HEADER_LEN, hlen - IPV4_HEADER_LEN))
        return DECODE_FAIL;

    uint16_t frag_field = rd16(data + 6);
    bool more_fragments = frag_field & 0x2000;
    uint16_t frag_offset = frag_field & 0x1fff;
    if (more_fragments || frag_offset) {
        p->is_fragment = true;
        if (dt->defrag)
            defrag_ipv4(dt, p, data, total_len);
        return DECODE_OK;
    }
    decode_ip_payload(dt, p, p->proto, data + hlen, total_len - hlen);
    return DECODE_OK;
}
