/*
 * test-dns.c - the DNS parser and logger: every decoded rrtype, name compression with its loop
 * and length protection, truncated messages, TCP framing split at every byte, one transaction
 * per message with Suricata's events, EVE version 2 and 3 output and the eve-log dns options.
 *
 * Messages are built byte by byte with a small writer (MsgBuf), so each test states exactly
 * what is on the wire. EVE lines are written to a temporary file and read back as JSON.
 */
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

static void put8(MsgBuf *m, uint8_t v)
{
    m->b[m->n++] = v;
}

static void put16(MsgBuf *m, uint16_t v)
{
    put8(m, (uint8_t)(v >> 8));
    put8(m, (uint8_t)v);
}

static void put32(MsgBuf *m, uint32_t v)
{
    put16(m, (uint16_t)(v >> 16));
    put16(m, (uint16_t)v);
}

static void put_bytes(MsgBuf *m, const void *data, uint32_t len)
{
    memcpy(m->b + m->n, data, len);
    m->n += len;
}

/* "www.example.com" as labels, with the terminating root label. */
static void put_name(MsgBuf *m, const char *dotted)
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

static void put_header(MsgBuf *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
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

static void put_question(MsgBuf *m, const char *name, uint16_t type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

/* A record owned by the first question's name (pointer to offset 12). */
static void put_rr_head(MsgBuf *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, rdlen);
}

static void build_query(MsgBuf *m, uint16_t id, const char *name, uint16_t type)
{
    put_header(m, id, 0x0100, 1, 0, 0, 0);
    put_question(m, name, type);
}

static void build_a_response(MsgBuf *m, uint16_t id, const char *name)
{
    put_header(m, id, 0x8180, 1, 1, 0, 0);
    put_question(m, name, DNS_TYPE_A);
    put_rr_head(m, DNS_TYPE_A, 300, 4);
    put_bytes(m, "\x0a\x01\x02\x03", 4);
}

static const char *name_str(const DnsMessage *m, const DnsName *n, char *buf, size_t len)
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

static void harness_init(Harness *h, bool tcp)
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
static int feed(Harness *h, bool to_server, const uint8_t *data, uint32_t len, uint32_t flags,
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

static int feed_udp(Harness *h, bool to_server, const MsgBuf *m, uint64_t ts)
{
    return feed(h, to_server, m->b, m->n, APP_FLAG_DATAGRAM, ts);
}

/* The EVE lines written so far, as a JSON array of objects. */
static json_t *harness_events(Harness *h)
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

static void harness_free(Harness *h)
{
    app_layer_dns_parser.state_free(h->state);
    eve_writer_destroy(&h->writer);
    eve_log_close(h->log);
    unlink(h->path);
}

/* The n-th event of a type ("dns", "anomaly"), or NULL. */
static json_t *event_of(json_t *events, const char *type, size_t n)
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

static size_t count_of(json_t *events, const char *type)
{
    size_t n = 0;
    while (event_of(events, type, n))
        n++;
    return n;
}

static const char *str_at(json_t *obj, const char *path)
{
    json_t *v = json_object_get(obj, "dns");
    char key[64];
    snprintf(key, sizeof(key), "%s", path);
    for (char *tok = strtok(key, "."); tok && v; tok = strtok(NULL, "."))
        v = (tok[0] >= '0' && tok[0] <= '9') ? json_array_get(v, (size_t)atoi(tok))
                                             : json_object_get(v, tok);
    return v ? json_string_value(v) : NULL;
}

static json_int_t int_at(json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(obj, "dns"), key));
}

static void load_conf(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[256];
    assert_int_equal(conf_load_string(root, yaml, "test", err, sizeof(err)), 0);
    dns_log_configure(root);
    conf_free(root);
}

static int reset_conf(void **state)
{
    (void)state;
    dns_log_configure(NULL);
    return 0;
}

static void put_rr(MsgBuf *m, uint16_t type, const MsgBuf *rdata)
{
    put_rr_head(m, type, 60, (uint16_t)rdata->n);
    put_bytes(m, rdata->b, rdata->n);
}

