/*
 * test-defrag.c - unit tests for src/decode/defrag.c: IPv4 and IPv6 reassembly in and out of
 * order, every overlap policy (byte for byte, as Suricata resolves it) and host-os-policy
 * lookup, too-large
 * datagrams, timeouts in packet time, the tracker limit, the memcap, the per-datagram
 * fragment limit, VLAN separation, and the counters.
 *
 * Fragments are built from a known datagram: an IPv4 (or IPv6) header and a UDP payload
 * whose bytes are a function of their offset, so a reassembled payload can be checked
 * against the bytes each fragment carried.
 */
#include "decode-test-util.h"

#include <stdlib.h>

#define FRAG_V4(mf, off8) ((uint16_t)(((mf) ? 0x2000 : 0) | (off8)))

/* An IPv4 fragment of datagram `id` (proto UDP) carrying `len` bytes filled with `fill`,
 * at byte offset `off` (a multiple of 8), behind an Ethernet header. */
static size_t v4_frag(uint8_t *b, uint16_t id, uint32_t off, size_t len, bool mf, uint8_t fill)
{
    size_t n = w_eth(b, ETHERTYPE_IPV4);
    n += w_ipv4_opts(b + n, 17, len, id, FRAG_V4(mf, off / 8), NULL, 0);
    memset(b + n, fill, len);
    return n + len;
}

/* A first fragment that starts with a UDP header (so the datagram decodes as UDP). */
static size_t v4_first(uint8_t *b, uint16_t id, size_t total_payload, size_t len, uint8_t fill)
{
    size_t n = v4_frag(b, id, 0, len, true, fill);
    w_udp(b + 14 + 20, 1234, 53, total_payload - 8);
    return n;
}

static Packet *decode_frag(const uint8_t *b, size_t n, uint64_t ts)
{
    Packet *p = decode_at(b, n, LINKTYPE_ETHERNET, ts);
    assert_true(p->is_fragment);
    return p;
}

