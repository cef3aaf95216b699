/*
 * test-dns.c - the DNS parser: every decoded rrtype, name compression with its loop and length
 * protection, truncated messages, TCP framing split at every byte and across gaps, one
 * transaction per message with Suricata's events, and the probes. The logger's tests are in
 * test-dns-log.c; both share dns-test-util.h.
 */
#include <arpa/inet.h>

#include "dns-test-util.h"

static void test_every_rrtype_decoded(void **state)
{
    (void)state;
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_every_rrtype(m);
    DnsMessage msg;
    assert_int_equal(dns_parse_message(m->b, m->n, true, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.query_count, 1);
    assert_int_equal(msg.answer_count, 13);  /* 12 records, TXT counts twice, empty none */
    assert_int_equal(msg.authority_count, 1);
    char buf[64];
    const DnsRecord *r = msg.records;
    assert_string_equal(name_str(&msg, &r[0].name, buf, sizeof(buf)), "example.com");
    assert_int_equal(r[0].kind, DNS_RDATA_ADDR);
    assert_string_equal(name_str(&msg, &r[2].target, buf, sizeof(buf)), "alias.example.com");
    assert_int_equal(r[3].u16[0], 10);
    assert_string_equal(name_str(&msg, &r[3].target, buf, sizeof(buf)), "mail.example.com");
    assert_string_equal(name_str(&msg, &r[6].target2, buf, sizeof(buf)), "host.example.com");
    assert_int_equal(r[6].soa[4], 5);
    assert_int_equal(r[7].data.len, 5);
    assert_int_equal(r[8].data.len, 0);
    assert_int_equal(r[9].u16[2], 5060);
    assert_int_equal(r[11].kind, DNS_RDATA_SSHFP);
    assert_int_equal(r[12].kind, DNS_RDATA_OTHER);
    assert_int_equal(r[13].soa[0], 100);
    assert_int_equal(msg.name_flags, 0);
    dns_message_free(&msg);
    free(m);
}

/* A query whose name is a pointer (at offset 12) to the given offset, plus type/class. */
static DnsParseResult parse_pointer_query(uint16_t target, DnsMessage *msg)
{
    MsgBuf m;
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    put16(&m, (uint16_t)(0xc000 | target));
    put16(&m, DNS_TYPE_A);
    put16(&m, 1);
    return dns_parse_message(m.b, m.n, false, msg);
}

static void test_compression_loops(void **state)
{
    (void)state;
    DnsMessage msg;
    /* A pointer to itself before any other pointer: malformed. */
    assert_int_equal(parse_pointer_query(12, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Out of the message: malformed. */
    assert_int_equal(parse_pointer_query(0x3fff, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Pointing into the header (bytes 0x00 0x01...): a 0-length root after one label. */
    assert_int_equal(parse_pointer_query(1, &msg), DNS_PARSE_OK);
    dns_message_free(&msg);

    /* Two pointers that point at each other, reached through the answer's name (they sit
     * after the answer): the label limit stops it, the name is kept flagged, and parsing goes
     * on after the answer name's pointer. */
    MsgBuf m, rr;
    rr.n = 0;
    put16(&rr, 0);  /* the answer's name: a pointer, patched below */
    put16(&rr, DNS_TYPE_A);
    put16(&rr, 1);
    put32(&rr, 5);
    put16(&rr, 4);
    put_bytes(&rr, "\x01\x02\x03\x04", 4);
    put_header(&m, 1, 0x8180, 1, 1, 0, 0);
    put_question(&m, "a", DNS_TYPE_A);
    uint16_t loop_at = (uint16_t)(m.n + rr.n);
    rr.b[0] = (uint8_t)(0xc0 | (loop_at >> 8));
    rr.b[1] = (uint8_t)loop_at;
    put_bytes(&m, rr.b, rr.n);
    put16(&m, (uint16_t)(0xc000 | (loop_at + 2)));
    put16(&m, (uint16_t)(0xc000 | loop_at));
    assert_int_equal(dns_parse_message(m.b, m.n, true, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.answer_count, 1);
    assert_true(msg.records[0].name.flags & DNS_NAME_LABEL_LIMIT);
    assert_true(msg.records[0].name.flags & DNS_NAME_TRUNCATED);
    assert_int_equal(msg.records[0].ttl, 5);
    dns_message_free(&msg);

    /* An answer name pointing at a pointer to itself: the infinite-loop flag, name kept. */
    put_header(&m, 1, 0x8180, 1, 1, 0, 0);
    put_question(&m, "a", DNS_TYPE_A);
    loop_at = (uint16_t)(m.n + rr.n);
    rr.b[0] = (uint8_t)(0xc0 | (loop_at >> 8));
    rr.b[1] = (uint8_t)loop_at;
    put_bytes(&m, rr.b, rr.n);
    put16(&m, (uint16_t)(0xc000 | loop_at));
    assert_int_equal(dns_parse_message(m.b, m.n, true, &msg), DNS_PARSE_OK);
    assert_true(msg.name_flags & DNS_NAME_INFINITE_LOOP);
    dns_message_free(&msg);
}

static void test_name_limits(void **state)
{
    (void)state;
    char label[64];
    memset(label, 'x', 63);
    label[63] = '\0';
    /* 20 labels of 63: 1279 bytes, cut at 1025 and flagged; the message still parses. */
    char name[20 * 64 + 1] = "";
    for (int i = 0; i < 20; i++) {
        strcat(name, label);
        if (i < 19)
            strcat(name, ".");
    }
    MsgBuf m;
    build_query(&m, 7, name, DNS_TYPE_A);
    DnsMessage msg;
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_OK);
    assert_int_equal(msg.queries[0].name.bytes.len, DNS_MAX_NAME_LEN);
    assert_true(msg.queries[0].name.flags & DNS_NAME_TRUNCATED);
    assert_int_equal(msg.queries[0].rrtype, DNS_TYPE_A);
    dns_message_free(&msg);
    /* 256 one-byte labels without a pointer: over the label limit, malformed. */
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 256; i++) {
        put8(&m, 1);
        put8(&m, 'a');
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
    /* Reserved label types 0x40 and 0x80: malformed. */
    put_header(&m, 1, 0x0100, 1, 0, 0, 0);
    put8(&m, 0x41);
    put8(&m, 0);
    put32(&m, 0x00010001);
    assert_int_equal(dns_parse_message(m.b, m.n, false, &msg), DNS_PARSE_MALFORMED);
    dns_message_free(&msg);
}

static void test_truncated_messages(void **state)
{
    (void)state;
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    build_every_rrtype(m);
    for (uint32_t len = 0; len < m->n; len++) {
        DnsMessage msg;
        DnsParseResult r = dns_parse_message(m->b, len, true, &msg);
        /* Every record's bytes are needed: a cut message is never taken as whole. */
        assert_int_not_equal(r, DNS_PARSE_OK);
        if (len < DNS_HEADER_LEN + 2 * 15)
            assert_int_equal(r, DNS_PARSE_BAD_HEADER);
        dns_message_free(&msg);
    }
    free(m);
}

static uint64_t tcp_feed_split(const MsgBuf *stream, uint32_t split)
{
    Harness h;
    harness_init(&h, true);
    assert_int_equal(feed(&h, true, stream->b, split, 0, 1), 0);
    assert_int_equal(feed(&h, true, stream->b + split, stream->n - split, 0, 2), 0);
    uint64_t n = app_layer_dns_parser.tx_count(h.state);
    harness_free(&h);
    return n;
}

static void test_tcp_split_at_every_byte(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    put16(stream, 0);  /* an empty record is skipped */
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    build_query(m, 2, "two.example", DNS_TYPE_AAAA);
    put_framed(stream, m);
    for (uint32_t split = 0; split <= stream->n; split++)
        assert_int_equal(tcp_feed_split(stream, split), 2);
    /* Byte by byte, then check what was logged. */
    Harness h;
    harness_init(&h, true);
    for (uint32_t i = 0; i < stream->n; i++)
        assert_int_equal(feed(&h, true, stream->b + i, 1, 0, 1), 0);
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    assert_string_equal(str_at(event_of(events, "dns", 0), "rrname"), "one.example");
    assert_int_equal(int_at(event_of(events, "dns", 1), "id"), 2);
    assert_int_equal(int_at(event_of(events, "dns", 1), "tx_id"), 1);
    json_decref(events);
    harness_free(&h);
    free(stream);
    free(m);
}

static void test_tcp_gap_and_errors(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    Harness h;
    harness_init(&h, true);
    /* Half a record, a gap, then a whole record: the half is dropped, the record parsed. */
    assert_int_equal(feed(&h, true, stream->b, 10, 0, 1), 0);
    assert_int_equal(feed(&h, true, NULL, 100, APP_FLAG_GAP, 1), 0);
    assert_int_equal(feed(&h, true, stream->b, stream->n, 0, 2), 0);
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 1);
    /* To the client after a gap, bytes that do not start a record are skipped. */
    assert_int_equal(feed(&h, false, NULL, 100, APP_FLAG_GAP, 3), 0);
    assert_int_equal(feed(&h, false, (const uint8_t *)"\xff\xff\x01\x02", 4, 0, 3), 0);
    build_a_response(m, 1, "one.example");
    stream->n = 0;
    put_framed(stream, m);
    assert_int_equal(feed(&h, false, stream->b, stream->n, 0, 4), 0);
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 2);
    /* A record too short for a DNS header ends parsing of the flow. */
    assert_int_equal(feed(&h, true, (const uint8_t *)"\x00\x03" "abc", 5, 0, 5), -1);
    harness_free(&h);
    free(stream);
    free(m);
}

static void test_transactions_and_events(void **state)
{
    (void)state;
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    Harness h;
    harness_init(&h, true);
    /* One chunk: a query, then a response sent to the server: not_request lands on the
     * query's transaction, and TCP parsing stops. */
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    build_a_response(m, 1, "one.example");
    put_framed(stream, m);
    AppLayerCtx ctx = {&h.thread, &h.flow, &h.packet, 1};
    assert_int_equal(app_layer_dns_parser.parse(h.state, &ctx, true, stream->b, stream->n, 0),
                     -1);
    /* Before logging, detection sees the event on the transaction. */
    void *tx = app_layer_dns_parser.tx_get(h.state, 0);
    assert_true(app_layer_dns_parser.tx_has_event(tx, "not_request"));
    assert_false(app_layer_dns_parser.tx_has_event(tx, "z_flag_set"));
    assert_int_equal(feed(&h, true, NULL, 0, 0, 1), 0);
    json_t *events = harness_events(&h);
    json_int_t tx_id = -1;
    assert_string_equal(anomaly_event(events, 0, &tx_id), "not_request");
    assert_int_equal(tx_id, 0);
    assert_int_equal(count_of(events, "dns"), 1);
    json_decref(events);
    harness_free(&h);
    /* Same with a query that does not decode: malformed_data. */
    harness_init(&h, true);
    stream->n = 0;
    build_query(m, 1, "one.example", DNS_TYPE_A);
    put_framed(stream, m);
    put_header(m, 3, 0x0100, 1, 0, 0, 0);
    put8(m, 40);  /* a label running past the end */
    put_bytes(m, "abc", 3);
    put_framed(stream, m);
    assert_int_equal(feed(&h, true, stream->b, stream->n, 0, 1), -1);
    events = harness_events(&h);
    assert_string_equal(anomaly_event(events, 0, &tx_id), "malformed_data");
    assert_int_equal(tx_id, 0);
    json_decref(events);
    harness_free(&h);

    /* UDP: a query with the Z bit and opcode 9 raises both on its own transaction; a query
     * sent to the client is a response transaction (answer event); junk is ignored. */
    harness_init(&h, false);
    put_header(m, 5, 0x4840, 1, 0, 0, 0);
    put_question(m, "z.example", DNS_TYPE_A);
    feed_udp(&h, true, m, 1);
    build_query(m, 6, "q.example", DNS_TYPE_A);
    feed_udp(&h, false, m, 2);
    assert_int_equal(feed(&h, true, (const uint8_t *)"junk", 4, APP_FLAG_DATAGRAM, 3), 0);
    events = harness_events(&h);
    assert_string_equal(anomaly_event(events, 0, &tx_id), "z_flag_set");
    assert_string_equal(anomaly_event(events, 1, &tx_id), "invalid_opcode");
    assert_int_equal(tx_id, 0);
    assert_null(event_of(events, "anomaly", 2));
    json_t *q = event_of(events, "dns", 0);
    assert_true(json_is_true(json_object_get(json_object_get(q, "dns"), "z")));
    assert_int_equal(int_at(q, "opcode"), 9);
    assert_string_equal(str_at(event_of(events, "dns", 1), "type"), "answer");
    assert_int_equal(app_layer_dns_parser.tx_count(h.state), 2);
    json_decref(events);
    harness_free(&h);
    free(stream);
    free(m);
}

/* A config rule silencing a query silences the first response with its id, as Suricata 7
 * carries the tx config over to the response. */
static void test_silenced_query_silences_response(void **state)
{
    (void)state;
    MsgBuf *m = calloc(1, sizeof(MsgBuf));
    Harness h;
    harness_init(&h, false);
    const AppLayerParser *p = &app_layer_dns_parser;
    AppLayerCtx ctx = {&h.thread, &h.flow, &h.packet, 1};
    build_query(m, 7, "quiet.example", DNS_TYPE_A);
    assert_int_equal(p->parse(h.state, &ctx, true, m->b, m->n, APP_FLAG_DATAGRAM), 0);
    /* what the framework does when the detection hook disabled logging of tx 0 */
    p->tx_logging_disabled(h.state, p->tx_get(h.state, 0));
    p->tx_free(h.state, 0);
    build_a_response(m, 8, "other.example");
    feed_udp(&h, false, m, 2);
    build_a_response(m, 7, "quiet.example");
    feed_udp(&h, false, m, 3);
    feed_udp(&h, false, m, 4);   /* a second answer with that id is logged again */
    json_t *events = harness_events(&h);
    assert_int_equal(count_of(events, "dns"), 2);
    assert_int_equal(int_at(event_of(events, "dns", 0), "id"), 8);
    assert_int_equal(int_at(event_of(events, "dns", 1), "id"), 7);
    json_decref(events);
    harness_free(&h);
    free(m);
}

/* Picked up midstream, a TCP flow whose first data is a DNS response was keyed from the
 * server: detection turns it around (the answer is logged from the client's side). */
static void test_tcp_midstream_reversed(void **state)
{
    (void)state;
    counters_reset_registry();
    ConfNode *conf = conf_new_default();
    char err[128];
    assert_int_equal(conf_set(conf, "stream.midstream=true", err, sizeof(err)), 0);
    assert_int_equal(applayer_init(conf), 0);   /* port 53 is then looked for on either side */
    conf_free(conf);
    MsgBuf *stream = calloc(1, sizeof(MsgBuf)), *m = calloc(1, sizeof(MsgBuf));
    Harness h;
    harness_init(&h, true);
    counter_set_init(&h.counters);
    inet_pton(AF_INET, "8.8.4.4", h.flow.key.src.addr);
    inet_pton(AF_INET, "10.16.1.11", h.flow.key.dst.addr);
    h.flow.key.sp = 53;
    h.flow.key.dp = 40000;
    build_a_response(m, 9, "rev.example");
    put_framed(stream, m);
    h.packet.to_server = true;
    applayer_handle_data(&h.thread, &h.flow, &h.packet, true, stream->b, stream->n,
                         APP_FLAG_MIDSTREAM);
    assert_true(h.flow.swap_pending);
    assert_int_equal(h.flow.key.dp, 53);
    assert_int_equal(h.flow.app->proto, ALPROTO_DNS);
    applayer_flow_end(&h.thread, &h.flow, 1);
    json_t *events = harness_events(&h);
    json_t *answer = event_of(events, "dns", 0);
    assert_string_equal(str_at(answer, "type"), "answer");
    assert_int_equal(json_integer_value(json_object_get(answer, "dest_port")), 53);
    json_decref(events);
    applayer_flow_free(&h.flow);
    eve_writer_destroy(&h.writer);
    eve_log_close(h.log);
    unlink(h.path);
    app_layer_dns_parser.state_free(h.state);
    counter_set_free(&h.counters);
    free(stream);
    free(m);
}

static void test_probe(void **state)
{
    (void)state;
    MsgBuf m, framed;
    build_query(&m, 1, "example.com", DNS_TYPE_A);
    assert_int_equal(app_layer_dns_parser.probe(m.b, m.n, true), ALPROTO_DNS);
    assert_int_equal(app_layer_dns_parser.probe(m.b, 11, true), ALPROTO_UNKNOWN);
    m.b[5] = 200;  /* 200 questions cannot fit */
    assert_int_equal(app_layer_dns_parser.probe(m.b, m.n, true), ALPROTO_FAILED);
    m.b[5] = 1;
    framed.n = 0;
    put_framed(&framed, &m);
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, framed.n, true), ALPROTO_DNS);
    /* Only the header is there yet: it decides, against the announced length. */
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, 14, true), ALPROTO_DNS);
    assert_int_equal(app_layer_dns_parser.probe_tcp(framed.b, 13, true), ALPROTO_UNKNOWN);
    assert_int_equal(app_layer_dns_parser.probe_tcp((const uint8_t *)"GET / HTTP/1.1\r\n", 16,
                                                    true),
                     ALPROTO_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rrtype_decoded),
        cmocka_unit_test(test_compression_loops),
        cmocka_unit_test(test_name_limits),
        cmocka_unit_test(test_truncated_messages),
        cmocka_unit_test_setup(test_tcp_split_at_every_byte, reset_conf),
        cmocka_unit_test_setup(test_tcp_gap_and_errors, reset_conf),
        cmocka_unit_test_setup(test_transactions_and_events, reset_conf),
        cmocka_unit_test_setup(test_silenced_query_silences_response, reset_conf),
        cmocka_unit_test_setup(test_tcp_midstream_reversed, reset_conf),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
