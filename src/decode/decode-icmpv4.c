/*
 * decode-icmpv4.c - ICMPv4: type/code validation, echo id/seq, and the embedded header of
 * error messages.
 *
 * Unknown types and codes are anomalies, not errors: the packet is still used for flows.
 */
#include "decode/decode.h"

#define ICMPV4_HEADER_LEN 8

/* Largest valid code for each known type; -1 for unknown types. */
static int icmpv4_max_code(uint8_t type)
{
    switch (type) {
    case 0:  /* echo reply */
    case 4:  /* source quench */
    case 8:  /* echo request */
    case 13: /* timestamp */
    case 14: /* timestamp reply */
    case 15: /* info request */
    case 16: /* info reply */
    case 17: /* address mask request */
    case 18: /* address mask reply */
        return 0;
    case 3: /* destination unreachable */
        return 15;
    case 5: /* redirect */
        return 3;
    case 9: /* router advertisement */
        return 16;
    case 10: /* router solicitation */
        return 0;
    case 11: /* time exceeded */
        return 1;
    case 12: /* parameter problem */
        return 2;
    default:
        return -1;
    }
}

static bool icmpv4_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static void check_embedded_ipv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    if (len < ICMPV4_HEADER_LEN + 20) {
        decode_set_event(dt, p, DE_ICMPV4_IPV4_TRUNC_PKT);
        return;
    }
    if ((data[ICMPV4_HEADER_LEN] >> 4) != 4)
        decode_set_event(dt, p, DE_ICMPV4_IPV4_UNKNOWN_VER);
}

DecodeResult decode_icmpv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.icmpv4);
    if (len < ICMPV4_HEADER_LEN)
        return decode_fail(dt, p, DE_ICMPV4_PKT_TOO_SMALL);
    p->icmp_type = data[0];
    p->icmp_code = data[1];
    p->l4_hdr = data;
    p->l4_hdr_len = ICMPV4_HEADER_LEN;
    p->payload = data + ICMPV4_HEADER_LEN;
    p->payload_len = len - ICMPV4_HEADER_LEN;

    int max_code = icmpv4_max_code(p->icmp_type);
    if (max_code < 0)
        decode_set_event(dt, p, DE_ICMPV4_UNKNOWN_TYPE);
    else if (p->icmp_code > max_code)
        decode_set_event(dt, p, DE_ICMPV4_UNKNOWN_CODE);

    if (p->icmp_type == 0 || p->icmp_type == 8 || (p->icmp_type >= 13 && p->icmp_type <= 18)) {
        p->icmp_id = rd16(data + 4);
        p->icmp_seq = rd16(data + 6);
    } else if (icmpv4_is_error(p->icmp_type)) {
        check_embedded_ipv4(dt, p, data, len);
    }
    return DECODE_OK;
}
