/*
 * dns-test-util.h - what the DNS unit tests share: a byte-by-byte DNS message writer (MsgBuf),
 * a harness that runs the parser as the framework does (parse, then log and free finished
 * transactions) with EVE written to a temporary file, and accessors for the events read back.
 * Everything is static inline so each test executable takes only what it uses.
 */
#ifndef BONGSU_TEST_DNS_UTIL_H
#define BONGSU_TEST_DNS_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <unistd.h>

#include "applayer/app-layer-dns.h"
#include "config/config.h"

/* ---- building messages ---------------------------------------------------------------------- */

typedef struct MsgBuf {
    uint8_t b[70000];
    uint32_t n;
} MsgBuf;

static inline void put8(MsgBuf *m, uint8_t v)
{
    m->b[m->n++] = v;
}

static inline void put16(MsgBuf *m, uint16_t v)
{
    put8(m, (uint8_t)(v >> 8));
    put8(m, (uint8_t)v);
}

static inline void put32(MsgBuf *m, uint32_t v)
{
    put16(m, (uint16_t)(v >> 16));
    put16(m, (uint16_t)v);
}

static inline void put_bytes(MsgBuf *m, const void *data, uint32_t len)
{
    memcpy(m->b + m->n, data, len);
    m->n += len;
}

/* "www.example.com" as labels, with the terminating root label. */
static inline void put_name(MsgBuf *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        uint32_t len = dot ? (uint32_t)(dot - dotted) : (uint32_t)strlen(dotted);
        put8(m, (uint8_t)len);
        put_bytes(m, dotted, len);
        dotted += len + (dot ? 1 : 0);
    }
    put8(m, 0);
}

static inline void put_header(MsgBuf *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                       uint16_t ns, uint16_t ar)
{
    m->n = 0;
    put16(m, id);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}

static inline void put_question(MsgBuf *m, const char *name, uint16_t type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

/* A record owned by the first question's name (pointer to offset 12). */
static inline void put_rr_head(MsgBuf *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, rdlen);
}

static inline void build_query(MsgBuf *m, uint16_t id, const char *name, uint16_t type)
{
    put_header(m, id, 0x0100, 1, 0, 0, 0);
    put_question(m, name, type);
}

static inline void build_a_response(MsgBuf *m, uint16_t id, const char *name)
{
    put_header(m, id, 0x8180, 1, 1, 0, 0);
    put_question(m, name, DNS_TYPE_A);
    put_rr_head(m, DNS_TYPE_A, 300, 4);
    put_bytes(m, "\x0a\x01\x02\x03", 4);
}

static inline const char *name_str(const DnsMessage *m, const DnsName *n, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)n->bytes.len, (const char *)dns_bytes(m, n->bytes));
    return buf;
}

/* ---- running the parser with an EVE file ---------------------------------------------------- */

typedef struct Harness {
    char path[64];
    EveLog *log;
    EveWriter writer;
    CounterSet counters;
    AppLayerThread thread;
    Flow flow;
    Packet packet;
    void *state;
} Harness;

static inline void harness_init(Harness *h, bool tcp)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->path, sizeof(h->path), "/tmp/bongsu-test-dns-XXXXXX");
    int fd = mkstemp(h->path);
    assert_true(fd >= 0);
    close(fd);
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "%s", h->path);
    h->log = eve_log_open(&cfg);
    assert_non_null(h->log);
    eve_writer_init(&h->writer, h->log);
    h->thread.eve = &h->writer;
    h->thread.counters = &h->counters;
    h->flow.key.proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
    h->flow.key.src.family = h->flow.key.dst.family = AF_INET;
    h->flow.key.sp = 40000;
    h->flow.key.dp = 53;
    h->state = app_layer_dns_parser.state_new();
}

/* Parses one chunk, then logs and frees finished transactions as the framework does. */
static inline int feed(Harness *h, bool to_server, const uint8_t *data, uint32_t len, uint32_t flags,
                uint64_t ts)
{
    h->packet.ts_usec = ts;
    h->packet.to_server = to_server;
    h->packet.pcap_cnt++;
    AppLayerCtx ctx = {&h->thread, &h->flow, &h->packet, ts};
    int r = app_layer_dns_parser.parse(h->state, &ctx, to_server, data, len, flags);
    const AppLayerParser *p = &app_layer_dns_parser;
    for (uint64_t id = 0; id < p->tx_count(h->state); id++) {
        void *tx = p->tx_get(h->state, id);
        if (tx) {
            p->log_tx(&ctx, h->state, tx, id);
            p->tx_free(h->state, id);
        }
    }
    return r;
}

static inline int feed_udp(Harness *h, bool to_server, const MsgBuf *m, uint64_t ts)
{
    return feed(h, to_server, m->b, m->n, APP_FLAG_DATAGRAM, ts);
}

/* The EVE lines written so far, as a JSON array of objects. */
static inline json_t *harness_events(Harness *h)
{
    eve_writer_flush(&h->writer);
    FILE *f = fopen(h->path, "r");
    assert_non_null(f);
    json_t *all = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *obj = json_loads(line, 0, NULL);
        assert_non_null(obj);
        json_array_append_new(all, obj);
    }
    free(line);
    fclose(f);
    return all;
}

