/*
 * decode-gre.c - Generic Routing Encapsulation (IP protocol 47), versions 0 and 1.
 *
 * Version 0 (RFC 1701/2784/2890) has optional checksum+offset, key, sequence number and
 * source-route entries, announced by flag bits; version 1 is PPTP's enhanced GRE (RFC 2637),
 * which must carry PPP with a key (payload length + call id) and may carry sequence and
 * acknowledgement numbers. The flag combinations each version forbids raise Suricata's
 * decoder.gre.* events and stop decoding, as do headers longer than the packet.
 *
 * The payload is a tunnel: IPv4, IPv6, transparent Ethernet bridging, VLAN-tagged frames,
 * PPP and ERSPAN become pseudo packets with their own flows; this packet stays the carrier
 * (Suricata gives a GRE packet no flow of its own). ERSPAN is recognised as Suricata does it: protocol 0x88be without a sequence number
 * is type I (the mirrored frame follows directly), with one it is type II (an 8-byte ERSPAN
 * header whose VLAN id is added to the inner packet's VLANs).
 *
 * Where Suricata would decode part of the tunnel packet (PPP, ERSPAN, VLAN tags) and then
 * discard it because that part is broken, its events die with it; bongsu reads those parts
 * here, before queueing, and likewise raises nothing for them.
 */
#include "decode/decode-internal.h"

#define GRE_HDR_LEN 4
#define GRE_CHKSUM_OFFSET_LEN 4
#define GRE_KEY_LEN 4
#define GRE_SEQ_LEN 4
#define GRE_ACK_LEN 4
#define GRE_SRE_HDR_LEN 4

/* First byte: flags. */
#define GRE_FLAG_CHKSUM 0x80
#define GRE_FLAG_ROUTE 0x40
#define GRE_FLAG_KEY 0x20
#define GRE_FLAG_SEQ 0x10
#define GRE_FLAG_SSR 0x08
#define GRE_RECUR_MASK 0x07
/* Second byte: acknowledgement flag (v1), reserved flags, version. */
#define GRE_V1_FLAG_ACK 0x80
#define GRE_RESERVED_FLAGS_MASK 0x78
#define GRE_VERSION_MASK 0x07

enum {
    GRE_PROTO_PPP = 0x880b,
    GRE_PROTO_ERSPAN = 0x88be,
};

/* Skips the source route entries: each is address family, offset, length, then `length`
 * bytes; a null entry (family 0, length 0) ends the list. */
static bool gre_skip_source_routes(const uint8_t *data, uint32_t len, uint32_t *hdr_len)
{
    for (;;) {
        if (*hdr_len + GRE_SRE_HDR_LEN > len)
            return false;
        const uint8_t *sre = data + *hdr_len;
        *hdr_len += GRE_SRE_HDR_LEN;
        if (rd16(sre) == 0 && sre[3] == 0)
            return true;
        *hdr_len += sre[3];
        if (*hdr_len > len)
            return false;
    }
}

/* Version 0: returns the header length, or 0 after raising the event that stops decoding. */
static uint32_t gre_v0_header_len(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    uint8_t flags = data[0];
    if (flags & GRE_RECUR_MASK) {
        decode_fail(dt, p, DE_GRE_VERSION0_RECUR);
        return 0;
    }
    if (data[1] & GRE_RESERVED_FLAGS_MASK) {
        decode_fail(dt, p, DE_GRE_VERSION0_FLAGS);
        return 0;
    }
    uint32_t hdr_len = GRE_HDR_LEN;
    if (flags & GRE_FLAG_KEY)
        hdr_len += GRE_KEY_LEN;
    if (flags & GRE_FLAG_SEQ)
        hdr_len += GRE_SEQ_LEN;
    if (flags & (GRE_FLAG_CHKSUM | GRE_FLAG_ROUTE))
        hdr_len += GRE_CHKSUM_OFFSET_LEN;
    if (hdr_len > len) {
        decode_fail(dt, p, DE_GRE_VERSION0_HDR_TOO_BIG);
        return 0;
    }
    if ((flags & GRE_FLAG_ROUTE) && !gre_skip_source_routes(data, len, &hdr_len)) {
        decode_fail(dt, p, DE_GRE_VERSION0_MALFORMED_SRE_HDR);
        return 0;
    }
    return hdr_len;
}

