/*
 * test-output.c - counters and the EVE basics: stats nesting, averages and maxima across
 * threads, Suricata's timestamp and IPv6 address formats, line-atomic writer, fast.log lines
 * and the alert's payload/packet fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/socket.h>
#include <unistd.h>

#include "common/counters.h"
#include "common/timefmt.h"
#include "output/eve.h"
#include "output/output-fast.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

static void test_counters_merge_and_nest(void **state)
{
    (void)state;
    counters_reset_registry();
    CounterId pkts = counters_register("decoder.pkts");
    CounterId bytes = counters_register("decoder.bytes");
    CounterId max = counters_register_max("decoder.max_pkt_size");
    counters_register_avg("decoder.avg_pkt_size", bytes, pkts);
    assert_int_equal(counters_register("decoder.pkts"), pkts);
    CounterSet a, b;
    counter_set_init(&a);
    counter_set_init(&b);
    counter_add(&a, pkts, 2);
    counter_add(&a, bytes, 300);
    counter_update_max(&a, max, 200);
    counter_add(&b, pkts, 1);
    counter_add(&b, bytes, 60);
    counter_update_max(&b, max, 60);
    counter_set_merge(&a, &b);
    json_t *obj = counter_set_to_json(&a);
    json_t *decoder = json_object_get(obj, "decoder");
    assert_int_equal(json_integer_value(json_object_get(decoder, "pkts")), 3);
    assert_int_equal(json_integer_value(json_object_get(decoder, "bytes")), 360);
    assert_int_equal(json_integer_value(json_object_get(decoder, "max_pkt_size")), 200);
    assert_int_equal(json_integer_value(json_object_get(decoder, "avg_pkt_size")), 120);
    json_decref(obj);
    counter_set_free(&a);
    counter_set_free(&b);
}

static void test_timestamp_format(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    char buf[TIMEFMT_BUF_SIZE];
    timefmt_iso(1700000000123456ull, buf);
    assert_string_equal(buf, "2023-11-14T22:13:20.123456+0000");
    timefmt_iso(1700000000000001ull, buf);
    assert_string_equal(buf, "2023-11-14T22:13:20.000001+0000");
    /* Seconds sharing a cache slot (16 apart) and alternating with others. */
    timefmt_iso(1700000016000000ull, buf);
    assert_string_equal(buf, "2023-11-14T22:13:36.000000+0000");
    timefmt_iso(1700000001999999ull, buf);
    assert_string_equal(buf, "2023-11-14T22:13:21.999999+0000");
    timefmt_iso(1700000000000010ull, buf);
    assert_string_equal(buf, "2023-11-14T22:13:20.000010+0000");
    timefmt_iso(86400000000ull * 366, buf);
    assert_string_equal(buf, "1971-01-02T00:00:00.000000+0000");
}

static void test_address_format(void **state)
{
    (void)state;
    char want6[64];
    Address a = {.family = AF_INET6};
    a.addr[15] = 1;
    a.addr[0] = 0x20;
    a.addr[1] = 0x01;
    char buf[64];
    eve_format_address(&a, buf, sizeof(buf));
    assert_string_equal(buf, "2001:0000:0000:0000:0000:0000:0000:0001");
    Address v4 = {.family = AF_INET, .addr = {10, 1, 2, 3}};
    eve_format_address(&v4, buf, sizeof(buf));
    assert_string_equal(buf, "10.1.2.3");
    /* Every octet value in every position, against the C library's formatting. */
    for (unsigned v = 0; v < 256; v++) {
        Address o = {.family = AF_INET, .addr = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7),
                                                 (uint8_t)(v / 3)}};
        char want[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, o.addr, want, sizeof(want));
        eve_format_address(&o, buf, sizeof(buf));
        assert_string_equal(buf, want);
        memset(o.addr, 0, sizeof(o.addr));
        o.family = AF_INET6;
        o.addr[v % 16] = (uint8_t)v;
        o.addr[15 - v % 16] = (uint8_t)(v ^ 0xA5);
        eve_format_address(&o, buf, sizeof(buf));
        const uint8_t *b = o.addr;
        snprintf(want6, sizeof(want6),
                 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
        assert_string_equal(buf, want6);
    }
    /* A short buffer gets a truncated, terminated string. */
    eve_format_address(&v4, buf, 5);
    assert_string_equal(buf, "10.1");
}

