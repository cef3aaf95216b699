/*
 * detect-header.c - keywords on packet header fields: dsize, ttl, tos, id, ip_proto, itype,
 * icode, icmp_id, icmp_seq, window, seq, ack, tcp.mss, fragoffset, flags, sameip.
 *
 * The numeric ones share Suricata's comparison syntax: "N", "!N", "<N", ">N", "<=N", ">=N",
 * "A-B" and "A<>B" (exclusive range). Each keyword only names which field it reads.
 */
#include "detect/detect-keywords.h"
#include "detect/detect-uint.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum HeaderField {
    FIELD_DSIZE, FIELD_TTL, FIELD_TOS, FIELD_ID, FIELD_IP_PROTO, FIELD_ITYPE, FIELD_ICODE,
    FIELD_ICMP_ID, FIELD_ICMP_SEQ, FIELD_WINDOW, FIELD_SEQ, FIELD_ACK, FIELD_TCP_MSS,
    FIELD_FRAGOFFSET,
} HeaderField;

typedef struct NumCtx {
    HeaderField field;
    DetectUint cmp;
} NumCtx;

/* The comparisons each keyword takes in Suricata 7 (measured with the reference): its
 * generic unsigned syntax for dsize, ttl, itype, icode and tcp.mss; a bare number for id,
 * seq, ack, icmp_id and icmp_seq; "!" for tos and window; "<" and ">" for fragoffset; all
 * three for ip_proto. Anything else fails the rule there, and so here. */
#define OPS_ALL 0xffu

static const struct {
    const char *name;
    HeaderField field;
    uint64_t max;
    unsigned ops; /* bit per DetectUintOp accepted */
} numeric_keywords[] = {
    {"dsize", FIELD_DSIZE, 65535, OPS_ALL}, {"ttl", FIELD_TTL, 255, OPS_ALL},
    {"tos", FIELD_TOS, 255, 1u << DU_EQ | 1u << DU_NE},
    {"id", FIELD_ID, 65535, 1u << DU_EQ},
    {"ip_proto", FIELD_IP_PROTO, 255, 1u << DU_EQ | 1u << DU_NE | 1u << DU_LT | 1u << DU_GT},
    {"itype", FIELD_ITYPE, 255, OPS_ALL}, {"icode", FIELD_ICODE, 255, OPS_ALL},
    {"icmp_id", FIELD_ICMP_ID, 65535, 1u << DU_EQ},
    {"icmp_seq", FIELD_ICMP_SEQ, 65535, 1u << DU_EQ},
    {"window", FIELD_WINDOW, 65535, 1u << DU_EQ | 1u << DU_NE},
    {"seq", FIELD_SEQ, UINT32_MAX, 1u << DU_EQ}, {"ack", FIELD_ACK, UINT32_MAX, 1u << DU_EQ},
    {"tcp.mss", FIELD_TCP_MSS, 65535, OPS_ALL},
    {"fragoffset", FIELD_FRAGOFFSET, 65535, 1u << DU_EQ | 1u << DU_LT | 1u << DU_GT},
};

/* ip_proto also takes protocol names ("ip_proto:tcp", "ip_proto:!udp"). */
static const char *proto_name_to_number(const char *value, char *buf, size_t len)
{
    static const struct {
        const char *name;
        int number;
    } names[] = {{"ip", 0},    {"icmp", 1},  {"igmp", 2}, {"ipip", 4},    {"tcp", 6},
                 {"egp", 8},   {"pup", 12},  {"udp", 17}, {"idp", 22},    {"ipv6", 41},
                 {"rsvp", 46}, {"gre", 47},  {"esp", 50}, {"ah", 51},     {"ipv6-icmp", 58},
                 {"icmpv6", 58}, {"ospf", 89}, {"pim", 103}, {"sctp", 132}};
    const char *v = value;
    while (isspace((unsigned char)*v))
        v++;
    const char *op = v;
    while (*v == '!' || *v == '<' || *v == '>' || *v == '=')
        v++;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(v, names[i].name) == 0) {
            snprintf(buf, len, "%.*s%d", (int)(v - op), op, names[i].number);
            return buf;
        }
    }
    return value;
}

