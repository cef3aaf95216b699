/*
 * applayer-test-util.h - what the unit tests of the stream parsers (test-ftp, test-smb)
 * share: a fake TCP flow with its thread, counters and context, and the driver that delivers
 * a session whole, a byte at a time and in odd-sized pieces, since a stream parser must give
 * the same result however the stream was cut.
 *
 * Each test's counter set stays alive until the next test starts (a logged transaction may
 * still point at it); the last is freed by app_test_free_counters, the group teardown, so
 * LeakSanitizer sees nothing left. Everything is static inline: each test takes what it uses.
 */
#ifndef BONGSU_TEST_APPLAYER_UTIL_H
#define BONGSU_TEST_APPLAYER_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "applayer/app-layer.h"

typedef struct AppTestEnv {
    CounterSet counters;
    AppLayerThread thread;
    Flow flow;
    AppLayerFlow app;
    Packet packet;
    AppLayerCtx ctx;
} AppTestEnv;

static CounterSet app_test_last_counters;

static inline int app_test_free_counters(void **unused)
{
    (void)unused;
    counter_set_free(&app_test_last_counters);
    return 0;
}

/* A TCP flow of protocol proto with fresh counters (register the parser's counters first)
 * and a context on e's packet at time ts_usec. */
static inline void app_test_env_init(AppTestEnv *e, AppProto proto, uint64_t ts_usec)
{
    memset(e, 0, sizeof(*e));
    counter_set_init(&e->counters);
    counter_set_free(&app_test_last_counters);
    app_test_last_counters = e->counters;
    e->thread.counters = &e->counters;
    e->flow.key.proto = IPPROTO_TCP;
    e->app.proto = proto;
    e->flow.app = &e->app;
    e->packet.ts_usec = ts_usec;
    e->ctx = (AppLayerCtx){&e->thread, &e->flow, &e->packet, ts_usec};
}

/* Delivers len bytes to p in pieces of step bytes (the last may be shorter); every parse
 * must succeed. */
static inline void app_test_feed(AppTestEnv *e, const AppLayerParser *p, void *state,
                                 bool to_server, const void *bytes, size_t len, size_t step)
{
    const uint8_t *b = bytes;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        assert_int_equal(p->parse(state, &e->ctx, to_server, b + off, (uint32_t)n, 0), 0);
    }
}

/* A session delivered in pieces of `step` bytes that checks its own result. */
typedef void (*AppTestSession)(size_t step);

#define APP_TEST_WHOLE ((size_t)1 << 20)

/* Runs the session whole, then a byte at a time, then in pieces of odd_step bytes (a size
 * that cuts the records at varying places). */
static inline void app_test_whole_and_bytewise(AppTestSession session, size_t odd_step)
{
    session(APP_TEST_WHOLE);
    session(1);
    session(odd_step);
}

#endif
