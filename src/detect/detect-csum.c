/*
 * detect-csum.c - checksum keywords: ipv4-csum, tcpv4-csum, tcpv6-csum, udpv4-csum,
 * udpv6-csum, icmpv4-csum, icmpv6-csum, each "valid" or "invalid".
 *
 * Suricata's semantics, which rules written for it rely on:
 *   - a packet without the keyword's headers (tcpv4-csum on IPv6, on UDP...) never matches;
 *   - a UDP/IPv4 datagram with checksum 0 (none computed) matches neither value;
 *   - when checksums are ignored (-k none, or pcap-file.checksum-checks: no; offloaded
 *     checksums are garbage) "valid" always matches and "invalid" never does;
 *   - the value is compared as written: "valid" in quotes is accepted but means invalid
 *     (Suricata 7 tests the quoted text), so the quirk is kept for identical verdicts.
 * The sums are the Internet checksum over the header (IPv4) or the pseudo header and the
 * segment (TCP, UDP, ICMPv6), or the ICMPv4 message; a correct one sums to 0xffff.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect-keywords.h"
#include "detect/detect.h"

typedef enum CsumKind {
    CSUM_IPV4, CSUM_TCPV4, CSUM_TCPV6, CSUM_UDPV4, CSUM_UDPV6, CSUM_ICMPV4, CSUM_ICMPV6
} CsumKind;

static const struct {
    const char *name;
    uint8_t ip_version;
    uint8_t proto;   /* 0: the IPv4 header itself */
} csum_kinds[] = {
    [CSUM_IPV4] = {"ipv4-csum", 4, 0},
    [CSUM_TCPV4] = {"tcpv4-csum", 4, IPPROTO_TCP},
    [CSUM_TCPV6] = {"tcpv6-csum", 6, IPPROTO_TCP},
    [CSUM_UDPV4] = {"udpv4-csum", 4, IPPROTO_UDP},
    [CSUM_UDPV6] = {"udpv6-csum", 6, IPPROTO_UDP},
    [CSUM_ICMPV4] = {"icmpv4-csum", 4, IPPROTO_ICMP},
    [CSUM_ICMPV6] = {"icmpv6-csum", 6, IPPROTO_ICMPV6},
};

typedef struct CsumCtx {
    CsumKind kind;
    bool valid;
} CsumCtx;

static bool checksums_ignored;

void detect_set_checksums_ignored(bool ignored)
{
    checksums_ignored = ignored;
}

static int csum_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                      size_t errlen)
{
    char text[16] = "";
    size_t len = value ? strlen(value) : 0;
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
        snprintf(text, sizeof(text), "%.*s", (int)(len - 2), value + 1);
    else if (value)
        snprintf(text, sizeof(text), "%s", value);
    if (strcasecmp(text, "valid") != 0 && strcasecmp(text, "invalid") != 0) {
        snprintf(err, errlen, "needs valid or invalid");
        return -1;
    }
    CsumCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    for (size_t k = 0; k < sizeof(csum_kinds) / sizeof(csum_kinds[0]); k++)
        if (strcmp(kw->name, csum_kinds[k].name) == 0)
            ctx->kind = (CsumKind)k;
    ctx->valid = strcasecmp(value, "valid") == 0;
    if (!sig_append(sig, SIG_LIST_PACKET, kw, ctx)) {
        free(ctx);
        return -1;
    }
    return 0;
}

static uint64_t sum_bytes(uint64_t sum, const uint8_t *d, uint32_t len)
{
    for (; len >= 2; d += 2, len -= 2)
        sum += (uint32_t)(d[0] << 8 | d[1]);
    if (len)
        sum += (uint32_t)(d[0] << 8);
    return sum;
}

static bool folds_to_ffff(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/* The transport segment as the IP header sizes it: header plus payload, within the capture. */
static uint32_t segment_len(const Packet *p)
{
    const uint8_t *end = p->buf + p->len;
    uint32_t claimed = p->ip_total_len > p->ip_hdr_len ? p->ip_total_len - p->ip_hdr_len : 0;
    uint32_t captured = (uint32_t)(end - p->l4_hdr);
    if (!claimed || claimed > captured)
        claimed = (uint32_t)p->l4_hdr_len + p->payload_len;
    return claimed < captured ? claimed : captured;
}

static bool transport_sum_ok(const Packet *p, bool pseudo_header)
{
    uint32_t len = segment_len(p);
    uint64_t sum = 0;
    if (pseudo_header) {
        uint32_t alen = p->ip_version == 4 ? 4 : 16;
        sum = sum_bytes(sum_bytes(0, p->src.addr, alen), p->dst.addr, alen);
        sum += (uint32_t)p->proto + (len >> 16) + (len & 0xffff);
    }
    return folds_to_ffff(sum_bytes(sum, p->l4_hdr, len));
}

static bool csum_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const CsumCtx *ctx = ctx_ptr;
    const Packet *p = m->p;
    if (!p || !p->ip_hdr || p->ip_version != csum_kinds[ctx->kind].ip_version)
        return false;
    uint8_t proto = csum_kinds[ctx->kind].proto;
    if (proto && (p->proto != proto || !p->l4_hdr || !p->l4_hdr_len))
        return false;
    if (ctx->kind == CSUM_UDPV4 && p->l4_hdr[6] == 0 && p->l4_hdr[7] == 0)
        return false;
    if (checksums_ignored)
        return ctx->valid;
    bool ok = proto ? transport_sum_ok(p, ctx->kind != CSUM_ICMPV4)
                    : folds_to_ffff(sum_bytes(0, p->ip_hdr, p->ip_hdr_len));
    return ok == ctx->valid;
}

#define CSUM_KEYWORD(n) {.name = n, .setup = csum_setup, .match_packet = csum_match}

const DetectKeyword detect_csum_keywords[] = {
    CSUM_KEYWORD("ipv4-csum"),   CSUM_KEYWORD("tcpv4-csum"), CSUM_KEYWORD("tcpv6-csum"),
    CSUM_KEYWORD("udpv4-csum"),  CSUM_KEYWORD("udpv6-csum"), CSUM_KEYWORD("icmpv4-csum"),
    CSUM_KEYWORD("icmpv6-csum"), {.name = NULL},
};
