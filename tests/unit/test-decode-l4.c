/*
 * test-decode-l4.c - unit tests for IPv6 (header and extension header chain), TCP, UDP,
 * ICMPv4 and ICMPv6 decoding: fields, option parsing and every decoder event they raise.
 */
#include "decode-test-util.h"

#include <netinet/in.h>

/* ---- IPv6 ---------------------------------------------------------------------------- */

/* IPv6 header, then `ext` (extension headers), then an 8-byte UDP header. `first` is the
 * header's next header; the last extension header must name UDP (17) itself. */
static Packet *decode_ipv6_chain(uint8_t first, const uint8_t *ext, size_t ext_len)
{
    static uint8_t b[512];
    size_t n = w_ipv6(b, first, ext_len + 8);
    if (ext_len)
        memcpy(b + n, ext, ext_len);
    n += ext_len;
    n += w_udp(b + n, 1, 2, 0);
    return decode(b, n, LINKTYPE_IPV6);
}

static void test_ipv6_udp(void **state)
{
    (void)state;
    Packet *p = decode_ipv6_chain(17, NULL, 0);
    assert_int_equal(p->ip_version, 6);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(p->ttl, 64);
    assert_int_equal(p->src.addr[15], 1);
    assert_int_equal(p->dst.addr[15], 2);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(counter("decoder.ipv6"), 1);
}

static void test_ipv6_header_events(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = w_ipv6(b, 17, 8);
    n += w_udp(b + n, 1, 2, 0);
    Packet *p = decode(b, 39, LINKTYPE_IPV6);
    assert_int_equal(p->event_count, 0); /* Suricata 7 drops it silently */
    p = decode(b, n - 1, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV6_TRUNC_PKT), 1);
    b[0] = 0x40;
    p = decode(b, n, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV6_WRONG_IP_VER), 1);
}

static void test_ipv6_hop_by_hop(void **state)
{
    (void)state;
    /* Router alert: a real option. */
    static const uint8_t ra[] = {17, 0, 5, 2, 0, 0, 0, 0};
    Packet *p = decode_ipv6_chain(0, ra, sizeof(ra));
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_int_equal(p->ip_hdr_len, 48);
    /* Only padding. */
    static const uint8_t pad[] = {17, 0, 1, 4, 0, 0, 0, 0};
    p = decode_ipv6_chain(0, pad, sizeof(pad));
    assert_int_equal(events_on(p, DE_IPV6_HOPOPTS_ONLY_PADDING), 1);
    /* Unknown option, and a zero-length PadN. */
    static const uint8_t unknown[] = {17, 0, 0x3e, 0, 1, 0, 0, 0};
    p = decode_ipv6_chain(0, unknown, sizeof(unknown));
    assert_int_equal(events_on(p, DE_IPV6_HOPOPTS_UNKNOWN_OPT), 1);
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_ZERO_LEN_PADN), 1);
    /* An option length past the header. */
    static const uint8_t overrun[] = {17, 0, 0x3e, 9, 0, 0, 0, 0};
    p = decode_ipv6_chain(0, overrun, sizeof(overrun));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_INVALID_OPTLEN), 1);
    assert_true(p->is_invalid);
    /* A router alert too short for its value. */
    static const uint8_t short_ra[] = {17, 0, 5, 1, 0, 1, 0, 0};
    p = decode_ipv6_chain(0, short_ra, sizeof(short_ra));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_INVALID_OPTLEN), 1);
    /* Two hop-by-hop headers. */
    static const uint8_t twice[] = {0, 0, 5, 2, 0, 0, 1, 0, 17, 0, 5, 2, 0, 0, 0, 0};
    p = decode_ipv6_chain(0, twice, sizeof(twice));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_DUPL_HH), 1);
    assert_int_equal(p->proto, IPPROTO_UDP);
}

