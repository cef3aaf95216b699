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

/* RFC 4122's UUIDv5: the DNS namespace and "python.org" (Python's uuid.uuid5 agrees);
 * STIX ids are made so, and partners de-duplicate on them. */
static void test_uuid5(void **state)
{
    (void)state;
    static const uint8_t dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    char id[37];
    hub_uuid5(dns, "python.org", 10, id);
    assert_string_equal(id, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
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
    assert_null(l.f.event_type);
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

/* eve_scan against jansson (the parser the hub used before, the reference) on the JSON
 * corners a hand-written parser gets wrong: each value goes into an otherwise valid
 * line, which must be accepted exactly when jansson loads it. */
static void test_json_corners_match_jansson(void **state)
{
    (void)state;
    static const char *const values[] = {
        "1", "-0", "01", "-", "1.", ".5", "1e5", "1E+2", "1e", "-1.5e-3", "1e400", "-1e400",
        "1e-400", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "true", "truex", "nul", "null", "[]", "[1,]", "[,1]", "{}",
        "{\"a\":1,}", "{\"a\" 1}", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\"",
        "\"\\ud834\\udd1e\"", "\"\\ud800\\u0041\"", "\"\\U0041\"", "\"\\x\"",
        "\"\\u00e9\"", "\"\xc3\xa9\"", "\"\xc0\x80\"", "\"\xe0\x80\x80\"",
        "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"",
        "\"\x7f\"", "\"a\tb\"", "\"\\/\\b\\f\\n\\r\\t\"",
        "{\"b\":1,\"b\":2}", "{\"b\":1,\"\\u0062\":2}", "[{\"b\":1},{\"b\":2}]",
        "{\"b\":{\"b\":1}}", "\"unterminated", "[1 2]", "1 ",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char line[512];
        snprintf(line, sizeof line,
                 "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"x\",\"v\":%s}",
                 values[i]);
        json_t *ref = json_loadb(line, strlen(line), JSON_REJECT_DUPLICATES, NULL);
        hub_line l;
        char reason[160];
        bool ok = check(line, &l, reason);
        if (ok != (ref != NULL))
            fail_msg("%s: eve_scan %s, jansson %s", values[i], ok ? "accepts" : "refuses",
                     ref ? "accepts" : "refuses");
        if (ok)
            hub_line_clear(&l);
        json_decref(ref);
    }
}

static void test_wide_object_and_depth(void **state)
{
    (void)state;
    /* 20,000 distinct keys (the duplicate set grows past its inline table), then the
     * same object with one key repeated at the end. */
    size_t n = 20000, cap = n * 16 + 128, len = 0;
    char *doc = malloc(cap);
    len += (size_t)snprintf(doc, cap, "{\"timestamp\":\"2023-11-14T22:13:20Z\","
                                      "\"event_type\":\"x\"");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len, ",\"k%zu\":%zu", i, i);
    hub_line l;
    char reason[160];
    snprintf(doc + len, cap - len, "}");
    assert_true(hub_ingest_check_line(doc, len + 1, &l, reason, sizeof reason));
    hub_line_clear(&l);
    snprintf(doc + len, cap - len, ",\"k7\":0}");
    assert_false(hub_ingest_check_line(doc, strlen(doc), &l, reason, sizeof reason));
    assert_non_null(strstr(reason, "duplicate"));
    free(doc);
    /* Nesting: 2048 levels load (jansson's limit), 2049 do not. */
    for (size_t depth = 2047; depth <= 2048; depth++) {
        char *d = malloc(depth * 2 + 128);
        int k = sprintf(d, "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"x\",\"v\":");
        memset(d + k, '[', depth);
        memset(d + k + depth, ']', depth);
        strcpy(d + k + 2 * depth, "}");
        bool ok = hub_ingest_check_line(d, strlen(d), &l, reason, sizeof reason);
        assert_true(ok == (depth + 1 <= 2048));
        if (ok)
            hub_line_clear(&l);
        free(d);
    }
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
        cmocka_unit_test(test_uuid5),
        cmocka_unit_test(test_time_parse),  cmocka_unit_test(test_alert_fields),
        cmocka_unit_test(test_victim_inbound_and_target), cmocka_unit_test(test_ddos_fields),
        cmocka_unit_test(test_rejects),     cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_deep_nesting), cmocka_unit_test(test_idem_key),
        cmocka_unit_test(test_json_corners_match_jansson),
        cmocka_unit_test(test_wide_object_and_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