static void test_ipv4_in_order(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_first(b, 7, 40, 16, 'a');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    n = v4_frag(b, 7, 16, 16, true, 'b');
    decode_frag(b, n, 1);
    n = v4_frag(b, 7, 32, 8, false, 'c');
    decode_frag(b, n, 1);

    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_true(r->is_reassembled);
    assert_false(r->is_fragment);
    /* the first fragment's Ethernet header stays in front, as in Suricata */
    assert_int_equal(r->datalink, LINKTYPE_ETHERNET);
    assert_int_equal(r->len, 14 + 60);
    assert_int_equal(r->link_len, 0);
    assert_int_equal(rd16(r->ip_hdr + 2), 60);
    assert_int_equal(rd16(r->ip_hdr + 6), 0);
    assert_int_equal(ip_checksum(r->ip_hdr, 20), 0); /* header checksum still valid */
    assert_int_equal(r->proto, 17);
    assert_int_equal(r->dp, 53);
    assert_int_equal(r->payload_len, 32);
    assert_memory_equal(r->payload + 8, "bbbbbbbbbbbbbbbbcccccccc", 24);
    release(r);
    assert_int_equal(counter("defrag.ipv4.fragments"), 3);
    assert_int_equal(counter("defrag.ipv4.reassembled"), 1);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

static void test_ipv4_out_of_order(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_frag(b, 9, 32, 8, false, 'c');
    decode_frag(b, n, 1);
    n = v4_frag(b, 9, 16, 16, true, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_true(defrag_memuse(h.defrag) > 0);
    n = v4_first(b, 9, 40, 16, 'a');
    decode_frag(b, n, 1);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_int_equal(r->len, 14 + 60);
    assert_memory_equal(r->payload + 8, "bbbbbbbbbbbbbbbbcccccccc", 24);
    release(r);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

/* A hole keeps the datagram waiting; duplicates of a fragment are harmless. */
static void test_ipv4_hole_and_duplicate(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_first(b, 3, 32, 8, 'a');
    decode_frag(b, n, 1);
    n = v4_frag(b, 3, 24, 8, false, 'c');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    decode_frag(b, n, 1); /* exact duplicate: covered by equal data, counts as overlap */
    assert_int_equal(h.dt.pseudo_count, 0);
    n = v4_frag(b, 3, 8, 16, true, 'b');
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV4_FRAG_OVERLAP), 0);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_int_equal(r->payload_len, 24);
    assert_memory_equal(r->payload, "bbbbbbbbbbbbbbbbcccccccc", 24);
    release(r);
}

/*
 * The Sturges/Novak overlap layout Suricata tests every policy with: nine fragments that do
 * not overlap, seven that overlap them in every way, then the last one. `blocks` are the
 * 8-byte blocks Suricata 7 expects for the policy (DefragSturgesNovak*Test).
 */
static void sturges_novak(DefragPolicy policy, const char *blocks)
{
    harness_teardown(NULL);
    DefragConfig cfg;
    defrag_config_default(&cfg);
    if (policy != DEFRAG_POLICY_BSD)
        assert_int_equal(defrag_config_add_host(&cfg, "0.0.0.0/0", policy), 0);
    assert_int_equal(harness_setup_with(&cfg), 0);
    static const struct {
        uint32_t off;
        size_t len;
        uint8_t fill;
    } frags[] = {
        {0, 24, 'A'},   {32, 16, 'B'},  {48, 24, 'C'},  {80, 8, 'D'},   {104, 16, 'E'},
        {120, 24, 'F'}, {144, 16, 'G'}, {160, 16, 'H'}, {176, 8, 'I'},  {8, 32, 'J'},
        {48, 24, 'K'},  {72, 24, 'L'},  {96, 24, 'M'},  {128, 8, 'N'},  {152, 8, 'O'},
        {160, 8, 'P'},  {176, 16, 'Q'},
    };
    uint8_t b[256];
    int overlaps = 0;
    for (size_t i = 0; i < 17; i++) {
        size_t n = v4_frag(b, 42, frags[i].off, frags[i].len, i != 16, frags[i].fill);
        Packet *p = decode_frag(b, n, 1);
        if (i < 9)
            assert_int_equal(events_on(p, DE_IPV4_FRAG_OVERLAP), 0);
        overlaps += events_on(p, DE_IPV4_FRAG_OVERLAP);
        assert_int_equal(h.dt.pseudo_count, i == 16 ? 1 : 0);
    }
    assert_true(overlaps > 0);
    Packet *r = next_pseudo();
    assert_non_null(r);
    char expected[192];
    for (int i = 0; i < 24; i++)
        memset(expected + i * 8, blocks[i], 8);
    assert_int_equal(r->len, 14 + 20 + 192);
    assert_int_equal(rd16(r->ip_hdr + 2), 20 + 192);
    assert_memory_equal(r->ip_hdr + 20, expected, 192);
    release(r);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

static void test_ipv4_policy_bsd(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_BSD, "AAAJJBCCCLLLMMMFFFGGHHIQ");
}

static void test_ipv4_policy_linux(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_LINUX, "AAAJJBKKKLLLMMMFFFGGPHQQ");
}

static void test_ipv4_policy_windows(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_WINDOWS, "AAAJBBCCCLLLMEEFFFGGHHIQ");
}

static void test_ipv4_policy_solaris(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_SOLARIS, "AAAJBBCCCLLLMMMFFFGGHHIQ");
}

static void test_ipv4_policy_first(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_FIRST, "AAAJBBCCCLDLMEEFFFGGHHIQ");
}

static void test_ipv4_policy_last(void **state)
{
    (void)state;
    sturges_novak(DEFRAG_POLICY_LAST, "AJJJJBKKKLLLMMMFNFGOPHQQ");
}

/* host-os-policy: names map as in Suricata, the longest matching prefix wins, families are
 * separate, and destinations that match nothing use bsd. */
