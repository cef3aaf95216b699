/*
 * detect-hdr-buffers.c - packet header sticky buffers: ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr,
 * icmpv4.hdr, icmpv6.hdr; and the address buffers ip.src, ip.dst.
 *
 * Suricata 7 exposes each decoded header as a buffer that content, byte_test, byte_math,
 * bsize... inspect like any other ("ipv4.hdr; content:"|06|"; offset:9; depth:1;"). The
 * bytes are the raw header as it was on the wire: the IPv4 header with its options, the
 * IPv6 header with its extension headers, the TCP header with its options, the 8 UDP bytes,
 * the ICMPv4 header (4 bytes plus the type's fixed part, as the decoder measured it) and the
 * 8-byte ICMPv6 header. ip.src and ip.dst are the packet's addresses in network order, 4 bytes
 * for IPv4 and 16 for IPv6 (what datasets of type ipv4/ip look up). A packet without that
 * header does not match.
 *
 * Unlike app-layer buffers these belong to the packet, so the keyword keeps its own list of
 * payload matches inside its SigMatch on the packet list (Signature.active_list points the
 * parser at it); the rule stays a packet rule and is checked on every packet of its
 * protocol, header keywords first. The frame detect-frame.c approximates by the packet
 * (dns.pdu) is a kind of this buffer too.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "detect/detect-hdr-buffers.h"
#include "detect/detect-keywords.h"
#include "detect/detect-transform.h"

typedef HdrBufferKind HdrKind;

typedef struct HdrBufferCtx {
    HdrKind kind;
    SigList list;   /* the contents, byte_* ... that inspect the header */
} HdrBufferCtx;

static const struct {
    const char *name;
    uint8_t ipproto;   /* the transport the rule must allow, 0 for the IP headers */
} hdr_kinds[] = {
    [HDR_IPV4] = {"ipv4.hdr", 0},          [HDR_IPV6] = {"ipv6.hdr", 0},
    [HDR_TCP] = {"tcp.hdr", IPPROTO_TCP},  [HDR_UDP] = {"udp.hdr", IPPROTO_UDP},
    [HDR_ICMPV4] = {"icmpv4.hdr", IPPROTO_ICMP}, [HDR_ICMPV6] = {"icmpv6.hdr", IPPROTO_ICMPV6},
    [HDR_IP_SRC] = {"ip.src", 0},          [HDR_IP_DST] = {"ip.dst", 0},
};

int hdr_buffer_activate(Signature *sig, HdrBufferKind kind)
{
    HdrBufferCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->kind = kind;
    ctx->list.buffer_id = -1;
    /* every kind shares the keyword functions; the first entry stands for all of them */
    if (!sig_append(sig, SIG_LIST_PACKET, &detect_hdr_buffer_keywords[0], ctx)) {
        free(ctx);
        return -1;
    }
    sig->active_buffer = -1;
    sig->active_list = &ctx->list;
    return 0;
}

static int hdr_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                     size_t errlen)
{
    (void)value;
    for (size_t k = 0; k < sizeof(hdr_kinds) / sizeof(hdr_kinds[0]); k++) {
        if (!hdr_kinds[k].name || strcmp(kw->name, hdr_kinds[k].name) != 0)
            continue;
        uint8_t want = hdr_kinds[k].ipproto;
        /* An "icmp" rule covers ICMPv6 too (detect-engine.c), so icmpv6.hdr accepts it. */
        bool icmp_any = want == IPPROTO_ICMPV6 && sig->ipproto == IPPROTO_ICMP;
        if (want && sig->ipproto && sig->ipproto != want && !icmp_any) {
            snprintf(err, errlen, "the rule's protocol has no %s", kw->name);
            return -1;
        }
        return hdr_buffer_activate(sig, (HdrKind)k);
    }
    return -1;
}

/* The DNS frame approximated by the packet: the payload of a packet of a DNS flow; over TCP
 * without its 2-byte length prefix, which must cover the rest of the payload. A TCP flow
 * whose protocol is not known yet counts (the app layer sees stream data only once
 * acknowledged, after detection saw the packet). */