/* A response with one record of every type bongsu decodes, and an SOA authority. */
static void build_every_rrtype(MsgBuf *m)
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

static void test_every_rrtype_decoded(void **state)
{
    (void)state;
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_every_rrtype(m);
    DnsMessage msg;
    assert_int_equal(dns_parse_message(m->b, m->n, true, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.query_count, 1);
    assert_int_equal(msg.answer_count, 13);  /* 12 records, TXT counts twice, empty none */
    assert_int_equal(msg.authority_count, 1);
    char buf[64];
    const DnsRecord *r = msg.records;
    assert_string_equal(name_str(&msg, &r[0].name, buf, sizeof(buf)), "example.com");
    assert_int_equal(r[0].kind, DNS_RDATA_ADDR);
    assert_string_equal(name_str(&msg, &r[2].target, buf, sizeof(buf)), "alias.example.com");
    assert_int_equal(r[3].u16[0], 10);
    assert_string_equal(name_str(&msg, &r[3].target, buf, sizeof(buf)), "mail.example.com");
    assert_string_equal(name_str(&msg, &r[6].target2, buf, sizeof(buf)), "host.example.com");
    assert_int_equal(r[6].soa[4], 5);
    assert_int_equal(r[7].data.len, 5);
    assert_int_equal(r[8].data.len, 0);
    assert_int_equal(r[9].u16[2], 5060);
    assert_int_equal(r[11].kind, DNS_RDATA_SSHFP);
    assert_int_equal(r[12].kind, DNS_RDATA_OTHER);
    assert_int_equal(r[13].soa[0], 100);
    assert_int_equal(msg.name_flags, 0);
    dns_message_free(&msg);
    free(m);
}

static void test_v2_answer_event(void **state)
{
    (void)state;
    Harness h;
    harness_init(&h, false);
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 0x1234, "example.com", DNS_TYPE_A);
    feed_udp(&h, true, m, 1000000);
    build_every_rrtype(m);
    feed_udp(&h, false, m, 2000000);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    json_t *q = event_of(events, "dns", 0);
    assert_string_equal(str_at(q, "type"), "query");
    assert_int_equal(int_at(q, "tx_id"), 0);
    assert_int_equal(int_at(q, "version"), 2);
    assert_null(json_object_get(q, "tx_id"));
    json_t *a = event_of(events, "dns", 1);
    assert_string_equal(str_at(a, "type"), "answer");
    assert_string_equal(str_at(a, "flags"), "8580");
    assert_true(json_is_true(json_object_get(json_object_get(a, "dns"), "aa")));
    assert_null(json_object_get(json_object_get(a, "dns"), "tx_id"));
    assert_string_equal(str_at(a, "rcode"), "NOERROR");
    assert_string_equal(str_at(a, "answers.0.rdata"), "10.1.2.3");
    assert_string_equal(str_at(a, "answers.1.rdata"), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(str_at(a, "answers.2.rrtype"), "CNAME");
    assert_string_equal(str_at(a, "answers.2.rdata"), "alias.example.com");
    assert_string_equal(str_at(a, "answers.3.rdata"), "mail.example.com");
    assert_string_equal(str_at(a, "answers.4.rdata"), "ns1.example.com");
    assert_string_equal(str_at(a, "answers.5.rdata"), "ptr.example.com");
    assert_string_equal(str_at(a, "answers.6.soa.rname"), "host.example.com");
    assert_string_equal(str_at(a, "answers.7.rdata"), "hello");
    assert_string_equal(str_at(a, "answers.8.rdata"), "");
    assert_string_equal(str_at(a, "answers.9.srv.name"), "sip.example.com");
    assert_string_equal(str_at(a, "answers.10.rdata"), "\x01\\xc5");
    assert_string_equal(str_at(a, "answers.11.sshfp.fingerprint"), "de:ad:be:ef");
    assert_string_equal(str_at(a, "answers.12.rrtype"), "HTTPS");
    assert_null(str_at(a, "answers.12.rdata"));
    assert_string_equal(str_at(a, "grouped.A.0"), "10.1.2.3");
    assert_string_equal(str_at(a, "grouped.TXT.1"), "");
    assert_string_equal(str_at(a, "grouped.SRV.0.name"), "sip.example.com");
    assert_string_equal(str_at(a, "authorities.0.rrtype"), "SOA");
    /* Each event carries the time of its own message. */
    assert_string_equal(json_string_value(json_object_get(q, "timestamp")),
                        "1970-01-01T00:00:01.000000+0000");
    assert_string_equal(json_string_value(json_object_get(a, "timestamp")),
                        "1970-01-01T00:00:02.000000+0000");
    json_decref(events);
    harness_free(&h);
    free(m);
}

/* A query whose name is a pointer (at offset 12) to the given offset, plus type/class. */
static DnsParseResult parse_pointer_query(uint16_t target, DnsMessage *msg)
{
    MsgBuf m;
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    put16(&m, (uint16_t)(0xc000 | target));
    put16(&m, DNS_TYPE_A);
    put16(&m, 1);
    return dns_parse_message(m.b, m.n, false, msg);
}

static void test_compression_loops(void **state)
{
    (void)state;
    DnsMessage msg;
    /* A pointer to itself before any other pointer: malformed. */
    assert_int_equal(parse_pointer_query(12, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Out of the message: malformed. */
    assert_int_equal(parse_pointer_query(0x3fff, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Pointing into the header (bytes 0x00 0x01...): a 0-length root after one label. */
    assert_int_equal(parse_pointer_query(1, &msg), DNS_PARSE_OK);
    dns_message_free(&msg);

    /* Two pointers that point at each other, reached through the answer's name (they sit
     * after the answer): the label limit stops it, the name is kept flagged, and parsing goes
     * on after the answer name's pointer. */
    MsgBuf m, rr;
    rr.n = 0;
    put16(&rr, 0);  /* the answer's name: a pointer, patched below */
    put16(&rr, DNS_TYPE_A);
    put16(&rr, 1);
    put32(&rr, 5);
    put16(&rr, 4);
    put_bytes(&rr, "\x01\x02\x03\x04", 4);
    put_header(&m, 1, 0x8180, 1, 1, 0, 0);
    put_question(&m, "a", DNS_TYPE_A);
    uint16_t loop_at = (uint16_t)(m.n + rr.n);
    rr.b[0] = (uint8_t)(0xc0 | (loop_at >> 8));
    rr.b[1] = (uint8_t)loop_at;
    put_bytes(&m, rr.b, rr.n);
    put16(&m, (uint16_t)(0xc000 | (loop_at + 2)));
    put16(&m, (uint16_t)(0xc000 | loop_at));
    assert_int_equal(dns_parse_message(m.b, m.n, true, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.answer_count, 1);
    assert_true(msg.records[0].name.flags & DNS_NAME_LABEL_LIMIT);
    assert_true(msg.records[0].name.flags & DNS_NAME_TRUNCATED);
    assert_int_equal(msg.records[0].ttl, 5);
    dns_message_free(&msg);

    /* An answer name pointing at a pointer to itself: the infinite-loop flag, name kept. */
    put_header(&m, 1, 0x8180, 1, 1, 0, 0);
    put_question(&m, "a", DNS_TYPE_A);
    loop_at = (uint16_t)(m.n + rr.n);
    rr.b[0] = (uint8_t)(0xc0 | (loop_at >> 8));
    rr.b[1] = (uint8_t)loop_at;
    put_bytes(&m, rr.b, rr.n);
    put16(&m, (uint16_t)(0xc000 | loop_at));
    assert_int_equal(dns_parse_message(m.b, m.n, true, &msg), DNS_PARSE_OK);
    assert_true(msg.name_flags & DNS_NAME_INFINITE_LOOP);
    dns_message_free(&msg);
}

static void test_name_limits(void **state)
{
    (void)state;
    char label[64];
    memset(label, 'x', 63);
    label[63] = '\0';
    /* 20 labels of 63: 1279 bytes, cut at 1025 and flagged; the message still parses. */
    char name[20 * 64 + 1] = "";
    for (int i = 0; i < 20; i++) {
        strcat(name, label);
        if (i < 19)
            strcat(name, ".");
    }
    MsgBuf m;
    build_query(&m, 7, name, DNS_TYPE_A);
    DnsMessage msg;
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.queries[0].name.bytes.len, DNS_MAX_NAME_LEN);
    assert_true(msg.queries[0].name.flags & DNS_NAME_TRUNCATED);
    assert_int_equal(msg.queries[0].rrtype, DNS_TYPE_A);
    dns_message_free(&msg);
    /* 256 one-byte labels without a pointer: over the label limit, malformed. */
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 256; i++) {
        put8(&m, 1);
        put8(&m, 'a');
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Reserved label types 0x40 and 0x80: malformed. */
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    put8(&m, 0x41);
    put8(&m, 0);
    put32(&m, 0x00010001);
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
}

static void test_truncated_messages(void **state)
{
    (void)state;
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_every_rrtype(m);
    for (uint32_t len = 0; len < m->n; len++) {
        DnsMessage msg;
        DnsParseResult r = dns_parse_message(m->b, len, true, &msg);
        /* Every record's bytes are needed: a cut message is never taken as whole. */
        assert_int_not_equal(r, DNS_PARSE_OK);
        if (len < DNS_HEADER_LEN + 2 * 15)
            assert_int_equal(r, DNS_PARSE_BAD_HEADER);
        dns_message_free(&msg);
    }
    free(m);
}

/* [len][message] records, appended. */
static void put_framed(MsgBuf *stream, const MsgBuf *m)
{
    put16(stream, (uint16_t)m->n);
    put_bytes(stream, m->b, m->n);
}

static uint64_t tcp_feed_split(const MsgBuf *stream, uint32_t split)
{
    Harness h;
    harness_init(&h, true);
    assert_int_equal(feed(&h, true, stream->b, split, 0, 1), 0);
    assert_int_equal(feed(&h, true, stream->b + split, stream->n - split, 0, 2), 0);
    uint64_t n = app_layer_dns_parser.tx_count(h.state);
    harness_free(&h);
    return n;
}

static void test_tcp_split_at_every_byte(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    put16(stream, 0);  /* an empty record is skipped */
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    build_query(m, 2, "two.example", DNS_TYPE_AAAA);
    put_framed(stream, m);
    for (uint32_t split = 0; split <= stream->n; split++)
        assert_int_equal(tcp_feed_split(stream, split), 2);
    /* Byte by byte, then check what was logged. */
    Harness h;
    harness_init(&h, true);
    for (uint32_t i = 0; i < stream->n; i++)
        assert_int_equal(feed(&h, true, stream->b + i, 1, 0, 1), 0);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    assert_string_equal(str_at(event_of(events, "dns", 0), "rrname"), "one.example");
    assert_int_equal(int_at(event_of(events, "dns", 1), "id"), 2);
    assert_int_equal(int_at(event_of(events, "dns", 1), "tx_id"), 1);
    json_decref(events);
    harness_free(&h);
    free(stream);
    free(m);
}

static void test_tcp_gap_and_errors(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    Harness h;
    harness_init(&h, true);
    /* Half a record, a gap, then a whole record: the half is dropped, the record parsed. */
    assert_int_equal(feed(&h, true, stream->b, 10, 0, 1), 0);
    assert_int_equal(feed(&h, true, NULL, 100, APP_FLAG_GAP, 1), 0);
    assert_int_equal(feed(&h, true, stream->b, stream->n, 0, 2), 0);
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 1);
    /* To the client after a gap, bytes that do not start a record are skipped. */
    assert_int_equal(feed(&h, false, NULL, 100, APP_FLAG_GAP, 3), 0);
    assert_int_equal(feed(&h, false, (const uint8_t *)"\xff\xff\x01\x02", 4, 0, 3), 0);
    build_a_response(m, 1, "one.example");
    stream->n = 0;
    put_framed(stream, m);
    assert_int_equal(feed(&h, false, stream->b, stream->n, 0, 4), 0);
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 2);
    /* A record too short for a DNS header ends parsing of the flow. */
    assert_int_equal(feed(&h, true, (const uint8_t *)"\x00\x03" "abc", 5, 0, 5), -1);
    harness_free(&h);
    free(stream);
    free(m);
}

static const char *anomaly_event(json_t *events, size_t n, json_int_t *tx_id)
{
    json_t *e = event_of(events, "anomaly", n);
    if (!e)
        return NULL;
    *tx_id = json_integer_value(json_object_get(e, "tx_id"));
    return json_string_value(json_object_get(json_object_get(e, "anomaly"), "event"));
}

static void test_transactions_and_events(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    Harness h;
    harness_init(&h, true);
    /* One chunk: a query, then a response sent to the server: not_request lands on the
     * query's transaction, and TCP parsing stops. */
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    build_a_response(m, 1, "one.example");
    put_framed(stream, m);
    assert_int_equal(feed(&h, true, stream->b, stream->n, 0, 1), -1);
    json_t *events = harness_events(&h);
    json_int_t tx_id = -1;
    assert_string_equal(anomaly_event(events, 0, &tx_id), "not_request");
    assert_int_equal(tx_id, 0);
    assert_int_equal(count_of(events, "dns"), 1);
    json_decref(events);
    harness_free(&h);
    /* Same with a query that does not decode: malformed_data. */
    harness_init(&h, true);
    stream->n = 0;
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    put_header(m, 3, 0x0100, 1, 0, 0, 0);
    put8(m, 40);  /* a label running past the end */
    put_bytes(m, "abc", 3);
    put_framed(stream, m);
    assert_int_equal(feed(&h, true, stream->b, stream->n, 0, 1), -1);
    events = harness_events(&h);
    assert_string_equal(anomaly_event(events, 0, &tx_id), "malformed_data");
    assert_int_equal(tx_id, 0);
    json_decref(events);
    harness_free(&h);

    /* UDP: a query with the Z bit and opcode 9 raises both on its own transaction; a query
     * sent to the client is a response transaction (answer event); junk is ignored. */
    harness_init(&h, false);
    put_header(m, 5, 0x4840, 1, 0, 0, 0);
    put_question(m, "z.example", DNS_TYPE_A);
    feed_udp(&h, true, m, 1);
    build_query(m, 6, "q.example", DNS_TYPE_A);
    feed_udp(&h, false, m, 2);
    assert_int_equal(feed(&h, true, (const uint8_t *)"junk", 4, APP_FLAG_DATAGRAM, 3), 0);
    events = harness_events(&h);
    assert_string_equal(anomaly_event(events, 0, &tx_id), "z_flag_set");
    assert_string_equal(anomaly_event(events, 1, &tx_id), "invalid_opcode");
    assert_int_equal(tx_id, 0);
    assert_null(event_of(events, "anomaly", 2));
    json_t *q = event_of(events, "dns", 0);
    assert_true(json_is_true(json_object_get(json_object_get(q, "dns"), "z")));
    assert_int_equal(int_at(q, "opcode"), 9);
    assert_string_equal(str_at(event_of(events, "dns", 1), "type"), "answer");
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 2);
    json_decref(events);
    harness_free(&h);
    free(stream);
    free(m);
}

static void test_v3_output(void **state)
{
    (void)state;
    load_conf("outputs:\n  - eve-log:\n      types:\n        - dns:\n            version: 3\n");
    Harness h;
    harness_init(&h, false);
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 0x1234, "example.com", DNS_TYPE_A);
    feed_udp(&h, true, m, 1);
    build_every_rrtype(m);
    m->b[11] = 2;  /* two additionals: an empty OPT (not logged) and an A record */
    put8(m, 0);
    put16(m, DNS_TYPE_OPT);
    put16(m, 512);
    put32(m, 0);
    put16(m, 0);
    put_rr_head(m, DNS_TYPE_A, 7, 4);
    put_bytes(m, "\x01\x01\x01\x01", 4);
    feed_udp(&h, false, m, 2);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    json_t *q = event_of(events, "dns", 0);
    assert_int_equal(int_at(q, "version"), 3);
    assert_string_equal(str_at(q, "type"), "request");
    assert_string_equal(str_at(q, "queries.0.rrname"), "example.com");
    assert_string_equal(str_at(q, "rcode"), "NOERROR");
    json_t *r = event_of(events, "dns", 1);
    assert_string_equal(str_at(r, "type"), "response");
    assert_int_equal(int_at(r, "tx_id"), 1);
    assert_string_equal(str_at(r, "queries.0.rrtype"), "A");
    assert_string_equal(str_at(r, "answers.3.rdata"), "mail.example.com");
    assert_string_equal(str_at(r, "grouped.AAAA.0"), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(str_at(r, "authorities.0.soa.mname"), "ns1.example.com");
    assert_string_equal(str_at(r, "additionals.0.rdata"), "1.1.1.1");
    assert_null(str_at(r, "additionals.1.rrtype"));
    json_decref(events);
    harness_free(&h);
    free(m);
}

/* Runs an A query, an AAAA query, an SVCB (64, unnamed) query and an A response through the
 * logger with the given dns options; returns the dns events. */
static json_t *log_with_options(const char *options)
{
    char yaml[512];
    snprintf(yaml, sizeof(yaml),
             "outputs:\n  - eve-log:\n      types:\n        - dns:\n%s", options);
    load_conf(yaml);
    Harness h;
    harness_init(&h, false);
    MsgBuf m;
    build_query(&m, 1, "a.example", DNS_TYPE_A);
    feed_udp(&h, true, &m, 1);
    build_query(&m, 2, "aaaa.example", DNS_TYPE_AAAA);
    feed_udp(&h, true, &m, 2);
    build_query(&m, 3, "svcb.example", 64);
    feed_udp(&h, true, &m, 3);
    build_a_response(&m, 1, "a.example");
    feed_udp(&h, false, &m, 4);
    json_t *events = harness_events(&h);
    harness_free(&h);
    return events;
}

static void test_log_options(void **state)
{
    (void)state;
    json_t *ev = log_with_options("            version: 2\n");
    assert_int_equal(count_of(ev, "dns"), 4);
    assert_string_equal(str_at(event_of(ev, "dns", 2), "rrtype"), "64");
    json_decref(ev);
    ev = log_with_options("            types: [aaaa]\n");
    assert_int_equal(count_of(ev, "dns"), 1);
    assert_string_equal(str_at(event_of(ev, "dns", 0), "rrtype"), "AAAA");
    json_decref(ev);
    ev = log_with_options("            requests: no\n");
    assert_int_equal(count_of(ev, "dns"), 1);
    assert_string_equal(str_at(event_of(ev, "dns", 0), "type"), "answer");
    json_decref(ev);
    ev = log_with_options("            responses: no\n");
    assert_int_equal(count_of(ev, "dns"), 2);
    json_decref(ev);
    ev = log_with_options("            formats: [grouped]\n");
    json_t *a = event_of(ev, "dns", 2);
    assert_null(str_at(a, "answers.0.rdata"));
    assert_string_equal(str_at(a, "grouped.A.0"), "10.1.2.3");
    json_decref(ev);
    /* One format only: the flag word is no longer full, so the unnamed SVCB query is not
     * logged any more (as Suricata 7). */
    ev = log_with_options("            formats: [detailed]\n");
    assert_int_equal(count_of(ev, "dns"), 3);
    a = event_of(ev, "dns", 2);
    assert_string_equal(str_at(a, "answers.0.rdata"), "10.1.2.3");
    assert_null(json_object_get(json_object_get(a, "dns"), "grouped"));
    json_decref(ev);
    reset_conf(NULL);
}

static void test_probe(void **state)
{
    (void)state;
    MsgBuf m, framed;
    build_query(&m, 1, "example.com", DNS_TYPE_A);
    assert_int_equal(app_layer_dns_parser.probe(m.b, m.n, true), ALPROTO_DNS);
    assert_int_equal(app_layer_dns_parser.probe(m.b, 11, true), ALPROTO_UNKNOWN);
    m.b[5] = 200;  /* 200 questions cannot fit */
    assert_int_equal(app_layer_dns_parser.probe(m.b, m.n, true), ALPROTO_FAILED);
    m.b[5] = 1;
    framed.n = 0;
    put_framed(&framed, &m);
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, framed.n, true), ALPROTO_DNS);
    /* Only the header is there yet: it decides, against the announced length. */
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, 14, true), ALPROTO_DNS);
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, 13, true), ALPROTO_UNKNOWN);
    assert_int_equal(app_layer_dns_parser.probe_tcp((const uint8_t *)"GET / HTTP/1.1\r\n", 16,
                                                    true),
                     ALPROTO_FAILED);
}