static void test_host_policy_lookup(void **state)
{
    (void)state;
    assert_int_equal(defrag_policy_from_os("windows"), DEFRAG_POLICY_WINDOWS);
    assert_int_equal(defrag_policy_from_os("hpux11"), DEFRAG_POLICY_FIRST);
    assert_int_equal(defrag_policy_from_os("old-linux"), DEFRAG_POLICY_LINUX);
    assert_int_equal(defrag_policy_from_os("none"), DEFRAG_POLICY_BSD);
    assert_int_equal(defrag_policy_from_os("amiga"), -1);

    harness_teardown(NULL);
    DefragConfig cfg;
    defrag_config_default(&cfg);
    assert_int_equal(defrag_config_add_host(&cfg, "0.0.0.0/0", DEFRAG_POLICY_WINDOWS), 0);
    assert_int_equal(defrag_config_add_host(&cfg, "10.0.0.0/24", DEFRAG_POLICY_FIRST), 0);
    assert_int_equal(defrag_config_add_host(&cfg, "10.0.0.1", DEFRAG_POLICY_LAST), 0);
    assert_int_equal(defrag_config_add_host(&cfg, "2001:db8::/32", DEFRAG_POLICY_LINUX), 0);
    assert_int_equal(defrag_config_add_host(&cfg, "10.0.0.0/33", DEFRAG_POLICY_LINUX), -1);
    assert_int_equal(defrag_config_add_host(&cfg, "not-an-address", DEFRAG_POLICY_LINUX), -1);
    assert_int_equal(defrag_config_add_host(&cfg, "10.0.0.0/", DEFRAG_POLICY_LINUX), -1);
    assert_int_equal(cfg.host_policy_count, 4);
    assert_int_equal(harness_setup_with(&cfg), 0);

    /* Datagrams go to 10.0.0.2: the /24 (first) beats 0/0; with first, the held data wins. */
    uint8_t b[256];
    size_t n = v4_first(b, 1, 24, 16, 'a');
    decode_frag(b, n, 1);
    n = v4_frag(b, 1, 8, 16, false, 'z');
    decode_frag(b, n, 1);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_memory_equal(r->ip_hdr + 28, "aaaaaaaazzzzzzzz", 16);
    release(r);
}

static void test_ipv4_too_large(void **state)
{
    (void)state;
    uint8_t b[256];
    /* Offset 65528 + 16 bytes of data ends past 65535 - 20. */
    size_t n = v4_frag(b, 5, 65528, 16, false, 'x');
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV4_FRAG_PKT_TOO_LARGE), 1);
    assert_int_equal(event_count("decoder.ipv4.frag_pkt_too_large"), 1);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

static void test_ipv4_timeout(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_first(b, 11, 24, 16, 'a');
    decode_frag(b, n, 100);
    /* 60 s later the tracker is gone: the last fragment alone cannot complete it. */
    n = v4_frag(b, 11, 16, 8, false, 'b');
    decode_frag(b, n, 160);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(counter("defrag.ipv4.timeouts"), 1);
    /* defrag_expire drops the new, incomplete one too. */
    defrag_expire(h.defrag, &h.counters, 221ULL * 1000000);
    assert_int_equal(counter("defrag.ipv4.timeouts"), 2);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

static void test_ipv4_within_timeout(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_first(b, 12, 24, 16, 'a');
    decode_frag(b, n, 100);
    n = v4_frag(b, 12, 16, 8, false, 'b');
    decode_frag(b, n, 159);
    Packet *r = next_pseudo();
    assert_non_null(r);
    release(r);
}

/* Different VLANs, or different ids, are different datagrams. */
static void test_ipv4_keys(void **state)
{
    (void)state;
    uint8_t b[256];
    uint8_t v[256];
    size_t n = v4_first(b, 21, 24, 16, 'a');
    decode_frag(b, n, 1);
    /* The same last fragment inside VLAN 100 does not complete the untagged datagram. */
    n = v4_frag(b, 21, 16, 8, false, 'b');
    w_eth(v, ETHERTYPE_VLAN);
    put16(v + 14, 100);
    put16(v + 16, ETHERTYPE_IPV4);
    memcpy(v + 18, b + 14, n - 14);
    decode_frag(v, n + 4, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    n = v4_frag(b, 22, 16, 8, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    n = v4_frag(b, 21, 16, 8, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 1);
}

/* A reassembled datagram inherits the VLAN of its fragments. */
static void test_ipv4_vlan_kept(void **state)
{
    (void)state;
    uint8_t b[256], v[256];
    size_t sizes[2];
    sizes[0] = v4_first(b, 30, 24, 16, 'a');
    for (int i = 0; i < 2; i++) {
        if (i == 1)
            sizes[1] = v4_frag(b, 30, 16, 8, false, 'b');
        w_eth(v, ETHERTYPE_VLAN);
        put16(v + 14, 7);
        put16(v + 16, ETHERTYPE_IPV4);
        memcpy(v + 18, b + 14, sizes[i] - 14);
        decode_frag(v, sizes[i] + 4, 1);
    }
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_int_equal(r->vlan_count, 1);
    assert_int_equal(r->vlan_id[0], 7);
    release(r);
}

static void test_tracker_limit_evicts_oldest(void **state)
{
    (void)state;
    harness_teardown(NULL);
    DefragConfig cfg;
    defrag_config_default(&cfg);
    cfg.trackers = 2;
    assert_int_equal(harness_setup_with(&cfg), 0);
    uint8_t b[256];
    for (uint16_t id = 1; id <= 3; id++) {
        size_t n = v4_first(b, id, 24, 16, 'a');
        decode_frag(b, n, 1);
    }
    assert_int_equal(counter("defrag.ipv4.timeouts"), 1);
    /* Datagram 1 was evicted; 2 and 3 still complete. */
    size_t n = v4_frag(b, 1, 16, 8, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    n = v4_frag(b, 3, 16, 8, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 1);
}

static void test_memcap(void **state)
{
    (void)state;
    harness_teardown(NULL);
    DefragConfig cfg;
    defrag_config_default(&cfg);
    cfg.memcap = 2048;
    assert_int_equal(harness_setup_with(&cfg), 0);
    uint8_t b[4096];
    /* One fragment bigger than the whole memcap is ignored and counted. */
    size_t n = v4_first(b, 1, 4000, 3000, 'a');
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV4_FRAG_IGNORED), 1);
    assert_int_equal(counter("defrag.max_frag_hits"), 1);
    assert_true(defrag_memuse(h.defrag) <= cfg.memcap);
    /* Many small datagrams stay under the memcap by evicting the oldest. */
    for (uint16_t id = 10; id < 60; id++) {
        n = v4_first(b, id, 400, 200, 'a');
        decode_frag(b, n, 1);
        assert_true(defrag_memuse(h.defrag) <= cfg.memcap);
    }
    assert_true(counter("defrag.ipv4.timeouts") > 0);
    /* The newest one can still complete. */
    n = v4_frag(b, 59, 200, 200, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 1);
}

static void test_max_frags_per_datagram(void **state)
{
    (void)state;
    harness_teardown(NULL);
    DefragConfig cfg;
    defrag_config_default(&cfg);
    cfg.max_frags = 2;
    assert_int_equal(harness_setup_with(&cfg), 0);
    uint8_t b[256];
    size_t n = v4_first(b, 1, 32, 8, 'a');
    decode_frag(b, n, 1);
    n = v4_frag(b, 1, 8, 8, true, 'b');
    decode_frag(b, n, 1);
    n = v4_frag(b, 1, 16, 8, false, 'c');
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV4_FRAG_IGNORED), 1);
    assert_int_equal(h.dt.pseudo_count, 0);
}

