/*
 * app-layer-dns-log.c - EVE "dns" events and the "dns" object of alerts, in Suricata 7's
 * format, and the eve-log dns options that shape them.
 *
 * Version 2 (Suricata 7's only format, the default): a query transaction gives one event per
 * question ("type":"query"), a response transaction one event ("type":"answer") with the header
 * bits, the first question, "answers" (detailed format), "grouped" (rdata grouped by rrtype)
 * and "authorities". Version 3 (Suricata 8's format, when dns.version is 3) gives one event
 * per message ("type":"request"/"response") with "queries", answers, authorities and
 * additionals.
 *
 * Options (outputs.N.eve-log.types.N.dns), read as Suricata 7 does: requests/responses switch
 * each kind off, "types" keeps only messages whose question has one of the listed rrtypes,
 * "formats" picks detailed and/or grouped answers. Suricata keeps all of this in one 64-bit
 * word where a full word means "no filter at all", and that has a visible consequence: once
 * any option is set, questions of rrtypes it has no name for are no longer logged. The word
 * and its bits are kept here, so that quirk is the same.
 *
 * Strings from the wire go out as Suricata writes them: as-is when valid UTF-8, otherwise
 * bytes >= 0x80 become the four characters "\xNN".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-dns.h"
#include "config/config.h"

/* Suricata's flag word: bit 0 queries, bit 1 answers, a bit per configurable rrtype, bits 60
 * and 61 the formats. */
#define LOG_QUERIES (1ull << 0)
#define LOG_ANSWERS (1ull << 1)
#define LOG_GROUPED (1ull << 60)
#define LOG_DETAILED (1ull << 61)
#define LOG_FORMATS (LOG_GROUPED | LOG_DETAILED)
#define LOG_ALL_RRTYPES (~(LOG_QUERIES | LOG_ANSWERS | LOG_FORMATS))

typedef struct RrtypeInfo {
    uint16_t rrtype;
    const char *name;     /* in EVE (with Suricata's typos: NSAPPT, CDSNKEY, ND) */
    const char *config;   /* in the types: filter */
    uint8_t bit;
} RrtypeInfo;

static const RrtypeInfo rrtypes[] = {
    {1, "A", "a", 2},          {2, "NS", "ns", 3},         {3, "ND", "md", 4},
    {4, "MF", "mf", 5},        {5, "CNAME", "cname", 6},   {6, "SOA", "soa", 7},
    {7, "MB", "mb", 8},        {8, "MG", "mg", 9},         {9, "MR", "mr", 10},
    {10, "NULL", "null", 11},  {11, "WKS", "wks", 12},     {12, "PTR", "ptr", 13},
    {13, "HINFO", "hinfo", 14}, {14, "MINFO", "minfo", 15}, {15, "MX", "mx", 16},
    {16, "TXT", "txt", 17},    {17, "RP", "rp", 18},       {18, "AFSDB", "afsdb", 19},
    {19, "X25", "x25", 20},    {20, "ISDN", "isdn", 21},   {21, "RT", "rt", 22},
    {22, "NSAP", "nsap", 23},  {23, "NSAPPT", "nsapptr", 24}, {24, "SIG", "sig", 25},
    {25, "KEY", "key", 26},    {26, "PX", "px", 27},       {27, "GPOS", "gpos", 28},
    {28, "AAAA", "aaaa", 29},  {29, "LOC", "loc", 30},     {30, "NXT", "nxt", 31},
    {33, "SRV", "srv", 32},    {34, "ATMA", "atma", 33},   {35, "NAPTR", "naptr", 34},
    {36, "KX", "kx", 35},      {37, "CERT", "cert", 36},   {38, "A6", "a6", 37},
    {39, "DNAME", "dname", 38}, {41, "OPT", "opt", 39},    {42, "APL", "apl", 40},
    {43, "DS", "ds", 41},      {44, "SSHFP", "sshfp", 42}, {45, "IPSECKEY", "ipseckey", 43},
    {46, "RRSIG", "rrsig", 44}, {47, "NSEC", "nsec", 45},  {48, "DNSKEY", "dnskey", 46},
    {49, "DHCID", "dhcid", 47}, {50, "NSEC3", "nsec3", 48},
    {51, "NSEC3PARAM", "nsec3param", 49},                  {52, "TLSA", "tlsa", 50},
    {55, "HIP", "hip", 51},    {59, "CDS", "cds", 52},     {60, "CDSNKEY", "cdnskey", 53},
    {65, "HTTPS", "https", 62}, {99, "SPF", "spf", 54},    {249, "TKEY", "tkey", 55},
    {250, "TSIG", "tsig", 56}, {254, "MAILA", "maila", 57}, {255, "ANY", "any", 58},
    {256, "URI", "uri", 59},
};

