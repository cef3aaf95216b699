/*
 * decode-udp.c - UDP header, and the Geneve and VXLAN tunnels it may carry.
 *
 * The UDP length field decides the payload. As in Suricata 7, a length larger than what the
 * IP layer delivered (decoder.udp.pkt_too_small) or smaller than the header
 * (decoder.udp.len_invalid) makes the packet invalid, while a shorter length is accepted
 * silently: the bytes after it are trailing data, not payload.
 *
 * Suricata tries Teredo (decode-teredo.c), Geneve, then VXLAN, when either port is theirs
 * (the Teredo ports, 6081, and the configured VXLAN port); a payload that is not a valid
 * header simply stays this packet's UDP payload.
 */
#include "decode/decode-internal.h"

#define UDP_HEADER_LEN 8
#define GENEVE_PORT 6081 /* Suricata's default decoder.geneve.ports */

DecodeResult decode_udp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.udp);
    if (len < UDP_HEADER_LEN)
        return decode_fail(dt, p, DE_UDP_HLEN_TOO_SMALL);
    uint32_t udp_len = rd16(data + 4);
    if (len < udp_len)
        return decode_fail(dt, p, DE_UDP_PKT_TOO_SMALL);
    if (udp_len < UDP_HEADER_LEN)
        return decode_fail(dt, p, DE_UDP_LEN_INVALID);

    p->sp = rd16(data);
    p->dp = rd16(data + 2);
    p->l4_hdr = data;
    p->l4_hdr_len = UDP_HEADER_LEN;
    p->payload = data + UDP_HEADER_LEN;
    p->payload_len = udp_len - UDP_HEADER_LEN;
    if (decode_teredo_port(&dt->options, p->sp, p->dp) &&
        decode_teredo(dt, p, p->payload, p->payload_len) == DECODE_OK)
        return DECODE_OK;
    if ((p->dp == GENEVE_PORT || p->sp == GENEVE_PORT) &&
        decode_geneve(dt, p, p->payload, p->payload_len) == DECODE_OK)
        return DECODE_OK;
    if (dt->options.vxlan_enabled &&
        (p->dp == dt->options.vxlan_port || p->sp == dt->options.vxlan_port))
        decode_vxlan(dt, p, p->payload, p->payload_len);
    return DECODE_OK;
}
