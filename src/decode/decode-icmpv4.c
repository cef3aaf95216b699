/*
 * decode-icmpv4.c - ICMPv4: type/code validation, echo-style id/seq, the IPv4 header quoted
 * by error messages, and the variable headers of timestamp and router advertisement.
 *
 * The checks are Suricata 7's, type by type, because decoder.icmpv4.* events are matched by
 * rules: each known type has its own code limit (decoder.icmpv4.unknown_code); an unknown
 * type (router solicitation included, as in Suricata) is decoder.icmpv4.unknown_type. For
 * error messages with a valid code the quoted datagram must hold an IPv4 header
 * (ipv4_trunc_pkt, ipv4_unknown_ver, both making the packet invalid). Timestamp messages and
 * router advertisements that are shorter than their fixed part raise ipv4_trunc_pkt too but
 * are otherwise kept. Unknown types and codes never stop the packet: it still makes a flow.
 */
#include "decode/decode.h"

#include <netinet/in.h>

#define ICMPV4_HEADER_LEN 8
#define ICMPV4_TIMESTAMP_LEN 12 /* originate, receive, transmit */
#define IPV4_HEADER_MIN_LEN 20

enum {
    ICMP_ECHOREPLY = 0,
    ICMP_DEST_UNREACH = 3,
    ICMP_SOURCE_QUENCH = 4,
    ICMP_REDIRECT = 5,
    ICMP_ECHO = 8,
    ICMP_ROUTERADVERT = 9,
    ICMP_TIME_EXCEEDED = 11,
    ICMP_PARAMETERPROB = 12,
    ICMP_TIMESTAMP = 13,
    ICMP_TIMESTAMPREPLY = 14,
    ICMP_INFO_REQUEST = 15,
    ICMP_INFO_REPLY = 16,
    ICMP_ADDRESS = 17,
    ICMP_ADDRESSREPLY = 18,
};

/* The datagram an error message quotes must start with an IPv4 header. */
static void check_quoted_ipv4(DecodeThread *dt, Packet *p, const uint8_t *quoted, uint32_t len)
{
    if (len < IPV4_HEADER_MIN_LEN)
        decode_fail(dt, p, DE_ICMPV4_IPV4_TRUNC_PKT);
    else if ((quoted[0] >> 4) != 4)
        decode_fail(dt, p, DE_ICMPV4_IPV4_UNKNOWN_VER);
}

/* Error messages: the largest valid code, and whether an empty quote is still checked
 * (Suricata checks source quench from 8 bytes on, the others only past 8). */
static bool icmpv4_error_limits(uint8_t type, uint8_t *max_code, bool *check_empty)
{
    *check_empty = false;
    switch (type) {
    case ICMP_DEST_UNREACH:
        *max_code = 15;
        return true;
    case ICMP_SOURCE_QUENCH:
        *max_code = 0;
        *check_empty = true;
        return true;
    case ICMP_REDIRECT:
        *max_code = 3;
        return true;
    case ICMP_TIME_EXCEEDED:
        *max_code = 1;
        return true;
    case ICMP_PARAMETERPROB:
        *max_code = 0;
        return true;
    default:
        return false;
    }
}

/* Messages with an identifier and sequence number, and code 0 only. */
static bool icmpv4_is_query(uint8_t type)
{
    switch (type) {
    case ICMP_ECHOREPLY:
    case ICMP_ECHO:
    case ICMP_TIMESTAMP:
    case ICMP_TIMESTAMPREPLY:
    case ICMP_INFO_REQUEST:
    case ICMP_INFO_REPLY:
    case ICMP_ADDRESS:
    case ICMP_ADDRESSREPLY:
        return true;
    default:
        return false;
    }
}

/* Returns the header length including the type-specific fixed part. */
static uint32_t decode_icmpv4_query(DecodeThread *dt, Packet *p, const uint8_t *data,
                                    uint32_t len)
{
    p->icmp_id = rd16(data + 4);
    p->icmp_seq = rd16(data + 6);
    if (p->icmp_code != 0)
        decode_set_event(dt, p, DE_ICMPV4_UNKNOWN_CODE);
    if (p->icmp_type != ICMP_TIMESTAMP && p->icmp_type != ICMP_TIMESTAMPREPLY)
        return ICMPV4_HEADER_LEN;
    if (len < ICMPV4_HEADER_LEN + ICMPV4_TIMESTAMP_LEN) {
        decode_set_event(dt, p, DE_ICMPV4_IPV4_TRUNC_PKT);
        return ICMPV4_HEADER_LEN;
    }
    return ICMPV4_HEADER_LEN + ICMPV4_TIMESTAMP_LEN;
}

/* Router advertisement: a count of addresses and the size of an entry in 4-byte words. */
static uint32_t decode_icmpv4_router_advert(DecodeThread *dt, Packet *p, const uint8_t *data,
                                            uint32_t len)
{
    uint32_t entries_len = (uint32_t)data[4] * data[5] * 4;
    if (len < ICMPV4_HEADER_LEN + entries_len) {
        decode_set_event(dt, p, DE_ICMPV4_IPV4_TRUNC_PKT);
        return ICMPV4_HEADER_LEN;
    }
    return ICMPV4_HEADER_LEN + entries_len;
}

DecodeResult decode_icmpv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.icmpv4);
    if (len < ICMPV4_HEADER_LEN)
        return decode_fail(dt, p, DE_ICMPV4_PKT_TOO_SMALL);
    p->proto = IPPROTO_ICMP;
    p->icmp_type = data[0];
    p->icmp_code = data[1];
    p->l4_hdr = data;

    uint32_t hdr_len = ICMPV4_HEADER_LEN;
    uint8_t max_code;
    bool check_empty;
    if (icmpv4_error_limits(p->icmp_type, &max_code, &check_empty)) {
        if (p->icmp_code > max_code)
            decode_set_event(dt, p, DE_ICMPV4_UNKNOWN_CODE);
        else if (len > ICMPV4_HEADER_LEN || check_empty)
            check_quoted_ipv4(dt, p, data + ICMPV4_HEADER_LEN, len - ICMPV4_HEADER_LEN);
    } else if (icmpv4_is_query(p->icmp_type)) {
        hdr_len = decode_icmpv4_query(dt, p, data, len);
    } else if (p->icmp_type == ICMP_ROUTERADVERT) {
        hdr_len = decode_icmpv4_router_advert(dt, p, data, len);
    } else {
        decode_set_event(dt, p, DE_ICMPV4_UNKNOWN_TYPE);
    }
    p->l4_hdr_len = (uint16_t)hdr_len;
    p->payload = data + hdr_len;
    p->payload_len = len - hdr_len;
    return DECODE_OK;
}
