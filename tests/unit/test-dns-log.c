/*
 * test-dns-log.c - the DNS logger: EVE version 2 events (every rrtype's rdata, grouped answers,
 * authorities, timestamps), version 3 events (queries, additionals), the eve-log dns options
 * (requests/responses, types, formats and Suricata's quirk for unnamed rrtypes), the object
 * alerts carry and the dns.query detection buffer.
 */
#include "dns-test-util.h"

static void test_v2_answer_event(void **state)
{
    (void)state;
    Harness h;
    harness_init(&h, false);
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 0x1234, "example.com", DNS_TYPE_A);
    feed_udp(&h, true, m, 1000000);
    build_every_rrtype(m);
    feed_udp(&h, false, m, 2000000);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    json_t *q = event_of(events, "dns", 0);
    assert_string_equal(str_at(q, "type"), "query");
    assert_int_equal(int_at(q, "tx_id"), 0);
    assert_int_equal(int_at(q, "version"), 2);
    assert_null(json_object_get(q, "tx_id"));
    json_t *a = event_of(events, "dns", 1);
    assert_string_equal(str_at(a, "type"), "answer");
    assert_string_equal(str_at(a, "flags"), "8580");
    assert_true(json_is_true(json_object_get(json_object_get(a, "dns"), "aa")));
    assert_null(json_object_get(json_object_get(a, "dns"), "tx_id"));
    assert_string_equal(str_at(a, "rcode"), "NOERROR");
    assert_string_equal(str_at(a, "answers.0.rdata"), "10.1.2.3");
    assert_string_equal(str_at(a, "answers.1.rdata"), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(str_at(a, "answers.2.rrtype"), "CNAME");
    assert_string_equal(str_at(a, "answers.2.rdata"), "alias.example.com");
    assert_string_equal(str_at(a, "answers.3.rdata"), "mail.example.com");
    assert_string_equal(str_at(a, "answers.4.rdata"), "ns1.example.com");
    assert_string_equal(str_at(a, "answers.5.rdata"), "ptr.example.com");
    assert_string_equal(str_at(a, "answers.6.soa.rname"), "host.example.com");
    assert_string_equal(str_at(a, "answers.7.rdata"), "hello");
    assert_string_equal(str_at(a, "answers.8.rdata"), "");
    assert_string_equal(str_at(a, "answers.9.srv.name"), "sip.example.com");
    assert_string_equal(str_at(a, "answers.10.rdata"), "\x01\\xc5");
    assert_string_equal(str_at(a, "answers.11.sshfp.fingerprint"), "de:ad:be:ef");
    assert_string_equal(str_at(a, "answers.12.rrtype"), "HTTPS");
    assert_null(str_at(a, "answers.12.rdata"));
    assert_string_equal(str_at(a, "grouped.A.0"), "10.1.2.3");
    assert_string_equal(str_at(a, "grouped.TXT.1"), "");
    assert_string_equal(str_at(a, "grouped.SRV.0.name"), "sip.example.com");
    assert_string_equal(str_at(a, "authorities.0.rrtype"), "SOA");
    /* Each event carries the time of its own message. */
    assert_string_equal(json_string_value(json_object_get(q, "timestamp")),
                        "1970-01-01T00:00:01.000000+0000");
    assert_string_equal(json_string_value(json_object_get(a, "timestamp")),
                        "1970-01-01T00:00:02.000000+0000");
    json_decref(events);
    harness_free(&h);
    free(m);
}

static void test_v3_output(void **state)
{
    (void)state;
    load_conf("outputs:\n  - eve-log:\n      types:\n        - dns:\n            version: 3\n");
    Harness h;
    harness_init(&h, false);
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 0x1234, "example.com", DNS_TYPE_A);
    feed_udp(&h, true, m, 1);
    build_every_rrtype(m);
    m->b[11] = 3;  /* three additionals: an empty OPT (not logged) and two A records */
    put8(m, 0);
    put16(m, DNS_TYPE_OPT);
    put16(m, 512);
    put32(m, 0);
    put16(m, 0);
    put_rr_head(m, DNS_TYPE_A, 7, 4);
    put_bytes(m, "\x01\x01\x01\x01", 4);
    put_rr_head(m, DNS_TYPE_A, 7, 4);
    put_bytes(m, "\x02\x02\x02\x02", 4);
    feed_udp(&h, false, m, 2);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    json_t *q = event_of(events, "dns", 0);
    assert_int_equal(int_at(q, "version"), 3);
    assert_string_equal(str_at(q, "type"), "request");
    assert_string_equal(str_at(q, "queries.0.rrname"), "example.com");
    assert_string_equal(str_at(q, "rcode"), "NOERROR");
    json_t *r = event_of(events, "dns", 1);
    assert_string_equal(str_at(r, "type"), "response");
    assert_int_equal(int_at(r, "tx_id"), 1);
    assert_string_equal(str_at(r, "queries.0.rrtype"), "A");
    assert_string_equal(str_at(r, "answers.3.rdata"), "mail.example.com");
    assert_string_equal(str_at(r, "grouped.AAAA.0"), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(str_at(r, "authorities.0.soa.mname"), "ns1.example.com");
    assert_string_equal(str_at(r, "additionals.0.rdata"), "1.1.1.1");
    assert_string_equal(str_at(r, "additionals.1.rdata"), "2.2.2.2");
    assert_null(str_at(r, "additionals.2.rrtype"));
    json_decref(events);
    harness_free(&h);
    free(m);
}

