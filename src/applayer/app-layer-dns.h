/*
 * app-layer-dns.h - what the three DNS files share: the decoded message, the transaction and the
 * logging options.
 *
 * The DNS parser is split by concern: app-layer-dns-parse.c turns one DNS message (the bytes of
 * one UDP payload, or one length-prefixed TCP record) into a DnsMessage; app-layer-dns.c owns the
 * per-flow state (TCP framing, transactions, events, detection buffers) and is the
 * AppLayerParser; app-layer-dns-log.c writes EVE "dns" events in Suricata 7's version 2 format
 * (or version 3 on request) and the "dns" object of alerts.
 *
 * A DnsMessage owns one byte arena; every decoded name and every piece of rdata is a slice of it
 * (DnsBytes), so a message is three allocations however many records it has, and the arena's cap
 * bounds what a hostile message built from compression pointers can make us hold.
 */
#ifndef BONGSU_APP_LAYER_DNS_H
#define BONGSU_APP_LAYER_DNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer.h"

/* The parser (app-layer-dns.c), registered in app-layer-register.c. */
extern const AppLayerParser app_layer_dns_parser;

/* Resource record types bongsu decodes or names (RFC 1035 and successors). */
enum {
    DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_CNAME = 5, DNS_TYPE_SOA = 6, DNS_TYPE_NULL = 10,
    DNS_TYPE_PTR = 12, DNS_TYPE_MX = 15, DNS_TYPE_TXT = 16, DNS_TYPE_AAAA = 28,
    DNS_TYPE_SRV = 33, DNS_TYPE_OPT = 41, DNS_TYPE_SSHFP = 44,
};

/* Name decoding flags, as Suricata keeps them per name. */
#define DNS_NAME_INFINITE_LOOP 0x01  /* a compression pointer pointed at itself */
#define DNS_NAME_TRUNCATED 0x02      /* longer than DNS_MAX_NAME_LEN (or the arena was full) */
#define DNS_NAME_LABEL_LIMIT 0x04    /* more than 255 labels/pointers followed */

#define DNS_MAX_NAME_LEN 1025        /* longest name kept, as Suricata */
#define DNS_HEADER_LEN 12
#define DNS_MAX_ARENA (4u << 20)     /* bytes of names and rdata one message may hold */

/* A slice of the message's arena. */
typedef struct DnsBytes {
    uint32_t off, len;
} DnsBytes;

typedef struct DnsName {
    DnsBytes bytes;
    uint8_t flags;
} DnsName;

typedef struct DnsQuery {
    DnsName name;
    uint16_t rrtype, rrclass;
} DnsQuery;

/* What the rdata of a record was decoded as. */
typedef enum DnsRdataKind {
    DNS_RDATA_ADDR,    /* A, AAAA: data holds the address bytes */
    DNS_RDATA_NAME,    /* CNAME, NS, PTR, MX: target */
    DNS_RDATA_BYTES,   /* TXT (one character-string), NULL: data */
    DNS_RDATA_SOA,     /* target = mname, target2 = rname, soa[] */
    DNS_RDATA_SRV,     /* u16[] = priority, weight, port; target */
    DNS_RDATA_SSHFP,   /* u16[] = algorithm, fingerprint type; data = fingerprint */
    DNS_RDATA_OTHER,   /* any other type: data holds the raw rdata */
} DnsRdataKind;

typedef struct DnsRecord {
    DnsName name;
    uint16_t rrtype, rrclass;
    uint32_t ttl;
    DnsRdataKind kind;
    DnsName target, target2;
    DnsBytes data;
    uint32_t soa[5];   /* serial, refresh, retry, expire, minimum */
    uint16_t u16[3];
} DnsRecord;

typedef struct DnsMessage {
    uint16_t id, flags;
    uint16_t qdcount, ancount, nscount, arcount;
    DnsQuery *queries;
    uint32_t query_count;
    /* answers, then authorities, then additionals, in one array */
    DnsRecord *records;
    uint32_t answer_count, authority_count, additional_count;
    uint8_t *arena;
    uint32_t arena_len, arena_cap;
    uint8_t name_flags;  /* union of the flags of every name decoded */
} DnsMessage;

typedef enum DnsParseResult {
    DNS_PARSE_OK,
    DNS_PARSE_BAD_HEADER,  /* too short for its header and section counts: not DNS at all */
    DNS_PARSE_MALFORMED,   /* a header, but the queries or records do not parse */
} DnsParseResult;

/* app-layer-dns-parse.c */
/* Decodes msg: header and questions always; for a response also answers and authorities
 * (failures there fail the message, as Suricata), then additionals (kept only if they parse). */
DnsParseResult dns_parse_message(const uint8_t *msg, uint32_t len, bool response,
                                 DnsMessage *out);
void dns_message_free(DnsMessage *m);
/* Suricata's content probe: is this one DNS message (of declared length dlen, of which len
 * bytes are here)? *is_request tells the direction it looks like. */
bool dns_probe_message(const uint8_t *data, uint32_t len, uint32_t dlen, bool *is_request);
static inline const uint8_t *dns_bytes(const DnsMessage *m, DnsBytes b)
{
    return m->arena + b.off;
}

/* DNS app-layer events, Suricata's names (DNSEvent), as bits of DnsTx.events. */
typedef enum DnsEvent {
    DNS_EVENT_MALFORMED_DATA,
    DNS_EVENT_NOT_REQUEST,
    DNS_EVENT_NOT_RESPONSE,
    DNS_EVENT_Z_FLAG_SET,
    DNS_EVENT_INVALID_OPCODE,
    DNS_EVENT_NAME_TOO_LONG,
    DNS_EVENT_INFINITE_LOOP,
    DNS_EVENT_TOO_MANY_LABELS,
    DNS_EVENT_COUNT
} DnsEvent;

const char *dns_event_name(DnsEvent ev);

/* One DNS message is one transaction, as in Suricata 7: a query and its response are two
 * transactions (Suricata's Rust parser does not pair them, and EVE tx_id values show it). */
typedef struct DnsTx {
    uint64_t id;
    bool is_request;
    uint16_t events;      /* 1 << DnsEvent */
    uint64_t ts_usec;     /* time of the packet that carried the message */
    DnsMessage msg;
} DnsTx;

/* app-layer-dns-log.c */
/* Reads outputs.N.eve-log.types.N.dns (requests, responses, types, formats, version);
 * NULL or no such section restores the defaults. */
void dns_log_configure(const struct ConfNode *conf);
/* Writes the EVE dns event(s) of tx through ctx's writer. */
void dns_log_tx(AppLayerCtx *ctx, const DnsTx *tx);
/* The "dns" object alerts carry ({"query": [...]} or {"answer": {...}}). */
json_t *dns_alert_json(const DnsTx *tx);

#endif
