/*
 * decode.c - the entry points of decoding, link-type dispatch, events and pseudo packets.
 *
 * See decode.h for the model. This file owns what every layer shares: the counter ids, event
 * recording, and the queue of pseudo packets that defrag and tunnels produce.
 */
#include "decode/decode.h"

#include <string.h>

#include "decode/packet-pool.h"

DecodeCounterIds decode_ids;

void decode_register_counters(void)
{
    DecodeCounterIds *c = &decode_ids;
    c->pkts = counters_register("decoder.pkts");
    c->bytes = counters_register("decoder.bytes");
    c->invalid = counters_register("decoder.invalid");
    c->ipv4 = counters_register("decoder.ipv4");
    c->ipv6 = counters_register("decoder.ipv6");
    c->ethernet = counters_register("decoder.ethernet");
    c->arp = counters_register("decoder.arp");
    c->unknown_ethertype = counters_register("decoder.unknown_ethertype");
    c->chdlc = counters_register("decoder.chdlc");
    c->raw = counters_register("decoder.raw");
    c->null = counters_register("decoder.null");
    c->sll = counters_register("decoder.sll");
    c->tcp = counters_register("decoder.tcp");
    c->udp = counters_register("decoder.udp");
    c->sctp = counters_register("decoder.sctp");
    c->esp = counters_register("decoder.esp");
    c->icmpv4 = counters_register("decoder.icmpv4");
    c->icmpv6 = counters_register("decoder.icmpv6");
    c->ppp = counters_register("decoder.ppp");
    c->pppoe = counters_register("decoder.pppoe");
    c->geneve = counters_register("decoder.geneve");
    c->gre = counters_register("decoder.gre");
    c->vlan = counters_register("decoder.vlan");
    c->vlan_qinq = counters_register("decoder.vlan_qinq");
    c->vlan_qinqinq = counters_register("decoder.vlan_qinqinq");
    c->vxlan = counters_register("decoder.vxlan");
    c->teredo = counters_register("decoder.teredo");
    c->ieee8021ah = counters_register("decoder.ieee8021ah");
    c->ipv4_in_ipv6 = counters_register("decoder.ipv4_in_ipv6");
    c->ipv6_in_ipv6 = counters_register("decoder.ipv6_in_ipv6");
    c->mpls = counters_register("decoder.mpls");
    c->avg_pkt_size = counters_register_avg("decoder.avg_pkt_size", c->bytes, c->pkts);
    c->max_pkt_size = counters_register_max("decoder.max_pkt_size");
    c->max_mac_addrs_src = counters_register_max("decoder.max_mac_addrs_src");
    c->max_mac_addrs_dst = counters_register_max("decoder.max_mac_addrs_dst");
    c->erspan = counters_register("decoder.erspan");
    c->too_many_layers = counters_register("decoder.too_many_layers");
    c->vntag = counters_register("decoder.vntag");
    c->nsh = counters_register("decoder.nsh");
    for (int i = 0; i < DECODE_EVENT_COUNT; i++) {
        /* Stats names as Suricata's (stats.decoder-events-prefix "decoder.event"):
         * "decoder.event.ipv4.trunc_pkt". Stream events are not counted in stats by default
         * (stats.stream-events: false), and decoder.too_many_layers has its own counter. */
        const char *name = decode_event_name((DecodeEvent)i);
        char counter_name[128];
        if (strncmp(name, "decoder.", 8) != 0 || i == DE_DECODE_TOO_MANY_LAYERS) {
            c->event[i] = -1;
            continue;
        }
        snprintf(counter_name, sizeof(counter_name), "decoder.event.%s", name + 8);
        c->event[i] = counters_register(counter_name);
    }
}

void decode_thread_init(DecodeThread *dt, CounterSet *counters, struct DefragTable *defrag,
                        struct PacketPool *pool)
{
    memset(dt, 0, sizeof(*dt));
    dt->counters = counters;
    dt->defrag = defrag;
    dt->pool = pool;
    dt->options.vxlan_port = 4789;
    dt->options.vxlan_enabled = true;
    dt->options.teredo_enabled = true;
}