#define RRTYPE_COUNT (sizeof(rrtypes) / sizeof(rrtypes[0]))

typedef struct LogSettings {
    uint64_t flags;
    int version;
} LogSettings;

static LogSettings settings = {~0ull, 2};

static const RrtypeInfo *rrtype_info(uint16_t rrtype)
{
    for (size_t i = 0; i < RRTYPE_COUNT; i++)
        if (rrtypes[i].rrtype == rrtype)
            return &rrtypes[i];
    return NULL;
}

static const char *dns_rrtype_name(uint16_t rrtype, char buf[8])
{
    const RrtypeInfo *info = rrtype_info(rrtype);
    if (info)
        return info->name;
    snprintf(buf, 8, "%u", rrtype);
    return buf;
}

static bool rrtype_enabled(uint16_t rrtype, uint64_t flags)
{
    if (flags == ~0ull)
        return true;
    const RrtypeInfo *info = rrtype_info(rrtype);
    return info && (flags & (1ull << info->bit));
}

/* ---- configuration ---------------------------------------------------------------------- */

static void read_switch(const ConfNode *body, const char *key, uint64_t bit, uint64_t *flags)
{
    const char *v = conf_get(body, key);
    bool on = true;
    if (v && conf_parse_bool(v, &on) != 0)
        on = false;
    *flags = on ? *flags | bit : *flags & ~bit;
}

static void read_types(const ConfNode *types, uint64_t *flags)
{
    *flags &= ~LOG_ALL_RRTYPES;
    for (size_t i = 0; i < conf_node_count(types); i++) {
        const char *v = conf_node_value(conf_node_child(types, i));
        for (size_t t = 0; v && t < RRTYPE_COUNT; t++)
            if (strcasecmp(rrtypes[t].config, v) == 0)
                *flags |= 1ull << rrtypes[t].bit;
    }
}

/* formats: [detailed, grouped]; an empty or unrecognised list keeps both. */
static void read_formats(const ConfNode *formats, uint64_t *flags)
{
    uint64_t chosen = 0;
    for (size_t i = 0; i < conf_node_count(formats); i++) {
        const char *v = conf_node_value(conf_node_child(formats, i));
        if (v && strcasecmp(v, "detailed") == 0)
            chosen |= LOG_DETAILED;
        else if (v && strcasecmp(v, "grouped") == 0)
            chosen |= LOG_GROUPED;
    }
    if (chosen)
        *flags = (*flags & ~LOG_FORMATS) | chosen;
}

static const ConfNode *find_dns_options(const ConfNode *conf)
{
    const ConfNode *outputs = conf ? conf_node(conf, "outputs") : NULL;
    const ConfNode *eve = NULL, *body = NULL;
    if (!outputs || !conf_seq_has_item(outputs, "eve-log", &eve) || !eve)
        return NULL;
    const ConfNode *types = conf_node_lookup(eve, "types");
    if (!types || !conf_seq_has_item(types, "dns", &body))
        return NULL;
    return body;
}

void dns_log_configure(const ConfNode *conf)
{
    settings = (LogSettings){~0ull, 2};
    const ConfNode *body = find_dns_options(conf);
    if (!body)
        return;
    read_switch(body, "requests", LOG_QUERIES, &settings.flags);
    read_switch(body, "responses", LOG_ANSWERS, &settings.flags);
    const ConfNode *types = conf_node_lookup(body, "types");
    if (types)
        read_types(types, &settings.flags);
    if (settings.flags & LOG_ANSWERS) {
        const ConfNode *formats = conf_node_lookup(body, "formats");
        if (formats)
            read_formats(formats, &settings.flags);
        else
            settings.flags |= LOG_FORMATS;
    }
    if (conf_get_int(body, "version", 2) == 3)
        settings.version = 3;
}