static inline void harness_free(Harness *h)
{
    app_layer_dns_parser.state_free(h->state);
    eve_writer_destroy(&h->writer);
    eve_log_close(h->log);
    unlink(h->path);
}

/* The n-th event of a type ("dns", "anomaly"), or NULL. */
static inline json_t *event_of(json_t *events, const char *type, size_t n)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event_type")), type) == 0 && n-- == 0)
            return e;
    }
    return NULL;
}

static inline size_t count_of(json_t *events, const char *type)
{
    size_t n = 0;
    while (event_of(events, type, n))
        n++;
    return n;
}

static inline const char *str_at(json_t *obj, const char *path)
{
    json_t *v = json_object_get(obj, "dns");
    char key[64];
    snprintf(key, sizeof(key), "%s", path);
    for (char *tok = strtok(key, "."); tok && v; tok = strtok(NULL, "."))
        v = (tok[0] >= '0' && tok[0] <= '9') ? json_array_get(v, (size_t)atoi(tok))
                                             : json_object_get(v, tok);
    return v ? json_string_value(v) : NULL;
}

static inline json_int_t int_at(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(obj, "dns"), key));
}

static inline void load_conf(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[256];
    assert_int_equal(conf_load_string(root, yaml, "test", err, sizeof(err)), 0);
    dns_log_configure(root);
    conf_free(root);
}

static inline int reset_conf(void **state)
{
    (void)state;
    dns_log_configure(NULL);
    return 0;
}

static inline void put_rr(MsgBuf *m, uint16_t type, const MsgBuf *rdata)
{
    put_rr_head(m, type, 60, (uint16_t)rdata->n);
    put_bytes(m, rdata->b, rdata->n);
}

/* A response with one record of every type bongsu decodes, and an SOA authority. */
static inline void build_every_rrtype(MsgBuf *m)
{
    put_header(m, 0x1234, 0x8580, 1, 13, 1, 0);
    put_question(m, "example.com", DNS_TYPE_A);
    MsgBuf *rd = calloc(1, sizeof(MsgBuf));
    rd->n = 0;
    put_bytes(rd, "\x0a\x01\x02\x03", 4);
    put_rr(m, DNS_TYPE_A, rd);
    rd->n = 0;
    put_bytes(rd, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    put_rr(m, DNS_TYPE_AAAA, rd);
    rd->n = 0;
    put8(rd, 5);
    put_bytes(rd, "alias", 5);
    put16(rd, 0xc00c);  /* alias.example.com: a label, then a pointer */
    put_rr(m, DNS_TYPE_CNAME, rd);
    rd->n = 0;
    put16(rd, 10);
    put_name(rd, "mail.example.com");
    put_rr(m, DNS_TYPE_MX, rd);
    rd->n = 0;
    put_name(rd, "ns1.example.com");
    put_rr(m, DNS_TYPE_NS, rd);
    rd->n = 0;
    put_name(rd, "ptr.example.com");
    put_rr(m, DNS_TYPE_PTR, rd);
    rd->n = 0;
    put_name(rd, "ns1.example.com");
    put_name(rd, "host.example.com");
    for (uint32_t i = 1; i <= 5; i++)
        put32(rd, i);
    put_rr(m, DNS_TYPE_SOA, rd);
    rd->n = 0;
    put8(rd, 5);
    put_bytes(rd, "hello", 5);
    put8(rd, 0);  /* a second, empty, character-string */
    put_rr(m, DNS_TYPE_TXT, rd);
    rd->n = 0;
    put16(rd, 10);
    put16(rd, 20);
    put16(rd, 5060);
    put_name(rd, "sip.example.com");
    put_rr(m, DNS_TYPE_SRV, rd);
    rd->n = 0;
    put_bytes(rd, "\x01\xc5", 2);
    put_rr(m, DNS_TYPE_NULL, rd);
    rd->n = 0;
    put_bytes(rd, "\x01\x02\xde\xad\xbe\xef", 6);
    put_rr(m, DNS_TYPE_SSHFP, rd);
    rd->n = 0;
    put_bytes(rd, "\x00\x01\x00\x00", 4);
    put_rr(m, 65, rd);  /* HTTPS: named, rdata not shown */
    rd->n = 0;
    put_rr_head(m, DNS_TYPE_A, 60, 0);  /* empty rdata: no record at all */
    put_name(rd, "ns1.example.com");
    put_name(rd, "host.example.com");
    for (uint32_t i = 1; i <= 5; i++)
        put32(rd, i * 100);
    put_rr(m, DNS_TYPE_SOA, rd);
    free(rd);
}

/* [len][message] records, appended. */
static inline void put_framed(MsgBuf *stream, const MsgBuf *m)
{
    put16(stream, (uint16_t)m->n);
    put_bytes(stream, m->b, m->n);
}

static inline const char *anomaly_event(json_t *events, size_t n, json_int_t *tx_id)
{
    json_t *e = event_of(events, "anomaly", n);
    if (!e)
        return NULL;
    *tx_id = json_integer_value(json_object_get(e, "tx_id"));
    return json_string_value(json_object_get(json_object_get(e, "anomaly"), "event"));
}

#endif
