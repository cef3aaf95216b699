/*
 * test-decode.c - unit tests for the link and network layer decoders: Ethernet, SLL/SLL2,
 * null, raw, VLAN/QinQ, MPLS, PPPoE, PPP, and IPv4 with its options.
 *
 * Every event a decoder raises has a packet here that raises it, and the well-formed cases
 * check the fields and counters. IPv6, transports and tunnels have their own files.
 */
#include "decode-test-util.h"

#include <netinet/in.h>

/* ---- link layers --------------------------------------------------------------------- */

static void test_ethernet_ipv4_udp(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = w_eth_ipv4_udp(b, 1000, 53, 4);
    Packet *p = decode(b, n, LINKTYPE_ETHERNET);
    assert_false(p->is_invalid);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(p->sp, 1000);
    assert_int_equal(p->dp, 53);
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(p->src.addr[0], 10);
    assert_int_equal(p->dst.addr[3], 2);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(counter("decoder.pkts"), 1);
    assert_int_equal(counter("decoder.ethernet"), 1);
    assert_int_equal(counter("decoder.ipv4"), 1);
    assert_int_equal(counter("decoder.udp"), 1);
}

static void test_ethernet_too_small(void **state)
{
    (void)state;
    uint8_t b[13] = {0};
    Packet *p = decode(b, sizeof(b), LINKTYPE_ETHERNET);
    assert_true(p->is_invalid);
    assert_int_equal(events_on(p, DE_ETHERNET_PKT_TOO_SMALL), 1);
    assert_int_equal(counter("decoder.invalid"), 1);
}

static void test_ethernet_unknown_and_arp(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    w_eth(b, 0x88cc); /* LLDP */
    Packet *p = decode(b, 60, LINKTYPE_ETHERNET);
    assert_false(p->is_invalid);
    w_eth(b, 0x0026); /* 802.3 length: also unknown, as Suricata counts it */
    decode(b, 60, LINKTYPE_ETHERNET);
    assert_int_equal(counter("decoder.unknown_ethertype"), 2);
    w_eth(b, ETHERTYPE_ARP);
    decode(b, 60, LINKTYPE_ETHERNET);
    assert_int_equal(counter("decoder.arp"), 1);
}

static void test_sll_and_sll2(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    put16(b + 14, ETHERTYPE_IPV4);
    size_t n = 16 + w_ipv4(b + 16, 6, 20);
    n += w_tcp(b + n, 1, 2, TH_SYN);
    Packet *p = decode(b, n, LINKTYPE_LINUX_SLL);
    assert_int_equal(p->proto, IPPROTO_TCP);
    assert_int_equal(counter("decoder.sll"), 1);
    p = decode(b, 15, LINKTYPE_LINUX_SLL);
    assert_int_equal(events_on(p, DE_SLL_PKT_TOO_SMALL), 1);

    uint8_t c[128] = {0};
    put16(c, ETHERTYPE_IPV4);
    n = 20 + w_ipv4(c + 20, 6, 20);
    n += w_tcp(c + n, 1, 2, TH_SYN);
    p = decode(c, n, LINKTYPE_LINUX_SLL2);
    assert_int_equal(p->proto, IPPROTO_TCP);
}