/* ---- values ------------------------------------------------------------------------------ */

static json_t *bytes_json(const uint8_t *data, uint32_t len)
{
    json_t *s = json_stringn((const char *)data, len);
    if (s)
        return s;
    char *out = malloc((size_t)len * 4 + 1);
    if (!out)
        return json_string("");
    size_t n = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (data[i] < 0x80)
            out[n++] = (char)data[i];
        else
            n += (size_t)sprintf(out + n, "\\x%02x", data[i]);
    }
    s = json_stringn(out, n);
    free(out);
    return s ? s : json_string("");
}

static json_t *slice_json(const DnsMessage *m, DnsBytes b)
{
    return bytes_json(dns_bytes(m, b), b.len);
}

/* A and AAAA rdata as Suricata prints them: dotted quad, or eight 4-digit hex groups with
 * no compression; any other length is "". */
static json_t *addr_json(const DnsMessage *m, DnsBytes b)
{
    const uint8_t *a = dns_bytes(m, b);
    char buf[48] = "";
    if (b.len == 4) {
        snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else if (b.len == 16) {
        size_t n = 0;
        for (int i = 0; i < 16; i += 2)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%02x%02x", i ? ":" : "", a[i],
                                  a[i + 1]);
    }
    return json_string(buf);
}

static void set_name(json_t *obj, const char *key, const char *trunc_key, const DnsMessage *m,
                     const DnsName *name)
{
    json_object_set_new(obj, key, slice_json(m, name->bytes));
    if (name->flags & DNS_NAME_TRUNCATED)
        json_object_set_new(obj, trunc_key, json_true());
}

static void set_rrtype(json_t *obj, uint16_t rrtype)
{
    char buf[8];
    json_object_set_new(obj, "rrtype", json_string(dns_rrtype_name(rrtype, buf)));
}

static json_t *soa_json(const DnsMessage *m, const DnsRecord *r)
{
    static const char *const keys[5] = {"serial", "refresh", "retry", "expire", "minimum"};
    json_t *o = json_object();
    set_name(o, "mname", "mname_truncated", m, &r->target);
    set_name(o, "rname", "rname_truncated", m, &r->target2);
    for (int i = 0; i < 5; i++)
        json_object_set_new(o, keys[i], json_integer(r->soa[i]));
    return o;
}

static json_t *sshfp_json(const DnsMessage *m, const DnsRecord *r)
{
    const uint8_t *fp = dns_bytes(m, r->data);
    char *hex = malloc((size_t)r->data.len * 3 + 1);
    json_t *o = json_object();
    if (hex) {
        hex[0] = '\0';
        for (uint32_t i = 0; i < r->data.len; i++)
            sprintf(hex + i * 3 - (i ? 1 : 0), "%s%02x", i ? ":" : "", fp[i]);
        json_object_set_new(o, "fingerprint", json_string(hex));
        free(hex);
    }
    json_object_set_new(o, "algo", json_integer(r->u16[0]));
    json_object_set_new(o, "type", json_integer(r->u16[1]));
    return o;
}

static json_t *srv_json(const DnsMessage *m, const DnsRecord *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "priority", json_integer(r->u16[0]));
    json_object_set_new(o, "weight", json_integer(r->u16[1]));
    json_object_set_new(o, "port", json_integer(r->u16[2]));
    json_object_set_new(o, "name", slice_json(m, r->target.bytes));
    return o;
}

/* The rdata as one JSON value (string or object), or NULL for types Suricata does not show. */
static json_t *rdata_json(const DnsMessage *m, const DnsRecord *r)
{
    switch (r->kind) {
    case DNS_RDATA_ADDR:
        return addr_json(m, r->data);
    case DNS_RDATA_NAME:
        return slice_json(m, r->target.bytes);
    case DNS_RDATA_BYTES:
        return slice_json(m, r->data);
    case DNS_RDATA_SOA:
        return soa_json(m, r);
    case DNS_RDATA_SSHFP:
        return sshfp_json(m, r);
    case DNS_RDATA_SRV:
        return srv_json(m, r);
    case DNS_RDATA_OTHER:
        break;
    }
    return NULL;
}

