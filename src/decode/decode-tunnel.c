/*
 * decode-tunnel.c - turning a tunnel's inner bytes into a pseudo packet.
 *
 * Suricata gives the inner packet of every tunnel its own Packet and flow while the outer
 * packet stays what it was (a UDP flow for VXLAN/Geneve, a proto 41 flow for 6in4, no flow
 * for GRE). bongsu does the same through
 * the DecodeThread's pseudo queue: the inner bytes are copied into a pool packet which the
 * caller decodes after the outer one. The pseudo packet inherits the outer VLAN ids
 * (decode_queue_pseudo), so a tunnel inside a VLAN keys its flows on that VLAN as well.
 */
#include "decode/decode-internal.h"

#define VLAN_TAG_LEN 4

Packet *decode_tunnel_queue(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len,
                            int datalink)
{
    Packet *inner = decode_queue_pseudo(dt, p, data, len, datalink);
    if (inner)
        inner->is_tunneled = true;
    return inner;
}

/* Suricata decodes such a payload as a VLAN layer of the tunnel packet, and discards that
 * packet (its events with it) when a tag is cut short, there are too many, or what follows is
 * unknown. A pseudo packet can only start at a link type, so the tags are read here and only
 * the IP packet behind them is queued; the counters still count what was decoded. */
DecodeResult decode_tunnel_queue_vlan(DecodeThread *dt, Packet *p, const uint8_t *data,
                                      uint32_t len)
{
    uint16_t ids[PKT_MAX_VLAN];
    int count = 0;
    uint16_t ethertype = ETHERTYPE_VLAN;
    while (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
           ethertype == ETHERTYPE_QINQ_OLD) {
        counter_incr(dt->counters, count == 0   ? decode_ids.vlan
                                   : count == 1 ? decode_ids.vlan_qinq
                                                : decode_ids.vlan_qinqinq);
        if (len < VLAN_TAG_LEN || count + p->vlan_count >= PKT_MAX_VLAN)
            return DECODE_FAIL;
        ids[count++] = rd16(data) & 0x0fff;
        ethertype = rd16(data + 2);
        data += VLAN_TAG_LEN;
        len -= VLAN_TAG_LEN;
    }
    int datalink;
    if (ethertype == ETHERTYPE_IPV4) {
        datalink = LINKTYPE_IPV4;
    } else if (ethertype == ETHERTYPE_IPV6) {
        datalink = LINKTYPE_IPV6;
    } else {
        counter_incr(dt->counters, ethertype == ETHERTYPE_ARP ? decode_ids.arp
                                                              : decode_ids.unknown_ethertype);
        return DECODE_OK;
    }
    Packet *inner = decode_tunnel_queue(dt, p, data, len, datalink);
    if (inner) {
        for (int i = 0; i < count; i++)
            inner->vlan_id[inner->vlan_count++] = ids[i];
    }
    return DECODE_OK;
}
