/*
 * test-frames.c - the app layer's frames (app-layer-frames.c) and where the HTTP/1 parser puts
 * them (app-layer-http-frames.c), in stream offsets: the spans frame:http1.request and
 * frame:http1.response rules inspect. The pipelined case's offsets are those the reference
 * Suricata 7 logged (EVE frame events) for the same bytes; tests/e2e/test-frames.py checks the
 * detection side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/socket.h>

#include "applayer/app-layer-frames.h"
#include "applayer/app-layer-http.h"
#include "config/config.h"

typedef struct Harness {
    CounterSet counters;
    AppLayerThread th;
    AppLayerFlow app;
    Flow flow;
    void *state;
} Harness;

static const AppLayerParser *P = &app_layer_http_parser;

static int setup(void **st)
{
    (void)st;
    ConfNode *conf = conf_new_default();
    app_layer_http_configure(conf);
    conf_free(conf);
    app_frames_enable();
    return 0;
}

static void open_h(Harness *h)
{
    memset(h, 0, sizeof(*h));
    counter_set_init(&h->counters);
    h->th.counters = &h->counters;
    h->flow.key.proto = 6;
    h->flow.key.src.family = h->flow.key.dst.family = AF_INET;
    h->app.proto = ALPROTO_HTTP;
    h->flow.app = &h->app;
    h->state = P->state_new();
}

/* One delivery, counted the way applayer_parse() counts it. */
static void feed(Harness *h, bool to_server, const char *data)
{
    AppLayerCtx ctx = {.thread = &h->th, .flow = &h->flow, .now_usec = 1};
    uint32_t len = (uint32_t)strlen(data);
    P->parse(h->state, &ctx, to_server, (const uint8_t *)data, len, 0);
    h->app.parsed[to_server ? 0 : 1] += len;
}

static void close_h(Harness *h)
{
    P->state_free(h->state);
    free(h->app.frames);
    counter_set_free(&h->counters);
}

static void assert_frames(const Harness *h, bool to_server, const uint64_t *want, uint32_t n)
{
    uint32_t count = 0;
    const AppLayerFrame *fr = app_frames_get(&h->app, to_server, &count);
    assert_int_equal(count, n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(fr[i].type, to_server ? APP_FRAME_HTTP_REQUEST : APP_FRAME_HTTP_RESPONSE);
        assert_int_equal(fr[i].start, want[2 * i]);
        assert_int_equal(fr[i].end, want[2 * i + 1]);
    }
}

#define REQ1 "GET /malicious HTTP/1.1\r\nHost: x\r\n\r\n" /* 36 bytes */
#define REQ2 "GET /second HTTP/1.1\r\nHost: x\r\n\r\n"     /* 33 bytes */
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" /* 40 bytes */

static void test_pipelined(void **st)
{
    (void)st;
    Harness h;
    open_h(&h);
    /* the reference: request frames [0,57) and [57,69): the first ends at the LF of the
     * second's request line, read by libhtp's finalize step; responses [0,40) [40,80) */
    feed(&h, true, REQ1 REQ2);
    const uint64_t req[] = {0, 57, 57, 69};
    assert_frames(&h, true, req, 2);
    feed(&h, false, RESP RESP);
    const uint64_t resp[] = {0, 40, 40, 80};
    assert_frames(&h, false, resp, 2);
    close_h(&h);
}

static void test_split_request(void **st)
{
    (void)st;
    Harness h;
    open_h(&h);
    feed(&h, true, "GET /ma");
    assert_frames(&h, true, NULL, 0);   /* a frame opens with its message's start line */
    feed(&h, true, "lici");
    feed(&h, true, "ous HTTP/1.1\r\nHost: x\r\n");
    const uint64_t open[] = {0, APP_FRAME_OPEN};
    assert_frames(&h, true, open, 1);   /* from the direction's first byte, end unknown */
    feed(&h, true, "\r\n");
    const uint64_t one[] = {0, 36};
    assert_frames(&h, true, one, 1);    /* the delivery ended: so did libhtp's finalize */
    /* a body belongs to its request's frame */
    feed(&h, true, "POST /p HTTP/1.1\r\nContent-Length: 4\r\n\r\nab");
    const uint64_t body_open[] = {0, 36, 36, APP_FRAME_OPEN};
    assert_frames(&h, true, body_open, 2);
    feed(&h, true, "cd");
    const uint64_t done[] = {0, 36, 36, 36 + 41 + 2};
    assert_frames(&h, true, done, 2);
    close_h(&h);
}

static void test_prune_and_limit(void **st)
{
    (void)st;
    AppLayerFlow app;
    memset(&app, 0, sizeof(app));
    for (uint64_t i = 0; i < APP_FRAME_MAX + 2; i++) {
        app_frame_open(&app, true, APP_FRAME_HTTP_REQUEST, i * 10);
        app_frame_close(&app, true, APP_FRAME_HTTP_REQUEST, i * 10 + 10);
    }
    app_frame_open(&app, true, APP_FRAME_HTTP_REQUEST, 500);
    uint32_t n = 0;
    const AppLayerFrame *fr = app_frames_get(&app, true, &n);
    assert_int_equal(n, APP_FRAME_MAX);   /* the oldest were dropped to make room */
    assert_int_equal(fr[0].start, 30);
    assert_int_equal(fr[n - 1].end, APP_FRAME_OPEN);
    app_frames_prune(&app, true, 150);    /* inspected up to 150: closed frames before go */
    fr = app_frames_get(&app, true, &n);
    assert_int_equal(n, 4);
    assert_int_equal(fr[0].start, 150);
    app_frames_prune(&app, true, UINT64_MAX - 1);
    fr = app_frames_get(&app, true, &n);
    assert_int_equal(n, 1);               /* an open frame stays */
    assert_int_equal(fr[0].start, 500);
    app_frames_get(&app, false, &n);
    assert_int_equal(n, 0);
    free(app.frames);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_split_request),
        cmocka_unit_test(test_prune_and_limit),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
