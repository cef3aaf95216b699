/*
 * test-detect-match.c - matching semantics on hand-built packets and transactions: content
 * modifiers and backtracking, pcre, byte_* with variables, isdataat, header keywords, flow,
 * flowbits and flowint across packets, thresholds, pass rules, the prefilter, and app-layer
 * buffers with bsize, urilen, transforms and base64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "detect/detect-engine.h"
#include "detect/detect-geoip.h"
#include "detect/detect-keywords.h"
#include "detect/detect-asn1.h"
#include "detect/detect-tag.h"
#include "detect-test-util.h"

/* A multi-buffer (as tls.certs): the instances are these strings. */
static const char *multi_items[4];

static bool get_multi(void *state, void *tx, bool to_server, uint32_t idx, const uint8_t **data,
                      uint32_t *len)
{
    (void)state;
    (void)tx;
    (void)to_server;
    if (idx >= 4 || !multi_items[idx])
        return false;
    *data = (const uint8_t *)multi_items[idx];
    *len = (uint32_t)strlen(multi_items[idx]);
    return true;
}

static int setup(void **state)
{
    (void)state;
    applayer_buffer_register("http.uri", ALPROTO_HTTP, true, false, get_uri);
    applayer_buffer_register("http.header", ALPROTO_HTTP, true, true, get_header);
    applayer_buffer_register_multi("tls.certs", ALPROTO_TLS, true, true, get_multi);
    counters_reset_registry();
    detect_register_counters();
    counter_set_init(&counters);
    return 0;
}

static bool on_bytes(Harness *h, uint32_t sid, const char *payload, uint32_t len)
{
    TestPacket t;
    make(&t, IPPROTO_TCP, payload, len);
    detect_packet(h->dt, &t.p, NULL);
    return alerted(h->dt, sid);
}

static bool on_payload(Harness *h, uint32_t sid, const char *payload)
{
    return on_bytes(h, sid, payload, (uint32_t)strlen(payload));
}

static void test_content_modifiers(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (content:\"get\"; nocase; sid:1;)\n"
        "alert tcp any any -> any any (content:\"b\"; offset:2; depth:2; sid:2;)\n"
        "alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; within:2; sid:3;)\n"
        "alert tcp any any -> any any (content:\"x\"; content:!\"y\"; distance:0; sid:4;)\n"
        "alert tcp any any -> any any (content:\"ab\"; startswith; content:\"yz\"; endswith; sid:5;)\n"
        "alert tcp any any -> any any (content:\"|41 42|C\"; sid:6;)\n"
        "alert tcp any any -> any any (content:\"q\"; content:\"r\"; distance:-2; within:3; sid:7;)\n");
    assert_true(on_payload(&h, 1, "GeT /"));
    assert_false(on_payload(&h, 1, "POST /"));
    assert_true(on_payload(&h, 2, "aabb"));
    assert_false(on_payload(&h, 2, "bxxxx"));
    assert_false(on_payload(&h, 2, "aaaab"));
    /* The first "a" is not followed closely by "b", the second is: backtracking finds it. */
    assert_true(on_payload(&h, 3, "a....ab"));
    assert_false(on_payload(&h, 3, "a....a..b"));
    assert_true(on_payload(&h, 4, "x..."));
    assert_false(on_payload(&h, 4, "x.y"));
    assert_true(on_payload(&h, 5, "ab..yz"));
    assert_false(on_payload(&h, 5, "ab..yz."));
    assert_false(on_payload(&h, 5, ".ab..yz"));
    assert_true(on_payload(&h, 6, "..ABC.."));
    assert_true(on_payload(&h, 7, "rq"));
    assert_false(on_payload(&h, 7, "r..q"));
    unload(&h);
}

static void test_pcre_match(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (pcre:\"/^user=[a-z]+$/mi\"; sid:1;)\n"
        "alert tcp any any -> any any (content:\"key\"; pcre:\"/^=\\d+/R\"; sid:2;)\n"
        "alert tcp any any -> any any (content:\"k\"; pcre:!\"/secret/\"; sid:3;)\n");
    assert_true(on_payload(&h, 1, "x\nUSER=bob\ny"));
    assert_false(on_payload(&h, 1, "user=bob1"));
    assert_true(on_payload(&h, 2, "key=x key=42"));
    assert_false(on_payload(&h, 2, "key = 42"));
    assert_true(on_payload(&h, 3, "k public"));
    assert_false(on_payload(&h, 3, "k secret"));
    unload(&h);
}

