/*
 * decode-icmpv6.c - ICMPv6: type/code validation, echo id/seq, the MLD hop limit, and the
 * IPv6 header quoted by error messages.
 *
 * As in Suricata 7: each type IANA assigns has its code limit (decoder.icmpv6.unknown_code);
 * types in the unassigned and experimentation ranges raise their own events, and the two
 * values outside both (0 and 127) are unknown_type. Error messages with a valid code must
 * quote an IPv6 header (ipv6_trunc_pkt / ipv6_unknown_version make the packet invalid), MLD
 * messages must carry hop limit 1. The payload of informational messages other than echo
 * starts 4 bytes into the header and is 4 bytes shorter than the message, which is what
 * Suricata's payload keywords see, so it is reproduced here.
 */
#include "decode/decode.h"

#include <netinet/in.h>

#define ICMPV6_HEADER_LEN 8
#define IPV6_HEADER_LEN 40

enum {
    ICMP6_DST_UNREACH = 1,
    ICMP6_PACKET_TOO_BIG = 2,
    ICMP6_TIME_EXCEEDED = 3,
    ICMP6_PARAM_PROB = 4,
    ICMP6_ECHO_REQUEST = 128,
    ICMP6_ECHO_REPLY = 129,
    MLD_LISTENER_QUERY = 130,
    MLD_LISTENER_REDUCTION = 132,
    ICMP6_RR = 138,
    ICMP6_NI_QUERY = 139,
    ICMP6_NI_REPLY = 140,
    ICMP6_MOBILE_EXPERIMENTAL = 150,
    MC_ROUTER_ADVERT = 151,
    MC_ROUTER_TERMINATE = 153,
    RPL_CONTROL_MSG = 155,
    MPL_CONTROL_MSG = 159,
};

/* Largest valid code of an error message, or -1 when the type is not one. */
static int icmpv6_error_max_code(uint8_t type)
{
    switch (type) {
    case ICMP6_DST_UNREACH:
        return 6;
    case ICMP6_PACKET_TOO_BIG:
        return 0;
    case ICMP6_TIME_EXCEEDED:
        return 1;
    case ICMP6_PARAM_PROB:
        return 2;
    default:
        return -1;
    }
}

static bool icmpv6_code_valid(uint8_t type, uint8_t code)
{
    switch (type) {
    case ICMP6_RR:
        return code <= 2 || code == 255;
    case ICMP6_NI_QUERY:
    case ICMP6_NI_REPLY:
        return code <= 2;
    case RPL_CONTROL_MSG:
        return code <= 3 || (code >= 128 && code <= 132);
    default:
        /* Experimental mobility and multicast router discovery define no codes to check. */
        if (type == ICMP6_MOBILE_EXPERIMENTAL ||
            (type >= MC_ROUTER_ADVERT && type <= MC_ROUTER_TERMINATE))
            return true;
        return code == 0;
    }
}

/* Events for a type outside the assigned informational range 128..159. */
static DecodeEvent icmpv6_unassigned_event(uint8_t type)
{
    if ((type >= 100 && type <= 101) || (type >= 200 && type <= 201))
        return DE_ICMPV6_EXPERIMENTATION_TYPE;
    if ((type > 4 && type < 127) || type >= 160)
        return DE_ICMPV6_UNASSIGNED_TYPE;
    return DE_ICMPV6_UNKNOWN_TYPE; /* 0 and 127 */
}

static void check_quoted_ipv6(DecodeThread *dt, Packet *p, const uint8_t *quoted, uint32_t len)
{
    if (len < IPV6_HEADER_LEN)
        decode_fail(dt, p, DE_ICMPV6_IPV6_TRUNC_PKT);
    else if ((quoted[0] >> 4) != 6)
        decode_fail(dt, p, DE_ICMPV6_IPV6_UNKNOWN_VER);
}

/* Returns whether the message has the full 8-byte header in front of its payload. */
static bool decode_icmpv6_type(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    uint8_t type = p->icmp_type, code = p->icmp_code;
    int max_code = icmpv6_error_max_code(type);
    if (max_code >= 0) {
        if (code > max_code) {
            decode_set_event(dt, p, DE_ICMPV6_UNKNOWN_CODE);
            return false;
        }
        check_quoted_ipv6(dt, p, data + ICMPV6_HEADER_LEN, len - ICMPV6_HEADER_LEN);
        return true;
    }
    if (type < ICMP6_ECHO_REQUEST || type > MPL_CONTROL_MSG) {
        decode_set_event(dt, p, icmpv6_unassigned_event(type));
        return false;
    }
    if (!icmpv6_code_valid(type, code)) {
        decode_set_event(dt, p, DE_ICMPV6_UNKNOWN_CODE);
    } else if (type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY) {
        p->icmp_id = rd16(data + 4);
        p->icmp_seq = rd16(data + 6);
        return true;
    }
    if (type >= MLD_LISTENER_QUERY && type <= MLD_LISTENER_REDUCTION && p->ttl != 1)
        decode_set_event(dt, p, DE_ICMPV6_MLD_MESSAGE_WITH_INVALID_HL); /* must stay on-link */
    return false;
}

DecodeResult decode_icmpv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.icmpv6);
    if (len < ICMPV6_HEADER_LEN)
        return decode_fail(dt, p, DE_ICMPV6_PKT_TOO_SMALL);
    p->proto = IPPROTO_ICMPV6;
    p->icmp_type = data[0];
    p->icmp_code = data[1];
    p->l4_hdr = data;
    p->l4_hdr_len = ICMPV6_HEADER_LEN;
    if (decode_icmpv6_type(dt, p, data, len)) {
        p->payload = data + ICMPV6_HEADER_LEN;
        p->payload_len = len - ICMPV6_HEADER_LEN;
    } else if (len >= ICMPV6_HEADER_LEN + 4) {
        p->payload = data + 4;
        p->payload_len = len - ICMPV6_HEADER_LEN - 4;
    } else {
        p->payload = NULL;
        p->payload_len = 0;
    }
    return DECODE_OK;
}