/* No table: fragments are flagged but never reassembled. */
static void test_defrag_disabled(void **state)
{
    (void)state;
    h.dt.defrag = NULL;
    uint8_t b[256];
    size_t n = v4_first(b, 1, 16, 8, 'a');
    decode_frag(b, n, 1);
    n = v4_frag(b, 1, 8, 8, false, 'b');
    decode_frag(b, n, 1);
    assert_int_equal(h.dt.pseudo_count, 0);
    assert_int_equal(counter("defrag.ipv4.fragments"), 0);
}

/* ---- IPv6 ---------------------------------------------------------------------------- */

/* An IPv6 fragment: optional 8-byte destination options header before the fragment header
 * (the unfragmentable part), then `len` bytes of `fill`. */
static size_t v6_frag(uint8_t *b, uint32_t id, uint32_t off, size_t len, bool mf, uint8_t fill,
                      bool with_dstopts)
{
    size_t n = w_eth(b, ETHERTYPE_IPV6);
    size_t ext = with_dstopts ? 8 : 0;
    n += w_ipv6(b + n, with_dstopts ? 60 : 44, ext + 8 + len);
    if (with_dstopts) {
        uint8_t dst[8] = {44, 0, 1, 4, 0, 0, 0, 0}; /* PadN of 4 */
        memcpy(b + n, dst, 8);
        n += 8;
    }
    b[n] = 17; /* next header after the fragment header: UDP */
    b[n + 1] = 0;
    put16(b + n + 2, (uint16_t)(off | (mf ? 1 : 0)));
    put32(b + n + 4, id);
    n += 8;
    memset(b + n, fill, len);
    return n + len;
}