/* A drop or reject of an IP-only (or app-layer) rule drops the flow, as Suricata 7 does even
 * in IDS mode: the rest of the flow is not inspected; a packet rule's drop is the packet's. */
static void test_drop_applies_to_flow(void **state)
{
    (void)state;
    Harness h = load("rejectboth icmp any any -> any any (sid:1;)\n"
                     "drop tcp any any -> any any (content:\"x\"; sid:2;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 11;
    TestPacket t;
    make(&t, IPPROTO_ICMP, "", 0);
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 1));
    assert_true(f.action_drop);
    t.p.to_server = false;
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 1));
    Flow g;
    memset(&g, 0, sizeof(g));
    g.flow_id = 12;
    make(&t, IPPROTO_TCP, "x", 1);
    detect_packet(h.dt, &t.p, &g);
    assert_true(alerted(h.dt, 2));
    assert_false(g.action_drop);
    detect_packet(h.dt, &t.p, &g);
    assert_true(alerted(h.dt, 2));
    unload(&h);
}

static void test_byte_keywords(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (byte_test:2,>,0x100,0; sid:1;)\n"
        "alert tcp any any -> any any (byte_test:2,=,1,1,little; sid:2;)\n"
        "alert tcp any any -> any any (byte_test:3,=,123,0,string,dec; sid:3;)\n"
        "alert tcp any any -> any any (byte_jump:1,0; content:\"Z\"; within:1; sid:4;)\n"
        "alert tcp any any -> any any (byte_extract:1,0,n,string,dec; content:\"E\"; distance:n; "
        "within:1; sid:5;)\n"
        "alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper *, rvalue 2, result d; "
        "byte_test:1,=,d,1; sid:6;)\n"
        "alert tcp any any -> any any (byte_test:1,&,0x80,0,bitmask 0xf0; sid:7;)\n");
    assert_true(on_bytes(&h, 1, "\x02\x00", 2));
    assert_false(on_bytes(&h, 1, "\x01\x00", 2));
    assert_false(on_bytes(&h, 1, "\x05", 1));
    assert_true(on_bytes(&h, 2, "\x00\x01\x00", 3));
    assert_true(on_payload(&h, 3, "123abc"));
    assert_false(on_payload(&h, 3, "124abc"));
    assert_true(on_payload(&h, 4, "\x02..Z"));
    assert_false(on_payload(&h, 4, "\x02.Z."));
    assert_true(on_payload(&h, 5, "3...E"));
    assert_false(on_payload(&h, 5, "3..E."));
    assert_true(on_payload(&h, 6, "\x03\x06"));
    assert_false(on_payload(&h, 6, "\x03\x05"));
    assert_false(on_payload(&h, 7, "\x80"));  /* bitmask shifts 0x80 down to 0x08 */
    unload(&h);
}

/* byte_test:0 on a string reads the whole number there (ET Open's "http.content_len;
 * byte_test:0,=,0,0,string,dec;"), as Suricata. */
static void test_byte_test_unbounded_string(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (byte_test:0,=,0,0,string,dec; sid:1;)\n"
        "alert tcp any any -> any any (byte_test:0,>,4000,0,string,dec; sid:2;)\n"
        "alert tcp any any -> any any (content:\"len=\"; byte_test:0,=,12,0,relative,string; "
        "sid:3;)\n");
    assert_true(on_payload(&h, 1, "0"));
    assert_false(on_payload(&h, 1, "01x0"));  /* 1 */
    assert_false(on_payload(&h, 1, "x"));     /* no number: no match */
    assert_true(on_payload(&h, 2, "123456789012"));
    assert_false(on_payload(&h, 2, "4000"));
    assert_true(on_payload(&h, 3, "len=12;"));
    assert_false(on_payload(&h, 3, "len=123"));
    assert_false(on_payload(&h, 3, "len="));  /* nothing left to read */
    unload(&h);
}

/* tag: the alerting packet counts as the first of the tag's count; later packets of the
 * tagged host (as source or destination) use up the rest, then the tag ends (the reference
 * logs packets 7 and 8 after an alert on packet 6 with tag:host,3,packets). A packet of other
 * hosts leaves it alone. Without tag rules a worker keeps no tag state. */
