/*
 * test-decode-tunnel.c - unit tests for the tunnel decoders: GRE versions 0 and 1 (PPTP),
 * ERSPAN types I and II, VLAN-in-GRE, VXLAN, Geneve, Teredo, and what happens when pseudo
 * packets run out.
 *
 * A tunnel must leave the outer packet as it was (its own flow) and queue exactly one pseudo
 * packet, marked is_tunneled, whose decoding yields the inner addresses and ports.
 */
#include "decode-test-util.h"

#include <netinet/in.h>

/* Outer IPv4 header for GRE, then the GRE bytes, then `inner` bytes. */
static Packet *decode_gre_bytes(const uint8_t *gre, size_t gre_len, const uint8_t *inner,
                                size_t inner_len)
{
    static uint8_t b[512];
    size_t n = w_eth(b, ETHERTYPE_IPV4);
    n += w_ipv4(b + n, IPPROTO_GRE, gre_len + inner_len);
    memcpy(b + n, gre, gre_len);
    n += gre_len;
    if (inner_len)
        memcpy(b + n, inner, inner_len);
    return decode(b, n + inner_len, LINKTYPE_ETHERNET);
}

/* An inner IPv4/UDP packet 10.0.0.1:1111 -> 10.0.0.2:2222. */
static size_t inner_ipv4_udp(uint8_t *b)
{
    size_t n = w_ipv4(b, IPPROTO_UDP, 8 + 3);
    n += w_udp(b + n, 1111, 2222, 3);
    memcpy(b + n, "abc", 3);
    return n + 3;
}

/* Takes the one pseudo packet and checks it is the inner UDP packet. */
static void expect_inner_udp(int ip_version)
{
    assert_int_equal(h.dt.pseudo_count, 1);
    Packet *inner = next_pseudo();
    assert_true(inner->is_tunneled);
    assert_int_equal(inner->ip_version, ip_version);
    assert_int_equal(inner->proto, IPPROTO_UDP);
    assert_int_equal(inner->sp, 1111);
    assert_int_equal(inner->dp, 2222);
    assert_false(inner->is_invalid);
    release(inner);
}

static void test_gre_v0_ipv4(void **state)
{
    (void)state;
    uint8_t inner[64];
    size_t n = inner_ipv4_udp(inner);
    static const uint8_t gre[] = {0x00, 0x00, 0x08, 0x00};
    Packet *p = decode_gre_bytes(gre, sizeof(gre), inner, n);
    assert_int_equal(p->proto, IPPROTO_GRE);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(counter("decoder.gre"), 1);
    expect_inner_udp(4);
}

/* Checksum, key and sequence number: 16 bytes of header. */
static void test_gre_v0_optional_fields(void **state)
{
    (void)state;
    uint8_t inner[128];
    size_t n = w_ipv6(inner, IPPROTO_UDP, 11);
    n += w_udp(inner + n, 1111, 2222, 3);
    n += 3;
    static const uint8_t gre[] = {0xb0, 0x00, 0x86, 0xdd, 0, 0, 0, 0,
                                  0, 0, 0, 42, 0, 0, 0, 1};
    decode_gre_bytes(gre, sizeof(gre), inner, n);
    expect_inner_udp(6);
}

/* Source routing entries, ended by a null entry. */
static void test_gre_v0_routing(void **state)
{
    (void)state;
    uint8_t inner[64];
    size_t n = inner_ipv4_udp(inner);
    static const uint8_t gre[] = {0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0,
                                  0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0};
    Packet *p = decode_gre_bytes(gre, sizeof(gre), inner, n);
    assert_int_equal(p->event_count, 0);
    expect_inner_udp(4);
    static const uint8_t broken[] = {0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0x08, 0x00, 0, 200};
    p = decode_gre_bytes(broken, sizeof(broken), NULL, 0);
    assert_int_equal(events_on(p, DE_GRE_VERSION0_MALFORMED_SRE_HDR), 1);
}

