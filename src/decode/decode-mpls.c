/*
 * decode-mpls.c - MPLS label stacks (ethertypes 0x8847/0x8848).
 *
 * MPLS carries no "next protocol" field: the labels are popped until the bottom-of-stack bit,
 * and what follows is inferred the way Suricata does it. The reserved labels 0 (IPv4 explicit
 * null) and 2 (IPv6 explicit null) name the payload; labels 1 and 3 must not be at the bottom
 * and other reserved ones (< 15) are anomalies; for ordinary labels the first nibble decides
 * between IPv4, IPv6 and an Ethernet pseudowire behind a 4-byte control word. MPLS is not a
 * tunnel in Suricata's sense: the inner packet is decoded in place and keeps this Packet.
 */
#include "decode/decode.h"

#define MPLS_SHIM_LEN 4
#define MPLS_PW_CONTROL_WORD_LEN 4
#define MPLS_MAX_RESERVED_LABEL 15

enum {
    MPLS_LABEL_IPV4_NULL = 0,
    MPLS_LABEL_ROUTER_ALERT = 1,
    MPLS_LABEL_IPV6_NULL = 2,
    MPLS_LABEL_IMPLICIT_NULL = 3,
};

/* Payload of an ordinary label: guessed from the first nibble. */
static DecodeResult decode_mpls_guess_payload(DecodeThread *dt, Packet *p, const uint8_t *data,
                                              uint32_t len)
{
    /* Suricata wants a whole control word even when one byte would tell IPv4 from IPv6. */
    if (len < MPLS_PW_CONTROL_WORD_LEN)
        return decode_fail(dt, p, DE_MPLS_PKT_TOO_SMALL);
    /* A guess cannot fail the MPLS layer: Suricata ignores what the guessed layer returns. */
    switch (data[0] >> 4) {
    case 4:
        decode_ipv4(dt, p, data, len);
        break;
    case 6:
        decode_ipv6(dt, p, data, len);
        break;
    case 0: /* Ethernet pseudowire: control word, then the frame */
        decode_ethernet(dt, p, data + MPLS_PW_CONTROL_WORD_LEN, len - MPLS_PW_CONTROL_WORD_LEN);
        break;
    default:
        decode_fail(dt, p, DE_MPLS_UNKNOWN_PAYLOAD_TYPE);
        break;
    }
    return DECODE_OK;
}

DecodeResult decode_mpls(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.mpls);
    uint32_t shim;
    do {
        if (len < MPLS_SHIM_LEN)
            return decode_fail(dt, p, DE_MPLS_HEADER_TOO_SMALL);
        shim = rd32(data);
        data += MPLS_SHIM_LEN;
        len -= MPLS_SHIM_LEN;
    } while (((shim >> 8) & 1) == 0);

    uint32_t label = shim >> 12;
    switch (label) {
    case MPLS_LABEL_IPV4_NULL:
        return decode_ipv4(dt, p, data, len);
    case MPLS_LABEL_IPV6_NULL:
        return decode_ipv6(dt, p, data, len);
    case MPLS_LABEL_ROUTER_ALERT: /* not valid at the bottom of the stack */
        decode_set_event(dt, p, DE_MPLS_BAD_LABEL_ROUTER_ALERT);
        return DECODE_OK;
    case MPLS_LABEL_IMPLICIT_NULL: /* signalling only, never on the wire */
        decode_set_event(dt, p, DE_MPLS_BAD_LABEL_IMPLICIT_NULL);
        return DECODE_OK;
    default:
        if (label < MPLS_MAX_RESERVED_LABEL) {
            decode_set_event(dt, p, DE_MPLS_BAD_LABEL_RESERVED);
            return DECODE_OK;
        }
        return decode_mpls_guess_payload(dt, p, data, len);
    }
}
