/*
 * test-detect-xbits.c - xbits across flows: per source, per destination and per address pair
 * (both directions), expiry on packet time, unset/toggle/isnotset, noalert, the syntax and
 * its errors, and the memcap on the shared table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-parse.h"
#include "detect/detect-xbits.h"
#include "detect-test-util.h"

#define hit hit_between

static const char *const rules =
    /* a request marks the server; its answer (source = the server) is checked */
    "alert tcp any any -> any any (content:\"REQ\"; xbits:set,srv,track ip_dst,expire 10; "
    "xbits:noalert; sid:1;)\n"
    "alert tcp any any -> any any (content:\"ANS\"; xbits:isset,srv,track ip_src; sid:2;)\n"
    "alert tcp any any -> any any (content:\"PAIR\"; xbits:set,p,track ip_pair; noalert; sid:3;)\n"
    "alert tcp any any -> any any (content:\"PCHK\"; xbits:isset,p,track ip_pair; sid:4;)\n"
    "alert tcp any any -> any any (content:\"NOT\"; xbits:isnotset,srv,track ip_src; sid:5;)\n"
    "alert tcp any any -> any any (content:\"UNSET\"; xbits:unset,srv,track ip_src; noalert; "
    "sid:6;)\n"
    "alert tcp any any -> any any (content:\"TOG\"; xbits:toggle,t,track ip_src; noalert; "
    "sid:7;)\n"
    "alert tcp any any -> any any (content:\"TCHK\"; xbits:isset,t,track ip_src; sid:8;)\n";

static void test_hosts_and_pairs(void **state)
{
    (void)state;
    Harness h = load(rules);
    assert_false(hit(&h, 1, "10.0.0.1", "10.0.0.9", "REQ", 100)); /* noalert */
    assert_false(hit(&h, 2, "10.0.0.8", "10.0.0.1", "ANS", 101)); /* not the marked host */
    assert_true(hit(&h, 2, "10.0.0.9", "10.0.0.5", "ANS", 101));  /* any flow from it */
    assert_false(hit(&h, 5, "10.0.0.9", "10.0.0.5", "NOT", 101));
    assert_true(hit(&h, 5, "10.0.0.8", "10.0.0.5", "NOT", 101));
    /* expire 10: still set at +10 s, gone after */
    assert_true(hit(&h, 2, "10.0.0.9", "10.0.0.5", "ANS", 110));
    assert_false(hit(&h, 2, "10.0.0.9", "10.0.0.5", "ANS", 111));
    /* set again, then unset */
    hit(&h, 1, "10.0.0.1", "10.0.0.9", "REQ", 200);
    assert_true(hit(&h, 2, "10.0.0.9", "10.0.0.1", "ANS", 200));
    hit(&h, 6, "10.0.0.9", "10.0.0.1", "UNSET", 201);
    assert_false(hit(&h, 2, "10.0.0.9", "10.0.0.1", "ANS", 201));
    /* a pair is the same either way round, and only that pair */
    hit(&h, 3, "10.1.0.1", "10.1.0.2", "PAIR", 300);
    assert_true(hit(&h, 4, "10.1.0.2", "10.1.0.1", "PCHK", 301));
    assert_true(hit(&h, 4, "10.1.0.1", "10.1.0.2", "PCHK", 301));
    assert_false(hit(&h, 4, "10.1.0.1", "10.1.0.3", "PCHK", 301));
    /* the default expiry is 30 s */
    assert_true(hit(&h, 4, "10.1.0.1", "10.1.0.2", "PCHK", 330));
    assert_false(hit(&h, 4, "10.1.0.1", "10.1.0.2", "PCHK", 331));
    /* toggle flips */
    hit(&h, 7, "10.2.0.1", "10.2.0.2", "TOG", 400);
    assert_true(hit(&h, 8, "10.2.0.1", "10.2.0.2", "TCHK", 400));
    hit(&h, 7, "10.2.0.1", "10.2.0.2", "TOG", 401);
    assert_false(hit(&h, 8, "10.2.0.1", "10.2.0.2", "TCHK", 401));
    unload(&h);
}

static void assert_parse(const char *opts, bool ok)
{
    char rule[512], err[256] = "";
    snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s sid:1;)", opts);
    Signature *sig = signature_parse(rule, NULL, err, sizeof(err));
    if ((sig != NULL) != ok)
        fail_msg("%s: %s", rule, sig ? "accepted" : err);
    signature_free(sig);
}

static void test_syntax(void **state)
{
    (void)state;
    assert_parse("xbits:set,a,track ip_src;", true);
    assert_parse("xbits:set, a, track ip_pair, expire 3600;", true);
    assert_parse("xbits:isnotset,a,track ip_dst;", true);
    assert_parse("xbits:noalert;", true);
    assert_parse("xbits:set,a;", false);
    assert_parse("xbits:set,a,track ip_both;", false);
    assert_parse("xbits:set,a,track ip_src,expire 0;", false);
    assert_parse("xbits:set,a,track ip_src,expire x;", false);
    assert_parse("xbits:flip,a,track ip_src;", false);
    assert_parse("xbits:set,a b,track ip_src;", false);
    assert_parse("xbits:set,a,track ip_src,expire 1,more;", false);
}

/* Past host.memcap a set is counted and the bit stays unset; expired bits make room. */
static void test_memcap(void **state)
{
    (void)state;
    ConfNode *conf = conf_new_default();
    char err[128];
    assert_int_equal(conf_set(conf, "host.memcap=2kb", err, sizeof(err)), 0);
    assert_int_equal(conf_set(conf, "host.hash-size=16", err, sizeof(err)), 0);
    Harness h = load_with(rules, conf);
    char src[32];
    int set = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(src, sizeof(src), "10.3.0.%d", i + 1);
        hit(&h, 1, "10.0.0.1", src, "REQ", 500);
        set += hit(&h, 2, src, "10.0.0.1", "ANS", 500);
    }
    uint64_t drops = xbits_store_memcap_drops(h.de->xbits);
    assert_true(set > 0 && drops > 0);
    assert_int_equal(set + (int)drops, 100);
    hit(&h, 1, "10.0.0.1", "10.4.0.1", "REQ", 600); /* all earlier bits expired */
    assert_true(hit(&h, 2, "10.4.0.1", "10.0.0.1", "ANS", 600));
    unload(&h);
    conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts_and_pairs),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_memcap),
    };
    return cmocka_run_group_tests(tests, detect_test_setup, NULL);
}