static void test_gre_v0_events(void **state)
{
    (void)state;
    static const struct {
        uint8_t gre[4];
        size_t len;
        DecodeEvent event;
    } cases[] = {
        {{0x00, 0x00, 0x08}, 3, DE_GRE_PKT_TOO_SMALL},
        {{0x01, 0x00, 0x08, 0x00}, 4, DE_GRE_VERSION0_RECUR},
        {{0x00, 0x08, 0x08, 0x00}, 4, DE_GRE_VERSION0_FLAGS},
        {{0x20, 0x00, 0x08, 0x00}, 4, DE_GRE_VERSION0_HDR_TOO_BIG},
        {{0x00, 0x02, 0x08, 0x00}, 4, DE_GRE_WRONG_VERSION},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Packet *p = decode_gre_bytes(cases[i].gre, cases[i].len, NULL, 0);
        assert_int_equal(events_on(p, cases[i].event), 1);
        assert_true(p->is_invalid);
        assert_int_equal(h.dt.pseudo_count, 0);
    }
}

/* Transparent Ethernet bridging: the inner packet starts at its Ethernet header. */
static void test_gre_teb(void **state)
{
    (void)state;
    uint8_t inner[128];
    size_t n = w_eth(inner, ETHERTYPE_IPV4);
    n += inner_ipv4_udp(inner + n);
    static const uint8_t gre[] = {0x00, 0x00, 0x65, 0x58};
    decode_gre_bytes(gre, sizeof(gre), inner, n);
    expect_inner_udp(4);
    assert_int_equal(counter("decoder.ethernet"), 2);
}

static void test_gre_vlan(void **state)
{
    (void)state;
    uint8_t inner[128];
    put16(inner, 300);
    put16(inner + 2, ETHERTYPE_IPV4);
    size_t n = 4 + inner_ipv4_udp(inner + 4);
    static const uint8_t gre[] = {0x00, 0x00, 0x81, 0x00};
    decode_gre_bytes(gre, sizeof(gre), inner, n);
    Packet *in = decode_take_pseudo(&h.dt);
    assert_non_null(in);
    assert_int_equal(in->vlan_count, 1);
    assert_int_equal(in->vlan_id[0], 300);
    decode_pseudo_packet(&h.dt, in);
    assert_int_equal(in->dp, 2222);
    release(in);
    /* A tag cut short drops the inner packet, without events. */
    Packet *p = decode_gre_bytes(gre, sizeof(gre), inner, 3);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(h.dt.pseudo_count, 0);
}

/* PPTP: version 1, key (payload length + call id), sequence, PPP inside. */
static void test_gre_v1_pptp(void **state)
{
    (void)state;
    uint8_t inner[128] = {0xff, 0x03, 0x00, 0x21};
    size_t n = 4 + inner_ipv4_udp(inner + 4);
    uint8_t gre[12] = {0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 1};
    put16(gre + 4, (uint16_t)n);
    Packet *p = decode_gre_bytes(gre, 12, inner, n);
    assert_int_equal(p->event_count, 0);
    expect_inner_udp(4);
    /* The acknowledgement flag adds a 4-byte acknowledgement number. */
    uint8_t gre_ack[16] = {0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1};
    put16(gre_ack + 4, (uint16_t)n);
    decode_gre_bytes(gre_ack, 16, inner, n);
    expect_inner_udp(4);
    assert_int_equal(counter("decoder.ppp"), 2);

    /* A PPP frame too short for its IPv4 packet is dropped without events. */
    uint8_t short_ppp[] = {0x00, 0x21, 0x45, 0x00};
    put16(gre + 4, sizeof(short_ppp));
    p = decode_gre_bytes(gre, 12, short_ppp, sizeof(short_ppp));
    assert_int_equal(p->event_count, 0);
    assert_int_equal(h.dt.pseudo_count, 0);

    /* An acknowledgement without payload queues nothing. */
    uint8_t ack_only[12] = {0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 1};
    p = decode_gre_bytes(ack_only, 12, NULL, 0);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(h.dt.pseudo_count, 0);
}