static void test_null_and_raw(void **state)
{
    (void)state;
    uint8_t b[128] = {2, 0, 0, 0};
    size_t n = 4 + w_ipv4(b + 4, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    Packet *p = decode(b, n, LINKTYPE_NULL);
    assert_int_equal(p->ip_version, 4);
    p = decode(b, 3, LINKTYPE_NULL);
    assert_int_equal(events_on(p, DE_LTNULL_PKT_TOO_SMALL), 1);
    b[0] = 99;
    p = decode(b, n, LINKTYPE_NULL);
    assert_int_equal(events_on(p, DE_LTNULL_UNSUPPORTED_TYPE), 1);

    p = decode(b + 4, n - 4, LINKTYPE_RAW);
    assert_int_equal(p->ip_version, 4);
    uint8_t bad[20] = {0x50};
    p = decode(bad, sizeof(bad), LINKTYPE_RAW);
    assert_int_equal(events_on(p, DE_IPRAW_INVALID_IPV), 1);
    assert_false(p->is_invalid);
    p = decode(bad, 19, LINKTYPE_RAW);
    assert_int_equal(events_on(p, DE_IPV4_PKT_TOO_SMALL), 1);
    /* Linux's AF_INET6 value in a null header. */
    uint8_t v6[64] = {10, 0, 0, 0};
    n = 4 + w_ipv6(v6 + 4, 17, 8);
    n += w_udp(v6 + n, 1, 2, 0);
    p = decode(v6, n, LINKTYPE_NULL);
    assert_int_equal(p->ip_version, 6);
}

/* ---- VLAN ---------------------------------------------------------------------------- */

static size_t w_vlan(uint8_t *b, uint16_t id, uint16_t inner)
{
    put16(b, id);
    put16(b + 2, inner);
    return 4;
}

static void test_vlan_qinq(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = w_eth(b, ETHERTYPE_QINQ);
    n += w_vlan(b + n, 0x2064, ETHERTYPE_VLAN); /* priority bits are not part of the id */
    n += w_vlan(b + n, 200, ETHERTYPE_IPV4);
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    Packet *p = decode(b, n, LINKTYPE_ETHERNET);
    assert_false(p->is_invalid);
    assert_int_equal(p->vlan_count, 2);
    assert_int_equal(p->vlan_id[0], 100);
    assert_int_equal(p->vlan_id[1], 200);
    assert_int_equal(counter("decoder.vlan"), 1);
    assert_int_equal(counter("decoder.vlan_qinq"), 1);
}

static void test_vlan_too_many_layers(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = w_eth(b, ETHERTYPE_VLAN);
    for (int i = 0; i < 4; i++)
        n += w_vlan(b + n, (uint16_t)(i + 1), i < 3 ? ETHERTYPE_VLAN : ETHERTYPE_IPV4);
    Packet *p = decode(b, n + 20, LINKTYPE_ETHERNET);
    assert_int_equal(p->vlan_count, 3);
    assert_int_equal(events_on(p, DE_VLAN_HEADER_TOO_MANY_LAYERS), 1);
    assert_false(p->is_invalid);
    assert_int_equal(counter("decoder.vlan_qinqinq"), 1);
}

static void test_vlan_small_and_unknown(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    size_t n = w_eth(b, ETHERTYPE_VLAN);
    Packet *p = decode(b, n + 3, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_VLAN_HEADER_TOO_SMALL), 1);
    assert_true(p->is_invalid);
    w_vlan(b + n, 5, 0x1234);
    p = decode(b, n + 30, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_VLAN_UNKNOWN_TYPE), 1);
    assert_true(p->is_invalid);
    w_vlan(b + n, 5, ETHERTYPE_ARP);
    p = decode(b, n + 30, LINKTYPE_ETHERNET);
    assert_int_equal(p->event_count, 0);
}

/* ---- MPLS ---------------------------------------------------------------------------- */

static size_t w_mpls(uint8_t *b, uint32_t label, bool bottom)
{
    put32(b, label << 12 | (bottom ? 0x100u : 0) | 64);
    return 4;
}

static void test_mpls_payloads(void **state)
{
    (void)state;
    uint8_t b[256];
    /* Two labels, IPv4 guessed from the first nibble. */
    size_t n = w_eth(b, ETHERTYPE_MPLS_UNICAST);
    n += w_mpls(b + n, 1000, false);
    n += w_mpls(b + n, 2000, true);
    size_t ip = n;
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    Packet *p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(counter("decoder.mpls"), 1);

    /* Explicit null labels name the payload. */
    n = w_eth(b, ETHERTYPE_MPLS_UNICAST);
    n += w_mpls(b + n, 0, true);
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 4);
    n = w_eth(b, ETHERTYPE_MPLS_MULTICAST);
    n += w_mpls(b + n, 2, true);
    n += w_ipv6(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 6);

    /* Ethernet pseudowire: control word, then a frame. */
    n = w_eth(b, ETHERTYPE_MPLS_UNICAST);
    n += w_mpls(b + n, 3000, true);
    memset(b + n, 0, 4);
    n += 4;
    n += w_eth_ipv4_udp(b + n, 7, 8, 0);
    p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->dp, 8);
    assert_int_equal(counter("decoder.ethernet"), 5);
    (void)ip;
}