static json_t *record_json(const DnsMessage *m, const DnsRecord *r)
{
    static const char *const object_keys[] = {[DNS_RDATA_SOA] = "soa",
                                              [DNS_RDATA_SSHFP] = "sshfp",
                                              [DNS_RDATA_SRV] = "srv"};
    json_t *o = json_object();
    set_name(o, "rrname", "rrname_truncated", m, &r->name);
    set_rrtype(o, r->rrtype);
    json_object_set_new(o, "ttl", json_integer(r->ttl));
    json_t *rdata = rdata_json(m, r);
    if (!rdata)
        return o;
    if (json_is_object(rdata)) {
        json_object_set_new(o, object_keys[r->kind], rdata);
        return o;
    }
    json_object_set_new(o, "rdata", rdata);
    if (r->kind == DNS_RDATA_NAME && (r->target.flags & DNS_NAME_TRUNCATED))
        json_object_set_new(o, "rdata_truncated", json_true());
    return o;
}

static json_t *records_json(const DnsMessage *m, const DnsRecord *r, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, record_json(m, &r[i]));
    return a;
}

static json_t *grouped_json(const DnsMessage *m)
{
    json_t *g = json_object();
    for (uint32_t i = 0; i < m->answer_count; i++) {
        const DnsRecord *r = &m->records[i];
        json_t *v = rdata_json(m, r);
        if (!v)
            continue;
        char buf[8];
        const char *type = dns_rrtype_name(r->rrtype, buf);
        json_t *list = json_object_get(g, type);
        if (!list) {
            list = json_array();
            json_object_set_new(g, type, list);
        }
        json_array_append_new(list, v);
    }
    return g;
}

/* answers / grouped, as the formats say. */
static void add_answers(json_t *dns, const DnsMessage *m, uint64_t flags)
{
    if (!m->answer_count)
        return;
    if (flags & LOG_DETAILED)
        json_object_set_new(dns, "answers", records_json(m, m->records, m->answer_count));
    if (flags & LOG_GROUPED)
        json_object_set_new(dns, "grouped", grouped_json(m));
}

static void add_authorities(json_t *dns, const DnsMessage *m)
{
    if (m->authority_count)
        json_object_set_new(dns, "authorities",
                            records_json(m, m->records + m->answer_count, m->authority_count));
}

