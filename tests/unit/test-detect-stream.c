/*
 * test-detect-stream.c - which payloads a TCP payload rule sees (detect-stream-inspect.c):
 * the classification at load (stream, packet-only, stream then packet) as Suricata 7 makes
 * it, and which packets the packet path leaves to the raw stream. The stream side itself
 * (chunks, gaps, overlaps, flow end) is covered end to end by test-stream-inspect.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect/detect-stream-inspect.h"
#include "detect-test-util.h"

static int setup_buffers(void **state)
{
    (void)state;
    applayer_buffer_register("http.uri", ALPROTO_HTTP, true, false, get_uri);
    detect_buffer_keywords_init();
    return 0;
}

enum { STREAM = 1, PACKET = 2 };

/* STREAM and/or PACKET: what the rule's payload contents are matched against. */
static int kind_of(const char *rule)
{
    char err[512];
    Signature *sig = signature_parse(rule, NULL, err, sizeof(err));
    assert_non_null(sig);
    int kind = (detect_sig_is_stream(sig) ? STREAM : 0) |
               ((sig->flags & SIG_FLAG_REQUIRE_PACKET) ? PACKET : 0);
    signature_free(sig);
    return kind;
}

static void test_classification(void **state)
{
    (void)state;
    assert_int_equal(kind_of("alert tcp any any -> any any (content:\"a\"; sid:1;)"), STREAM);
    assert_int_equal(kind_of("alert ip any any -> any any (content:\"a\"; sid:1;)"), STREAM);
    assert_int_equal(kind_of("alert tcp-stream any any -> any any (content:\"a\"; sid:1;)"),
                     STREAM);
    assert_int_equal(kind_of("alert tcp any any -> any any (flow:only_stream; content:\"a\"; "
                             "depth:1; sid:1;)"), STREAM);
    /* packet only: tcp-pkt, no_stream, header keywords */
    assert_int_equal(kind_of("alert tcp-pkt any any -> any any (content:\"a\"; sid:1;)"), PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (flow:no_stream; content:\"a\"; "
                             "sid:1;)"), PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (flags:S; content:\"a\"; sid:1;)"),
                     PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (dsize:>3; content:\"a\"; sid:1;)"),
                     PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (ttl:64; content:\"a\"; sid:1;)"),
                     PACKET);
    /* stream, then the packet: an anchored content or stream_size */
    assert_int_equal(kind_of("alert tcp any any -> any any (content:\"a\"; depth:4; sid:1;)"),
                     STREAM | PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (content:\"a\"; offset:2; sid:1;)"),
                     STREAM | PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (content:\"a\"; startswith; "
                             "sid:1;)"), STREAM | PACKET);
    assert_int_equal(kind_of("alert tcp any any -> any any (stream_size:server,>,1; "
                             "content:\"a\"; sid:1;)"), STREAM | PACKET);
    /* an app-layer rule without a sticky buffer is a stream rule (the raw stream of its
     * protocol's flows: bug 6415's unbuffered contents match at flow end) */
    assert_int_equal(kind_of("alert http any any -> any any (content:\"a\"; sid:1;)"), STREAM);
    /* not stream rules at all: other protocols, buffer rules, no payload contents */
    assert_int_equal(kind_of("alert udp any any -> any any (content:\"a\"; sid:1;)"), 0);
    assert_int_equal(kind_of("alert http any any -> any any (http.uri; content:\"a\"; "
                             "sid:1;)"), 0);
    assert_int_equal(kind_of("alert tcp any any -> any any (http.uri; content:\"a\"; sid:1;)"),
                     0);
    assert_int_equal(kind_of("alert tcp any any -> any any (flow:established; sid:1;)"), 0);
}

static void test_owns_payload(void **state)
{
    (void)state;
    char err[512];
    Signature *plain = signature_parse("alert tcp any any -> any any (content:\"a\"; sid:1;)",
                                       NULL, err, sizeof(err));
    Signature *anchored = signature_parse(
        "alert tcp any any -> any any (content:\"a\"; depth:1; sid:2;)", NULL, err, sizeof(err));
    Signature *pkt = signature_parse("alert tcp-pkt any any -> any any (content:\"a\"; sid:3;)",
                                     NULL, err, sizeof(err));
    assert_non_null(plain);
    assert_non_null(anchored);
    assert_non_null(pkt);
    Signature *only = signature_parse(
        "alert tcp any any -> any any (flow:only_stream; content:\"a\"; sid:4;)", NULL, err,
        sizeof(err));
    assert_non_null(only);
    Packet p;
    memset(&p, 0, sizeof(p));
    p.proto = IPPROTO_TCP;
    /* not taken by reassembly (no session, depth reached, data on a RST): every rule sees
     * the packet but a stream-only one */
    assert_false(detect_stream_owns_payload(plain, &p));
    assert_true(detect_stream_owns_payload(only, &p));
    p.stream_added = true;
    assert_true(detect_stream_owns_payload(plain, &p));
    assert_false(detect_stream_owns_payload(anchored, &p));
    assert_false(detect_stream_owns_payload(pkt, &p));
    p.stream_added = false;
    p.stream_pseudo = true;   /* a flow-end pseudo packet has no payload of its own */
    assert_true(detect_stream_owns_payload(anchored, &p));
    p.proto = IPPROTO_UDP;
    p.stream_pseudo = false;
    assert_false(detect_stream_owns_payload(plain, &p));
    signature_free(plain);
    signature_free(anchored);
    signature_free(pkt);
    signature_free(only);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_owns_payload),
    };
    return cmocka_run_group_tests(tests, setup_buffers, NULL);
}
