/*
 * test-detect-pcre-vars.c - pcre captures into flow and packet variables, as Suricata 7 has
 * them: names after the regex ("flow:a,pkt:b", "pkt:key,pkt:value"), named groups
 * ((?P<flow_a>...)), storage only when the whole rule matched, a flow variable keeping its
 * place and taking the newest value, packet variables only on their packet, and the EVE
 * "metadata" object (flowvars, pktvars) they are logged in; plus the syntax errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect.h"
#include "detect/detect-parse.h"
#include "detect-test-util.h"

static Flow flow;

static void send_pkt(Harness *h, TestPacket *t, const char *payload)
{
    make(t, IPPROTO_TCP, payload, (uint32_t)strlen(payload));
    detect_packet(h->dt, &t->p, &flow);
}

/* metadata[kind][i] as "name=value", or "" when absent. */
static const char *var_at(json_t *md, const char *kind, size_t i, char *buf, size_t len)
{
    json_t *one = json_array_get(json_object_get(md, kind), i);
    const char *name;
    json_t *value;
    buf[0] = 0;
    json_object_foreach(one, name, value)
        snprintf(buf, len, "%s=%s", name, json_string_value(value));
    return buf;
}

static void reset_flow(void)
{
    memset(&flow, 0, sizeof(flow));
    flow.flow_id = 7;
    flow.state = FLOW_STATE_ESTABLISHED;
}

static void test_named_list_and_metadata(void **state)
{
    (void)state;
    reset_flow();
    Harness h = load(
        "alert tcp any any -> any any (pcre:\"/user=(\\w+)&pass=(\\w+)/, flow:user,pkt:pass\"; "
        "content:\"go\"; sid:1;)\n"
        "alert tcp any any -> any any (content:\"ua=\"; pcre:\"/^(.*)\\/(\\d+\\.\\d+)/RG, "
        "flow:key,flow:value\"; sid:2;)\n");
    TestPacket t;
    char b[64];
    /* the regex matched but "go" did not: nothing is kept */
    send_pkt(&h, &t, "user=bob&pass=x1");
    assert_false(alerted(h.dt, 1));
    assert_null(detect_flow_metadata(h.dt, &t.p, &flow));
    send_pkt(&h, &t, "user=bob&pass=x1 go");
    assert_true(alerted(h.dt, 1));
    json_t *md = detect_flow_metadata(h.dt, &t.p, &flow);
    assert_string_equal(var_at(md, "flowvars", 0, b, sizeof(b)), "user=bob");
    assert_string_equal(var_at(md, "pktvars", 0, b, sizeof(b)), "pass=x1");
    json_decref(md);
    /* the packet variable belongs to its packet; the flow variable stays */
    TestPacket t2;
    send_pkt(&h, &t2, "ua=Mozilla/5.0 (X11) Firefox/28.0");
    assert_true(alerted(h.dt, 2));
    md = detect_flow_metadata(h.dt, &t2.p, &flow);
    assert_null(json_object_get(md, "pktvars"));
    assert_string_equal(var_at(md, "flowvars", 0, b, sizeof(b)), "user=bob");
    /* G (ungreedy): up to the first version number */
    assert_string_equal(var_at(md, "flowvars", 1, b, sizeof(b)), "key=Mozilla");
    assert_string_equal(var_at(md, "flowvars", 2, b, sizeof(b)), "value=5.0");
    json_decref(md);
    /* a new value keeps the variable's place */
    send_pkt(&h, &t, "user=eve&pass=y go");
    md = detect_flow_metadata(h.dt, NULL, &flow);
    assert_string_equal(var_at(md, "flowvars", 0, b, sizeof(b)), "user=eve");
    assert_int_equal(json_array_size(json_object_get(md, "flowvars")), 3);
    json_decref(md);
    detect_flow_end(h.dt, &flow);
    detect_flow_release(h.dt, &flow);
    assert_null(detect_flow_metadata(h.dt, NULL, &flow));
    unload(&h);
}

static void test_named_groups_and_key_value(void **state)
{
    (void)state;
    reset_flow();
    Harness h = load(
        /* without a list, plain groups do not capture: (?P<flow_path>) is group 1 */
        "alert tcp any any -> any any (pcre:\"/(GET|POST) (?P<flow_path>\\S+) "
        "(?P<pkt_proto>HTTP\\/1\\.[01])/\"; sid:1;)\n"
        "alert tcp any any -> any any (pcre:\"/(\\w+): (\\S+)/, pkt:key,pkt:value\"; "
        "content:\"Host\"; sid:2;)\n"
        /* a back-reference still works: the groups capture after all */
        "alert tcp any any -> any any (pcre:\"/(a+)b\\1/\"; sid:3;)\n");
    TestPacket t;
    char b[64];
    send_pkt(&h, &t, "GET /index.html HTTP/1.1\r\nHost: example.org\r\n");
    assert_true(alerted(h.dt, 1));
    assert_true(alerted(h.dt, 2));
    json_t *md = detect_flow_metadata(h.dt, &t.p, &flow);
    assert_string_equal(var_at(md, "flowvars", 0, b, sizeof(b)), "path=/index.html");
    assert_string_equal(var_at(md, "pktvars", 0, b, sizeof(b)), "proto=HTTP/1.1");
    assert_string_equal(var_at(md, "pktvars", 1, b, sizeof(b)), "Host=example.org");
    json_decref(md);
    send_pkt(&h, &t, "xaabaa");
    assert_true(alerted(h.dt, 3));
    unload(&h);
}

static void test_capture_syntax(void **state)
{
    (void)state;
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)/, flow:x\"; sid:1;)", true);
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)(b)/i, flow:x, pkt:y\"; sid:1;)", true);
    /* more names than groups */
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)/, flow:x,flow:y\"; sid:1;)", false);
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)(b)/, flow:x,host:y\"; sid:1;)", false);
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)(b)/, pkt:key,flow:y\"; sid:1;)", false);
    assert_rule("alert tcp any any -> any any (pcre:\"/(a)(b)/, pkt:value\"; sid:1;)", false);
    /* no separator: "flow:" is part of the regex */
    assert_rule("alert tcp any any -> any any (pcre:\"/xflow:y/\"; sid:1;)", true);
    assert_rule("alert tcp any any -> any any (pcre:\"/(?P<flow_a>a)(?P<pkt_b>b)/\"; sid:1;)",
                true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_list_and_metadata),
        cmocka_unit_test(test_named_groups_and_key_value),
        cmocka_unit_test(test_capture_syntax),
    };
    return cmocka_run_group_tests(tests, detect_test_setup, NULL);
}