void decode_set_event(DecodeThread *dt, Packet *p, DecodeEvent event)
{
    packet_add_event(p, event);
    if (decode_ids.event[event] >= 0)
        counter_incr(dt->counters, decode_ids.event[event]);
}

DecodeResult decode_fail(DecodeThread *dt, Packet *p, DecodeEvent event)
{
    decode_set_event(dt, p, event);
    if (!p->is_invalid) {
        p->is_invalid = true;
        counter_incr(dt->counters, decode_ids.invalid);
    }
    return DECODE_FAIL;
}

static DecodeResult decode_from_link(DecodeThread *dt, Packet *p, const uint8_t *data,
                                     uint32_t len)
{
    switch (p->datalink) {
    case LINKTYPE_ETHERNET:
        return decode_ethernet(dt, p, data, len);
    case LINKTYPE_LINUX_SLL:
        return decode_sll(dt, p, data, len);
    case LINKTYPE_LINUX_SLL2:
        return decode_sll2(dt, p, data, len);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
        return decode_null(dt, p, data, len);
    case LINKTYPE_PPP:
        return decode_ppp(dt, p, data, len);
    case LINKTYPE_CHDLC:
        return decode_chdlc(dt, p, data, len);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_ALT:
    case LINKTYPE_RAW_LT:
        return decode_raw(dt, p, data, len);
    case LINKTYPE_IPV4:
        counter_incr(dt->counters, decode_ids.raw);
        return decode_ipv4(dt, p, data, len);
    case LINKTYPE_IPV6:
        counter_incr(dt->counters, decode_ids.raw);
        return decode_ipv6(dt, p, data, len);
    default:
        p->is_invalid = true;
        counter_incr(dt->counters, decode_ids.invalid);
        return DECODE_FAIL;
    }
}

DecodeResult decode_packet(DecodeThread *dt, Packet *p)
{
    counter_incr(dt->counters, decode_ids.pkts);
    counter_add(dt->counters, decode_ids.bytes, p->wire_len ? p->wire_len : p->len);
    counter_update_max(dt->counters, decode_ids.max_pkt_size, p->wire_len ? p->wire_len : p->len);
    dt->depth = 0;
    return decode_from_link(dt, p, p->buf, p->len);
}

DecodeResult decode_pseudo_packet(DecodeThread *dt, Packet *p)
{
    /* Pseudo packets were already counted as part of the packet that carried them, so their
     * link layer is not counted again (no decoder.pkts, no decoder.raw). */
    dt->depth = 0;
    switch (p->datalink) {
    case LINKTYPE_IPV4:
        return decode_ipv4(dt, p, p->buf, p->len);
    case LINKTYPE_IPV6:
        return decode_ipv6(dt, p, p->buf, p->len);
    case LINKTYPE_ERSPAN2_INNER:
        return decode_ethernet(dt, p, p->buf + ERSPAN_II_HDR_LEN, p->len - ERSPAN_II_HDR_LEN);
    default:
        return decode_from_link(dt, p, p->buf, p->len);
    }
}

Packet *decode_queue_pseudo(DecodeThread *dt, const Packet *parent, const uint8_t *data,
                            uint32_t len, int datalink)
{
    if (dt->pseudo_count >= DECODE_MAX_PSEUDO || !dt->pool)
        return NULL;
    Packet *p = packet_pool_try_get_reserved(dt->pool);
    if (!p)
        return NULL;
    if (packet_set_data(p, data, len, len, parent->ts_usec, parent->pcap_cnt, datalink) != 0) {
        packet_pool_put(dt->pool, p);
        return NULL;
    }
    /* A tunnel's inner packet inherits the outer VLAN tags: Suricata keys flows on them. */
    memcpy(p->vlan_id, parent->vlan_id, sizeof(p->vlan_id));
    p->vlan_count = parent->vlan_count;
    dt->pseudo[dt->pseudo_count++] = p;
    return p;
}

Packet *decode_take_pseudo(DecodeThread *dt)
{
    if (dt->pseudo_count == 0)
        return NULL;
    Packet *p = dt->pseudo[0];
    memmove(&dt->pseudo[0], &dt->pseudo[1], (size_t)(dt->pseudo_count - 1) * sizeof(Packet *));
    dt->pseudo_count--;
    return p;
}
