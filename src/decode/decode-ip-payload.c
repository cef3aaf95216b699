/*
 * decode-ip-payload.c - what follows the IP header(s): transports, ESP, SCTP, GRE, tunnels.
 *
 * IPv4 hands its payload here directly; IPv6 comes here for the protocols both versions
 * share once its extension header chain has been walked (decode-ipv6.c keeps the cases
 * Suricata treats differently for IPv6: IPv4-in-IPv6 checks, unknown next headers). An
 * IPv6-in-IPv4 payload becomes a pseudo packet with its own flow, as in Suricata; the outer
 * packet keeps its own (proto 41) flow. IPv4-in-IPv4 is not decoded, matching Suricata 7's
 * default (decoder.ipv4.ipip.enabled: false).
 */
#include "decode/decode-internal.h"

#include <netinet/in.h>

#define ESP_HEADER_LEN 8  /* SPI and sequence number */
#define SCTP_HEADER_LEN 12

static DecodeResult decode_esp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.esp);
    if (len < ESP_HEADER_LEN)
        return decode_fail(dt, p, DE_ESP_PKT_TOO_SMALL);
    p->esp_spi = rd32(data); /* keys the flow: one per security association */
    p->l4_hdr = data;
    p->l4_hdr_len = ESP_HEADER_LEN;
    p->payload = data + ESP_HEADER_LEN;
    p->payload_len = len - ESP_HEADER_LEN;
    return DECODE_OK;
}

static DecodeResult decode_sctp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.sctp);
    if (len < SCTP_HEADER_LEN)
        return decode_fail(dt, p, DE_SCTP_PKT_TOO_SMALL);
    p->sp = rd16(data);
    p->dp = rd16(data + 2);
    p->l4_hdr = data;
    p->l4_hdr_len = SCTP_HEADER_LEN;
    p->payload = data + SCTP_HEADER_LEN;
    p->payload_len = len - SCTP_HEADER_LEN;
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
        if (p->ip_version == 4)
            return decode_fail(dt, p, DE_IPV4_WITH_ICMPV6);
        return decode_icmpv6(dt, p, data, len);
    case IPPROTO_GRE:
        return decode_gre(dt, p, data, len);
    case IPPROTO_ESP:
        return decode_esp(dt, p, data, len);
    case IPPROTO_SCTP:
        return decode_sctp(dt, p, data, len);
    case IPPROTO_IPV6:
        decode_tunnel_queue(dt, p, data, len, LINKTYPE_IPV6);
        return DECODE_OK;
    default:
        return DECODE_OK;
    }
}