static void test_mpls_events(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    size_t n = w_eth(b, ETHERTYPE_MPLS_UNICAST);
    Packet *p = decode(b, n + 3, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_MPLS_HEADER_TOO_SMALL), 1);

    static const struct {
        uint32_t label;
        DecodeEvent event;
    } bad[] = {
        {1, DE_MPLS_BAD_LABEL_ROUTER_ALERT},
        {3, DE_MPLS_BAD_LABEL_IMPLICIT_NULL},
        {7, DE_MPLS_BAD_LABEL_RESERVED},
    };
    for (size_t i = 0; i < 3; i++) {
        w_mpls(b + n, bad[i].label, true);
        p = decode(b, n + 24, LINKTYPE_ETHERNET);
        assert_int_equal(events_on(p, bad[i].event), 1);
        assert_false(p->is_invalid);
    }
    w_mpls(b + n, 100, true);
    p = decode(b, n + 4 + 3, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_MPLS_PKT_TOO_SMALL), 1);
    b[n + 4] = 0x50;
    p = decode(b, n + 4 + 20, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_MPLS_UNKNOWN_PAYLOAD_TYPE), 1);
    assert_true(p->is_invalid);
}

/* ---- PPPoE and PPP ------------------------------------------------------------------- */

static size_t w_pppoe_session(uint8_t *b, uint16_t proto, size_t payload_len)
{
    b[0] = 0x11;
    b[1] = 0;
    put16(b + 2, 1);
    put16(b + 4, (uint16_t)(payload_len + 2));
    put16(b + 6, proto);
    return 8;
}

static void test_pppoe_session(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = w_eth(b, ETHERTYPE_PPPOE_SESS);
    n += w_pppoe_session(b + n, 0x0021, 28);
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    Packet *p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(counter("decoder.pppoe"), 1);

    n = w_eth(b, ETHERTYPE_PPPOE_SESS);
    n += w_pppoe_session(b + n, 0x0057, 48);
    n += w_ipv6(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 6);

    /* One-byte protocol field (low bit set). */
    n = w_eth(b, ETHERTYPE_PPPOE_SESS);
    w_pppoe_session(b + n, 0x2100, 27);
    n += 7;
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(p->ip_version, 4);
}

static void test_pppoe_events(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_eth(b, ETHERTYPE_PPPOE_SESS);
    Packet *p = decode(b, n + 6, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_PPPOE_PKT_TOO_SMALL), 1);

    static const struct {
        uint16_t proto;
        DecodeEvent event;
        bool invalid;
    } cases[] = {
        {0x0021, DE_PPP_IPV4_PKT_TOO_SMALL, true},
        {0x0057, DE_PPP_IPV6_PKT_TOO_SMALL, true},
        {0x002f, DE_PPP_VJU_PKT_TOO_SMALL, true},
        {0x002b, DE_PPP_UNSUP_PROTO, false},
        {0x4321, DE_PPP_WRONG_TYPE, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        w_pppoe_session(b + n, cases[i].proto, 10);
        p = decode(b, n + 8 + 10, LINKTYPE_ETHERNET);
        assert_int_equal(events_on(p, cases[i].event), 1);
        assert_int_equal(p->is_invalid, cases[i].invalid);
    }
    /* LCP is valid and not inspected. */
    w_pppoe_session(b + n, 0xc021, 10);
    p = decode(b, n + 18, LINKTYPE_ETHERNET);
    assert_int_equal(p->event_count, 0);
    /* A zero length session frame carries nothing. */
    put16(b + n + 4, 0);
    p = decode(b, n + 18, LINKTYPE_ETHERNET);
    assert_int_equal(p->event_count, 0);
}

static void test_pppoe_discovery(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    size_t n = w_eth(b, ETHERTYPE_PPPOE_DISC);
    b[n] = 0x11;
    b[n + 1] = 0x09; /* PADI */
    put16(b + n + 4, 4);
    Packet *p = decode(b, n + 10, LINKTYPE_ETHERNET);
    assert_int_equal(p->event_count, 0);
    p = decode(b, n + 8, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_PPPOE_MALFORMED_TAGS), 1);
    b[n + 1] = 0x42;
    p = decode(b, n + 10, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_PPPOE_WRONG_CODE), 1);
    p = decode(b, n + 5, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_PPPOE_PKT_TOO_SMALL), 1);
}

