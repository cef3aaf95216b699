/*
 * test-detect-dataset.c - datasets: the file format of each type, isset/isnotset/set/unset on
 * a sticky buffer (after a transform), load beside the rule file, state saved and read back,
 * the `datasets:` configuration section, type conflicts, and the memcap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-dataset.h"
#include "detect-test-util.h"

static int setup(void **state)
{
    applayer_buffer_register("http.uri", ALPROTO_HTTP, true, false, get_uri);
    return detect_test_setup_dir(state);
}

/* Loads rules from a file in test_dir (so a relative `load` resolves beside it). */
static Harness load_in_dir(const char *rules, ConfNode *conf)
{
    char path[128], set[160], err[128];
    test_dir_write("test.rules", rules);
    snprintf(path, sizeof(path), "%s/test.rules", test_dir);
    snprintf(set, sizeof(set), "default-data-dir=%s", test_dir);
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    const char *files[] = {path};
    DetectLoadStats stats;
    Harness h;
    h.de = detect_engine_load(conf, files, 1, true, &stats);
    assert_non_null(h.de);
    if (stats.failed)
        fail_msg("%u rules failed", stats.failed);
    h.dt = detect_thread_new(h.de, &counters, NULL);
    return h;
}

static bool uri_alerts(Harness *h, uint32_t sid, const char *uri)
{
    Flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_TCP;
    f.key.src.family = f.key.dst.family = AF_INET;
    FakeTx tx = {.uri = uri};
    detect_tx(h->dt, &f, NULL, ALPROTO_HTTP, NULL, &tx, 0);
    return alerted(h->dt, sid);
}

static void test_line_formats(void **state)
{
    (void)state;
    uint8_t v[DATASET_VALUE_MAX];
    uint32_t len;
    assert_int_equal(dataset_parse_line(DS_STRING, "Y3VybC83LjQzLjA=\n", v, &len), 0);
    assert_int_equal(len, 11);
    assert_memory_equal(v, "curl/7.43.0", 11);
    assert_int_equal(dataset_parse_line(DS_STRING, "YWI=,1\r\n", v, &len), 0); /* datarep */
    assert_int_equal(len, 2);
    assert_int_equal(dataset_parse_line(DS_STRING, "   \n", v, &len), 1);
    assert_int_equal(dataset_parse_line(DS_STRING, "abc\n", v, &len), -1);
    assert_int_equal(dataset_parse_line(DS_MD5, "d41d8cd98f00b204e9800998ecf8427e", v, &len), 0);
    assert_int_equal(len, 16);
    assert_int_equal(v[0], 0xd4);
    assert_int_equal(dataset_parse_line(DS_MD5, "d41d8cd98f00b204e9800998ecf8427", v, &len), -1);
    assert_int_equal(dataset_parse_line(DS_SHA256, "zz", v, &len), -1);
    assert_int_equal(dataset_parse_line(DS_IPV4, "10.1.2.3", v, &len), 0);
    assert_int_equal(len, 4);
    assert_int_equal(dataset_parse_line(DS_IPV4, "::1", v, &len), -1);
    assert_int_equal(dataset_parse_line(DS_IP, "10.1.2.3", v, &len), 0);
    assert_int_equal(len, 16);
    assert_int_equal(dataset_parse_line(DS_IP, "2001:db8::1", v, &len), 0);
    assert_int_equal(dataset_parse_line(DS_IP, "nope", v, &len), -1);
}

