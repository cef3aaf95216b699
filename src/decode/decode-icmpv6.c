/*
 * decode-icmpv6.c - ICMPv6: type/code validation, echo id/seq, MLD hop limit, and the
 * embedded header of error messages.
 */
#include "decode/decode.h"

#define ICMPV6_HEADER_LEN 8

typedef enum Icmpv6TypeClass { ICMPV6_KNOWN, ICMPV6_UNASSIGNED, ICMPV6_EXPERIMENTAL } Icmpv6TypeClass;

static Icmpv6TypeClass icmpv6_type_class(uint8_t type)
{
    if (type == 100 || type == 101 || type == 200 || type == 201)
        return ICMPV6_EXPERIMENTAL;
    if ((type >= 1 && type <= 4) || (type >= 128 && type <= 162))
        return ICMPV6_KNOWN;
    return ICMPV6_UNASSIGNED;
}

/* Largest valid code for the types that define codes. */
static int icmpv6_max_code(uint8_t type)
{
    switch (type) {
    case 1: /* destination unreachable */
        return 7;
    case 3: /* time exceeded */
        return 1;
    case 4: /* parameter problem */
        return 3;
    case 138: /* router renumbering */
        return 255;
    case 139: /* node information query */
    case 140: /* node information response */
        return 2;
    default:
        return 0;
    }
}

DecodeResult decode_icmpv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.icmpv6);
    if (len < ICMPV6_HEADER_LEN)
        return decode_fail(dt, p, DE_ICMPV6_PKT_TOO_SMALL);
    p->icmp_type = data[0];
    p->icmp_code = data[1];
    p->l4_hdr = data;
    p->l4_hdr_len = ICMPV6_HEADER_LEN;
    p->payload = data + ICMPV6_HEADER_LEN;
    p->payload_len = len - ICMPV6_HEADER_LEN;

    switch (icmpv6_type_class(p->icmp_type)) {
    case ICMPV6_EXPERIMENTAL:
        decode_set_event(dt, p, DE_ICMPV6_EXPERIMENTATION_TYPE);
        return DECODE_OK;
    case ICMPV6_UNASSIGNED:
        decode_set_event(dt, p, DE_ICMPV6_UNASSIGNED_TYPE);
        return DECODE_OK;
    case ICMPV6_KNOWN:
        break;
    }
    if (p->icmp_code > icmpv6_max_code(p->icmp_type))
        decode_set_event(dt, p, DE_ICMPV6_UNKNOWN_CODE);

    if (p->icmp_type == 128 || p->icmp_type == 129) {
        p->icmp_id = rd16(data + 4);
        p->icmp_seq = rd16(data + 6);
    } else if (p->icmp_type >= 130 && p->icmp_type <= 132) {
        if (p->ttl != 1) /* MLD messages must not leave the link */
            decode_set_event(dt, p, DE_ICMPV6_MLD_MESSAGE_WITH_INVALID_HL);
    } else if (p->icmp_type >= 1 && p->icmp_type <= 4) {
        if (len < ICMPV6_HEADER_LEN + 40)
            decode_set_event(dt, p, DE_ICMPV6_IPV6_TRUNC_PKT);
        else if ((data[ICMPV6_HEADER_LEN] >> 4) != 6)
            decode_set_event(dt, p, DE_ICMPV6_IPV6_UNKNOWN_VER);
    }
    return DECODE_OK;
}