static void test_ipv6_destination_options(void **state)
{
    (void)state;
    static const uint8_t pad[] = {17, 0, 1, 4, 0, 0, 0, 0};
    Packet *p = decode_ipv6_chain(60, pad, sizeof(pad));
    assert_int_equal(events_on(p, DE_IPV6_DSTOPTS_ONLY_PADDING), 1);
    static const uint8_t unknown[] = {17, 0, 0x3e, 4, 0, 0, 0, 0};
    p = decode_ipv6_chain(60, unknown, sizeof(unknown));
    assert_int_equal(events_on(p, DE_IPV6_DSTOPTS_UNKNOWN_OPT), 1);
    /* Two are allowed, the third is a duplicate. */
    uint8_t three[24];
    for (int i = 0; i < 3; i++) {
        static const uint8_t ha[] = {60, 0, 0xc9, 4, 0, 0, 0, 0};
        memcpy(three + i * 8, ha, 8);
    }
    three[16] = 17;
    p = decode_ipv6_chain(60, three, sizeof(three));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_DUPL_DH), 1);
    assert_int_equal(p->proto, IPPROTO_UDP);
}

static void test_ipv6_routing_and_ah(void **state)
{
    (void)state;
    static const uint8_t rh0[] = {17, 0, 0, 0, 0, 0, 0, 0};
    Packet *p = decode_ipv6_chain(43, rh0, sizeof(rh0));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_RH_TYPE_0), 1);
    static const uint8_t rh_twice[] = {43, 0, 2, 0, 0, 0, 0, 0, 17, 0, 2, 0, 0, 0, 0, 0};
    p = decode_ipv6_chain(43, rh_twice, sizeof(rh_twice));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_DUPL_RH), 1);
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_RH_TYPE_0), 0);

    /* AH, length 1: 12 bytes. Reserved bits set, then a second AH. */
    static const uint8_t ah[] = {51, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                 17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    p = decode_ipv6_chain(51, ah, sizeof(ah));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_AH_RES_NOT_NULL), 1);
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_DUPL_AH), 1);
    assert_int_equal(p->proto, IPPROTO_UDP);
}

static void test_ipv6_chain_events(void **state)
{
    (void)state;
    /* A header longer than the packet. */
    static const uint8_t long_hdr[] = {17, 4, 1, 4, 0, 0, 0, 0};
    Packet *p = decode_ipv6_chain(0, long_hdr, sizeof(long_hdr));
    assert_int_equal(events_on(p, DE_IPV6_TRUNC_EXTHDR), 1);
    assert_true(p->is_invalid);
    /* No next header, but bytes follow. */
    p = decode_ipv6_chain(59, NULL, 0);
    assert_int_equal(events_on(p, DE_IPV6_DATA_AFTER_NONE_HEADER), 1);
    /* Unknown protocols: directly and after an extension header. */
    p = decode_ipv6_chain(253, NULL, 0);
    assert_int_equal(events_on(p, DE_IPV6_UNKNOWN_NEXT_HEADER), 1);
    assert_int_equal(p->proto, 253);
    static const uint8_t to_gre[] = {47, 0, 5, 2, 0, 0, 0, 0};
    p = decode_ipv6_chain(0, to_gre, sizeof(to_gre));
    assert_int_equal(events_on(p, DE_IPV6_UNKNOWN_NEXT_HEADER), 1);
    /* ICMPv4 inside IPv6. */
    p = decode_ipv6_chain(1, NULL, 0);
    assert_int_equal(events_on(p, DE_IPV6_WITH_ICMPV4), 1);
}

static void test_ipv6_fragment_header_events(void **state)
{
    (void)state;
    /* Atomic fragment: useless, decoding goes on. Reserved byte set. */
    static const uint8_t atomic[] = {17, 1, 0, 0, 0, 0, 0, 1};
    Packet *p = decode_ipv6_chain(44, atomic, sizeof(atomic));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_USELESS_FH), 1);
    assert_int_equal(events_on(p, DE_IPV6_FH_NON_ZERO_RES_FIELD), 1);
    assert_int_equal(p->proto, IPPROTO_UDP);
    assert_false(p->is_fragment);
    /* A second fragment header after an atomic one. */
    static const uint8_t twice[] = {44, 0, 0, 0, 0, 0, 0, 1, 17, 0, 0, 0, 0, 0, 0, 1};
    p = decode_ipv6_chain(44, twice, sizeof(twice));
    assert_int_equal(events_on(p, DE_IPV6_EXTHDR_DUPL_FH), 1);
    /* More fragments with a length that is not a multiple of 8. */
    uint8_t b[128];
    size_t n = w_ipv6(b, 44, 8 + 12);
    static const uint8_t fh[] = {17, 0, 0, 1, 0, 0, 0, 9};
    memcpy(b + n, fh, 8);
    p = decode(b, n + 8 + 12, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV6_FRAG_INVALID_LENGTH), 1);
    assert_true(p->is_fragment);
    assert_int_equal(counter("defrag.ipv6.fragments"), 1);
}

