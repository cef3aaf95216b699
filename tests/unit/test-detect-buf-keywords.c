/*
 * test-detect-buf-keywords.c - the buffer keywords added for Suricata 7 rule sets: the
 * pcrexform and xor transforms (and a transform after a match starting a new list), datarep
 * reputation sets, the file keywords (filename, fileext, filemd5, filesize, filestore) on an
 * HTTP transaction's files, and uricontent; parsed and matched against the real HTTP parser's
 * buffers, with the syntax errors Suricata reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "applayer/app-layer-http.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect-test-util.h"

static int setup(void **state)
{
    ConfNode *conf = conf_new_default();
    int rc = applayer_init(conf);
    conf_free(conf);
    return rc == 0 ? detect_test_setup_dir(state) : -1;
}

static void assert_parse(const char *opts, bool ok)
{
    char rule[1024];
    snprintf(rule, sizeof(rule), "alert http any any -> any any (%s sid:1;)", opts);
    detect_buffer_keywords_init();
    assert_rule(rule, ok);
}

/* An HTTP transaction with a request URI and, optionally, a downloaded file. */
typedef struct TestTx {
    HttpTx tx;
    Flow f;
    AppLayerFlow app;
} TestTx;

static void test_tx(TestTx *t, const char *uri, File *file)
{
    memset(t, 0, sizeof(*t));
    t->tx.uri_norm.data = (uint8_t *)uri;
    t->tx.uri_norm.len = (uint32_t)strlen(uri);
    t->tx.resp.file = file;
    t->f.key.proto = IPPROTO_TCP;
    t->f.key.src.family = t->f.key.dst.family = AF_INET;
    t->app.proto = ALPROTO_HTTP;
    t->f.app = &t->app;
}

/* Inspects t's transaction as a new one (both sides), however often it was before. */
static bool tx_fires(Harness *h, uint32_t sid, TestTx *t)
{
    t->app.inspected[0] = t->app.inspected[1] = 0;
    detect_tx(h->dt, &t->f, NULL, ALPROTO_HTTP, NULL, &t->tx, 0);
    return alerted(h->dt, sid);
}

/* How many of the rules fail to load (from a file in test_dir). */
static uint32_t failures(const char *rules)
{
    char path[160];
    test_dir_write("bad.rules", rules);
    snprintf(path, sizeof(path), "%s/bad.rules", test_dir);
    const char *files[] = {path};
    DetectLoadStats stats;
    DetectEngine *de = detect_engine_load(NULL, files, 1, true, &stats);
    assert_non_null(de);
    detect_engine_free(de);
    return stats.failed;
}

static Harness load_dir(const char *rules)
{
    return load_in_test_dir(rules, NULL);
}

/* pcrexform keeps the capture; xor decodes with a repeating key; the match before a transform
 * still sees the untransformed buffer (Suricata 7). */
static void test_param_transforms(void **state)
{
    (void)state;
    Harness h = load_dir(
        "alert http any any -> any any (http.uri; pcrexform:\"id=([0-9]+)\"; content:\"42\"; "
        "bsize:2; sid:1;)\n"
        "alert http any any -> any any (http.uri; content:\"/get?d=\"; startswith; "
        "pcrexform:\"d=(.*)\"; xor:\"0102\"; content:\"pass\"; startswith; sid:2;)\n"
        "alert http any any -> any any (http.uri; pcrexform:\"nomatch=(x)\"; "
        "content:\"/get\"; startswith; sid:3;)\n");
    TestTx t;
    test_tx(&t, "/q?id=42&x=1", NULL);
    assert_true(tx_fires(&h, 1, &t));
    assert_false(alerted(h.dt, 2) || alerted(h.dt, 3));
    /* "pass" ^ 01 02 01 02 = "qcrq" */
    test_tx(&t, "/get?d=qcrq", NULL);
    assert_true(tx_fires(&h, 2, &t));
    assert_true(alerted(h.dt, 3)); /* no match: the buffer is left as it was */
    unload(&h);
    assert_parse("http.uri; pcrexform:\"(a)(b)\"; content:\"a\";", false);
    assert_parse("http.uri; pcrexform:\"nocapture\"; content:\"a\";", false);
    assert_parse("http.uri; pcrexform:unquoted(x); content:\"a\";", false);
    assert_parse("pcrexform:\"(a)\"; content:\"a\";", false);
    assert_parse("http.uri; xor:\"0d0ac8ff\"; content:\"a\";", true);
    assert_parse("http.uri; xor:\"0d0\"; content:\"a\";", false);
    assert_parse("http.uri; xor:\"zz\"; content:\"a\";", false);
}