static void add_header_bits(json_t *dns, uint16_t flags)
{
    static const struct { uint16_t bit; const char *key; } bits[] = {
        {0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"},
        {0x0100, "rd"}, {0x0080, "ra"}, {0x0040, "z"},
    };
    char hex[8];
    snprintf(hex, sizeof(hex), "%x", flags);
    json_object_set_new(dns, "flags", json_string(hex));
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (flags & bits[i].bit)
            json_object_set_new(dns, bits[i].key, json_true());
    json_object_set_new(dns, "opcode", json_integer((flags >> 11) & 0xf));
}

static const char *rcode_name(uint16_t flags, char buf[8])
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    unsigned rcode = flags & 0xf;
    if (rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    snprintf(buf, 8, "%u", rcode);
    return buf;
}

static void add_rcode(json_t *dns, uint16_t flags)
{
    char buf[8];
    json_object_set_new(dns, "rcode", json_string(rcode_name(flags, buf)));
}

static bool any_query_enabled(const DnsMessage *m, uint64_t flags)
{
    for (uint32_t i = 0; i < m->query_count; i++)
        if (rrtype_enabled(m->queries[i].rrtype, flags))
            return true;
    return false;
}

/* ---- version 2 ---------------------------------------------------------------------------- */

/* One question of a query, the fields Suricata 7 writes (also the items of alerts' dns.query). */
static json_t *v2_query_json(const DnsTx *tx, uint32_t i)
{
    const DnsMessage *m = &tx->msg;
    json_t *q = json_object();
    json_object_set_new(q, "type", json_string("query"));
    json_object_set_new(q, "id", json_integer(m->id));
    set_name(q, "rrname", "rrname_truncated", m, &m->queries[i].name);
    set_rrtype(q, m->queries[i].rrtype);
    json_object_set_new(q, "tx_id", json_integer((json_int_t)tx->id));
    if (m->flags & 0x0040)
        json_object_set_new(q, "z", json_true());
    json_object_set_new(q, "opcode", json_integer((m->flags >> 11) & 0xf));
    return q;
}

static json_t *v2_answer_json(const DnsTx *tx, uint64_t flags)
{
    const DnsMessage *m = &tx->msg;
    json_t *dns = json_object();
    json_object_set_new(dns, "version", json_integer(2));
    json_object_set_new(dns, "type", json_string("answer"));
    json_object_set_new(dns, "id", json_integer(m->id));
    add_header_bits(dns, m->flags);
    if (m->query_count) {
        set_name(dns, "rrname", "rrname_truncated", m, &m->queries[0].name);
        set_rrtype(dns, m->queries[0].rrtype);
    }
    add_rcode(dns, m->flags);
    add_answers(dns, m, flags);
    add_authorities(dns, m);
    return dns;
}

/* Suricata builds dns events from the packet: pkt_src, and with ethernet logging the
 * packet's MACs oriented like the flow (swapped on a to-client packet). */
static void add_packet_fields(json_t *obj, const EveLog *log, const Packet *p)
{
    json_t *ph = eve_header_packet(log, p, "dns");
    json_object_set(obj, "pkt_src", json_object_get(ph, "pkt_src"));
    json_t *ether = json_object_get(ph, "ether");
    if (ether && !p->to_server) {
        json_t *src = json_incref(json_object_get(ether, "src_mac"));
        json_object_set(ether, "src_mac", json_object_get(ether, "dest_mac"));
        json_object_set_new(ether, "dest_mac", src);
    }
    if (ether)
        json_object_set(obj, "ether", ether);
    json_decref(ph);
}

/* The header in Suricata's key order (pcap_cnt right after flow_id), without the top-level
 * tx_id: Suricata's dns events carry it inside "dns" only. */
static json_t *event_header(AppLayerCtx *ctx, const DnsTx *tx)
{
    json_t *hdr = applayer_eve_header(ctx, "dns", tx->id);
    json_t *pcap_cnt = json_object_get(hdr, "pcap_cnt");
    json_t *obj = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(hdr, key, value)
    {
        if (strcmp(key, "tx_id") == 0 || strcmp(key, "pcap_cnt") == 0)
            continue;
        json_object_set(obj, key, value);
        if (strcmp(key, "flow_id") == 0 && pcap_cnt)
            json_object_set(obj, "pcap_cnt", pcap_cnt);
    }
    json_decref(hdr);
    return obj;
}

static void write_event(AppLayerCtx *ctx, const DnsTx *tx, json_t *dns)
{
    json_t *obj = event_header(ctx, tx);
    if (ctx->packet)
        add_packet_fields(obj, ctx->thread->eve->log, ctx->packet);
    json_object_set_new(obj, "dns", dns);
    eve_write(ctx->thread->eve, EVE_DNS, obj);
}

static void log_v2(AppLayerCtx *ctx, const DnsTx *tx, uint64_t flags)
{
    const DnsMessage *m = &tx->msg;
    if (tx->is_request) {
        if (!(flags & LOG_QUERIES))
            return;
        /* One event per question, up to the first one the types filter drops. */
        for (uint32_t i = 0; i < m->query_count && rrtype_enabled(m->queries[i].rrtype, flags);
             i++) {
            json_t *dns = json_object();
            json_t *q = v2_query_json(tx, i);
            json_object_set_new(dns, "version", json_integer(2));
            json_object_update(dns, q);
            json_decref(q);
            write_event(ctx, tx, dns);
        }
        return;
    }
    if ((flags & LOG_ANSWERS) && any_query_enabled(m, flags))
        write_event(ctx, tx, v2_answer_json(tx, flags));
}

/* ---- version 3 ---------------------------------------------------------------------------- */

static json_t *v3_queries_json(const DnsMessage *m, uint64_t flags)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < m->query_count; i++) {
        if (!rrtype_enabled(m->queries[i].rrtype, flags))
            continue;
        json_t *q = json_object();
        set_name(q, "rrname", "rrname_truncated", m, &m->queries[i].name);
        set_rrtype(q, m->queries[i].rrtype);
        json_array_append_new(a, q);
    }
    return a;
}