static void test_tag_counts(void **state)
{
    (void)state;
    Harness h = load("alert tcp any any -> any any (content:\"evil\"; tag:host,3,packets,src; "
                     "sid:1;)\n"
                     "alert tcp any any -> any any (content:\"big\"; tag:host,100,bytes; "
                     "sid:2;)\n");
    assert_true(hit_between(&h, 1, "10.0.0.1", "10.0.0.2", "evil", 1));
    assert_int_equal(h.dt->tags->n, 1);
    hit_between(&h, 1, "10.9.9.9", "10.0.0.2", "other host", 1);
    assert_int_equal(h.dt->tags->n, 1);
    hit_between(&h, 1, "10.0.0.2", "10.0.0.1", "reply", 1);   /* 2 of 3 */
    hit_between(&h, 1, "10.0.0.1", "10.0.0.2", "more", 1);    /* 3 of 3 */
    assert_int_equal(h.dt->tags->n, 1);
    hit_between(&h, 1, "10.0.0.1", "10.0.0.2", "past", 1);    /* 4: the tag ends */
    assert_int_equal(h.dt->tags->n, 0);
    /* bytes: the packet length, here 0 for test packets without a capture buffer, so a
     * byte tag outlives many packets */
    assert_true(hit_between(&h, 2, "10.0.0.5", "10.0.0.6", "big", 1));
    for (int i = 0; i < 5; i++)
        hit_between(&h, 2, "10.0.0.5", "10.0.0.6", "x", 1);
    assert_int_equal(h.dt->tags->n, 1);
    unload(&h);
    Harness none = load("alert tcp any any -> any any (content:\"evil\"; sid:1;)\n");
    assert_null(none.dt->tags);
    unload(&none);
}

static bool asn1_hits(const char *opts, const uint8_t *buf, uint32_t len)
{
    Asn1Options o;
    char err[128];
    assert_int_equal(asn1_options_parse(opts, &o, err, sizeof(err)), 0);
    return asn1_check(buf, len, 0, &o);
}

/* asn1 as Suricata 7: objects are checked one after another, SEQUENCE/SET searched into,
 * other classes' objects checked whole; more than 30 top-level objects fail the decode. */
static void test_asn1_checks(void **state)
{
    (void)state;
    static const uint8_t seq[] = {0x30, 0x0a, 0x04, 0x03, 'a', 'b', 'c', 0x04, 0x03, 'd', 'e', 'f'};
    assert_true(asn1_hits("oversize_length 9", seq, sizeof(seq)));
    assert_false(asn1_hits("oversize_length 10", seq, sizeof(seq)));
    static const uint8_t bits_bad[] = {0x03, 0x01, 0xff}, bits_ok[] = {0x03, 0x01, 0x07};
    static const uint8_t in_seq[] = {0x30, 0x03, 0x03, 0x01, 0xff};
    static const uint8_t in_ctx[] = {0xa0, 0x03, 0x03, 0x01, 0xff};
    assert_true(asn1_hits("bitstring_overflow", bits_bad, 3));
    assert_false(asn1_hits("bitstring_overflow", bits_ok, 3));
    assert_true(asn1_hits("bitstring_overflow", in_seq, 5));
    assert_false(asn1_hits("bitstring_overflow", in_ctx, 5));
    assert_false(asn1_hits("bitstring_overflow, absolute_offset 3", bits_bad, 3));
    uint8_t real[4 + 257];
    memset(real, 0x05, sizeof(real));
    memcpy(real, "\x09\x82\x01\x01", 4);  /* REAL, 257 bytes, decimal encoding */
    assert_true(asn1_hits("double_overflow", real, sizeof(real)));
    real[3] = 0x00;                         /* 256 bytes */
    assert_false(asn1_hits("double_overflow", real, sizeof(real) - 1));
    real[3] = 0x01;
    real[4] = 0x80;                         /* binary encoding */
    assert_false(asn1_hits("double_overflow", real, sizeof(real)));
    uint8_t many[31 * 2 + 3];
    for (int i = 0; i < 31; i++)
        memcpy(many + 2 * i, "\x05\x00", 2);  /* NULL objects */
    memcpy(many + 62, bits_bad, 3);
    assert_false(asn1_hits("bitstring_overflow", many, sizeof(many)));
    assert_true(asn1_hits("bitstring_overflow", many + 4, sizeof(many) - 4));
    static const uint8_t truncated[] = {0x03, 0x01, 0xff, 0x30, 0x05, 0x04};
    assert_true(asn1_hits("bitstring_overflow", truncated, sizeof(truncated)));
    Asn1Options o;
    char err[128];
    assert_int_equal(asn1_options_parse("oversize_length", &o, err, sizeof(err)), -1);
    assert_int_equal(asn1_options_parse("relative_offset 65536", &o, err, sizeof(err)), -1);
    assert_int_equal(asn1_options_parse("bitstring_overflow,, foo", &o, err, sizeof(err)), -1);
    assert_int_equal(asn1_options_parse("double_overflow, oversize_length 1024 "
                                        "relative_offset -10,\n bitstring_overflow",
                                        &o, err, sizeof(err)), 0);
    assert_true(o.double_overflow && o.bitstring_overflow && o.oversize_length == 1024 &&
                o.relative_offset == -10);
    /* in a rule: relative_offset counts from the end of the previous content */
    Harness h = load("alert tcp any any -> any any (content:\"AB\"; "
                     "asn1:bitstring_overflow, relative_offset 1; sid:1;)\n");
    assert_true(on_bytes(&h, 1, "AB.\x03\x01\xff", 6));
    assert_false(on_bytes(&h, 1, "AB\x03\x01\xff", 5));
    unload(&h);
}

