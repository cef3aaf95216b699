/*
 * test-detect-pkt-keywords.c - the packet keywords added for Suricata 7 rule sets: header
 * sticky buffers (ipv4.hdr ... ip.src), checksum keywords, hostbits, requires (skipped, not
 * failed), the legacy spellings (tcp.flags) and dns.pdu frames; each parsed and matched on
 * hand-built packets, with the syntax errors Suricata reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect/detect-requires.h"
#include "detect-test-util.h"

/* The parsers' buffers (http.uri for uricontent...) and the detect counters. */
static int setup(void **state)
{
    ConfNode *conf = conf_new_default();
    int rc = applayer_init(conf);
    conf_free(conf);
    detect_buffer_keywords_init();
    return rc == 0 ? detect_test_setup(state) : -1;
}

static void assert_parse(const char *proto, const char *opts, bool ok)
{
    char rule[1024];
    snprintf(rule, sizeof(rule), "alert %s any any -> any any (%s sid:1;)", proto, opts);
    assert_rule(rule, ok);
}

/* A TCP/IPv4 packet whose headers are real bytes: 20-byte IPv4 header, 20-byte TCP header. */
typedef struct WirePacket {
    Packet p;
    uint8_t buf[128];
} WirePacket;

static uint16_t csum16(const uint8_t *d, uint32_t len, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (len & 1)
        sum += (uint32_t)(d[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* payload over TCP from 10.0.0.1:40000 to 192.168.1.2:80; good_sums false spoils both sums */
static void wire_tcp(WirePacket *w, const char *payload, bool good_sums)
{
    memset(w, 0, sizeof(*w));
    uint32_t plen = (uint32_t)strlen(payload);
    uint8_t *ip = w->buf, *tcp = w->buf + 20;
    ip[0] = 0x45;
    ip[2] = 0;
    ip[3] = (uint8_t)(40 + plen);
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    inet_pton(AF_INET, "10.0.0.1", ip + 12);
    inet_pton(AF_INET, "192.168.1.2", ip + 16);
    tcp[0] = 40000 >> 8;
    tcp[1] = 40000 & 0xff;
    tcp[3] = 80;
    tcp[12] = 5 << 4;
    tcp[13] = TH_ACK | TH_PUSH | TH_URG;
    tcp[18] = 0x12; /* urgent pointer 0x1234 */
    tcp[19] = 0x34;
    memcpy(tcp + 20, payload, plen);
    uint16_t s = csum16(ip, 20, 0);
    ip[10] = (uint8_t)(s >> 8);
    ip[11] = (uint8_t)s;
    uint32_t pseudo = 0;
    for (int i = 12; i < 20; i += 2)
        pseudo += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    pseudo += IPPROTO_TCP + 20 + plen;
    s = csum16(tcp, 20 + plen, pseudo);
    tcp[16] = (uint8_t)(s >> 8);
    tcp[17] = (uint8_t)s;
    if (!good_sums) {
        ip[10] ^= 0xff;
        tcp[16] ^= 0xff;
    }
    Packet *p = &w->p;
    p->buf = w->buf;
    p->len = 40 + plen;
    p->ip_version = 4;
    p->ip_hdr = ip;
    p->ip_hdr_len = 20;
    p->ip_total_len = 40 + plen;
    p->proto = IPPROTO_TCP;
    p->src.family = p->dst.family = AF_INET;
    memcpy(p->src.addr, ip + 12, 4);
    memcpy(p->dst.addr, ip + 16, 4);
    p->sp = 40000;
    p->dp = 80;
    p->l4_hdr = tcp;
    p->l4_hdr_len = 20;
    p->payload = tcp + 20;
    p->payload_len = plen;
    p->tcp_flags = tcp[13];
    p->to_server = true;
    p->ts_usec = 1000000;
}

static bool fires(Harness *h, uint32_t sid, Packet *p)
{
    detect_packet(h->dt, p, NULL);
    return alerted(h->dt, sid);
}

/* The header buffers hold the raw headers; byte_extract values carry from one to another. */
static void test_header_buffers(void **state)
{
    (void)state;
    Harness h = load(
        "alert ip any any -> any any (ipv4.hdr; content:\"|06|\"; offset:9; depth:1; sid:1;)\n"
        "alert tcp any any -> any any (tcp.hdr; content:\"|12 34|\"; offset:18; depth:2; "
        "sid:2;)\n"
        "alert tcp any any -> any any (tcp.hdr; bsize:20; sid:3;)\n"
        "alert tcp any any -> any any (ipv4.hdr; byte_extract:1,9,proto; "
        "tcp.hdr; byte_test:1,=,proto,13; sid:4;)\n"
        "alert ip any any -> any any (ipv6.hdr; content:\"|06|\"; sid:5;)\n"
        "alert ip any any -> any any (udp.hdr; content:\"|9c 40|\"; sid:6;)\n"
        "alert ip any any -> any any (ip.dst; content:\"|c0 a8 01 02|\"; bsize:4; sid:7;)\n"
        "alert ip any any -> any any (ip.src; content:\"|c0 a8 01 02|\"; sid:8;)\n"
        "alert tcp any any -> any any (tcp.hdr; to_md5; bsize:16; sid:9;)\n");
    WirePacket w;
    wire_tcp(&w, "hello", true);
    assert_true(fires(&h, 1, &w.p));
    assert_true(alerted(h.dt, 2) && alerted(h.dt, 3) && alerted(h.dt, 7) && alerted(h.dt, 9));
    /* proto 6 is read from ipv4.hdr; tcp.hdr byte 13 holds the flags (0x38), not 6 */
    assert_false(alerted(h.dt, 4));
    assert_false(alerted(h.dt, 5) || alerted(h.dt, 6) || alerted(h.dt, 8));
    w.buf[20 + 13] = 6;
    assert_true(fires(&h, 4, &w.p));
    unload(&h);
    assert_parse("udp", "tcp.hdr; content:\"a\";", false);
    assert_parse("icmp", "icmpv6.hdr; content:\"a\";", true);
    assert_parse("ip", "icmpv4.hdr; content:\"a\";", true);
}

static void test_checksums(void **state)
{
    (void)state;
    Harness h = load("alert ip any any -> any any (ipv4-csum:valid; sid:1;)\n"
                     "alert ip any any -> any any (ipv4-csum:invalid; sid:2;)\n"
                     "alert tcp any any -> any any (tcpv4-csum:valid; sid:3;)\n"
                     "alert tcp any any -> any any (tcpv4-csum:invalid; sid:4;)\n"
                     "alert tcp any any -> any any (tcpv6-csum:invalid; sid:5;)\n"
                     "alert udp any any -> any any (udpv4-csum:invalid; sid:6;)\n");
    WirePacket w;
    wire_tcp(&w, "payload!", true);
    assert_true(fires(&h, 1, &w.p));
    assert_true(alerted(h.dt, 3));
    assert_false(alerted(h.dt, 2) || alerted(h.dt, 4) || alerted(h.dt, 5) || alerted(h.dt, 6));
    wire_tcp(&w, "payload!", false);
    assert_true(fires(&h, 2, &w.p));
    assert_true(alerted(h.dt, 4));
    assert_false(alerted(h.dt, 1) || alerted(h.dt, 3) || alerted(h.dt, 5));
    /* -k none: every checksum counts as valid */
    detect_set_checksums_ignored(true);
    assert_true(fires(&h, 1, &w.p));
    assert_true(alerted(h.dt, 3));
    assert_false(alerted(h.dt, 2) || alerted(h.dt, 4));
    detect_set_checksums_ignored(false);
    unload(&h);
    assert_parse("tcp", "tcpv4-csum:bogus;", false);
    assert_parse("tcp", "tcpv4-csum;", false);
    assert_parse("ip", "icmpv6-csum:\"invalid\";", true);
}

#define host_hit hit_between

/* hostbits: src by default, dst on request, 300 s, shared with xbits of the same host. */
static void test_hostbits(void **state)
{
    (void)state;
    Harness h = load(
        "alert tcp any any -> any any (content:\"SET\"; hostbits:set,bad; noalert; sid:1;)\n"
        "alert tcp any any -> any any (content:\"CHK\"; hostbits:isset,bad,dst; sid:2;)\n"
        "alert tcp any any -> any any (content:\"NOT\"; hostbits:isnotset,bad; sid:3;)\n"
        "alert tcp any any -> any any (content:\"XB\"; xbits:isset,bad,track ip_src; sid:4;)\n"
        "alert tcp any any -> any any (content:\"TOG\"; hostbits:toggle,bad; sid:5;)\n");
    assert_false(host_hit(&h, 1, "10.0.0.1", "10.0.0.2", "SET", 100));
    assert_true(host_hit(&h, 2, "10.0.0.2", "10.0.0.1", "CHK", 101));
    assert_false(host_hit(&h, 2, "10.0.0.1", "10.0.0.2", "CHK", 101));
    assert_false(host_hit(&h, 3, "10.0.0.1", "10.0.0.2", "NOT", 101));
    assert_true(host_hit(&h, 3, "10.0.0.7", "10.0.0.2", "NOT", 101));
    assert_true(host_hit(&h, 4, "10.0.0.1", "10.0.0.9", "XB", 102));
    assert_true(host_hit(&h, 2, "10.0.0.2", "10.0.0.1", "CHK", 400));
    assert_false(host_hit(&h, 2, "10.0.0.2", "10.0.0.1", "CHK", 401)); /* expired */
    assert_true(host_hit(&h, 5, "10.0.0.3", "10.0.0.2", "TOG", 500));
    assert_true(host_hit(&h, 2, "10.0.0.2", "10.0.0.3", "CHK", 500));
    unload(&h);
    assert_parse("tcp", "hostbits:set,a,src;", true);
    assert_parse("tcp", "hostbits:noalert;", true);
    assert_parse("tcp", "hostbits:set,a,both;", false);
    assert_parse("tcp", "hostbits:set;", false);
    assert_parse("tcp", "hostbits:flip,a;", false);
    assert_parse("tcp", "hostbits:set,a,src,3600;", false);
}

static int requires(const char *expr, bool ignore_unknown)
{
    char rule[512], err[256];
    snprintf(rule, sizeof(rule), "alert tcp any any -> any any (msg:\"x;\"; requires: %s; sid:1;)",
             expr);
    return detect_requires_check(rule, ignore_unknown, err, sizeof(err));
}

/* Answered as Suricata 7.0.10: met (0), not met (1: skipped) or bad (-1: failed). */
static void test_requires(void **state)
{
    (void)state;
    assert_int_equal(requires("version >= 7", false), 0);
    assert_int_equal(requires("version >= 7.0.3 < 8", false), 0);
    assert_int_equal(requires("version >= 8", false), 1);
    assert_int_equal(requires("version >= 8 | >= 7.0.10", false), 0);
    assert_int_equal(requires("version > 7.0.10", false), 1);
    assert_int_equal(requires("version <= 7.0.10", false), 0);
    assert_int_equal(requires("feature ja3", false), 0);
    assert_int_equal(requires("feature lua", false), 1);
    assert_int_equal(requires("foo bar", false), 1);
    assert_int_equal(requires("foo bar", true), 0);
    assert_int_equal(requires("version >= 7, version < 8", false), -1);
    assert_int_equal(requires("version = 7", false), -1);
    char err[64];
    assert_int_equal(detect_requires_check("alert tcp any any -> any any (sid:1;)", false, err,
                                           sizeof(err)), 0);
    /* unmet: skipped whatever else the rule holds; the counts say so */
    char path[] = "/tmp/test-requires-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "alert tcp any any -> any any (requires: version >= 9; nosuchkw; sid:1;)\n"
                       "alert tcp any any -> any any (requires: version >= 7; sid:2;)\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    const char *files[] = {path};
    DetectLoadStats stats;
    DetectEngine *de = detect_engine_load(NULL, files, 1, true, &stats);
    unlink(path);
    assert_non_null(de);
    assert_int_equal(stats.loaded, 1);
    assert_int_equal(stats.skipped, 1);
    assert_int_equal(stats.failed, 0);
    detect_engine_free(de);
}

static void test_legacy_and_frames(void **state)
{
    (void)state;
    Harness h = load("alert tcp any any -> any any (tcp.flags:AP+; sid:1;)\n"
                     "alert tcp any any -> any any (tcp.flags:S; sid:2;)\n"
                     "alert tcp any any -> any any (content:\"x\"; bypass; sid:3;)\n");
    TestPacket t;
    make(&t, IPPROTO_TCP, "x", 1);
    detect_packet(h.dt, &t.p, NULL);
    assert_true(alerted(h.dt, 1) && alerted(h.dt, 3));
    assert_false(alerted(h.dt, 2));
    unload(&h);
    assert_parse("tcp", "uricontent:\"/a\"; nocase;", true);
    assert_parse("tcp", "http.uri; uricontent:\"/a\";", false);
    assert_parse("tls", "tls.fingerprint:\"aa:bb\";", true);
    assert_parse("tls", "tls.issuerdn:!\"CN=x\";", true);
    assert_parse("tcp", "frame:dns.pdu; content:\"a\";", true);
    assert_parse("tcp", "frame:tls.pdu; content:\"a\";", true);
    assert_parse("tcp", "frame:dns.nosuch; content:\"a\";", false);
    assert_parse("icmp", "frame:dns.pdu; content:\"a\";", false);
    assert_parse("http", "frame:request; content:\"a\";", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_buffers),
        cmocka_unit_test(test_checksums),
        cmocka_unit_test(test_hostbits),
        cmocka_unit_test(test_requires),
        cmocka_unit_test(test_legacy_and_frames),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
