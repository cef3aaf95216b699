/*
 * decode-ip-payload.c - what follows the IP header(s): transports and IP-in-IP tunnels.
 *
 * Shared by IPv4 and IPv6 so both hand the same protocol numbers to the same decoders. An
 * IP-in-IP payload becomes a pseudo packet with its own flow, as in Suricata; the outer packet
 * keeps its own (proto 4 or 41) flow.
 */
#include "decode/decode.h"

#include <netinet/in.h>

static DecodeResult queue_ip_tunnel(DecodeThread *dt, Packet *p, int datalink,
                                    const uint8_t *data, uint32_t len)
{
    Packet *inner = decode_queue_pseudo(dt, p, data, len, datalink);
    if (inner)
        inner->is_tunneled = true;
    return DECODE_OK;
}

DecodeResult decode_ip_payload(DecodeThread *dt, Packet *p, uint8_t proto, const uint8_t *data,
                               uint32_t len)
{
    p->proto = proto;
    p->payload = data;
    p->payload_len = len;
    switch (proto) {
    case IPPROTO_TCP:
        return decode_tcp(dt, p, data, len);
    case IPPROTO_UDP:
        return decode_udp(dt, p, data, len);
    case IPPROTO_ICMP:
        if (p->ip_version == 6) {
            decode_set_event(dt, p, DE_IPV6_WITH_ICMPV4);
            return DECODE_OK;
        }
        return decode_icmpv4(dt, p, data, len);
    case IPPROTO_ICMPV6:
        if (p->ip_version == 4) {
            decode_set_event(dt, p, DE_IPV4_WITH_ICMPV6);
            return DECODE_OK;
        }
        return decode_icmpv6(dt, p, data, len);
    case IPPROTO_GRE:
        return decode_gre(dt, p, data, len);
    case IPPROTO_IPIP:
        if (p->ip_version == 6)
            counter_incr(dt->counters, decode_ids.ipv4_in_ipv6);
        return queue_ip_tunnel(dt, p, LINKTYPE_IPV4, data, len);
    case IPPROTO_IPV6:
        if (p->ip_version == 6)
            counter_incr(dt->counters, decode_ids.ipv6_in_ipv6);
        return queue_ip_tunnel(dt, p, LINKTYPE_IPV6, data, len);
    case IPPROTO_ESP:
        counter_incr(dt->counters, decode_ids.esp);
        return DECODE_OK;
    case IPPROTO_SCTP:
        counter_incr(dt->counters, decode_ids.sctp);
        return DECODE_OK;
    default:
        return DECODE_OK;
    }
}