static void test_isdataat(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (content:\"a\"; isdataat:2,relative; sid:1;)\n"
        "alert tcp any any -> any any (content:\"a\"; isdataat:!1,relative; sid:2;)\n"
        "alert tcp any any -> any any (content:\"a\"; isdataat:5; sid:3;)\n");
    assert_true(on_payload(&h, 1, "abc"));
    assert_false(on_payload(&h, 1, "ab"));
    assert_true(on_payload(&h, 2, "a"));
    assert_false(on_payload(&h, 2, "ab"));
    assert_true(on_payload(&h, 3, "a....."));
    assert_false(on_payload(&h, 3, "a...."));
    unload(&h);
}

static void test_header_keywords(void **state)
{
    (void)state;
    Harness h = load(
        "alert ip any any -> any any (ttl:<10; sid:1;)\n"
        "alert tcp any any -> any any (flags:S; sid:2;)\n"
        "alert tcp any any -> any any (flags:S+; dsize:0; sid:3;)\n"
        "alert ip any any -> any any (fragbits:D; sid:4;)\n"
        "alert ip any any -> any any (ipopts:rr; sid:5;)\n"
        "alert icmp any any -> any any (itype:5<>9; sid:6;)\n"
        "alert ip any any -> any any (ip_proto:udp; sid:7;)\n"
        "alert udp any any -> 192.168.0.0/16 !53 (dsize:3; sid:8;)\n");
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    t.p.ttl = 5;
    t.p.tcp_flags = TH_SYN;
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1));
    assert_true(alerted(h.dt, 2));
    assert_true(alerted(h.dt, 3));
    t.p.tcp_flags = TH_SYN | TH_ACK;
    t.p.ttl = 64;
    t.ip[6] = 0x40;
    detect_packet(h.dt, &t.p, NULL);
    assert_false(alerted(h.dt, 1) || alerted(h.dt, 2));
    assert_true(alerted(h.dt, 3));
    assert_true(alerted(h.dt, 4));
    make(&t, IPPROTO_TCP, "", 0);
    t.p.ip_hdr_len = 24;
    t.ip[20] = 7;
    t.ip[21] = 3;
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 5));
    make(&t, IPPROTO_ICMP, "", 0);
    t.p.icmp_type = 8;
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 6));
    t.p.icmp_type = 9;
    detect_packet(h.dt, &t.p, NULL);
    assert_false(alerted(h.dt, 6));
    make(&t, IPPROTO_UDP, "abc", 3);
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 7));
    assert_true(alerted(h.dt, 8));
    t.p.dp = 53;
    detect_packet(h.dt, &t.p, NULL);
    assert_false(alerted(h.dt, 8));
    unload(&h);
}

/* dsize's operator decides whether a packet without payload can match, as in Suricata:
 * "!9" needs payload, "<10" and "0" do not. */
static void test_dsize_payload(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (dsize:!9; sid:1;)\n"
        "alert tcp any any -> any any (dsize:<10; sid:2;)\n"
        "alert tcp any any -> any any (dsize:>=1; sid:3;)\n"
        "alert tcp any any -> any any (dsize:0; sid:4;)\n");
    assert_false(on_bytes(&h, 1, "", 0));
    assert_false(alerted(h.dt, 3));
    assert_true(alerted(h.dt, 2) && alerted(h.dt, 4));
    assert_true(on_bytes(&h, 1, "abcdefghij", 10));
    assert_true(alerted(h.dt, 3));
    assert_false(on_bytes(&h, 1, "abcdefghi", 9));
    unload(&h);
}