static void test_gre_v1_events(void **state)
{
    (void)state;
    static const struct {
        uint8_t gre[8];
        size_t len;
        DecodeEvent event;
    } cases[] = {
        {{0xa0, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_CHKSUM},
        {{0x60, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_ROUTE},
        {{0x28, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_SSR},
        {{0x21, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_RECUR},
        {{0x20, 0x09, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_FLAGS},
        {{0x20, 0x01, 0x08, 0x00, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_WRONG_PROTOCOL},
        {{0x00, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_NO_KEY},
        {{0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 0}, 8, DE_GRE_VERSION1_HDR_TOO_BIG},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Packet *p = decode_gre_bytes(cases[i].gre, cases[i].len, NULL, 0);
        assert_int_equal(events_on(p, cases[i].event), 1);
        assert_true(p->is_invalid);
    }
}

static void test_erspan(void **state)
{
    (void)state;
    uint8_t inner[128];
    size_t n = w_eth(inner, ETHERTYPE_IPV4);
    n += inner_ipv4_udp(inner + n);
    /* Type I: no sequence number, the mirrored frame follows GRE directly. */
    static const uint8_t type1[] = {0x00, 0x00, 0x88, 0xbe};
    decode_gre_bytes(type1, sizeof(type1), inner, n);
    expect_inner_udp(4);

    /* Type II: sequence number, then an 8-byte ERSPAN header with VLAN 23. */
    uint8_t type2[16] = {0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 23, 0, 0, 0, 0, 0, 0};
    uint8_t b[256];
    memcpy(b, type2 + 8, 8);
    memcpy(b + 8, inner, n);
    decode_gre_bytes(type2, 8, b, n + 8);
    Packet *in = next_pseudo();
    assert_non_null(in);
    assert_int_equal(in->vlan_count, 1);
    assert_int_equal(in->vlan_id[0], 23);
    assert_int_equal(in->dp, 2222);
    release(in);
    assert_int_equal(counter("decoder.erspan"), 2);

    /* A broken ERSPAN header drops the inner packet; as in Suricata, whose events for it
     * die with the discarded tunnel packet, the carrier gets none. */
    b[0] = 0x20; /* version 2 */
    Packet *p = decode_gre_bytes(type2, 8, b, n + 8);
    assert_int_equal(p->event_count, 0);
    p = decode_gre_bytes(type2, 8, b, 4);
    assert_int_equal(p->event_count, 0);
    assert_false(p->is_invalid);
    assert_int_equal(h.dt.pseudo_count, 0);
}

/* ---- VXLAN --------------------------------------------------------------------------- */

static Packet *decode_vxlan_bytes(uint16_t sp, uint16_t dp, const uint8_t *vx, size_t vx_len)
{
    static uint8_t b[512];
    size_t n = w_eth(b, ETHERTYPE_IPV4);
    n += w_ipv4(b + n, IPPROTO_UDP, 8 + vx_len);
    n += w_udp(b + n, sp, dp, vx_len);
    memcpy(b + n, vx, vx_len);
    return decode(b, n + vx_len, LINKTYPE_ETHERNET);
}

static size_t vxlan_frame(uint8_t *b, uint16_t inner_ethertype)
{
    static const uint8_t hdr[8] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    memcpy(b, hdr, 8);
    size_t n = 8 + w_eth(b + 8, inner_ethertype);
    if (inner_ethertype == ETHERTYPE_VLAN) {
        put16(b + n, 12);
        put16(b + n + 2, ETHERTYPE_IPV4);
        n += 4;
    }
    return n + inner_ipv4_udp(b + n);
}

static void test_vxlan(void **state)
{
    (void)state;
    uint8_t vx[256];
    size_t n = vxlan_frame(vx, ETHERTYPE_IPV4);
    Packet *p = decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(p->dp, 4789);
    assert_int_equal(counter("decoder.vxlan"), 1);
    expect_inner_udp(4);
    /* The VXLAN port as source port works too. */
    decode_vxlan_bytes(4789, 50000, vx, n);
    expect_inner_udp(4);
    /* A tagged inner frame keeps its VLAN. */
    n = vxlan_frame(vx, ETHERTYPE_VLAN);
    decode_vxlan_bytes(50000, 4789, vx, n);
    Packet *in = next_pseudo();
    assert_int_equal(in->vlan_count, 1);
    assert_int_equal(in->vlan_id[0], 12);
    assert_int_equal(in->dp, 2222);
    release(in);
}

static void test_vxlan_not_vxlan(void **state)
{
    (void)state;
    uint8_t vx[256];
    size_t n = vxlan_frame(vx, ETHERTYPE_IPV4);
    vx[0] = 0; /* no I flag: plain UDP */
    Packet *p = decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->payload_len, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(counter("decoder.vxlan"), 0);
    vx[0] = 0x08;
    vx[7] = 1; /* reserved byte set */
    decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    vx[7] = 0;
    decode_vxlan_bytes(50000, 4789, vx, 20); /* no room for an Ethernet header */
    assert_int_equal(h.dt.pseudo_count, 0);
    h.dt.options.vxlan_enabled = false;
    decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(h.dt.pseudo_count, 0);
}

static void test_vxlan_payload_types(void **state)
{
    (void)state;
    uint8_t vx[256];
    size_t n = vxlan_frame(vx, ETHERTYPE_ARP);
    Packet *p = decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(h.dt.pseudo_count, 0);
    n = vxlan_frame(vx, 0x1234);
    p = decode_vxlan_bytes(50000, 4789, vx, n);
    assert_int_equal(events_on(p, DE_VXLAN_UNKNOWN_PAYLOAD_TYPE), 1);
    assert_int_equal(h.dt.pseudo_count, 0);
}

/* ---- Geneve -------------------------------------------------------------------------- */

/* ---- Teredo ------------------------------------------------------------------------- */

/* An IPv6/UDP packet 1111 -> 2222 as Teredo carries it, after `prefix` bytes. */
static size_t teredo_payload(uint8_t *b, const uint8_t *prefix, size_t prefix_len)
{
    if (prefix_len)
        memcpy(b, prefix, prefix_len);
    size_t n = prefix_len + w_ipv6(b + prefix_len, IPPROTO_UDP, 8 + 3);
    n += w_udp(b + n, 1111, 2222, 3);
    memcpy(b + n, "abc", 3);
    return n + 3;
}

static void test_teredo(void **state)
{
    (void)state;
    uint8_t t[256];
    /* on any port (no decoder.teredo.ports), with or without an origin indication */
    size_t n = teredo_payload(t, NULL, 0);
    decode_vxlan_bytes(3797, 32900, t, n);
    expect_inner_udp(6);
    static const uint8_t origin[8] = {0, 0, 0x7f, 0x7b, 1, 2, 3, 4};
    n = teredo_payload(t, origin, sizeof(origin));
    decode_vxlan_bytes(3544, 3797, t, n);
    expect_inner_udp(6);
    assert_int_equal(counter("decoder.teredo"), 2);
    /* not Teredo, and no anomaly: an authentication header, a length that does not fill the
     * datagram, a hop limit of 0, IPv4 */
    static const uint8_t auth[8] = {0, 1, 0, 0, 0, 0, 0, 0};
    n = teredo_payload(t, auth, sizeof(auth));
    Packet *p = decode_vxlan_bytes(3544, 3797, t, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(p->event_count, 0);
    n = teredo_payload(t, NULL, 0);
    decode_vxlan_bytes(3544, 3797, t, n + 1);
    t[7] = 0;
    decode_vxlan_bytes(3544, 3797, t, n);
    n = inner_ipv4_udp(t);
    decode_vxlan_bytes(3544, 3797, t, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(counter("decoder.teredo"), 2);
    /* only the configured ports, or none when disabled */
    assert_int_equal(decode_teredo_parse_ports(&h.dt.options, "[3544, 3545]"), 0);
    n = teredo_payload(t, NULL, 0);
    decode_vxlan_bytes(3797, 32900, t, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    decode_vxlan_bytes(3545, 32900, t, n);
    expect_inner_udp(6);
    h.dt.options.teredo_enabled = false;
    decode_vxlan_bytes(3544, 32900, t, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(decode_teredo_parse_ports(&h.dt.options, "[x]"), -1);
}

static void test_geneve(void **state)
{
    (void)state;
    uint8_t g[256] = {0x00, 0x00, 0x08, 0x00, 0, 0, 42, 0};
    size_t n = 8 + inner_ipv4_udp(g + 8);
    Packet *p = decode_vxlan_bytes(50000, 6081, g, n);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(counter("decoder.geneve"), 1);
    expect_inner_udp(4);

    /* One 8-byte option, then an Ethernet frame (0x6558). */
    static const uint8_t hdr[] = {0x02, 0x00, 0x65, 0x58, 0, 0, 7, 0,
                                  0x01, 0x02, 0x03, 0x01, 0, 0, 0, 0};
    memcpy(g, hdr, sizeof(hdr));
    n = sizeof(hdr) + w_eth(g + sizeof(hdr), ETHERTYPE_IPV4);
    n += inner_ipv4_udp(g + n);
    decode_vxlan_bytes(6081, 50000, g, n);
    expect_inner_udp(4);

    /* Options that do not add up, a version, reserved bits: plain UDP, no events. */
    g[11] = 0x02;
    p = decode_vxlan_bytes(50000, 6081, g, n);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(h.dt.pseudo_count, 0);
    g[11] = 0x01;
    g[0] = 0x42;
    decode_vxlan_bytes(50000, 6081, g, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    g[0] = 0x02;
    g[1] = 0x01;
    decode_vxlan_bytes(50000, 6081, g, n);
    assert_int_equal(h.dt.pseudo_count, 0);
    g[1] = 0;
    put16(g + 2, 0x1234);
    p = decode_vxlan_bytes(50000, 6081, g, n);
    assert_int_equal(events_on(p, DE_GENEVE_UNKNOWN_PAYLOAD_TYPE), 1);
    assert_int_equal(counter("decoder.geneve"), 3);
}

/* When the pseudo queue is full, tunnels are decoded but their inner packets dropped. */
static void test_pseudo_queue_full(void **state)
{
    (void)state;
    uint8_t inner[64];
    size_t n = inner_ipv4_udp(inner);
    static const uint8_t gre[] = {0x00, 0x00, 0x08, 0x00};
    for (int i = 0; i < DECODE_MAX_PSEUDO + 2; i++) {
        Packet *p = decode_gre_bytes(gre, sizeof(gre), inner, n);
        assert_false(p->is_invalid);
    }
    assert_int_equal(h.dt.pseudo_count, DECODE_MAX_PSEUDO);
}

/* Tunnels inside tunnels: every level is a shorter pseudo packet, so it ends. */
static void test_nested_tunnels_bounded(void **state)
{
    (void)state;
    /* GRE/TEB whose inner frame is again Ethernet/IPv4/GRE/TEB..., decoded pseudo by pseudo. */
    uint8_t b[2048];
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        n += w_eth(b + n, ETHERTYPE_IPV4);
        n += w_ipv4(b + n, IPPROTO_GRE, 0);
        static const uint8_t gre[] = {0x00, 0x00, 0x65, 0x58};
        memcpy(b + n, gre, 4);
        n += 4;
    }
    /* Fix the IPv4 total lengths from the inside out. */
    size_t layer = 18 + 20;
    for (int i = 39; i >= 0; i--) {
        size_t off = (size_t)i * layer + 14;
        put16(b + off + 2, (uint16_t)(n - off));
        put16(b + off + 10, 0);
        put16(b + off + 10, ip_checksum(b + off, 20));
    }
    decode(b, n, LINKTYPE_ETHERNET);
    int decoded = 0;
    Packet *p;
    while ((p = next_pseudo()) != NULL) {
        decoded++;
        release(p);
    }
    assert_int_equal(decoded, 40);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_gre_v0_ipv4),       T(test_gre_v0_optional_fields),
        T(test_gre_v0_routing),    T(test_gre_v0_events),
        T(test_gre_teb),           T(test_gre_vlan),
        T(test_gre_v1_pptp),       T(test_gre_v1_events),
        T(test_erspan),            T(test_vxlan),
        T(test_vxlan_not_vxlan),   T(test_vxlan_payload_types),
        T(test_geneve),
        T(test_teredo),
        T(test_pseudo_queue_full), T(test_nested_tunnels_bounded),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