static const char *ops_text(unsigned ops)
{
    if (ops == OPS_ALL)
        return "N, !N, <N, >N, <=N, >=N, A-B or A<>B";
    if (ops == 1u << DU_EQ)
        return "a number";
    if (ops == (1u << DU_EQ | 1u << DU_NE))
        return "N or !N";
    if (ops == (1u << DU_EQ | 1u << DU_LT | 1u << DU_GT))
        return "N, <N or >N";
    return "N, !N, <N or >N";
}

/* tos also takes hexadecimal as "x10" (Suricata's "[!]xHH"). */
static const char *tos_hex_to_number(const char *value, char *buf, size_t len)
{
    const char *v = value;
    while (isspace((unsigned char)*v))
        v++;
    bool neg = *v == '!';
    v += neg;
    if ((*v != 'x' && *v != 'X') || !isxdigit((unsigned char)v[1]))
        return value;
    char *end;
    unsigned long n = strtoul(v + 1, &end, 16);
    if (*end || end - (v + 1) > 2)
        return value;
    snprintf(buf, len, "%s%lu", neg ? "!" : "", n);
    return buf;
}

static int numeric_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    NumCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    uint64_t max = UINT32_MAX;
    unsigned ops = OPS_ALL;
    for (size_t i = 0; i < sizeof(numeric_keywords) / sizeof(numeric_keywords[0]); i++) {
        if (strcmp(kw->name, numeric_keywords[i].name) == 0) {
            ctx->field = numeric_keywords[i].field;
            max = numeric_keywords[i].max;
            ops = numeric_keywords[i].ops;
        }
    }
    char buf[64];
    if (value && ctx->field == FIELD_IP_PROTO)
        value = proto_name_to_number(value, buf, sizeof(buf));
    if (value && ctx->field == FIELD_TOS)
        value = tos_hex_to_number(value, buf, sizeof(buf));
    if (detect_uint_parse(value, &ctx->cmp, max) != 0 || !(ops >> ctx->cmp.op & 1)) {
        snprintf(err, errlen, "invalid value \"%s\" (%s, at most %llu)", value ? value : "",
                 ops_text(ops), (unsigned long long)max);
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool field_value(const Packet *p, HeaderField field, uint64_t *v)
{
    /* an IPv4 fragment has the protocol but not its header */
    bool l4 = p->l4_hdr != NULL;
    bool tcp = l4 && p->proto == IPPROTO_TCP;
    bool icmp = l4 && (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6);
    switch (field) {
    case FIELD_DSIZE: *v = p->payload_len; return p->ip_version != 0;
    case FIELD_TTL: *v = p->ttl; return p->ip_version != 0;
    case FIELD_TOS: *v = p->ip_version == 4 ? p->ip_hdr[1] : 0; return p->ip_version == 4;
    case FIELD_ID: *v = p->ip_version == 4 ? (uint64_t)(p->ip_hdr[4] << 8 | p->ip_hdr[5]) : 0;
        return p->ip_version == 4;
    case FIELD_IP_PROTO: *v = p->proto; return p->ip_version != 0;
    case FIELD_ITYPE: *v = p->icmp_type; return icmp;
    case FIELD_ICODE: *v = p->icmp_code; return icmp;
    case FIELD_ICMP_ID: *v = p->icmp_id; return icmp;
    case FIELD_ICMP_SEQ: *v = p->icmp_seq; return icmp;
    case FIELD_WINDOW: *v = p->tcp_win; return tcp;
    case FIELD_SEQ: *v = p->tcp_seq; return tcp;
    case FIELD_ACK: *v = p->tcp_ack; return tcp;
    case FIELD_TCP_MSS: *v = p->tcp_opts.mss; return tcp && p->tcp_opts.has_mss;
    case FIELD_FRAGOFFSET:
        *v = p->ip_version == 4 ? (uint64_t)((p->ip_hdr[6] & 0x1f) << 8 | p->ip_hdr[7]) : 0;
        return p->ip_version == 4;
    }
    return false;
}

/* Suricata gives a dsize rule a payload requirement from its operator alone: "!N", ">N",
 * ">=N", a range and "=N" for N > 0 never see a packet without payload ("dsize:!9" does not
 * match a bare ACK), "0" only such a packet, "<N" and "<=N" any. Its packet mask decides
 * what "payload" is: raw stream data ready in the packet's direction counts, and the bytes
 * of a packet whose payload is not inspected (an encrypted session) do not; dsize itself
 * then still compares the packet's own length. So a bare ACK that makes the stream ready
 * matches "dsize:!9" and not "dsize:0", and an encrypted packet neither. */
static bool dsize_needs_payload(const DetectUint *cmp)
{
    return cmp->op == DU_NE || cmp->op == DU_GT || cmp->op == DU_GE || cmp->op == DU_RANGE ||
           (cmp->op == DU_EQ && cmp->a > 0);
}

static bool numeric_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const NumCtx *ctx = ctx_ptr;
    uint64_t v;
    if (!m->p || !field_value(m->p, ctx->field, &v))
        return false;
    if (ctx->field == FIELD_DSIZE) {
        bool payload = (v && !m->p->no_payload_inspection) || m->stream_data;
        if (payload ? ctx->cmp.op == DU_EQ && ctx->cmp.a == 0 : dsize_needs_payload(&ctx->cmp))
            return false;
    }
    return detect_uint_match(&ctx->cmp, v);
}