static void test_ipv6_tunnels(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = w_ipv6(b, IPPROTO_IPIP, 28);
    n += w_ipv4(b + n, 17, 8);
    n += w_udp(b + n, 5, 6, 0);
    decode(b, n, LINKTYPE_IPV6);
    Packet *inner = next_pseudo();
    assert_non_null(inner);
    assert_true(inner->is_tunneled);
    assert_int_equal(inner->ip_version, 4);
    assert_int_equal(inner->dp, 6);
    release(inner);
    assert_int_equal(counter("decoder.ipv4_in_ipv6"), 1);

    n = w_ipv6(b, IPPROTO_IPV6, 48);
    n += w_ipv6(b + n, 17, 8);
    n += w_udp(b + n, 5, 6, 0);
    decode(b, n, LINKTYPE_IPV6);
    inner = next_pseudo();
    assert_non_null(inner);
    assert_int_equal(inner->ip_version, 6);
    release(inner);
    assert_int_equal(counter("decoder.ipv6_in_ipv6"), 1);

    n = w_ipv6(b, IPPROTO_IPIP, 10);
    Packet *p = decode(b, n + 10, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV4_IN_IPV6_PKT_TOO_SMALL), 1);
    n = w_ipv6(b, IPPROTO_IPIP, 20);
    memset(b + n, 0x60, 20);
    p = decode(b, n + 20, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV4_IN_IPV6_WRONG_IP_VER), 1);
    n = w_ipv6(b, IPPROTO_IPV6, 20);
    p = decode(b, n + 20, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV6_IN_IPV6_PKT_TOO_SMALL), 1);
    n = w_ipv6(b, IPPROTO_IPV6, 40);
    memset(b + n, 0x45, 40);
    p = decode(b, n + 40, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_IPV6_IN_IPV6_WRONG_IP_VER), 1);
    assert_int_equal(h.dt.pseudo_count, 0);

    /* IPv6 in IPv4 (6in4). */
    n = w_ipv4(b, IPPROTO_IPV6, 48);
    n += w_ipv6(b + n, 17, 8);
    n += w_udp(b + n, 5, 6, 0);
    decode(b, n, LINKTYPE_IPV4);
    inner = next_pseudo();
    assert_non_null(inner);
    assert_int_equal(inner->ip_version, 6);
    release(inner);
}

/* ---- TCP ----------------------------------------------------------------------------- */

static Packet *decode_tcp_opts(const uint8_t *opts, size_t len)
{
    static uint8_t b[128];
    size_t n = w_ipv4(b, IPPROTO_TCP, 20 + len);
    n += w_tcp_opts(b + n, 1234, 80, TH_SYN, opts, len);
    return decode(b, n, LINKTYPE_IPV4);
}

static void test_tcp_fields_and_options(void **state)
{
    (void)state;
    static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 5,
                                   0, 0, 0, 6, 1, 1, 0, 0};
    Packet *p = decode_tcp_opts(opts, sizeof(opts));
    assert_int_equal(p->proto, IPPROTO_TCP);
    assert_int_equal(p->sp, 1234);
    assert_int_equal(p->dp, 80);
    assert_int_equal(p->tcp_flags, TH_SYN);
    assert_int_equal(p->tcp_seq, 1000);
    assert_int_equal(p->l4_hdr_len, 44);
    assert_true(p->tcp_opts.has_mss);
    assert_int_equal(p->tcp_opts.mss, 1460);
    assert_true(p->tcp_opts.has_wscale);
    assert_int_equal(p->tcp_opts.wscale, 7);
    assert_true(p->tcp_opts.sack_permitted);
    assert_true(p->tcp_opts.has_timestamp);
    assert_int_equal(p->tcp_opts.ts_value, 5);
    assert_int_equal(p->tcp_opts.ts_echo, 6);
    assert_int_equal(p->event_count, 0);
}