static void test_writer_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/bongsu-test-eve-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "%s", path);
    EveLog *log = eve_log_open(&cfg);
    assert_non_null(log);
    EveWriter w1, w2;
    eve_writer_init(&w1, log);
    eve_writer_init(&w2, log);
    for (int i = 0; i < 3000; i++) {
        eve_write(i % 2 ? &w1 : &w2, EVE_FLOW, json_pack("{s:s, s:i}", "event_type", "flow", "n", i));
    }
    eve_writer_destroy(&w1);
    eve_writer_destroy(&w2);
    assert_int_equal(log->lines_written[EVE_FLOW], 3000);
    eve_log_close(log);
    FILE *f = fopen(path, "r");
    char line[256];
    int lines = 0;
    long sum = 0;
    while (fgets(line, sizeof(line), f)) {
        json_error_t err;
        json_t *obj = json_loads(line, 0, &err);
        assert_non_null(obj);
        sum += json_integer_value(json_object_get(obj, "n"));
        json_decref(obj);
        lines++;
    }
    fclose(f);
    unlink(path);
    assert_int_equal(lines, 3000);
    assert_int_equal(sum, 2999L * 3000 / 2); /* every event exactly once */
}

/* A TCP packet 10.0.0.1:1234 -> 10.0.0.2:80 whose payload is "GET\x01\n". */
static void fast_packet(Packet *p, uint8_t *bytes)
{
    memset(p, 0, sizeof(*p));
    memcpy(bytes, "IPHDR...GET\x01\n", 13);
    p->buf = bytes;
    p->len = 13;
    p->datalink = 1;
    p->ip_version = 4;
    p->proto = IPPROTO_TCP;
    p->src.family = p->dst.family = AF_INET;
    inet_pton(AF_INET, "10.0.0.1", p->src.addr);
    inet_pton(AF_INET, "10.0.0.2", p->dst.addr);
    p->sp = 1234;
    p->dp = 80;
    p->payload = bytes + 8;
    p->payload_len = 5;
    p->ts_usec = 1700000000123456ull;
}

static void test_fast_line(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    Packet p;
    uint8_t bytes[16];
    fast_packet(&p, bytes);
    AlertInfo a = {.gid = 1, .sid = 2001, .rev = 3, .signature = "ET TEST x",
                   .category = "Potentially Bad Traffic", .severity = 2};
    char line[512];
    output_fast_format(line, sizeof(line), &p, NULL, &a);
    assert_string_equal(line, "11/14/2023-22:13:20.123456  [**] [1:2001:3] ET TEST x [**] "
                              "[Classification: Potentially Bad Traffic] [Priority: 2] {TCP} "
                              "10.0.0.1:1234 -> 10.0.0.2:80\n");
    /* Drop/reject in IDS mode, no classtype, an unnamed protocol, ICMP type/code. */
    a.drop = true;
    a.category = "";
    p.proto = 200;
    output_fast_format(line, sizeof(line), &p, NULL, &a);
    assert_non_null(strstr(line, "  [wDrop] [**] [1:2001:3]"));
    assert_non_null(strstr(line, "[Classification: (null)] [Priority: 2] {PROTO:200}"));
    p.proto = IPPROTO_ICMP;
    p.icmp_type = 8;
    output_fast_format(line, sizeof(line), &p, NULL, &a);
    assert_non_null(strstr(line, "{ICMP} 10.0.0.1:8 -> 10.0.0.2:0\n"));
}