/* The first forbidden version 1 flag, in Suricata's order of checks; 0 when none is set. */
static int gre_v1_bad_flag_event(const uint8_t *data)
{
    uint8_t flags = data[0];
    if (flags & GRE_FLAG_CHKSUM)
        return DE_GRE_VERSION1_CHKSUM;
    if (flags & GRE_FLAG_ROUTE)
        return DE_GRE_VERSION1_ROUTE;
    if (flags & GRE_FLAG_SSR)
        return DE_GRE_VERSION1_SSR;
    if (flags & GRE_RECUR_MASK)
        return DE_GRE_VERSION1_RECUR;
    if (data[1] & GRE_RESERVED_FLAGS_MASK)
        return DE_GRE_VERSION1_FLAGS;
    if (rd16(data + 2) != GRE_PROTO_PPP)
        return DE_GRE_VERSION1_WRONG_PROTOCOL;
    if (!(flags & GRE_FLAG_KEY))
        return DE_GRE_VERSION1_NO_KEY;
    return 0;
}

/* Version 1 (PPTP): returns the header length, or 0 after raising the event. */
static uint32_t gre_v1_header_len(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    int event = gre_v1_bad_flag_event(data);
    if (event) {
        decode_fail(dt, p, (DecodeEvent)event);
        return 0;
    }
    uint32_t hdr_len = GRE_HDR_LEN + GRE_KEY_LEN;
    if (data[0] & GRE_FLAG_SEQ)
        hdr_len += GRE_SEQ_LEN;
    if (data[1] & GRE_V1_FLAG_ACK)
        hdr_len += GRE_ACK_LEN;
    if (hdr_len > len) {
        decode_fail(dt, p, DE_GRE_VERSION1_HDR_TOO_BIG);
        return 0;
    }
    return hdr_len;
}

/* Suricata decodes the ERSPAN header as part of the tunnel packet and discards that packet,
 * events included, when the header is unusable; so those cases raise nothing here (the
 * erspan events are only counted by Suricata when they cannot happen). */
static DecodeResult gre_queue_erspan(DecodeThread *dt, Packet *p, bool type2,
                                     const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.erspan);
    if (!type2) {
        decode_tunnel_queue(dt, p, data, len, LINKTYPE_ETHERNET);
        return DECODE_OK;
    }
    if (len < ERSPAN_II_HDR_LEN)
        return DECODE_FAIL;
    uint16_t ver_vlan = rd16(data);
    uint16_t vlan = ver_vlan & 0x0fff;
    if ((ver_vlan >> 12) != 1 || (vlan && p->vlan_count >= PKT_MAX_VLAN))
        return DECODE_FAIL;
    Packet *inner = decode_tunnel_queue(dt, p, data, len, LINKTYPE_ERSPAN2_INNER);
    if (inner && vlan)
        inner->vlan_id[inner->vlan_count++] = vlan;
    return DECODE_OK;
}

static DecodeResult gre_decode_payload(DecodeThread *dt, Packet *p, const uint8_t *gre,
                                       uint32_t hdr_len, uint32_t len)
{
    const uint8_t *data = gre + hdr_len;
    uint32_t data_len = len - hdr_len;
    switch (rd16(gre + 2)) {
    case ETHERTYPE_IPV4:
        decode_tunnel_queue(dt, p, data, data_len, LINKTYPE_IPV4);
        return DECODE_OK;
    case ETHERTYPE_IPV6:
        decode_tunnel_queue(dt, p, data, data_len, LINKTYPE_IPV6);
        return DECODE_OK;
    case ETHERTYPE_TEB:
        decode_tunnel_queue(dt, p, data, data_len, LINKTYPE_ETHERNET);
        return DECODE_OK;
    case ETHERTYPE_VLAN:
        return decode_tunnel_queue_vlan(dt, p, data, data_len);
    case GRE_PROTO_PPP:
        /* PPTP sends acknowledgement-only packets with a zero payload length. */
        if ((gre[1] & GRE_VERSION_MASK) == 1 && rd16(gre + 4) == 0)
            return DECODE_OK;
        return decode_ppp_tunnel(dt, p, data, data_len);
    case GRE_PROTO_ERSPAN:
        return gre_queue_erspan(dt, p, (gre[0] & GRE_FLAG_SEQ) != 0, data, data_len);
    default:
        return DECODE_OK;
    }
}

DecodeResult decode_gre(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.gre);
    if (len < GRE_HDR_LEN)
        return decode_fail(dt, p, DE_GRE_PKT_TOO_SMALL);
    uint32_t hdr_len;
    switch (data[1] & GRE_VERSION_MASK) {
    case 0:
        hdr_len = gre_v0_header_len(dt, p, data, len);
        break;
    case 1:
        hdr_len = gre_v1_header_len(dt, p, data, len);
        break;
    default:
        decode_fail(dt, p, DE_GRE_WRONG_VERSION);
        return DECODE_OK;
    }
    if (hdr_len == 0)
        return DECODE_OK;
    return gre_decode_payload(dt, p, data, hdr_len, len);
}