static void test_tcp_header_events(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = w_ipv4(b, IPPROTO_TCP, 19);
    Packet *p = decode(b, n + 19, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_TCP_PKT_TOO_SMALL), 1);
    n = w_ipv4(b, IPPROTO_TCP, 20);
    w_tcp(b + n, 1, 2, 0);
    b[n + 12] = 0x60; /* 24-byte header in a 20-byte segment */
    p = decode(b, n + 20, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_TCP_HLEN_TOO_SMALL), 1);
    b[n + 12] = 0x40; /* a data offset below 5 words */
    p = decode(b, n + 20, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_TCP_INVALID_OPTLEN), 1);
    assert_true(p->is_invalid);
}

static void test_tcp_option_events(void **state)
{
    (void)state;
    static const uint8_t bad_mss[] = {2, 3, 5, 1};
    Packet *p = decode_tcp_opts(bad_mss, sizeof(bad_mss));
    assert_int_equal(events_on(p, DE_TCP_OPT_INVALID_LEN), 1);
    assert_false(p->is_invalid);
    static const uint8_t dup_ws[] = {3, 3, 1, 3, 3, 2, 0, 0};
    p = decode_tcp_opts(dup_ws, sizeof(dup_ws));
    assert_int_equal(events_on(p, DE_TCP_OPT_DUPLICATE), 1);
    assert_int_equal(p->tcp_opts.wscale, 1);
    static const uint8_t overrun[] = {1, 1, 8, 10};
    p = decode_tcp_opts(overrun, sizeof(overrun));
    assert_int_equal(events_on(p, DE_TCP_OPT_INVALID_LEN), 1);
    assert_true(p->is_invalid);
    static const uint8_t md5[] = {19, 4, 0, 0};
    p = decode_tcp_opts(md5, sizeof(md5));
    assert_int_equal(events_on(p, DE_TCP_OPT_INVALID_LEN), 1);
    assert_true(p->is_invalid);
    static const uint8_t empty_sack_and_tfo[] = {5, 2, 34, 2};
    p = decode_tcp_opts(empty_sack_and_tfo, sizeof(empty_sack_and_tfo));
    assert_int_equal(p->event_count, 0);
    static const uint8_t exp_tfo_twice[] = {254, 4, 0xf9, 0x89, 34, 2, 0, 0};
    p = decode_tcp_opts(exp_tfo_twice, sizeof(exp_tfo_twice));
    assert_int_equal(events_on(p, DE_TCP_OPT_DUPLICATE), 1);
    static const uint8_t bad_sack[] = {5, 6, 0, 0, 0, 0, 0, 0};
    p = decode_tcp_opts(bad_sack, sizeof(bad_sack));
    assert_int_equal(events_on(p, DE_TCP_OPT_INVALID_LEN), 1);
}

/* ---- UDP ----------------------------------------------------------------------------- */

static void test_udp_lengths(void **state)
{
    (void)state;
    uint8_t b[128] = {0};
    size_t n = w_ipv4(b, IPPROTO_UDP, 7);
    Packet *p = decode(b, n + 7, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_UDP_HLEN_TOO_SMALL), 1);
    n = w_ipv4(b, IPPROTO_UDP, 12);
    w_udp(b + n, 1, 2, 10); /* claims 18 bytes, 12 delivered */
    p = decode(b, n + 12, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_UDP_PKT_TOO_SMALL), 1);
    put16(b + n + 4, 7);
    p = decode(b, n + 12, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_UDP_LEN_INVALID), 1);
    assert_true(p->is_invalid);
    /* A shorter length leaves trailing bytes out of the payload, silently. */
    put16(b + n + 4, 10);
    p = decode(b, n + 12, LINKTYPE_IPV4);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->payload_len, 2);
}

/* ---- ICMPv4 -------------------------------------------------------------------------- */