static bool frame_bytes(HdrKind kind, const DetectMatchCtx *m, const uint8_t **data,
                        uint32_t *len)
{
    const Packet *p = m->p;
    (void)kind;
    AppProto have = m->f && m->f->app ? m->f->app->proto : ALPROTO_UNKNOWN;
    bool pending = have == ALPROTO_UNKNOWN && p->proto == IPPROTO_TCP;
    if (!m->f || (have != ALPROTO_DNS && !pending) || !p->payload_len)
        return false;
    uint32_t skip = p->proto == IPPROTO_TCP ? 2 : 0;
    if (p->payload_len <= skip ||
        (skip && (uint32_t)(p->payload[0] << 8 | p->payload[1]) != p->payload_len - skip))
        return false;
    *data = p->payload + skip;
    *len = p->payload_len - skip;
    return true;
}

/* The header bytes of kind in p, false when p has no such header. */
static bool hdr_bytes(HdrKind kind, const DetectMatchCtx *m, const uint8_t **data,
                      uint32_t *len)
{
    const Packet *p = m->p;
    switch (kind) {
    case HDR_FRAME_DNS_PDU:
        return frame_bytes(kind, m, data, len);
    case HDR_IP_SRC:
    case HDR_IP_DST: {
        const Address *a = kind == HDR_IP_SRC ? &p->src : &p->dst;
        if (p->ip_version != 4 && p->ip_version != 6)
            return false;
        *data = a->addr;
        *len = p->ip_version == 4 ? 4 : 16;
        return true;
    }
    case HDR_IPV4:
    case HDR_IPV6:
        if (!p->ip_hdr || p->ip_version != (kind == HDR_IPV4 ? 4 : 6))
            return false;
        *data = p->ip_hdr;
        *len = p->ip_hdr_len;
        return true;
    default: {
        static const uint8_t protos[] = {[HDR_TCP] = IPPROTO_TCP, [HDR_UDP] = IPPROTO_UDP,
                                         [HDR_ICMPV4] = IPPROTO_ICMP,
                                         [HDR_ICMPV6] = IPPROTO_ICMPV6};
        if (!p->l4_hdr || !p->l4_hdr_len || p->proto != protos[kind])
            return false;
        *data = p->l4_hdr;
        *len = p->l4_hdr_len;
        return true;
    }
    }
}

static bool hdr_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const HdrBufferCtx *ctx = ctx_ptr;
    const uint8_t *data;
    uint32_t len;
    if (!m->p || !hdr_bytes(ctx->kind, m, &data, &len))
        return false;
    if (ctx->list.transform_count) {
        data = detect_transform_apply(m->dt, &ctx->list, data, &len);
        if (!data)
            return false;
    }
    InspectState st = inspect_state_make(m, data, len);
    return detect_inspect_list(&st, ctx->list.head);
}

static SigList *hdr_list(void *ctx)
{
    return &((HdrBufferCtx *)ctx)->list;
}

static void hdr_free(void *ctx)
{
    if (!ctx)
        return;
    sig_list_free(hdr_list(ctx));
    free(ctx);
}

#define HDR_KEYWORD(n)                                                                        \
    {.name = n, .setup = hdr_setup, .match_packet = hdr_match, .free_ctx = hdr_free,          \
     .nested_list = hdr_list}

const DetectKeyword detect_hdr_buffer_keywords[] = {
    HDR_KEYWORD("ipv4.hdr"),   HDR_KEYWORD("ipv6.hdr"),   HDR_KEYWORD("tcp.hdr"),
    HDR_KEYWORD("udp.hdr"),    HDR_KEYWORD("icmpv4.hdr"), HDR_KEYWORD("icmpv6.hdr"),
    HDR_KEYWORD("ip.src"),     HDR_KEYWORD("ip.dst"),
    {.name = NULL},
};