/* fast.log lines and the payload/packet fields reach their files through one writer. */
static void test_alert_outputs(void **state)
{
    (void)state;
    char eve_path[] = "/tmp/bongsu-test-eve-XXXXXX", fast_path[] = "/tmp/bongsu-test-fast-XXXXXX";
    close(mkstemp(eve_path));
    close(mkstemp(fast_path));
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "%s", eve_path);
    snprintf(cfg.fast_path, sizeof(cfg.fast_path), "%s", fast_path);
    cfg.fast_enabled = true;
    cfg.fast_append = false;
    cfg.alert.payload = cfg.alert.payload_printable = cfg.alert.packet = true;
    EveLog *log = eve_log_open(&cfg);
    assert_non_null(log);
    EveWriter w;
    eve_writer_init(&w, log);
    Packet p;
    uint8_t bytes[16];
    fast_packet(&p, bytes);
    AlertInfo a = {.gid = 1, .sid = 7, .rev = 1, .signature = "s", .category = ""};
    output_alert(&w, &p, NULL, &a);
    output_alert(&w, &p, NULL, &a);
    /* a reject rule matched the packet: what it would send, in the verdict */
    cfg.alert.verdict = true;
    log->cfg.alert.verdict = true;
    a.verdict = "alert";
    a.reject_target = "both";
    output_alert(&w, &p, NULL, &a);
    eve_writer_destroy(&w);
    eve_log_close(log);
    FILE *f = fopen(fast_path, "r");
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof(line), f))
        lines += strstr(line, "[1:7:1] s [**]") != NULL;
    fclose(f);
    assert_int_equal(lines, 3);
    f = fopen(eve_path, "r");
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    json_t *obj = json_loads(line, 0, NULL);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "payload")), "R0VUAQo=");
    assert_string_equal(json_string_value(json_object_get(obj, "payload_printable")), "GET.\n");
    assert_int_equal(json_integer_value(json_object_get(obj, "stream")), 0);
    assert_string_equal(json_string_value(json_object_get(obj, "packet")),
                        "SVBIRFIuLi5HRVQBCg==");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(obj, "packet_info"),
                                                        "linktype")), 1);
    json_decref(obj);
    f = fopen(eve_path, "r");
    for (int i = 0; i < 3; i++)
        assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    obj = json_loads(line, 0, NULL);
    json_t *verdict = json_object_get(obj, "verdict");
    assert_string_equal(json_string_value(json_object_get(verdict, "action")), "alert");
    assert_string_equal(json_string_value(json_object_get(verdict, "reject-target")), "both");
    assert_string_equal(json_string_value(json_array_get(json_object_get(verdict, "reject"), 0)),
                        "tcp-reset");
    json_decref(obj);
    unlink(eve_path);
    unlink(fast_path);
}

/* A transaction's alert on TCP is a state match: stream 1, and the payload the packet
 * direction's kept stream, or the packet's own payload when the session holds none. */
static void test_tx_alert_is_stream(void **state)
{
    (void)state;
    char eve_path[] = "/tmp/bongsu-test-eve-XXXXXX";
    close(mkstemp(eve_path));
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "%s", eve_path);
    cfg.alert.payload_printable = true;
    EveLog *log = eve_log_open(&cfg);
    assert_non_null(log);
    EveWriter w;
    eve_writer_init(&w, log);
    Packet p;
    uint8_t bytes[16];
    fast_packet(&p, bytes);
    Flow f;
    memset(&f, 0, sizeof(f));
    AlertInfo a = {.gid = 1, .sid = 7, .rev = 1, .signature = "s", .category = "",
                   .has_tx_id = true};
    output_alert(&w, &p, &f, &a);
    a.has_tx_id = false;
    output_alert(&w, &p, &f, &a);
    eve_writer_destroy(&w);
    eve_log_close(log);
    FILE *fp = fopen(eve_path, "r");
    char line[2048];
    for (int i = 0; i < 2; i++) {
        assert_non_null(fgets(line, sizeof(line), fp));
        json_t *obj = json_loads(line, 0, NULL);
        assert_non_null(obj);
        assert_int_equal(json_integer_value(json_object_get(obj, "stream")), i == 0);
        assert_string_equal(json_string_value(json_object_get(obj, "payload_printable")),
                            "GET.\n");
        json_decref(obj);
    }
    fclose(fp);
    unlink(eve_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_merge_and_nest),
        cmocka_unit_test(test_tx_alert_is_stream),
        cmocka_unit_test(test_timestamp_format),
        cmocka_unit_test(test_address_format),
        cmocka_unit_test(test_writer_lines),
        cmocka_unit_test(test_fast_line),
        cmocka_unit_test(test_alert_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