/* decode_ppp in place: HDLC address/control, compressed and full protocol fields. */
static void test_ppp_frames(void **state)
{
    (void)state;
    uint8_t b[128];
    static const uint8_t headers[][4] = {{0xff, 0x03, 0x00, 0x21}, {0x00, 0x21}, {0x21}};
    static const size_t header_lens[] = {4, 2, 1};
    for (int i = 0; i < 3; i++) {
        memcpy(b, headers[i], header_lens[i]);
        size_t n = header_lens[i];
        n += w_ipv4(b + n, 17, 8);
        n += w_udp(b + n, 1, 2, 0);
        assert_int_equal(packet_set_data(&h.pkt, b, (uint32_t)n, (uint32_t)n, 0, 1, 9), 0);
        decode_ppp(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len);
        assert_int_equal(h.pkt.ip_version, 4);
        assert_int_equal(h.pkt.proto, IPPROTO_UDP);
    }
    /* A one-byte protocol other than IPv4/IPv6/VJ is unsupported. */
    uint8_t odd[] = {0x23, 0, 0, 0};
    packet_set_data(&h.pkt, odd, 4, 4, 0, 1, 9);
    decode_ppp(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len);
    assert_int_equal(events_on(&h.pkt, DE_PPP_UNSUP_PROTO), 1);
    uint8_t tiny[] = {0xff, 0x03};
    packet_set_data(&h.pkt, tiny, 2, 2, 0, 1, 9);
    decode_ppp(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len);
    assert_int_equal(events_on(&h.pkt, DE_PPP_PKT_TOO_SMALL), 1);
    assert_int_equal(counter("decoder.ppp"), 5);
}

/* ---- IPv4 ---------------------------------------------------------------------------- */

static void test_ipv4_header_events(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = w_ipv4(b, 17, 8);
    n += w_udp(b + n, 1, 2, 0);

    Packet *p = decode(b, 19, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_PKT_TOO_SMALL), 1);
    b[0] = 0x55;
    p = decode(b, n, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_WRONG_IP_VER), 1);
    b[0] = 0x44;
    p = decode(b, n, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_HLEN_TOO_SMALL), 1);
    b[0] = 0x45;
    put16(b + 2, 16);
    p = decode(b, n, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_IPLEN_SMALLER_THAN_HLEN), 1);
    put16(b + 2, 100);
    p = decode(b, n, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_TRUNC_PKT), 1);
    assert_true(p->is_invalid);
    assert_int_equal(counter("decoder.invalid"), 5);
}

/* Bytes past the IPv4 total length (Ethernet padding) are not payload. */
static void test_ipv4_padding_ignored(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_eth_ipv4_udp(b, 1, 2, 2);
    Packet *p = decode(b, 60, LINKTYPE_ETHERNET);
    assert_int_equal(p->payload_len, 2);
    assert_int_equal(p->ip_total_len, n - 14);
    assert_int_equal(p->event_count, 0);
}

static Packet *decode_ipv4_with_options(const uint8_t *opts, size_t opts_len)
{
    static uint8_t b[128];
    size_t n = w_ipv4_opts(b, 17, 8, 1, 0, opts, opts_len);
    n += w_udp(b + n, 1, 2, 0);
    return decode(b, n, LINKTYPE_IPV4);
}

/* The conformance case bug-7414: a 2-byte security option and an option whose length runs
 * past the header give opt_pad_required once and opt_invalid_len twice. */
static void test_ipv4_options_bug_7414(void **state)
{
    (void)state;
    static const uint8_t opts[] = {0x82, 0x02, 0xf1, 0x35, 0x00, 0x00,
                                   0xde, 0xad, 0xbe, 0xef, 0xaa, 0x00};
    Packet *p = decode_ipv4_with_options(opts, sizeof(opts));
    assert_int_equal(events_on(p, DE_IPV4_OPT_PAD_REQUIRED), 1);
    assert_int_equal(events_on(p, DE_IPV4_OPT_INVALID_LEN), 2);
    assert_int_equal(p->event_count, 3);
    assert_true(p->is_invalid);
    assert_int_equal(counter("decoder.invalid"), 1);
    assert_int_equal(event_count("decoder.ipv4.opt_invalid_len"), 2);
}