/* Additionals, without the empty OPT record nearly every EDNS message carries. */
static json_t *v3_additionals_json(const DnsMessage *m)
{
    if (!m->additional_count)
        return NULL;
    const DnsRecord *add = m->records + m->answer_count + m->authority_count;
    json_t *a = json_array();
    for (uint32_t i = 0; i < m->additional_count; i++)
        if (add[i].rrtype != DNS_TYPE_OPT || add[i].data.len)
            json_array_append_new(a, record_json(m, &add[i]));
    if (json_array_size(a))
        return a;
    json_decref(a);
    return NULL;
}

static void log_v3(AppLayerCtx *ctx, const DnsTx *tx, uint64_t flags)
{
    const DnsMessage *m = &tx->msg;
    if (!(flags & (tx->is_request ? LOG_QUERIES : LOG_ANSWERS)) || !any_query_enabled(m, flags))
        return;
    json_t *dns = json_object();
    json_object_set_new(dns, "version", json_integer(3));
    json_object_set_new(dns, "type", json_string(tx->is_request ? "request" : "response"));
    json_object_set_new(dns, "tx_id", json_integer((json_int_t)tx->id));
    json_object_set_new(dns, "id", json_integer(m->id));
    add_header_bits(dns, m->flags);
    add_rcode(dns, m->flags);
    if (m->query_count)
        json_object_set_new(dns, "queries", v3_queries_json(m, flags));
    add_answers(dns, m, flags);
    add_authorities(dns, m);
    json_t *additionals = v3_additionals_json(m);
    if (additionals)
        json_object_set_new(dns, "additionals", additionals);
    write_event(ctx, tx, dns);
}

/* ---- entry points ------------------------------------------------------------------------- */

static void raise_events(AppLayerCtx *ctx, const DnsTx *tx)
{
    for (int ev = 0; ev < DNS_EVENT_COUNT; ev++)
        if (tx->events & (1u << ev))
            applayer_raise_event(ctx, dns_event_name((DnsEvent)ev), tx->id);
}

void dns_log_tx(AppLayerCtx *ctx, const DnsTx *tx)
{
    raise_events(ctx, tx);
    if (!eve_enabled(ctx->thread->eve->log, EVE_DNS))
        return;
    /* The event carries the time of the packet the message came in. */
    AppLayerCtx at = *ctx;
    at.now_usec = tx->ts_usec;
    if (settings.version == 3)
        log_v3(&at, tx, settings.flags);
    else
        log_v2(&at, tx, settings.flags);
}

/* Alerts carry Suricata 7's shape whatever the version: {"query": [...]} with every question,
 * or {"answer": {...}} without answer lists (Suricata passes no format bits there). */
json_t *dns_alert_json(const DnsTx *tx)
{
    const DnsMessage *m = &tx->msg;
    uint64_t flags = LOG_ALL_RRTYPES;
    json_t *dns = json_object();
    /* Suricata 7 writes alerts' DNS objects in the version 2 form, and says so first */
    json_object_set_new(dns, "version", json_integer(2));
    if (tx->is_request && m->query_count) {
        json_t *queries = json_array();
        for (uint32_t i = 0; i < m->query_count; i++)
            json_array_append_new(queries, v2_query_json(tx, i));
        json_object_set_new(dns, "query", queries);
    } else if (!tx->is_request && any_query_enabled(m, flags)) {
        json_object_set_new(dns, "answer", v2_answer_json(tx, flags));
    }
    if (json_object_size(dns) > 1)
        return dns;
    json_decref(dns);
    return NULL;
}
