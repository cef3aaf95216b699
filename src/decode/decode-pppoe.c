/*
 * decode-pppoe.c - PPP over Ethernet (RFC 2516): discovery (0x8863) and session (0x8864).
 *
 * Discovery packets (PADI, PADO, PADR, PADS, PADT) set up a session and carry no IP; they are
 * checked for a known code and a tag area that fits. Session packets carry a PPP protocol
 * field (one or two bytes) and the PPP payload, decoded in place: the IP packet inside a PPPoE
 * session is the packet's own network layer, not a tunnel.
 */
#include "decode/decode-internal.h"

#define PPPOE_DISCOVERY_HEADER_LEN 6
/* version/type, code, session id, length, then a protocol field of at least one byte */
#define PPPOE_SESSION_HEADER_MIN_LEN 7

static bool pppoe_code_known(uint8_t code)
{
    switch (code) {
    case 0x09: /* PADI */
    case 0x07: /* PADO */
    case 0x19: /* PADR */
    case 0x65: /* PADS */
    case 0xa7: /* PADT */
        return true;
    default:
        return false;
    }
}

DecodeResult decode_pppoe_discovery(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.pppoe);
    if (len < PPPOE_DISCOVERY_HEADER_LEN)
        return decode_fail(dt, p, DE_PPPOE_PKT_TOO_SMALL);
    if (!pppoe_code_known(data[1])) {
        decode_fail(dt, p, DE_PPPOE_WRONG_CODE);
        return DECODE_OK;
    }
    uint32_t tags_len = rd16(data + 4);
    if (tags_len > len - PPPOE_DISCOVERY_HEADER_LEN)
        decode_fail(dt, p, DE_PPPOE_MALFORMED_TAGS);
    return DECODE_OK;
}

DecodeResult decode_pppoe_session(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.pppoe);
    if (len < PPPOE_SESSION_HEADER_MIN_LEN)
        return decode_fail(dt, p, DE_PPPOE_PKT_TOO_SMALL);
    /* A zero length session frame carries nothing to decode (keep-alive style). */
    if (rd16(data + 4) == 0)
        return DECODE_OK;

    /* RFC 1661: the protocol field is one byte when the low bit of its first byte is set. */
    uint16_t proto;
    uint32_t hdr_len;
    if (data[6] & 0x01) {
        proto = data[6];
        hdr_len = PPPOE_SESSION_HEADER_MIN_LEN;
    } else {
        hdr_len = PPPOE_SESSION_HEADER_MIN_LEN + 1;
        if (len < hdr_len)
            return decode_fail(dt, p, DE_PPPOE_PKT_TOO_SMALL);
        proto = rd16(data + 6);
    }
    decode_ppp_payload(dt, p, proto, data + hdr_len, len - hdr_len, false);
    return DECODE_OK;
}