static void test_ipv6_reassembly(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v6_frag(b, 0x1234, 0, 16, true, 'a', false);
    w_udp(b + 14 + 48, 1000, 53, 24);
    decode_frag(b, n, 1);
    n = v6_frag(b, 0x1234, 16, 16, false, 'b', false);
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(p->event_count, 0);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_int_equal(r->datalink, LINKTYPE_ETHERNET);
    assert_int_equal(r->len, 14 + 40 + 32);
    assert_int_equal(rd16(r->ip_hdr + 4), 32);
    assert_int_equal(r->ip_hdr[6], 17); /* fragment header removed, chain fixed */
    assert_int_equal(r->proto, 17);
    assert_int_equal(r->dp, 53);
    assert_memory_equal(r->payload, "aaaaaaaabbbbbbbbbbbbbbbb", 24);
    release(r);
    assert_int_equal(counter("defrag.ipv6.fragments"), 2);
    assert_int_equal(counter("defrag.ipv6.reassembled"), 1);
}

static void test_ipv6_unfragmentable_part(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v6_frag(b, 77, 16, 8, false, 'b', true);
    decode_frag(b, n, 1);
    n = v6_frag(b, 77, 0, 16, true, 'a', true);
    w_udp(b + 14 + 56, 1000, 53, 16);
    decode_frag(b, n, 1);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_int_equal(r->len, 14 + 40 + 8 + 24);
    assert_int_equal(rd16(r->ip_hdr + 4), 32);
    assert_int_equal(r->ip_hdr[6], 60); /* still destination options ... */
    assert_int_equal(r->ip_hdr[40], 17); /* ... which now names UDP */
    assert_int_equal(r->proto, 17);
    assert_int_equal(r->payload_len, 16);
    release(r);
}

static void test_ipv6_overlap_and_too_large(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v6_frag(b, 5, 0, 16, true, 'a', false);
    decode_frag(b, n, 1);
    n = v6_frag(b, 5, 8, 16, true, 'b', false);
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV6_FRAG_OVERLAP), 1);
    n = v6_frag(b, 6, 65528, 16, false, 'c', false);
    p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV6_FRAG_PKT_TOO_LARGE), 1);
}

static void test_ipv6_timeout(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v6_frag(b, 8, 0, 16, true, 'a', false);
    decode_frag(b, n, 10);
    defrag_expire(h.defrag, &h.counters, 69ULL * 1000000);
    assert_int_equal(counter("defrag.ipv6.timeouts"), 0);
    defrag_expire(h.defrag, &h.counters, 70ULL * 1000000);
    assert_int_equal(counter("defrag.ipv6.timeouts"), 1);
    assert_int_equal(defrag_memuse(h.defrag), 0);
}

/* Two first fragments with different data: the earlier one wins (bsd). */
static void test_ipv4_same_offset_first_wins(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_first(b, 50, 24, 16, 'a');
    decode_frag(b, n, 1);
    n = v4_first(b, 50, 24, 16, 'z');
    Packet *p = decode_frag(b, n, 1);
    assert_int_equal(events_on(p, DE_IPV4_FRAG_OVERLAP), 1);
    n = v4_frag(b, 50, 16, 8, false, 'b');
    decode_frag(b, n, 1);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_memory_equal(r->ip_hdr + 28, "aaaaaaaabbbbbbbb", 16);
    release(r);
}

/* A later fragment that starts earlier than a held one takes over the overlapped bytes. */
static void test_ipv4_earlier_start_wins(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = v4_frag(b, 60, 16, 16, false, 'c');
    decode_frag(b, n, 1);
    n = v4_frag(b, 60, 8, 16, true, 'b');
    decode_frag(b, n, 1);
    n = v4_first(b, 60, 32, 8, 'a');
    decode_frag(b, n, 1);
    Packet *r = next_pseudo();
    assert_non_null(r);
    assert_memory_equal(r->ip_hdr + 28, "bbbbbbbbbbbbbbbbcccccccc", 24);
    release(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipv4_in_order, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_out_of_order, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_hole_and_duplicate, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_bsd, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_linux, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_windows, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_solaris, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_first, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_policy_last, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_host_policy_lookup, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_same_offset_first_wins, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_earlier_start_wins, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_too_large, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_timeout, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_within_timeout, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_keys, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_vlan_kept, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_tracker_limit_evicts_oldest, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_memcap, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_max_frags_per_datagram, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_defrag_disabled, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_reassembly, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_unfragmentable_part, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_overlap_and_too_large, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_timeout, harness_setup, harness_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