static void test_ipv4_options_valid(void **state)
{
    (void)state;
    /* NOP, router alert, record route with room for one address, EOL padding. */
    static const uint8_t opts[] = {0x01, 0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04,
                                   0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00};
    Packet *p = decode_ipv4_with_options(opts, sizeof(opts));
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(p->ip_hdr_len, 36);
}

static void test_ipv4_option_events(void **state)
{
    (void)state;
    static const struct {
        uint8_t opts[8];
        DecodeEvent event;
        bool invalid;
    } cases[] = {
        {{0x94, 0x04, 0, 0, 0x94, 0x04, 0, 0}, DE_IPV4_OPT_DUPLICATE, false},
        {{0x9a, 0x04, 0, 0, 0, 0, 0, 0}, DE_IPV4_OPT_INVALID, false},
        {{0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x83}, DE_IPV4_OPT_EOL_REQUIRED, false},
        {{0x07, 0x07, 0x05, 0, 0, 0, 0, 0}, DE_IPV4_OPT_MALFORMED, true},
        {{0x44, 0x08, 0x04, 0x00, 0, 0, 0, 0}, DE_IPV4_OPT_MALFORMED, true},
        {{0x44, 0x04, 0x05, 0x00, 0, 0, 0, 0}, DE_IPV4_OPT_INVALID_LEN, true},
        {{0x88, 0x05, 0, 0, 0, 0, 0, 0}, DE_IPV4_OPT_INVALID_LEN, true},
        {{0x19, 0x06, 0, 0, 0, 0, 0, 0}, DE_IPV4_OPT_INVALID_LEN, true},
        {{0x94, 0x01, 0, 0, 0, 0, 0, 0}, DE_IPV4_OPT_INVALID_LEN, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Packet *p = decode_ipv4_with_options(cases[i].opts, 8);
        assert_int_equal(events_on(p, cases[i].event), 1);
        assert_int_equal(p->is_invalid, cases[i].invalid);
    }
}

/* CIPSO: DOI then tags; tag 0 and short tags are malformed. */
static void test_ipv4_option_cipso(void **state)
{
    (void)state;
    static const uint8_t good[] = {0x86, 0x0c, 0, 0, 0, 1, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00};
    Packet *p = decode_ipv4_with_options(good, sizeof(good));
    assert_int_equal(events_on(p, DE_IPV4_OPT_MALFORMED), 0);
    static const uint8_t bad[] = {0x86, 0x0c, 0, 0, 0, 1, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00};
    p = decode_ipv4_with_options(bad, sizeof(bad));
    assert_int_equal(events_on(p, DE_IPV4_OPT_MALFORMED), 1);
    static const uint8_t short_opt[] = {0x86, 0x08, 0, 0, 0, 1, 0x01, 0x02};
    p = decode_ipv4_with_options(short_opt, sizeof(short_opt));
    assert_int_equal(events_on(p, DE_IPV4_OPT_INVALID_LEN), 1);
}

static void test_ipv4_protocols(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_ipv4(b, IPPROTO_ICMPV6, 8);
    Packet *p = decode(b, n + 8, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_WITH_ICMPV6), 1);
    assert_true(p->is_invalid);

    n = w_ipv4(b, IPPROTO_ESP, 12);
    p = decode(b, n + 12, LINKTYPE_IPV4);
    assert_int_equal(p->proto, IPPROTO_ESP);
    assert_int_equal(p->payload_len, 4);
    n = w_ipv4(b, IPPROTO_ESP, 4);
    p = decode(b, n + 4, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_ESP_PKT_TOO_SMALL), 1);
    assert_int_equal(counter("decoder.esp"), 2);

    n = w_ipv4(b, IPPROTO_SCTP, 12);
    put16(b + n, 5000);
    put16(b + n + 2, 80);
    p = decode(b, n + 12, LINKTYPE_IPV4);
    assert_int_equal(p->sp, 5000);
    assert_int_equal(p->dp, 80);
    n = w_ipv4(b, IPPROTO_SCTP, 8);
    p = decode(b, n + 8, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_SCTP_PKT_TOO_SMALL), 1);

    /* IPv4-in-IPv4 is left alone (Suricata's default), unknown protocols too. */
    n = w_ipv4(b, IPPROTO_IPIP, 28);
    w_ipv4(b + n, 17, 8);
    p = decode(b, n + 28, LINKTYPE_IPV4);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(p->event_count, 0);
    n = w_ipv4(b, 253, 4);
    p = decode(b, n + 4, LINKTYPE_IPV4);
    assert_int_equal(p->proto, 253);
    assert_int_equal(p->event_count, 0);
}