static void test_commands(void **state)
{
    (void)state;
    /* "/a" and "/b" in base64 */
    test_dir_write("seen.lst", "L2E=\nL2I=\n");
    test_dir_write("md5.lst", "cc8755609ad61864910f145119713de9\n"); /* md5 of "/x" */
    ConfNode *conf = conf_new_default();
    Harness h = load_in_dir(
        "alert http any any -> any any (http.uri; dataset:isset,uris,type string,load seen.lst; "
        "sid:1;)\n"
        "alert http any any -> any any (http.uri; dataset:isnotset,uris; sid:2;)\n"
        "alert http any any -> any any (http.uri; content:\"/new\"; dataset:set,fresh,type "
        "string,state fresh.lst; sid:3;)\n"
        "alert http any any -> any any (http.uri; to_md5; dataset:isset,md5s,type md5,load "
        "md5.lst; sid:4;)\n"
        "alert http any any -> any any (http.uri; content:\"/gone\"; dataset:unset,fresh; "
        "sid:5;)\n", conf);
    assert_true(uri_alerts(&h, 1, "/a"));
    assert_false(uri_alerts(&h, 1, "/c"));
    assert_true(uri_alerts(&h, 2, "/c"));
    assert_false(uri_alerts(&h, 2, "/b"));
    /* set holds only when the value is new */
    assert_true(uri_alerts(&h, 3, "/new1"));
    assert_false(uri_alerts(&h, 3, "/new1"));
    assert_true(uri_alerts(&h, 3, "/new2"));
    /* md5 of "/x" is in the file */
    assert_true(uri_alerts(&h, 4, "/x"));
    assert_false(uri_alerts(&h, 4, "/y"));
    assert_false(uri_alerts(&h, 5, "/gone"));
    unload(&h);
    /* the state file now holds what was set, base64 per line */
    char path[128], line[64];
    snprintf(path, sizeof(path), "%s/fresh.lst", test_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int lines = 0;
    while (fgets(line, sizeof(line), f))
        lines += strcmp(line, "L25ldzE=\n") == 0 || strcmp(line, "L25ldzI=\n") == 0;
    fclose(f);
    assert_int_equal(lines, 2);
    /* and is read back: "/new1" is no longer new */
    h = load_in_dir("alert http any any -> any any (http.uri; dataset:set,fresh,type string,"
                    "state fresh.lst; sid:3;)\n", conf);
    assert_false(uri_alerts(&h, 3, "/new1"));
    assert_true(uri_alerts(&h, 3, "/new3"));
    unload(&h);
    conf_free(conf);
}

/* Names declared in the configuration; conflicting types and bad files fail the rule. */
static void test_config_and_errors(void **state)
{
    (void)state;
    test_dir_write("ips.lst", "10.0.0.1\n2001:db8::1\n");
    test_dir_write("bad.lst", "L2E=\nnot base64!\n");
    ConfNode *conf = conf_new_default();
    char set[200], err[128];
    snprintf(set, sizeof(set), "datasets.ua.type=string");
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    snprintf(set, sizeof(set), "datasets.ua.load=%s/bad.lst", test_dir);
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    test_dir_write("r.rules", "");
    char rules[128];
    snprintf(rules, sizeof(rules), "%s/r.rules", test_dir);
    FILE *f = fopen(rules, "w");
    fputs("alert http any any -> any any (http.uri; dataset:isset,ua; sid:1;)\n"
          "alert http any any -> any any (http.uri; dataset:isset,ips,type ip,load ips.lst; "
          "sid:2;)\n"
          "alert http any any -> any any (http.uri; dataset:isset,ips,type md5; sid:3;)\n"
          "alert http any any -> any any (http.uri; dataset:isset,untyped; sid:4;)\n"
          "alert http any any -> any any (dataset:isset,ips; sid:5;)\n"
          "alert http any any -> any any (http.uri; dataset:isset,x,type string,"
          "load missing.lst; sid:6;)\n", f);
    fclose(f);
    const char *files[] = {rules};
    DetectLoadStats stats;
    DetectEngine *de = detect_engine_load(conf, files, 1, true, &stats);
    assert_non_null(de);
    assert_int_equal(stats.loaded, 1);  /* only sid 2 */
    assert_int_equal(stats.failed, 5);
    detect_engine_free(de);
    conf_free(conf);
}

static void test_memcap(void **state)
{
    (void)state;
    ConfNode *conf = conf_new_default();
    char err[64];
    assert_int_equal(conf_set(conf, "datasets.defaults.memcap=1kb", err, sizeof(err)), 0);
    Harness h = load_in_dir("alert http any any -> any any (http.uri; dataset:set,s,type "
                            "string,hashsize 4; sid:1;)\n", conf);
    int added = 0;
    char uri[32];
    for (int i = 0; i < 200; i++) {
        snprintf(uri, sizeof(uri), "/u%d", i);
        added += uri_alerts(&h, 1, uri);
    }
    assert_true(added > 0 && added < 200);
    unload(&h);
    conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_formats),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_config_and_errors),
        cmocka_unit_test(test_memcap),
    };
    return cmocka_run_group_tests(tests, setup, detect_test_teardown_dir);
}
