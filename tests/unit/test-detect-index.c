/*
 * test-detect-index.c - the rule indexes that keep detection from checking every rule on
 * every packet: the interval index itself (boundaries, overlaps, the largest key, its size
 * limit), the port groups of rules without a fast pattern (ranges, negations, "<>",
 * flow direction) and the address index of IP-only rules (CIDR, ranges, negations, IPv6,
 * "<>"). Each index is checked for what it returns (it must narrow the candidates) and,
 * through detect_packet, for the alerts (it must never drop a rule that matches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-group-port.h"
#include "detect/detect-iponly.h"
#include "detect/detect-range-index.h"
#include "detect-test-util.h"

/* ---- the interval index ---- */

static void key2(uint8_t k[2], unsigned v)
{
    k[0] = (uint8_t)(v >> 8);
    k[1] = (uint8_t)v;
}

static void add2(RangeIndexBuilder *b, unsigned lo, unsigned hi, uint32_t value)
{
    uint8_t l[2], h[2];
    key2(l, lo);
    key2(h, hi);
    assert_int_equal(range_index_builder_add(b, l, h, value), 0);
}

/* The values at key v, as a string "1,3" ("" when none). */
static const char *at(const RangeIndex *ri, unsigned v)
{
    static char out[128];
    uint8_t k[2];
    key2(k, v);
    uint32_t n;
    const uint32_t *vals = range_index_lookup(ri, k, &n);
    out[0] = '\0';
    for (uint32_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%u", i ? "," : "", vals[i]);
    return out;
}

static void test_range_index_lookup(void **state)
{
    (void)state;
    RangeIndexBuilder *b = range_index_builder_new(2);
    add2(b, 80, 80, 5);
    add2(b, 1000, 2000, 3);
    add2(b, 1500, 1500, 1);
    add2(b, 1990, 2100, 3);      /* overlaps its own other range: listed once */
    add2(b, 65000, 65535, 7);    /* ends at the largest key: no end cut */
    bool failed;
    RangeIndex *ri = range_index_build(b, 1000, &failed);
    assert_false(failed);
    assert_non_null(ri);
    assert_string_equal(at(ri, 0), "");
    assert_string_equal(at(ri, 79), "");
    assert_string_equal(at(ri, 80), "5");
    assert_string_equal(at(ri, 81), "");
    assert_string_equal(at(ri, 999), "");
    assert_string_equal(at(ri, 1000), "3");
    assert_string_equal(at(ri, 1499), "3");
    assert_string_equal(at(ri, 1500), "1,3");   /* ascending */
    assert_string_equal(at(ri, 1501), "3");
    assert_string_equal(at(ri, 1995), "3");
    assert_string_equal(at(ri, 2100), "3");
    assert_string_equal(at(ri, 2101), "");
    assert_string_equal(at(ri, 64999), "");
    assert_string_equal(at(ri, 65535), "7");
    range_index_free(ri);
}

static void test_range_index_limits(void **state)
{
    (void)state;
    bool failed = true;
    assert_null(range_index_build(range_index_builder_new(2), 10, &failed));
    assert_false(failed);                        /* empty: nothing to index, not an error */
    RangeIndexBuilder *b = range_index_builder_new(2);
    for (unsigned i = 0; i < 100; i++)
        add2(b, i * 10, i * 10, i);
    add2(b, 0, 65535, 100);                      /* lies over all 200 intervals */
    assert_null(range_index_build(b, 150, &failed));
    assert_true(failed);
    assert_null(range_index_builder_new(RANGE_KEY_MAX + 1));
}

/* ---- rule indexes, through loaded rules ---- */

typedef struct Found {
    const DetectEngine *de;
    char sids[256];
} Found;

static void collect(void *ud, uint32_t num)
{
    Found *f = ud;
    char one[16];
    snprintf(one, sizeof(one), "%u,", f->de->sigs[num]->sid);
    if (!strstr(f->sids, one))
        strncat(f->sids, one, sizeof(f->sids) - strlen(f->sids) - 1);
}

static Found *found_start(const Harness *h)
{
    static Found f;
    memset(&f, 0, sizeof(f));
    f.de = h->de;
    return &f;
}

/* "indexed sids|rest sids" */
static const char *found_finish(Found *f, const uint32_t *rest, uint32_t n)
{
    strncat(f->sids, "|", sizeof(f->sids) - strlen(f->sids) - 1);
    for (uint32_t i = 0; i < n; i++)
        collect(f, rest[i]);
    return f->sids;
}

/* The port index's candidates for a TCP packet sp -> dp. */
static const char *port_candidates(const Harness *h, bool to_client, uint16_t sp, uint16_t dp)
{
    Found *f = found_start(h);
    uint32_t n;
    const uint32_t *rest = port_index_candidates(h->de->packet_groups[DETECT_GROUP_TCP].always_ix,
                                                 to_client, sp, dp, collect, f, &n);
    return found_finish(f, rest, n);
}

static const char *port_rules =
    "alert tcp any any -> any 3306 (flags:S; sid:1;)\n"
    "alert tcp any any -> any [5800:5820,!5810] (flags:S; sid:2;)\n"
    "alert tcp any 53 <> any any (flags:S; sid:3;)\n"
    "alert tcp any any -> any !80 (flags:S; sid:4;)\n"
    "alert tcp any any -> any any (flow:to_server; flags:S; sid:5;)\n"
    "alert tcp any 1024: -> any 22 (flow:to_client; flags:S; sid:6;)\n"
    "alert tcp any [1:10] -> any [100:300] (flags:S; sid:7;)\n";

static void test_port_index_candidates(void **state)
{
    (void)state;
    Harness h = load(port_rules);
    /* 4 (only a negation) and 5 (any) cannot be keyed; 5 never reaches to-client packets.
     * 7 is keyed on its source ports, the narrower side. */
    assert_string_equal(port_candidates(&h, false, 40000, 3306), "1,|4,5,");
    assert_string_equal(port_candidates(&h, true, 40000, 3306), "1,|4,");
    assert_string_equal(port_candidates(&h, false, 40000, 5810), "2,|4,5,");
    assert_string_equal(port_candidates(&h, false, 40000, 5821), "|4,5,");
    assert_string_equal(port_candidates(&h, false, 53, 40000), "3,|4,5,");
    assert_string_equal(port_candidates(&h, false, 40000, 53), "3,|4,5,");  /* "<>" */
    assert_string_equal(port_candidates(&h, false, 40000, 22), "|4,5,");    /* to_client */
    assert_string_equal(port_candidates(&h, true, 40000, 22), "6,|4,");
    assert_string_equal(port_candidates(&h, true, 5, 40000), "7,|4,");
    unload(&h);
}

static bool syn_alerts(Harness *h, Flow *f, bool to_server, uint16_t sp, uint16_t dp,
                       uint32_t sid)
{
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    t.p.tcp_flags = TH_SYN;
    t.p.to_server = to_server;
    t.p.sp = sp;
    t.p.dp = dp;
    detect_packet(h->dt, &t.p, f);
    return alerted(h->dt, sid);
}

static void test_port_index_alerts(void **state)
{
    (void)state;
    Harness h = load(port_rules);
    Flow f;
    memset(&f, 0, sizeof(f));
    assert_true(syn_alerts(&h, &f, true, 40000, 3306, 1));
    assert_false(syn_alerts(&h, &f, true, 40000, 3307, 1));
    assert_true(syn_alerts(&h, &f, true, 40000, 5811, 2));
    assert_false(syn_alerts(&h, &f, true, 40000, 5810, 2));  /* the excluded port */
    assert_true(syn_alerts(&h, &f, true, 40000, 53, 3));
    assert_true(syn_alerts(&h, &f, true, 53, 40000, 3));
    assert_true(syn_alerts(&h, &f, true, 40000, 81, 4));
    assert_false(syn_alerts(&h, &f, true, 40000, 80, 4));
    assert_true(syn_alerts(&h, &f, true, 1, 2, 5));
    assert_false(syn_alerts(&h, &f, false, 1, 2, 5));
    assert_false(syn_alerts(&h, NULL, true, 1, 2, 5));       /* flow: needs a flow */
    assert_true(syn_alerts(&h, &f, false, 2000, 22, 6));
    assert_false(syn_alerts(&h, &f, false, 1000, 22, 6));
    assert_true(syn_alerts(&h, &f, true, 10, 300, 7));
    assert_false(syn_alerts(&h, &f, true, 11, 300, 7));
    unload(&h);
}

static void set_addr(Address *a, const char *text)
{
    memset(a, 0, sizeof(*a));
    a->family = strchr(text, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(a->family, text, a->addr), 1);
}

static const char *iponly_candidates(const Harness *h, const char *src, const char *dst)
{
    Address s, d;
    set_addr(&s, src);
    set_addr(&d, dst);
    Found *f = found_start(h);
    uint32_t n;
    const uint32_t *rest = iponly_index_candidates(
        h->de->packet_groups[DETECT_GROUP_TCP].iponly_ix, &s, &d, collect, f, &n);
    return found_finish(f, rest, n);
}

static const char *iponly_rules =
    "alert ip [1.2.3.0/24,!1.2.3.5,9.9.9.9] any -> [10.0.0.0/8,192.168.0.0/16] any (sid:1;)\n"
    "alert ip any any -> [5.5.5.5-5.5.5.9] any (sid:2;)\n"
    "alert ip any any -> ![10.0.0.0/8] any (sid:3;)\n"
    "alert ip [2001:db8::/32] any -> any any (sid:4;)\n"
    "alert tcp [7.7.7.7] any <> [10.0.0.0/8] any (sid:5;)\n"
    "alert ip 10.1.0.0/255.255.0.0 any -> [8.8.8.8,8.8.4.4] any (sid:6;)\n";

static void test_iponly_index_candidates(void **state)
{
    (void)state;
    Harness h = load(iponly_rules);
    /* 1 is keyed on its source list (narrower than the destinations), 6 on its
     * destinations, 3 (only a negation) cannot be keyed. Exclusions are left to the full
     * check, so 1.2.3.5 still finds rule 1. */
    assert_string_equal(iponly_candidates(&h, "1.2.3.4", "10.0.0.1"), "1,|3,");
    assert_string_equal(iponly_candidates(&h, "1.2.3.5", "10.0.0.1"), "1,|3,");
    assert_string_equal(iponly_candidates(&h, "1.2.4.1", "10.0.0.1"), "|3,");
    assert_string_equal(iponly_candidates(&h, "10.0.0.1", "1.2.3.4"), "|3,");
    assert_string_equal(iponly_candidates(&h, "4.4.4.4", "5.5.5.9"), "2,|3,");
    assert_string_equal(iponly_candidates(&h, "4.4.4.4", "5.5.5.10"), "|3,");
    assert_string_equal(iponly_candidates(&h, "2001:db8:1::1", "::1"), "4,|3,");
    assert_string_equal(iponly_candidates(&h, "2001:db9::1", "::1"), "|3,");
    assert_string_equal(iponly_candidates(&h, "7.7.7.7", "10.1.1.1"), "5,|3,");
    assert_string_equal(iponly_candidates(&h, "10.1.1.1", "7.7.7.7"), "5,|3,");  /* "<>" */
    assert_string_equal(iponly_candidates(&h, "10.1.1.1", "8.8.4.4"), "6,|3,");
    /* IPv4 1.2.3.4 and an IPv6 address with the same leading bytes are different keys. */
    assert_string_equal(iponly_candidates(&h, "102:304::", "::1"), "|3,");
    unload(&h);
}

static bool iponly_alerts(Harness *h, const char *src, const char *dst, uint32_t sid)
{
    TestPacket t;
    make(&t, IPPROTO_TCP, "", 0);
    set_addr(&t.p.src, src);
    set_addr(&t.p.dst, dst);
    if (t.p.src.family == AF_INET6)
        t.p.ip_version = 6;
    detect_packet(h->dt, &t.p, NULL);
    return alerted(h->dt, sid);
}

static void test_iponly_index_alerts(void **state)
{
    (void)state;
    Harness h = load(iponly_rules);
    assert_true(iponly_alerts(&h, "1.2.3.4", "192.168.7.7", 1));
    assert_false(iponly_alerts(&h, "1.2.3.5", "192.168.7.7", 1));   /* excluded */
    assert_true(iponly_alerts(&h, "9.9.9.9", "10.9.9.9", 1));
    assert_false(iponly_alerts(&h, "9.9.9.9", "11.0.0.1", 1));      /* the other side */
    assert_true(iponly_alerts(&h, "1.1.1.1", "5.5.5.7", 2));
    assert_true(iponly_alerts(&h, "1.1.1.1", "11.0.0.1", 3));
    assert_false(iponly_alerts(&h, "1.1.1.1", "10.0.0.1", 3));
    assert_true(iponly_alerts(&h, "2001:db8:ffff::1", "2001:db9::1", 4));
    assert_true(iponly_alerts(&h, "10.200.0.1", "7.7.7.7", 5));
    assert_false(iponly_alerts(&h, "10.200.0.1", "7.7.7.8", 5));
    assert_true(iponly_alerts(&h, "10.1.255.255", "8.8.8.8", 6));
    assert_false(iponly_alerts(&h, "10.2.0.0", "8.8.8.8", 6));
    unload(&h);
}

/* A transaction rule whose only content is in a transformed buffer is found by the
 * prefilter of that buffer after the transform, not checked on every transaction. */
static void test_transformed_fast_pattern(void **state)
{
    (void)state;
    Harness h = load(
        "alert http any any -> any any (http.uri; dotprefix; content:\".evil.example\"; "
        "endswith; sid:1;)\n"
        "alert http any any -> any any (http.uri; to_lowercase; content:\"/mixed\"; sid:2;)\n"
        "alert http any any -> any any (http.uri; content:\"/plain\"; sid:3;)\n");
    const TxGroup *g = &h.de->tx_groups[ALPROTO_HTTP];
    assert_int_equal(g->always_count, 0);
    assert_int_equal(g->pf_count, 3);            /* one per transform chain */
    Flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_TCP;
    FakeTx tx = {.uri = "evil.example"};
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 0);
    assert_true(alerted(h.dt, 1));
    tx.uri = "notevil.example";
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 0);
    assert_false(alerted(h.dt, 1));
    tx.uri = "/MiXeD/plain";
    detect_tx(h.dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 0);
    assert_true(alerted(h.dt, 2));
    assert_true(alerted(h.dt, 3));
    unload(&h);
}

static int setup(void **state)
{
    applayer_buffer_register("http.uri", ALPROTO_HTTP, true, false, get_uri);
    return detect_test_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_index_lookup),
        cmocka_unit_test(test_range_index_limits),
        cmocka_unit_test(test_port_index_candidates),
        cmocka_unit_test(test_port_index_alerts),
        cmocka_unit_test(test_iponly_index_candidates),
        cmocka_unit_test(test_iponly_index_alerts),
        cmocka_unit_test(test_transformed_fast_pattern),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
