/*
 * detect-ipheader.c - IPv4 header bits: ipopts (an option is present) and fragbits (the
 * reserved, don't-fragment and more-fragments bits).
 *
 * Both read the raw IPv4 header the decoder kept (Packet.ip_hdr), so they need nothing from
 * the decoder beyond its length checks. IPv6 packets never match either, as in Suricata.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"

typedef struct IpOptsCtx {
    int code;      /* IPv4 option type, -1 for "any" */
} IpOptsCtx;

static int ipopts_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    static const struct {
        const char *name;
        int code;
    } opts[] = {{"rr", 7},     {"eol", 0},     {"nop", 1},     {"ts", 68}, {"sec", 130},
                {"esec", 133}, {"lsrr", 131}, {"lsrre", 131}, {"ssrr", 137}, {"satid", 136},
                {"any", -1}};
    for (size_t i = 0; value && i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (strcmp(value, opts[i].name) != 0)
            continue;
        IpOptsCtx *ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
            return -1;
        ctx->code = opts[i].code;
        return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
    }
    snprintf(err, errlen, "unknown IP option \"%s\" (rr, eol, nop, ts, sec, esec, lsrr, ssrr, "
             "satid, any)", value ? value : "");
    return -1;
}

/* Walks the IPv4 options; true when one of type `code` (any, for -1) is there. */
static bool ipopts_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const IpOptsCtx *ctx = ctx_ptr;
    const Packet *p = m->p;
    if (!p || p->ip_version != 4 || p->ip_hdr_len <= 20)
        return false;
    const uint8_t *o = p->ip_hdr + 20, *end = p->ip_hdr + p->ip_hdr_len;
    while (o < end) {
        if (ctx->code < 0 || *o == ctx->code)
            return true;
        if (*o == 0)
            break;
        if (*o == 1) {
            o++;
            continue;
        }
        if (end - o < 2 || o[1] < 2)
            break;
        o += o[1];
    }
    return false;
}

#define FRAG_RESERVED 0x8000
#define FRAG_DF 0x4000
#define FRAG_MF 0x2000

typedef struct FragBitsCtx {
    uint16_t bits;
    char mode;    /* '=' exactly these, '+' at least these, '*' any of these, '!' not all */
} FragBitsCtx;

static int fragbits_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                          char *err, size_t errlen)
{
    FragBitsCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->mode = '=';
    for (const char *c = value ? value : ""; *c; c++) {
        switch (toupper((unsigned char)*c)) {
        case 'M': ctx->bits |= FRAG_MF; break;
        case 'D': ctx->bits |= FRAG_DF; break;
        case 'R': ctx->bits |= FRAG_RESERVED; break;
        case '+': case '*': case '!': ctx->mode = *c; break;
        case ' ': break;
        default:
            snprintf(err, errlen, "unknown fragment bit '%c' (M, D, R with + * !)", *c);
            free(ctx);
            return -1;
        }
    }
    if (!ctx->bits) {
        snprintf(err, errlen, "needs at least one of M, D, R");
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool fragbits_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const FragBitsCtx *ctx = ctx_ptr;
    const Packet *p = m->p;
    if (!p || p->ip_version != 4)
        return false;
    uint16_t bits = (uint16_t)((p->ip_hdr[6] << 8) & (FRAG_RESERVED | FRAG_DF | FRAG_MF));
    switch (ctx->mode) {
    case '+': return (bits & ctx->bits) == ctx->bits;
    case '*': return (bits & ctx->bits) != 0;
    case '!': return (bits & ctx->bits) != ctx->bits;
    default: return bits == ctx->bits;
    }
}

const DetectKeyword detect_ipheader_keywords[] = {
    {.name = "ipopts", .setup = ipopts_setup, .match_packet = ipopts_match},
    {.name = "fragbits", .setup = fragbits_setup, .match_packet = fragbits_match},
    {.name = NULL},
};