static void test_alert_object_and_buffer(void **state)
{
    (void)state;
    app_layer_dns_parser.configure(NULL);
    int buf_id = applayer_buffer_id("dns.query");
    assert_true(buf_id >= 0);
    Harness h;
    harness_init(&h, false);
    MsgBuf m;
    build_query(&m, 9, "alert.example", DNS_TYPE_TXT);
    AppLayerCtx ctx = {&h.thread, &h.flow, &h.packet, 1};
    app_layer_dns_parser.parse(h.state, &ctx, true, m.b, m.n, APP_FLAG_DATAGRAM);
    build_a_response(&m, 9, "alert.example");
    app_layer_dns_parser.parse(h.state, &ctx, false, m.b, m.n, APP_FLAG_DATAGRAM);
    void *query = app_layer_dns_parser.tx_get(h.state, 0);
    void *answer = app_layer_dns_parser.tx_get(h.state, 1);
    const uint8_t *data;
    uint32_t len;
    assert_true(applayer_buffer_get(buf_id, h.state, query, true, &data, &len));
    assert_int_equal(len, 13);
    assert_memory_equal(data, "alert.example", 13);
    assert_false(applayer_buffer_get(buf_id, h.state, answer, true, &data, &len));
    json_t *obj = app_layer_dns_parser.tx_alert_json(h.state, query);
    json_t *q0 = json_array_get(json_object_get(obj, "query"), 0);
    assert_string_equal(json_string_value(json_object_get(q0, "rrtype")), "TXT");
    assert_int_equal(json_integer_value(json_object_get(q0, "tx_id")), 0);
    json_decref(obj);
    obj = app_layer_dns_parser.tx_alert_json(h.state, answer);
    json_t *ans = json_object_get(obj, "answer");
    assert_string_equal(json_string_value(json_object_get(ans, "type")), "answer");
    assert_string_equal(json_string_value(json_object_get(ans, "rrname")), "alert.example");
    assert_null(json_object_get(ans, "answers")); /* alerts carry no answer lists */
    json_decref(obj);
    harness_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rrtype_decoded),
        cmocka_unit_test_setup(test_v2_answer_event, reset_conf),
        cmocka_unit_test(test_compression_loops),
        cmocka_unit_test(test_name_limits),
        cmocka_unit_test(test_truncated_messages),
        cmocka_unit_test_setup(test_tcp_split_at_every_byte, reset_conf),
        cmocka_unit_test_setup(test_tcp_gap_and_errors, reset_conf),
        cmocka_unit_test_setup(test_transactions_and_events, reset_conf),
        cmocka_unit_test_teardown(test_v3_output, reset_conf),
        cmocka_unit_test(test_log_options),
        cmocka_unit_test(test_probe),
        cmocka_unit_test_setup(test_alert_object_and_buffer, reset_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