/* flags: [!+*] then letters F S R P A U C E (1 2 as C E) 0, optional ",mask". */
typedef struct FlagsCtx {
    uint8_t flags, ignore;
    char mode; /* '=' exact, '+' all of, '*' any of, '!' not */
} FlagsCtx;

static int flag_bit(char c, uint8_t *bit)
{
    static const char letters[] = "FSRPAUCE";
    const char *pos = strchr(letters, toupper((unsigned char)c));
    if (c == '1')
        pos = letters + 6;
    else if (c == '2')
        pos = letters + 7;
    if (!pos || !*pos)
        return -1;
    *bit = (uint8_t)(1u << (pos - letters));
    return 0;
}

static int flags_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    FlagsCtx *ctx = calloc(1, sizeof(*ctx));
    ctx->mode = '=';
    const char *v = value ? value : "";
    while (*v == ' ')
        v++;
    for (; *v && *v != ','; v++) {
        uint8_t bit;
        if (*v == '!' || *v == '+' || *v == '*')
            ctx->mode = *v;
        else if (*v == '0')
            ctx->flags = 0;
        else if (*v != ' ' && flag_bit(*v, &bit) == 0)
            ctx->flags |= bit;
        else if (*v != ' ') {
            snprintf(err, errlen, "unknown TCP flag '%c'", *v);
            free(ctx);
            return -1;
        }
    }
    for (v = *v == ',' ? v + 1 : v; *v; v++) {
        uint8_t bit;
        if (*v != ' ' && flag_bit(*v, &bit) == 0)
            ctx->ignore |= bit;
    }
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool flags_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const FlagsCtx *ctx = ctx_ptr;
    if (!m->p || m->p->proto != IPPROTO_TCP || !m->p->l4_hdr)
        return false;
    uint8_t f = m->p->tcp_flags & (uint8_t)~ctx->ignore;
    switch (ctx->mode) {
    case '+': return (f & ctx->flags) == ctx->flags;
    case '*': return (f & ctx->flags) != 0;
    case '!': return (f & ctx->flags) != ctx->flags;
    default: return f == ctx->flags;
    }
}

static int sameip_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    (void)value;
    (void)err;
    (void)errlen;
    return sig_append(sig, SIG_LIST_PACKET, kw, NULL) ? 0 : -1;
}

static bool sameip_match(DetectMatchCtx *m, const void *ctx)
{
    (void)ctx;
    return m->p && m->p->ip_version && memcmp(&m->p->src, &m->p->dst, sizeof(Address)) == 0;
}

const DetectKeyword detect_header_keywords[] = {
    {.name = "dsize", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "ttl", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "tos", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "id", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "ip_proto", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "itype", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "icode", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "icmp_id", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "icmp_seq", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "window", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "seq", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "ack", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "tcp.mss", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "fragoffset", .setup = numeric_setup, .match_packet = numeric_match},
    {.name = "flags", .setup = flags_setup, .match_packet = flags_match},
    {.name = "sameip", .setup = sameip_setup, .match_packet = sameip_match},
    {.name = NULL},
};