/* A fragment is flagged and not decoded further. */
static void test_ipv4_fragment_flagged(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_ipv4_opts(b, 17, 16, 1, 0x2000, NULL, 0);
    Packet *p = decode(b, n + 16, LINKTYPE_IPV4);
    assert_true(p->is_fragment);
    assert_int_equal(counter("decoder.udp"), 0);
    assert_int_equal(counter("defrag.ipv4.fragments"), 1);
}

/*
 * A layer's result says whether that layer decoded, not its payload: Suricata keeps or drops
 * a tunnel's and defrag's pseudo packets on exactly this, so IPv4 and IPv6 fail only for
 * their own header, Ethernet only when too short.
 */
static void test_layer_results(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_ipv4(b, IPPROTO_UDP, 4); /* a UDP header cut short */
    packet_set_data(&h.pkt, b, (uint32_t)n + 4, (uint32_t)n + 4, 0, 1, LINKTYPE_IPV4);
    assert_int_equal(decode_ipv4(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_OK);
    assert_int_equal(events_on(&h.pkt, DE_UDP_HLEN_TOO_SMALL), 1);
    packet_set_data(&h.pkt, b, 19, 19, 0, 1, LINKTYPE_IPV4);
    assert_int_equal(decode_ipv4(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_FAIL);

    n = w_ipv6(b, IPPROTO_TCP, 4);
    packet_set_data(&h.pkt, b, (uint32_t)n + 4, (uint32_t)n + 4, 0, 1, LINKTYPE_IPV6);
    assert_int_equal(decode_ipv6(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_OK);
    packet_set_data(&h.pkt, b, (uint32_t)n + 2, (uint32_t)n + 2, 0, 1, LINKTYPE_IPV6);
    assert_int_equal(decode_ipv6(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_FAIL);

    n = w_eth(b, ETHERTYPE_IPV4);
    packet_set_data(&h.pkt, b, (uint32_t)n + 10, (uint32_t)n + 10, 0, 1, LINKTYPE_ETHERNET);
    assert_int_equal(decode_ethernet(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_OK);
    assert_int_equal(events_on(&h.pkt, DE_IPV4_PKT_TOO_SMALL), 1);
    packet_set_data(&h.pkt, b, 10, 10, 0, 1, LINKTYPE_ETHERNET);
    assert_int_equal(decode_ethernet(&h.dt, &h.pkt, h.pkt.buf, h.pkt.len), DECODE_FAIL);
}

/* Decoding more layers than allowed is an anomaly, not a crash. */
static void test_too_many_layers(void **state)
{
    (void)state;
    uint8_t b[512] = {0};
    size_t n = w_eth(b, ETHERTYPE_MPLS_UNICAST);
    for (int i = 0; i < 20; i++) {
        n += w_mpls(b + n, 100, true);
        memset(b + n, 0, 4);
        n += 4;
        n += w_eth(b + n, ETHERTYPE_MPLS_UNICAST);
    }
    Packet *p = decode(b, n, LINKTYPE_ETHERNET);
    assert_int_equal(events_on(p, DE_DECODE_TOO_MANY_LAYERS), 1);
    assert_true(p->is_invalid);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_ethernet_ipv4_udp),     T(test_ethernet_too_small),
        T(test_ethernet_unknown_and_arp), T(test_sll_and_sll2),
        T(test_null_and_raw),          T(test_vlan_qinq),
        T(test_vlan_too_many_layers),  T(test_vlan_small_and_unknown),
        T(test_mpls_payloads),         T(test_mpls_events),
        T(test_pppoe_session),         T(test_pppoe_events),
        T(test_pppoe_discovery),       T(test_ppp_frames),
        T(test_ipv4_header_events),    T(test_ipv4_padding_ignored),
        T(test_ipv4_options_bug_7414), T(test_ipv4_options_valid),
        T(test_ipv4_option_events),    T(test_ipv4_option_cipso),
        T(test_ipv4_protocols),        T(test_ipv4_fragment_flagged),
        T(test_layer_results),         T(test_too_many_layers),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