static void test_flow_and_flowbits(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (flow:established,to_server; content:\"login\"; "
        "flowbits:set,seen_login; flowbits:noalert; sid:1;)\n"
        "alert tcp any any -> any any (flow:to_client; content:\"ok\"; flowbits:isset,seen_login; "
        "sid:2;)\n"
        "alert tcp any any -> any any (content:\"bye\"; flowbits:unset,seen_login; "
        "flowbits:isset,seen_login; sid:3;)\n"
        "alert tcp any any -> any any (content:\"cnt\"; flowint:count,+,1; flowint:count,>=,2; "
        "sid:4;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 42;
    f.state = FLOW_STATE_ESTABLISHED;
    TestPacket t;
    make(&t, IPPROTO_TCP, "ok", 2);
    t.p.to_server = false;
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 2));
    make(&t, IPPROTO_TCP, "login", 5);
    detect_packet(h.dt, &t.p, &f);
    assert_int_equal(h.dt->alert_count, 0);  /* noalert */
    make(&t, IPPROTO_TCP, "ok", 2);
    t.p.to_server = false;
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 2));
    /* the flow's variables as EVE "metadata" (eve-log.metadata) */
    json_t *md = detect_flow_metadata(h.dt, NULL, &f);
    json_t *bits = json_object_get(md, "flowbits");
    assert_int_equal(json_array_size(bits), 1);
    assert_string_equal(json_string_value(json_array_get(bits, 0)), "seen_login");
    json_decref(md);
    /* flowbits:unset runs after the rule matched: the isset of the same rule still held. */
    make(&t, IPPROTO_TCP, "bye", 3);
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 3));
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 3));
    /* Without a flow, flowbits never hold. */
    make(&t, IPPROTO_TCP, "ok", 2);
    detect_packet(h.dt, &t.p, NULL);
    assert_false(alerted(h.dt, 2));
    /* flowint counts per flow, in rule order: +1 first, then the comparison. */
    make(&t, IPPROTO_TCP, "cnt", 3);
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 4));
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 4));
    md = detect_flow_metadata(h.dt, NULL, &f);
    assert_null(json_object_get(md, "flowbits"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(md, "flowints"), "count")),
                     2);
    json_decref(md);
    /* The flow ends: its state goes. */
    detect_flow_end(h.dt, &f);
    detect_flow_release(h.dt, &f);
    make(&t, IPPROTO_TCP, "login", 5);
    detect_packet(h.dt, &t.p, &f);
    detect_flow_end(h.dt, &f);
    detect_flow_release(h.dt, &f);
    make(&t, IPPROTO_TCP, "ok", 2);
    t.p.to_server = false;
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 2));
    unload(&h);
}

/* flow:established reads what the packet found (Suricata's FLOW_PKT_ESTABLISHED): the
 * handshake's last ACK made the flow established but is not itself. */
static void test_flow_established_per_packet(void **state)
{
    (void)state;
    Harness h = load("alert tcp any any -> any any (flow:established; sid:1;)\n"
                     "alert tcp any any -> any any (flow:not_established; sid:2;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 7;
    f.state = FLOW_STATE_ESTABLISHED;
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    t.p.flow = &f;
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 1));
    assert_true(alerted(h.dt, 2));
    t.p.flow_established = true;
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 1));
    unload(&h);
}

/* bypass (local, as Suricata with pcap input): a match marks the flow bypassed. */
static void test_bypass_marks_flow(void **state)
{
    (void)state;
    Harness h = load("pass udp any any -> any any (content:\"B\"; bypass; sid:1;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 9;
    TestPacket t;
    make(&t, IPPROTO_UDP, "A", 1);
    detect_packet(h.dt, &t.p, &f);
    assert_false(f.bypassed);
    make(&t, IPPROTO_UDP, "B", 1);
    detect_packet(h.dt, &t.p, &f);
    assert_true(f.bypassed && f.action_pass);
    unload(&h);
}

static void test_thresholds_and_pass(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (content:\"L\"; threshold:type limit, track by_src, count 2, "
        "seconds 60; sid:1;)\n"
        "alert tcp any any -> any any (content:\"D\"; detection_filter:track by_dst, count 2, "
        "seconds 60; sid:2;)\n"
        "alert tcp any any -> any any (content:\"T\"; threshold:type threshold, track by_rule, "
        "count 3, seconds 60; sid:3;)\n"
        "alert tcp any any -> any any (content:\"P\"; sid:4;)\n"
        "pass tcp any any -> any any (content:\"PASS\"; sid:5;)\n");
    int hits[4] = {0};
    for (int i = 0; i < 6; i++) {
        TestPacket t;
        make(&t, IPPROTO_TCP, "LDT", 3);
        t.p.ts_usec = 1000000 + (uint64_t)i;
        detect_packet(h.dt, &t.p, NULL);
        for (uint32_t s = 1; s <= 3; s++)
            hits[s] += alerted(h.dt, s);
    }
    assert_int_equal(hits[1], 2);   /* limit: the first two */
    assert_int_equal(hits[2], 4);   /* detection_filter: all after the first two */
    assert_int_equal(hits[3], 2);   /* threshold: every third */
    /* A new period starts after `seconds`. */
    TestPacket t;
    make(&t, IPPROTO_TCP, "L", 1);
    t.p.ts_usec = 100000000;
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1));
    /* A matching pass rule silences the packet, and the rest of its flow. */
    assert_true(on_payload(&h, 4, "P"));
    assert_false(on_payload(&h, 4, "PASS"));
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 5;
    make(&t, IPPROTO_TCP, "P", 1);
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 4));
    make(&t, IPPROTO_TCP, "PASS", 4);
    detect_packet(h.dt, &t.p, &f);
    make(&t, IPPROTO_TCP, "P", 1);
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 4));
    unload(&h);
}

