/*
 * decode-teredo.c - Teredo (RFC 4380): IPv6 carried in UDP through IPv4 NATs.
 *
 * Why: hosts behind NAT reach IPv6 through Teredo, and rules must see the IPv6 traffic
 * inside as Suricata 7 does (inner packets with flows of their own, e.g. bug-5464-verdict-06).
 *
 * Nothing in Teredo says "this is Teredo", so, as in Suricata, a UDP payload on a Teredo port
 * (decoder.teredo.ports; any port when none are configured) is taken for it only when it
 * holds up as one IPv6 packet: after an optional origin indication (8 bytes starting 00 00;
 * any other 00 xx start is an authentication or control message, not a tunnel), IP version 6,
 * a hop limit other than 0, no hop-by-hop header without room for it, and a payload length
 * that exactly fills the rest. Anything else stays an ordinary UDP payload, with no event.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode-internal.h"

#define TEREDO_ORIGIN_INDICATION_LEN 8
#define IPV6_HEADER_LEN 40

bool decode_teredo_port(const DecodeOptions *o, uint16_t sp, uint16_t dp)
{
    if (!o->teredo_enabled)
        return false;
    if (!o->teredo_port_count)
        return true;
    for (int i = 0; i < o->teredo_port_count; i++)
        if (o->teredo_ports[i] == sp || o->teredo_ports[i] == dp)
            return true;
    return false;
}

DecodeResult decode_teredo(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    if (len < IPV6_HEADER_LEN)
        return DECODE_FAIL;
    uint32_t off = 0;
    if (data[0] == 0) {
        if (data[1] != 0 || len < TEREDO_ORIGIN_INDICATION_LEN + IPV6_HEADER_LEN)
            return DECODE_FAIL;
        off = TEREDO_ORIGIN_INDICATION_LEN;
    }
    const uint8_t *ip6 = data + off;
    uint32_t plen = rd16(ip6 + 4);
    if ((ip6[0] >> 4) != 6 || ip6[7] == 0 || (ip6[6] == 0 && plen < 8) ||
        len - off != IPV6_HEADER_LEN + plen)
        return DECODE_FAIL;
    if (!decode_tunnel_queue(dt, p, ip6, len - off, LINKTYPE_IPV6))
        return DECODE_FAIL;
    counter_incr(dt->counters, decode_ids.teredo);
    return DECODE_OK;
}

/* "any", "3544", "[3544, 3545]" or a "$NAME" of vars.port-groups; a range counts by its
 * first port, as Suricata's Teredo port list does. */
int decode_teredo_parse_ports(DecodeOptions *o, const char *text)
{
    o->teredo_port_count = 0;
    if (!text || strcmp(text, "any") == 0)
        return 0;
    const char *s = text;
    while (*s) {
        while (*s == '[' || *s == ' ' || *s == ',' || *s == ']')
            s++;
        if (!*s)
            break;
        char *end;
        unsigned long port = strtoul(s, &end, 10);
        if (end == s || port > 65535)
            return -1;
        if (o->teredo_port_count < DECODE_TEREDO_MAX_PORTS)
            o->teredo_ports[o->teredo_port_count++] = (uint16_t)port;
        s = end;
        while (*s && *s != ',' && *s != ']')
            s++;
    }
    return 0;
}
