/*
 * decode-vlan.c - 802.1Q VLAN tags, stacked as QinQ (802.1ad) up to three deep.
 *
 * The VLAN ids are kept on the packet because flows are keyed on them: the same 5-tuple in
 * two VLANs is two conversations. As in Suricata, a fourth tag is an anomaly that ends
 * decoding (without making the packet invalid), and a tag followed by an ethertype nothing
 * decodes is decoder.vlan.unknown_type.
 */
#include "decode/decode-internal.h"

#define VLAN_HEADER_LEN 4

DecodeResult decode_vlan(DecodeThread *dt, Packet *p, uint16_t ethertype, const uint8_t *data,
                         uint32_t len)
{
    (void)ethertype;
    if (p->vlan_count >= PKT_MAX_VLAN) {
        decode_set_event(dt, p, DE_VLAN_HEADER_TOO_MANY_LAYERS);
        return DECODE_FAIL;
    }
    if (p->vlan_count == 0)
        counter_incr(dt->counters, decode_ids.vlan);
    else if (p->vlan_count == 1)
        counter_incr(dt->counters, decode_ids.vlan_qinq);
    else
        counter_incr(dt->counters, decode_ids.vlan_qinqinq);
    if (len < VLAN_HEADER_LEN)
        return decode_fail(dt, p, DE_VLAN_HEADER_TOO_SMALL);
    p->vlan_id[p->vlan_count++] = rd16(data) & 0x0fff;
    uint16_t inner = rd16(data + 2);
    DecodeResult r = decode_ethertype(dt, p, inner, data + VLAN_HEADER_LEN, len - VLAN_HEADER_LEN);
    if (!ethertype_known(inner))
        return decode_fail(dt, p, DE_VLAN_UNKNOWN_TYPE);
    return r;
}