static Harness load_conf(const char *rules, const char *yaml)
{
    ConfNode *conf = conf_new_default();
    char err[256];
    assert_int_equal(conf_load_string(conf, yaml, "test", err, sizeof(err)), 0);
    Harness h = load_with(rules, conf);
    conf_free(conf);
    return h;
}

/* Suricata 7: pass rules go first unless action-order says otherwise; the "alert" keyword
 * makes a pass rule alert too; the packet's verdict is "pass" when a pass rule ended its
 * inspection with room left in the alert queue (packet-alert-max), else "alert". */
static void test_action_order_and_verdict(void **state)
{
    (void)state;
    const char *rules = "alert tcp any any -> any any (content:\"X\"; sid:1;)\n"
                        "pass tcp any any -> any any (content:\"X\"; sid:2;)\n"
                        "pass tcp any any -> any any (content:\"Y\"; alert; sid:3;)\n"
                        "alert tcp any any -> any any (content:\"Y\"; sid:4;)\n"
                        "alert tcp any any -> any any (content:\"Z\"; sid:5;)\n";
    Harness h = load(rules);
    assert_false(on_payload(&h, 1, "X"));
    assert_true(h.dt->verdict_pass);
    assert_true(on_payload(&h, 3, "Y"));
    assert_false(alerted(h.dt, 4));
    assert_true(on_payload(&h, 5, "Z"));
    assert_false(h.dt->verdict_pass);
    unload(&h);
    h = load_conf(rules, "action-order: [alert, pass, drop, reject]\n");
    assert_true(on_payload(&h, 1, "X"));
    assert_true(h.dt->verdict_pass);
    assert_true(on_payload(&h, 4, "Y"));
    assert_true(alerted(h.dt, 3));
    unload(&h);
    /* With a full queue the pass finds no room: the verdict stays "alert". */
    h = load_conf(rules, "action-order: [alert, pass, drop, reject]\npacket-alert-max: 1\n");
    assert_true(on_payload(&h, 1, "X"));
    assert_false(h.dt->verdict_pass);
    unload(&h);
    assert_rule("alert tcp any any -> any any (alert:1; sid:1;)", false);
}

/* geoip: the country of the packet's addresses (src, dst, both, any), a "!" negating the
 * list; an unknown address matches nothing; no database, no rule. */
static void test_geoip(void **state)
{
    (void)state;
    const char *rules = "alert ip any any -> any any (geoip:dst,FR; sid:1;)\n"
                        "alert ip any any -> any any (geoip:src,!FR,DE; sid:2;)\n"
                        "alert ip any any -> any any (geoip:both,FR,DE; sid:3;)\n"
                        "alert ip any any -> any any (geoip:DE; sid:4;)\n";
    Harness h = load_conf(rules, "geoip-database: " TESTS_DATA_DIR "/geoip/test.mmdb\n");
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    inet_pton(AF_INET, "82.165.177.154", t.p.src.addr);  /* DE */
    inet_pton(AF_INET, "123.125.71.29", t.p.dst.addr);   /* FR */
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1) && alerted(h.dt, 3) && alerted(h.dt, 4));
    assert_false(alerted(h.dt, 2));  /* DE is listed */
    inet_pton(AF_INET, "10.0.0.1", t.p.src.addr);        /* unknown */
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1));
    assert_false(alerted(h.dt, 2) || alerted(h.dt, 3) || alerted(h.dt, 4));
    unload(&h);
    assert_rule("alert ip any any -> any any (geoip:dst,FR; sid:1;)", true);
    detect_geoip_configure(NULL);
    assert_rule("alert ip any any -> any any (geoip:dst,FR; sid:1;)", false);
}

