/*
 * decode-vlan.c - 802.1Q VLAN tags, stacked as QinQ (802.1ad) up to three deep.
 *
 * The VLAN ids are kept on the packet because flows are keyed on them: the same 5-tuple in
 * two VLANs is two conversations. A fourth tag is an anomaly, as in Suricata.
 */
#include "decode/decode.h"

#define VLAN_HEADER_LEN 4

DecodeResult decode_vlan(DecodeThread *dt, Packet *p, uint16_t ethertype, const uint8_t *data,
                         uint32_t len)
{
    (void)ethertype;
    if (p->vlan_count == 0)
        counter_incr(dt->counters, decode_ids.vlan);
    else if (p->vlan_count == 1)
        counter_incr(dt->counters, decode_ids.vlan_qinq);
    else if (p->vlan_count == 2)
        counter_incr(dt->counters, decode_ids.vlan_qinqinq);
    if (len < VLAN_HEADER_LEN)
        return decode_fail(dt, p, DE_VLAN_HEADER_TOO_SMALL);
    if (p->vlan_count >= PKT_MAX_VLAN)
        return decode_fail(dt, p, DE_VLAN_HEADER_TOO_MANY_LAYERS);
    p->vlan_id[p->vlan_count++] = rd16(data) & 0x0fff;
    uint16_t inner = rd16(data + 2);
    return decode_ethertype(dt, p, inner, data + VLAN_HEADER_LEN, len - VLAN_HEADER_LEN);
}