static Packet *send_icmpv4(uint8_t type, uint8_t code, const uint8_t *body, size_t body_len)
{
    static uint8_t b[256];
    size_t n = w_ipv4(b, IPPROTO_ICMP, 8 + body_len);
    memset(b + n, 0, 8);
    b[n] = type;
    b[n + 1] = code;
    put16(b + n + 4, 0x1234);
    put16(b + n + 6, 7);
    if (body_len)
        memcpy(b + n + 8, body, body_len);
    return decode(b, n + 8 + body_len, LINKTYPE_IPV4);
}

static void test_icmpv4_echo(void **state)
{
    (void)state;
    Packet *p = send_icmpv4(8, 0, (const uint8_t *)"ping", 4);
    assert_int_equal(p->icmp_type, 8);
    assert_int_equal(p->icmp_id, 0x1234);
    assert_int_equal(p->icmp_seq, 7);
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(p->event_count, 0);
    p = send_icmpv4(0, 1, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV4_UNKNOWN_CODE), 1);
    assert_int_equal(counter("decoder.icmpv4"), 2);
}

static void test_icmpv4_errors(void **state)
{
    (void)state;
    uint8_t quoted[28];
    w_ipv4(quoted, 17, 8);
    Packet *p = send_icmpv4(3, 3, quoted, sizeof(quoted));
    assert_int_equal(p->event_count, 0);
    p = send_icmpv4(3, 16, quoted, sizeof(quoted));
    assert_int_equal(events_on(p, DE_ICMPV4_UNKNOWN_CODE), 1);
    p = send_icmpv4(11, 2, quoted, sizeof(quoted));
    assert_int_equal(events_on(p, DE_ICMPV4_UNKNOWN_CODE), 1);
    p = send_icmpv4(3, 1, quoted, 10);
    assert_int_equal(events_on(p, DE_ICMPV4_IPV4_TRUNC_PKT), 1);
    assert_true(p->is_invalid);
    quoted[0] = 0x65;
    p = send_icmpv4(5, 0, quoted, sizeof(quoted));
    assert_int_equal(events_on(p, DE_ICMPV4_IPV4_UNKNOWN_VER), 1);
    /* An error without any quote is only checked for source quench. */
    p = send_icmpv4(3, 0, NULL, 0);
    assert_int_equal(p->event_count, 0);
    p = send_icmpv4(4, 0, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV4_IPV4_TRUNC_PKT), 1);
}

static void test_icmpv4_other_types(void **state)
{
    (void)state;
    Packet *p = send_icmpv4(42, 0, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV4_UNKNOWN_TYPE), 1);
    assert_false(p->is_invalid);
    p = send_icmpv4(10, 0, NULL, 0); /* router solicitation: unknown to Suricata too */
    assert_int_equal(events_on(p, DE_ICMPV4_UNKNOWN_TYPE), 1);
    uint8_t ts[12] = {0};
    p = send_icmpv4(13, 0, ts, sizeof(ts));
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->payload_len, 0);
    p = send_icmpv4(14, 0, ts, 4);
    assert_int_equal(events_on(p, DE_ICMPV4_IPV4_TRUNC_PKT), 1);
    assert_false(p->is_invalid);
    /* Router advertisement: 2 entries of 2 words need 16 bytes after the header. */
    uint8_t ra[16] = {0};
    static uint8_t b[128];
    size_t n = w_ipv4(b, IPPROTO_ICMP, 8 + 16);
    memset(b + n, 0, 8);
    b[n] = 9;
    b[n + 4] = 2;
    b[n + 5] = 2;
    memcpy(b + n + 8, ra, 16);
    p = decode(b, n + 24, LINKTYPE_IPV4);
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->payload_len, 0);
    b[n + 4] = 3;
    p = decode(b, n + 24, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_ICMPV4_IPV4_TRUNC_PKT), 1);
    n = w_ipv4(b, IPPROTO_ICMP, 4);
    p = decode(b, n + 4, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_ICMPV4_PKT_TOO_SMALL), 1);
}

/* ---- ICMPv6 -------------------------------------------------------------------------- */