static void test_datarep(void **state)
{
    (void)state;
    /* "/good" and "/bad" in base64, with reputations */
    test_dir_write("uris.rep", "L2dvb2Q=,10\nL2JhZA==,250\n");
    Harness h = load_dir(
        "alert http any any -> any any (http.uri; datarep:uris, >, 200, load uris.rep, "
        "type string; sid:1;)\n"
        "alert http any any -> any any (http.uri; datarep:uris, <, 20; sid:2;)\n"
        "alert http any any -> any any (http.uri; datarep:uris, ==, 250; sid:3;)\n");
    TestTx t;
    test_tx(&t, "/bad", NULL);
    assert_true(tx_fires(&h, 1, &t));
    assert_true(alerted(h.dt, 3));
    assert_false(alerted(h.dt, 2));
    test_tx(&t, "/good", NULL);
    assert_true(tx_fires(&h, 2, &t));
    assert_false(alerted(h.dt, 1) || alerted(h.dt, 3));
    test_tx(&t, "/other", NULL);
    assert_false(tx_fires(&h, 2, &t)); /* not in the set: no reputation to compare */
    unload(&h);
    /* the syntax (checked while an engine loads, which gives datasets their registry) */
    const char *bad[] = {"datarep:uris, >=, 1;", "datarep:uris, >, 70000;",
                         "datarep:uris, >;", "datarep:uris, >, 1, load x.rep;",
                         "http.uri; datarep:u s, >, 1, type string;"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char rule[256];
        snprintf(rule, sizeof(rule), "alert http any any -> any any (http.uri; %s sid:9;)\n",
                 bad[i]);
        if (failures(rule) != 1)
            fail_msg("accepted: %s", bad[i]);
    }
}

static File *test_file(const char *name, uint64_t size, const char *md5_hex)
{
    File *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->name_len = (uint32_t)strlen(name);
    memcpy(f->name, name, f->name_len);
    f->size = size;
    f->state = FILE_STATE_CLOSED;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        assert_int_equal(sscanf(md5_hex + 2 * i, "%2x", &v), 1);
        f->md5[i] = (uint8_t)v;
    }
    f->have_md5 = true;
    return f;
}

