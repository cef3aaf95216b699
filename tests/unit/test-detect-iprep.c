/*
 * test-detect-iprep.c - IP reputation: the categories and reputation file formats and their
 * errors, most-specific netblock lookups (IPv4 and IPv6), and the iprep keyword's sides and
 * operators through the configuration keys Suricata uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-iprep.h"
#include "detect-test-util.h"

static Address addr(const char *text)
{
    Address a;
    memset(&a, 0, sizeof(a));
    a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(a.family, text, a.addr), 1);
    return a;
}

static const char *const categories = "# id,name,description\n1,BadHosts,Known bad\n"
                                      "2,Google,Google\n";
static const char *const reputation = "10.0.0.0/8,1,20\n10.1.2.3,1,90\n10.1.2.3,2,5\n"
                                      "2001:db8::/32,1,50\n192.168.1.1,2,100\n";

static ConfNode *conf_with_files(void)
{
    test_dir_write("categories.txt", categories);
    test_dir_write("reputation.list", reputation);
    ConfNode *conf = conf_new_default();
    char set[200], err[128];
    snprintf(set, sizeof(set), "reputation-categories-file=%s/categories.txt", test_dir);
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    snprintf(set, sizeof(set), "default-reputation-path=%s", test_dir);
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    assert_int_equal(conf_set(conf, "reputation-files.0=reputation.list", err, sizeof(err)), 0);
    return conf;
}

static void test_lookup(void **state)
{
    (void)state;
    IprepStore *s = iprep_store_new();
    FILE *f = fmemopen((void *)categories, strlen(categories), "r");
    assert_int_equal(iprep_read_categories(s, f, "cats"), 0);
    fclose(f);
    f = fmemopen((void *)reputation, strlen(reputation), "r");
    assert_int_equal(iprep_read_reputation(s, f, "rep"), 0);
    fclose(f);
    iprep_store_finish(s);
    int bad = iprep_category(s, "BadHosts");
    assert_int_equal(bad, 1);
    assert_int_equal(iprep_category(s, "Nope"), -1);
    Address a = addr("10.1.2.3"), b = addr("10.200.0.1"), c = addr("11.0.0.1");
    assert_int_equal(iprep_lookup(s, &a, bad), 90);   /* the /32 over the /8 */
    assert_int_equal(iprep_lookup(s, &b, bad), 20);   /* the /8 */
    assert_int_equal(iprep_lookup(s, &c, bad), -1);   /* nothing covers it */
    assert_int_equal(iprep_lookup(s, &b, 2), 0);      /* covered, category unset */
    Address v6 = addr("2001:db8:1::9"), other6 = addr("2001:db9::1");
    assert_int_equal(iprep_lookup(s, &v6, bad), 50);
    assert_int_equal(iprep_lookup(s, &other6, bad), -1);
    iprep_store_free(s);
}

static void test_file_errors(void **state)
{
    (void)state;
    IprepStore *s = iprep_store_new();
    const char *cats = "1,A,a\n60,B,b\nx,C,c\n2,,d\n";
    FILE *f = fmemopen((void *)cats, strlen(cats), "r");
    assert_int_equal(iprep_read_categories(s, f, "cats"), 3);
    fclose(f);
    const char *rep = "1.2.3.4,1,10\n1.2.3.4,2,10\n1.2.3.4/33,1,1\n1.2.3.x,1,1\n"
                      "1.2.3.4,1,128\n1.2.3.4,1\n";
    f = fmemopen((void *)rep, strlen(rep), "r");
    assert_int_equal(iprep_read_reputation(s, f, "rep"), 5);
    fclose(f);
    iprep_store_free(s);
}

static bool hit(Harness *h, uint32_t sid, const char *src, const char *dst)
{
    TestPacket t;
    make(&t, IPPROTO_TCP, "x", 1);
    inet_pton(AF_INET, src, t.p.src.addr);
    inet_pton(AF_INET, dst, t.p.dst.addr);
    detect_packet(h->dt, &t.p, NULL);
    return alerted(h->dt, sid);
}

static void test_keyword(void **state)
{
    (void)state;
    ConfNode *conf = conf_with_files();
    Harness h = load_with(
        "alert tcp any any -> any any (iprep:src,BadHosts,>,30; sid:1;)\n"
        "alert tcp any any -> any any (iprep:dst,BadHosts,<=,20; sid:2;)\n"
        "alert tcp any any -> any any (iprep:any,Google,=,100; sid:3;)\n"
        "alert tcp any any -> any any (iprep:both,BadHosts,>,10; sid:4;)\n"
        "alert tcp any any -> any any (iprep:src,Google,!=,5; sid:5;)\n", conf);
    assert_true(hit(&h, 1, "10.1.2.3", "8.8.8.8"));
    assert_false(hit(&h, 1, "10.9.9.9", "8.8.8.8"));   /* 20 */
    assert_false(hit(&h, 1, "8.8.8.8", "10.1.2.3"));
    assert_true(hit(&h, 2, "8.8.8.8", "10.9.9.9"));
    assert_false(hit(&h, 2, "8.8.8.8", "8.8.4.4"));    /* no score: never matches */
    assert_true(hit(&h, 3, "8.8.8.8", "192.168.1.1"));
    assert_true(hit(&h, 3, "192.168.1.1", "8.8.8.8"));
    assert_true(hit(&h, 4, "10.1.2.3", "10.9.9.9"));
    assert_false(hit(&h, 4, "10.1.2.3", "8.8.8.8"));
    assert_false(hit(&h, 5, "10.1.2.3", "8.8.8.8"));   /* Google score 5 */
    assert_true(hit(&h, 5, "10.9.9.9", "8.8.8.8"));    /* covered by the /8: 0 */
    unload(&h);
    conf_free(conf);
}

static void test_keyword_errors(void **state)
{
    (void)state;
    ConfNode *conf = conf_with_files();
    char path[128];
    snprintf(path, sizeof(path), "%s/r.rules", test_dir);
    FILE *f = fopen(path, "w");
    fputs("alert ip any any -> any any (iprep:src,Nope,>,1; sid:1;)\n"
          "alert ip any any -> any any (iprep:up,BadHosts,>,1; sid:2;)\n"
          "alert ip any any -> any any (iprep:src,BadHosts,>,200; sid:3;)\n"
          "alert ip any any -> any any (iprep:src,BadHosts,=>,1; sid:4;)\n"
          "alert ip any any -> any any (iprep:src,BadHosts,>; sid:5;)\n"
          "alert ip any any -> any any (iprep:src,BadHosts,>=,1; sid:6;)\n", f);
    fclose(f);
    const char *files[] = {path};
    DetectLoadStats stats;
    DetectEngine *de = detect_engine_load(conf, files, 1, true, &stats);
    assert_non_null(de);
    assert_int_equal(stats.loaded, 1);
    assert_int_equal(stats.failed, 5);
    assert_int_equal(stats.iprep_errors, 0);
    detect_engine_free(de);
    /* A reputation line in error is counted for -T. */
    test_dir_write("reputation.list", "10.0.0.1,7,1\n");
    de = detect_engine_load(conf, files, 1, true, &stats);
    assert_int_equal(stats.iprep_errors, 1);
    detect_engine_free(de);
    conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_keyword),
        cmocka_unit_test(test_keyword_errors),
    };
    return cmocka_run_group_tests(tests, detect_test_setup_dir, detect_test_teardown_dir);
}