static void test_prefilter_candidates(void **state)
{
    (void)state;
    /* Many rules with distinct fast patterns; only the one whose pattern occurs matches. */
    size_t cap = 200 * 96;
    char *rules = malloc(cap);
    size_t n = 0;
    for (int i = 1; i <= 200; i++)
        n += (size_t)snprintf(rules + n, cap - n,
                              "alert tcp any any -> any any (content:\"pat%03dx\"; nocase; "
                              "sid:%d;)\n", i, i);
    Harness h = load(rules);
    free(rules);
    assert_non_null(h.de->packet_groups[DETECT_GROUP_TCP].pf[0]);
    assert_int_equal(h.de->packet_groups[DETECT_GROUP_TCP].always_count, 0);
    assert_true(on_payload(&h, 123, "...PAT123X..."));
    assert_int_equal(h.dt->alert_count, 1);
    assert_false(on_payload(&h, 124, "pat12x"));
    unload(&h);
}

static void test_iponly_rules(void **state)
{
    (void)state;
    /* Address lists are sorted and merged at load; matching is a binary search. */
    Harness h = load("alert ip [192.168.1.0/24,5.0.0.0/16,10.0.0.1,!10.0.0.0/30,8.8.8.8] any "
                     "<> any any (sid:1;)\n"
                     "alert ip [1.1.1.1,2.2.2.2,3.3.3.3] any -> any any (sid:2;)\n");
    assert_non_null(h.de->packet_groups[DETECT_GROUP_TCP].iponly);
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 9;
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 1));   /* dst 192.168.1.2 is listed, 10.0.0.1 excluded */
    assert_false(alerted(h.dt, 2));
    detect_packet(h.dt, &t.p, &f);
    assert_false(alerted(h.dt, 1));  /* once per flow direction */
    t.p.to_server = false;
    detect_packet(h.dt, &t.p, &f);
    assert_true(alerted(h.dt, 1));
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1));   /* without a flow: every packet */
    inet_pton(AF_INET, "2.2.2.2", t.p.src.addr);
    inet_pton(AF_INET, "4.4.4.4", t.p.dst.addr);
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 2));
    assert_false(alerted(h.dt, 1));
    inet_pton(AF_INET, "2.2.2.3", t.p.src.addr);
    detect_packet(h.dt, &t.p, NULL);
    assert_false(alerted(h.dt, 2));
    unload(&h);
}

static void test_tx_buffers(void **state)
{
    (void)state;
    Harness h = load(
        "alert http any any -> any any (http.uri; content:\"/admin\"; startswith; sid:1;)\n"
        "alert http any any -> any any (http.uri; bsize:<8; sid:2;)\n"
        "alert http any any -> any any (urilen:>10; sid:3;)\n"
        "alert http any any -> any any (http.uri; to_lowercase; content:\"/mixed\"; sid:4;)\n"
        "alert http any any -> any any (flow:to_client; http.header; content:\"Server\"; sid:5;)\n"
        "alert http any any -> any any (http.header; content:\"Host\"; sid:6;)\n"
        "alert http any any -> any any (http.uri; content:\"q=\"; base64_decode:relative; "
        "base64_data; content:\"secret\"; sid:7;)\n"
        "alert http any any -> any any (content:\"/x\"; http_uri; pcre:\"/x$/U\"; sid:8;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 7;
    f.key.proto = IPPROTO_TCP;
    f.key.src.family = f.key.dst.family = AF_INET;
    FakeTx tx = {.uri = "/admin", .header = "Host: a\r\n", .response = "Server: b\r\n"};
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 0);
    assert_true(alerted(h.dt, 1));
    assert_true(alerted(h.dt, 2));
    assert_false(alerted(h.dt, 3));
    assert_true(alerted(h.dt, 5));
    assert_true(alerted(h.dt, 6));
    tx.uri = "/MiXeD/a/long/uri";
    tx.response = NULL;
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 1);
    assert_false(alerted(h.dt, 1) || alerted(h.dt, 2) || alerted(h.dt, 5));
    assert_true(alerted(h.dt, 3));
    assert_true(alerted(h.dt, 4));
    tx.uri = "/p?q=c2VjcmV0";  /* base64 of "secret" */
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 2);
    assert_true(alerted(h.dt, 7));
    tx.uri = "/p/x";
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 3);
    assert_true(alerted(h.dt, 8));
    /* A transaction of another protocol does not meet HTTP rules. */
    detect_tx(h.dt, &f, NULL, ALPROTO_DNS, NULL, &tx, 4);
    assert_int_equal(h.dt->alert_count, 0);
    unload(&h);
}