static Packet *send_icmpv6(uint8_t type, uint8_t code, uint8_t hop_limit, const uint8_t *body,
                             size_t body_len)
{
    static uint8_t b[256];
    size_t n = w_ipv6(b, IPPROTO_ICMPV6, 8 + body_len);
    b[7] = hop_limit;
    memset(b + n, 0, 8);
    b[n] = type;
    b[n + 1] = code;
    put16(b + n + 4, 0x4321);
    put16(b + n + 6, 9);
    if (body_len)
        memcpy(b + n + 8, body, body_len);
    return decode(b, n + 8 + body_len, LINKTYPE_IPV6);
}

static void test_icmpv6_types(void **state)
{
    (void)state;
    Packet *p = send_icmpv6(128, 0, 64, (const uint8_t *)"ping", 4);
    assert_int_equal(p->icmp_id, 0x4321);
    assert_int_equal(p->icmp_seq, 9);
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(p->event_count, 0);
    p = send_icmpv6(129, 1, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_UNKNOWN_CODE), 1);
    p = send_icmpv6(50, 0, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_UNASSIGNED_TYPE), 1);
    p = send_icmpv6(200, 0, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_EXPERIMENTATION_TYPE), 1);
    p = send_icmpv6(127, 0, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_UNKNOWN_TYPE), 1);
    p = send_icmpv6(135, 0, 255, NULL, 0); /* neighbour solicitation */
    assert_int_equal(p->event_count, 0);
    p = send_icmpv6(138, 255, 64, NULL, 0); /* router renumbering reset */
    assert_int_equal(p->event_count, 0);
    p = send_icmpv6(155, 100, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_UNKNOWN_CODE), 1);
}

static void test_icmpv6_mld_and_errors(void **state)
{
    (void)state;
    Packet *p = send_icmpv6(131, 0, 1, NULL, 0);
    assert_int_equal(p->event_count, 0);
    p = send_icmpv6(131, 0, 64, NULL, 0);
    assert_int_equal(events_on(p, DE_ICMPV6_MLD_MESSAGE_WITH_INVALID_HL), 1);

    uint8_t quoted[48];
    w_ipv6(quoted, 17, 8);
    p = send_icmpv6(1, 4, 64, quoted, sizeof(quoted));
    assert_int_equal(p->event_count, 0);
    assert_int_equal(p->payload_len, 48);
    p = send_icmpv6(1, 7, 64, quoted, sizeof(quoted));
    assert_int_equal(events_on(p, DE_ICMPV6_UNKNOWN_CODE), 1);
    p = send_icmpv6(2, 0, 64, quoted, 20);
    assert_int_equal(events_on(p, DE_ICMPV6_IPV6_TRUNC_PKT), 1);
    assert_true(p->is_invalid);
    quoted[0] = 0x45;
    p = send_icmpv6(3, 0, 64, quoted, sizeof(quoted));
    assert_int_equal(events_on(p, DE_ICMPV6_IPV6_UNKNOWN_VER), 1);

    uint8_t b[64];
    size_t n = w_ipv6(b, IPPROTO_ICMPV6, 4);
    p = decode(b, n + 4, LINKTYPE_IPV6);
    assert_int_equal(events_on(p, DE_ICMPV6_PKT_TOO_SMALL), 1);
    /* ICMPv6 inside IPv4 is an anomaly. */
    n = w_ipv4(b, IPPROTO_ICMPV6, 8);
    p = decode(b, n + 8, LINKTYPE_IPV4);
    assert_int_equal(events_on(p, DE_IPV4_WITH_ICMPV6), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_ipv6_udp),              T(test_ipv6_header_events),
        T(test_ipv6_hop_by_hop),       T(test_ipv6_destination_options),
        T(test_ipv6_routing_and_ah),   T(test_ipv6_chain_events),
        T(test_ipv6_fragment_header_events), T(test_ipv6_tunnels),
        T(test_tcp_fields_and_options), T(test_tcp_header_events),
        T(test_tcp_option_events),     T(test_udp_lengths),
        T(test_icmpv4_echo),           T(test_icmpv4_errors),
        T(test_icmpv4_other_types),    T(test_icmpv6_types),
        T(test_icmpv6_mld_and_errors),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