/* Runs an A query, an AAAA query, an SVCB (64, unnamed) query and an A response through the
 * logger with the given dns options; returns the dns events. */
static json_t *log_with_options(const char *options)
{
    char yaml[512];
    snprintf(yaml, sizeof(yaml),
             "outputs:\n  - eve-log:\n      types:\n        - dns:\n%s", options);
    load_conf(yaml);
    Harness h;
    harness_init(&h, false);
    MsgBuf m;
    build_query(&m, 1, "a.example", DNS_TYPE_A);
    feed_udp(&h, true, &m, 1);
    build_query(&m, 2, "aaaa.example", DNS_TYPE_AAAA);
    feed_udp(&h, true, &m, 2);
    build_query(&m, 3, "svcb.example", 64);
    feed_udp(&h, true, &m, 3);
    build_a_response(&m, 1, "a.example");
    feed_udp(&h, false, &m, 4);
    json_t *events = harness_events(&h);
    harness_free(&h);
    return events;
}

static void test_log_options(void **state)
{
    (void)state;
    json_t *ev = log_with_options("            version: 2\n");
    assert_int_equal(count_of(ev, "dns"), 4);
    assert_string_equal(str_at(event_of(ev, "dns", 2), "rrtype"), "64");
    json_decref(ev);
    ev = log_with_options("            types: [aaaa]\n");
    assert_int_equal(count_of(ev, "dns"), 1);
    assert_string_equal(str_at(event_of(ev, "dns", 0), "rrtype"), "AAAA");
    json_decref(ev);
    ev = log_with_options("            requests: no\n");
    assert_int_equal(count_of(ev, "dns"), 1);
    assert_string_equal(str_at(event_of(ev, "dns", 0), "type"), "answer");
    json_decref(ev);
    ev = log_with_options("            responses: no\n");
    assert_int_equal(count_of(ev, "dns"), 2);
    json_decref(ev);
    ev = log_with_options("            formats: [grouped]\n");
    json_t *a = event_of(ev, "dns", 2);
    assert_null(str_at(a, "answers.0.rdata"));
    assert_string_equal(str_at(a, "grouped.A.0"), "10.1.2.3");
    json_decref(ev);
    /* One format only: the flag word is no longer full, so the unnamed SVCB query is not
     * logged any more (as Suricata 7). */
    ev = log_with_options("            formats: [detailed]\n");
    assert_int_equal(count_of(ev, "dns"), 3);
    a = event_of(ev, "dns", 2);
    assert_string_equal(str_at(a, "answers.0.rdata"), "10.1.2.3");
    assert_null(json_object_get(json_object_get(a, "dns"), "grouped"));
    json_decref(ev);
    reset_conf(NULL);
}

static void test_alert_object_and_buffer(void **state)
{
    (void)state;
    app_layer_dns_parser.configure(NULL);
    int buf_id = applayer_buffer_id("dns.query");
    assert_true(buf_id >= 0);
    Harness h;
    harness_init(&h, false);
    MsgBuf m;
    build_query(&m, 9, "alert.example", DNS_TYPE_TXT);
    AppLayerCtx ctx = {&h.thread, &h.flow, &h.packet, 1};
    app_layer_dns_parser.parse(h.state, &ctx, true, m.b, m.n, APP_FLAG_DATAGRAM);
    build_a_response(&m, 9, "alert.example");
    app_layer_dns_parser.parse(h.state, &ctx, false, m.b, m.n, APP_FLAG_DATAGRAM);
    void *query = app_layer_dns_parser.tx_get(h.state, 0);
    void *answer = app_layer_dns_parser.tx_get(h.state, 1);
    const uint8_t *data;
    uint32_t len;
    assert_true(applayer_buffer_get(buf_id, h.state, query, true, &data, &len));
    assert_int_equal(len, 13);
    assert_memory_equal(data, "alert.example", 13);
    assert_false(applayer_buffer_get(buf_id, h.state, answer, true, &data, &len));
    json_t *obj = app_layer_dns_parser.tx_alert_json(h.state, query);
    json_t *q0 = json_array_get(json_object_get(obj, "query"), 0);
    assert_string_equal(json_string_value(json_object_get(q0, "rrtype")), "TXT");
    assert_int_equal(json_integer_value(json_object_get(q0, "tx_id")), 0);
    json_decref(obj);
    obj = app_layer_dns_parser.tx_alert_json(h.state, answer);
    json_t *ans = json_object_get(obj, "answer");
    assert_string_equal(json_string_value(json_object_get(ans, "type")), "answer");
    assert_string_equal(json_string_value(json_object_get(ans, "rrname")), "alert.example");
    assert_null(json_object_get(ans, "answers")); /* alerts carry no answer lists */
    json_decref(obj);
    harness_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_v2_answer_event, reset_conf),
        cmocka_unit_test_teardown(test_v3_output, reset_conf),
        cmocka_unit_test(test_log_options),
        cmocka_unit_test_setup(test_alert_object_and_buffer, reset_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