static void test_tx_direction(void **state)
{
    (void)state;
    Harness h = load(
        "alert http 10.0.0.0/8 any -> any any (flow:to_server; http.uri; content:\"/a\"; sid:1;)\n"
        "alert http 10.0.0.0/8 any -> any any (flow:to_client; http.header; content:\"S\"; "
        "sid:2;)\n"
        "alert http any any -> 10.0.0.0/8 any (flow:to_client; http.header; content:\"S\"; "
        "sid:3;)\n"
        "alert http any any -> any any (content:\"GET\"; urilen:2; sid:4;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.flow_id = 8;
    f.key.proto = IPPROTO_TCP;
    f.key.src.family = f.key.dst.family = AF_INET;
    inet_pton(AF_INET, "10.1.1.1", f.key.src.addr);    /* the client */
    inet_pton(AF_INET, "203.0.113.9", f.key.dst.addr); /* the server */
    FakeTx tx = {.uri = "/a", .header = "H", .response = "S"};
    TestPacket t;
    make(&t, IPPROTO_TCP, "POST /a", 7);
    detect_tx(h.dt, &f, &t.p, ALPROTO_HTTP, NULL, &tx, 0);
    assert_true(alerted(h.dt, 1));
    assert_false(alerted(h.dt, 2));  /* the response's source is the server, not 10/8 */
    assert_true(alerted(h.dt, 3));
    /* The payload content of an app-layer rule must be in the packet. */
    assert_false(alerted(h.dt, 4));
    make(&t, IPPROTO_TCP, "GET /a", 6);
    detect_tx(h.dt, &f, &t.p, ALPROTO_HTTP, NULL, &tx, 1);
    assert_true(alerted(h.dt, 4));
    unload(&h);
}

/* A multi-buffer matches when one instance does, each inspected on its own (startswith,
 * bsize and the prefilter see one instance, never the instances run together). */
static void test_multi_buffer(void **state)
{
    (void)state;
    Harness h = load(
        "alert tls any any -> any any (tls.certs; content:\"second\"; startswith; sid:1;)\n"
        "alert tls any any -> any any (tls.certs; content:\"rstsec\"; sid:2;)\n"
        "alert tls any any -> any any (tls.certs; bsize:5; sid:3;)\n");
    Flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_TCP;
    f.key.src.family = f.key.dst.family = AF_INET;
    FakeTx tx = {0};
    multi_items[0] = "first";
    multi_items[1] = "second cert";
    detect_tx(h.dt, &f, NULL, ALPROTO_TLS, NULL, &tx, 0);
    assert_true(alerted(h.dt, 1));
    assert_false(alerted(h.dt, 2));
    assert_true(alerted(h.dt, 3));
    multi_items[1] = NULL;
    detect_tx(h.dt, &f, NULL, ALPROTO_TLS, NULL, &tx, 1);
    assert_false(alerted(h.dt, 1));
    assert_true(alerted(h.dt, 3));
    multi_items[0] = NULL;
    unload(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_modifiers),
        cmocka_unit_test(test_pcre_match),
        cmocka_unit_test(test_drop_applies_to_flow),
        cmocka_unit_test(test_byte_keywords),
        cmocka_unit_test(test_byte_test_unbounded_string),
        cmocka_unit_test(test_tag_counts),
        cmocka_unit_test(test_asn1_checks),
        cmocka_unit_test(test_isdataat),
        cmocka_unit_test(test_header_keywords),
        cmocka_unit_test(test_dsize_payload),
        cmocka_unit_test(test_flow_and_flowbits),
        cmocka_unit_test(test_flow_established_per_packet),
        cmocka_unit_test(test_bypass_marks_flow),
        cmocka_unit_test(test_thresholds_and_pass),
        cmocka_unit_test(test_action_order_and_verdict),
        cmocka_unit_test(test_geoip),
        cmocka_unit_test(test_prefilter_candidates),
        cmocka_unit_test(test_iponly_rules),
        cmocka_unit_test(test_tx_buffers),
        cmocka_unit_test(test_multi_buffer),
        cmocka_unit_test(test_tx_direction),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