static void test_file_keywords(void **state)
{
    (void)state;
    test_dir_write("bad.md5", "# known bad\n0123456789abcdef0123456789abcdef  evil.pdf\n"
                              "ffffffffffffffffffffffffffffffff\n");
    Harness h = load_dir(
        "alert http any any -> any any (filename:\"REPORT.pdf\"; sid:1;)\n"
        "alert http any any -> any any (filename:!\"report\"; sid:2;)\n"
        "alert http any any -> any any (fileext:\"PDF\"; sid:3;)\n"
        "alert http any any -> any any (fileext:!\"pdf\"; sid:4;)\n"
        "alert http any any -> any any (filemd5:bad.md5; sid:5;)\n"
        "alert http any any -> any any (filemd5:!bad.md5; sid:6;)\n"
        "alert http any any -> any any (filesize:>100; sid:7;)\n"
        "alert http any any -> any any (filesize:<100; sid:8;)\n"
        "alert http any any -> any any (filestore; fileext:\"pdf\"; sid:9;)\n"
        "alert http any any -> any any (fileext:\"pdf\"; filesize:<100; sid:10;)\n"
        "alert http any any -> any any (uricontent:\"/dl\"; sid:11;)\n");
    File *file = test_file("/dl/report.pdf", 1000, "0123456789abcdef0123456789abcdef");
    TestTx t;
    test_tx(&t, "/dl/report.pdf", file);
    assert_true(tx_fires(&h, 1, &t));
    const uint32_t yes[] = {3, 5, 7, 9, 11}, no[] = {2, 4, 6, 8, 10};
    for (size_t i = 0; i < 5; i++) {
        if (!alerted(h.dt, yes[i]) || alerted(h.dt, no[i]))
            fail_msg("sid %u should alert, sid %u not", yes[i], no[i]);
    }
    /* a file that is not complete has no size or digest to judge */
    file->state = FILE_STATE_OPENED;
    assert_true(tx_fires(&h, 7, &t));       /* already > 100 */
    assert_false(alerted(h.dt, 5) || alerted(h.dt, 6) || alerted(h.dt, 8));
    /* no file: no file keyword holds, negated ones included */
    test_tx(&t, "/dl/report.pdf", NULL);
    assert_false(tx_fires(&h, 2, &t));
    assert_false(alerted(h.dt, 4) || alerted(h.dt, 6) || alerted(h.dt, 9));
    assert_true(alerted(h.dt, 11));
    free(file);
    unload(&h);
    assert_parse("filestore:both,flow;", true);
    assert_parse("filestore:sideways;", false);
    assert_parse("filestore:request,forever;", false);
    assert_parse("filesize:abc;", false);
    assert_parse("filename:\"\";", false);
}

/* base64_decode after a legacy modifier works in that content's buffer (Suricata 7), and its
 * bytes limit holds: "dGhpc2lzYX" decodes to "thisis" and a partial byte. */
static void test_base64_after_modifier(void **state)
{
    (void)state;
    Harness h = load_dir(
        "alert http any any -> any any (content:\"arg\"; http_uri; base64_decode:bytes 17, "
        "offset 1, relative; base64_data; content:\"thisisatest\"; sid:1;)\n"
        "alert http any any -> any any (content:\"arg\"; http_uri; base64_decode:bytes 10, "
        "offset 1, relative; base64_data; content:\"test\"; sid:2;)\n"
        "alert http any any -> any any (content:\"arg\"; http_uri; base64_decode:bytes 17, "
        "offset 1, relative; base64_data; content:\"toast\"; sid:3;)\n");
    TestTx t;
    test_tx(&t, "/?arg=dGhpc2lzYXRlc3QK", NULL);
    assert_true(tx_fires(&h, 1, &t));
    assert_false(alerted(h.dt, 2) || alerted(h.dt, 3));
    unload(&h);
}

/* byte_jump before the buffer's start lands on it (Suricata 7); past its end fails. */
static void test_byte_jump_clamp(void **state)
{
    (void)state;
    Harness h = load_dir(
        "alert tcp any any -> any any (content:\"AB\"; byte_jump:0,0,relative,post_offset -10; "
        "content:\"xyAB\"; within:4; sid:1;)\n"
        "alert tcp any any -> any any (content:\"AB\"; byte_jump:0,0,relative,post_offset 10; "
        "sid:2;)\n");
    TestPacket p;
    make(&p, IPPROTO_TCP, "xyABcd", 6);
    detect_packet(h.dt, &p.p, NULL);
    assert_true(alerted(h.dt, 1));
    assert_false(alerted(h.dt, 2));
    unload(&h);
}

static void test_hash_list_errors(void **state)
{
    (void)state;
    test_dir_write("short.md5", "0123\n");
    assert_int_equal(failures("alert http any any -> any any (filemd5:short.md5; sid:1;)\n"
                              "alert http any any -> any any (filemd5:missing.md5; sid:2;)\n"
                              "alert http any any -> any any (filesha256:short.md5; sid:3;)\n"),
                     3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_transforms),
        cmocka_unit_test(test_datarep),
        cmocka_unit_test(test_file_keywords),
        cmocka_unit_test(test_hash_list_errors),
        cmocka_unit_test(test_base64_after_modifier),
        cmocka_unit_test(test_byte_jump_clamp),
    };
    return cmocka_run_group_tests(tests, setup, detect_test_teardown_dir);
}
