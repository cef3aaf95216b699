/*
 * test_ingest.c — unit tests for the EVE line checker and the time parser, the two
 * pieces of the hub that read untrusted bytes on every ingested line. Every edge case
 * a sensor (or an attacker holding a sensor token) might send has a test here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"

static const char ALERT[] =
    "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"flow_id\":7,"
    "\"event_type\":\"alert\",\"src_ip\":\"10.1.2.3\",\"dest_ip\":\"203.0.113.9\","
    "\"alert\":{\"signature_id\":2025001,\"signature\":\"ET MALWARE x\",\"category\":"
    "\"A Network Trojan was detected\",\"severity\":1,\"metadata\":{\"actor\":"
    "[\"Lazarus Group\",\"Hidden Cobra\"],\"mitre_technique_id\":[\"T1071.001\",\"T1573\"]}}}";

static bool check(const char *line, hub_line *l, char *reason)
{
    return hub_ingest_check_line(line, strlen(line), l, reason, 160);
}

static void test_time_parse(void **state)
{
    (void)state;
    int64_t us;
    assert_true(hub_time_parse("2023-11-14T22:13:20.123456+0000", &us));
    assert_int_equal(us, 1700000000123456LL);
    assert_true(hub_time_parse("2023-11-14T22:13:20Z", &us));
    assert_int_equal(us, 1700000000000000LL);
    assert_true(hub_time_parse("2023-11-15T07:13:20.5+09:00", &us));
    assert_int_equal(us, 1700000000500000LL);
    assert_true(hub_time_parse("2023-11-14", &us));
    assert_int_equal(us, 1699920000000000LL);
    const char *bad[] = {"", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                         "2023-02-30T00:00:00Z", "2023-11-14T25:00:00Z", "2023-11-14T22:13:20.Z",
                         "2023-11-14T22:13:20+0000x", "1969-12-31T23:59:59Z", "20231114",
                         "2023-11-14T22:13:20.1234567890Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(hub_time_parse(bad[i], &us));
    char buf[40];
    hub_time_format(1700000000123456LL, buf, sizeof buf);
    assert_string_equal(buf, "2023-11-14T22:13:20.123456Z");
    hub_time_format_ms(1700000000123456LL, buf, sizeof buf);
    assert_string_equal(buf, "2023-11-14T22:13:20.123Z");
}

static void test_alert_fields(void **state)
{
    (void)state;
    hub_line l;
    char reason[160];
    assert_true(check(ALERT, &l, reason));
    assert_string_equal(l.f.event_type, "alert");
    assert_int_equal(l.f.ts_us, 1700000000123456LL);
    assert_int_equal(l.f.signature_id, 2025001);
    assert_int_equal(l.f.severity, 1);
    assert_string_equal(l.f.actor, "Lazarus Group");
    assert_string_equal(l.f.techniques, "T1071.001,T1573");
    assert_string_equal(l.f.attack, "A Network Trojan was detected");
    /* Inside host talking out: the inside host is the victim. */
    assert_string_equal(l.f.victim, "10.1.2.3");
    assert_ptr_equal(l.f.raw, ALERT);
    hub_line_clear(&l);
}

static void test_victim_inbound_and_target(void **state)
{
    (void)state;
    hub_line l;
    char reason[160];
    assert_true(check("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"alert\","
                      "\"src_ip\":\"198.51.100.1\",\"dest_ip\":\"192.168.1.10\",\"alert\":{}}",
                      &l, reason));
    assert_string_equal(l.f.victim, "192.168.1.10");
    assert_null(l.f.actor);
    hub_line_clear(&l);
    assert_true(check("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"alert\","
                      "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"198.51.100.2\",\"alert\":"
                      "{\"target\":{\"ip\":\"198.51.100.2\"},\"metadata\":{\"actor\":\"Kimsuky\"}}}",
                      &l, reason));
    assert_string_equal(l.f.victim, "198.51.100.2");
    assert_string_equal(l.f.actor, "Kimsuky");
    hub_line_clear(&l);
}

static void test_ddos_fields(void **state)
{
    (void)state;
    hub_line l;
    char reason[160];
    assert_true(check("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"ddos\","
                      "\"ddos\":{\"attack\":\"syn-flood\",\"victim\":\"192.0.2.7\","
                      "\"state\":\"start\"}}",
                      &l, reason));
    assert_string_equal(l.f.attack, "syn-flood");
    assert_string_equal(l.f.victim, "192.0.2.7");
    hub_line_clear(&l);
}

static void expect_reject(const char *line, const char *reason_part)
{
    hub_line l;
    char reason[160];
    assert_false(check(line, &l, reason));
    assert_null(l.root);
    if (!strstr(reason, reason_part))
        fail_msg("reason '%s' lacks '%s'", reason, reason_part);
}

static void test_rejects(void **state)
{
    (void)state;
    expect_reject("not json", "invalid JSON");
    expect_reject("[1,2]", "not a JSON object");
    expect_reject("\"x\"", "JSON");
    expect_reject("{\"timestamp\":\"2023-11-14T22:13:20Z\"}", "event_type");
    expect_reject("{\"event_type\":5,\"timestamp\":\"2023-11-14T22:13:20Z\"}", "event_type");
    expect_reject("{\"event_type\":\"Alert!\",\"timestamp\":\"2023-11-14T22:13:20Z\"}",
                  "event_type must be");
    expect_reject("{\"event_type\":\"alert\"}", "timestamp");
    expect_reject("{\"event_type\":\"alert\",\"timestamp\":\"yesterday\"}", "timestamp");
    expect_reject("{\"event_type\":\"alert\",\"event_type\":\"dns\","
                  "\"timestamp\":\"2023-11-14T22:13:20Z\"}",
                  "invalid JSON");
    expect_reject("{\"event_type\":\"alert\",\"timestamp\":\"2023-11-14T22:13:20Z\"} {}",
                  "invalid JSON");
    expect_reject("{\"event_type\":\"alert\",\"timestamp\":\"2023-11-14T22:13:20Z\",\"x\":\"\xff\"}",
                  "invalid JSON");
}

static void test_too_long(void **state)
{
    (void)state;
    size_t n = HUB_INGEST_MAX_LINE + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    hub_line l;
    char reason[160];
    assert_false(hub_ingest_check_line(big, n, &l, reason, sizeof reason));
    assert_non_null(strstr(reason, "longer than"));
    free(big);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* jansson caps nesting depth; a deep document must be rejected, not crash. */
    size_t depth = 100000;
    char *doc = malloc(depth * 2 + 1);
    memset(doc, '[', depth);
    memset(doc + depth, ']', depth);
    hub_line l;
    char reason[160];
    assert_false(hub_ingest_check_line(doc, depth * 2, &l, reason, sizeof reason));
    free(doc);
}

static void test_idem_key(void **state)
{
    (void)state;
    assert_true(hub_idem_key_valid("batch-0001"));
    assert_false(hub_idem_key_valid(""));
    assert_false(hub_idem_key_valid("has space"));
    char k[200];
    memset(k, 'a', sizeof k - 1);
    k[sizeof k - 1] = '\0';
    assert_false(hub_idem_key_valid(k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),  cmocka_unit_test(test_alert_fields),
        cmocka_unit_test(test_victim_inbound_and_target), cmocka_unit_test(test_ddos_fields),
        cmocka_unit_test(test_rejects),     cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_deep_nesting), cmocka_unit_test(test_idem_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
