/*
 * fuzz-http-util.h - what the two HTTP fuzz targets share: a parser driven the way the
 * framework drives it (feed, then log and free complete transactions in id order), with EVE
 * written to /dev/null so the loggers run too, and every detection buffer read before each
 * transaction is freed.
 *
 * Frames are on (as when a frame: rule is loaded): after every delivery the direction's
 * frames must lie in order inside the bytes fed so far, or the target aborts.
 *
 * Input layout: byte 0 picks the delivery size (1..256 bytes); the rest is the fuzzed
 * direction's byte stream. The other direction is a fixed, valid stream.
 */
#ifndef BONGSU_FUZZ_HTTP_UTIL_H
#define BONGSU_FUZZ_HTTP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "applayer/app-layer-frames.h"
#include "applayer/app-layer-http.h"
#include "config/config.h"
#include "fuzz-conf-util.h"

typedef struct FuzzHttp {
    EveLog *log;
    EveWriter w;
    CounterSet counters;
    AppLayerThread th;
    AppLayerFlow app;
    Flow flow;
    void *state;
    uint64_t logged;
} FuzzHttp;

static const char *const fuzz_http_buffers[] = {
    "http.uri", "http.uri.raw", "http.method", "http.host", "http.host.raw", "http.user_agent",
    "http.header", "http.header.raw", "http.header_names", "http.cookie", "http.request_body",
    "http.response_body", "http.stat_code", "http.stat_msg", "http.content_type",
    "http.referer", "http.protocol", "http.start", "http.request_line", "http.response_line",
    "http.server", "http.location", "file.data",
};

static void fuzz_http_once(void)
{
    static const char *const sets[] = {
        "outputs.1.eve-log.types.6.files.force-hash.0=md5",
        "outputs.1.eve-log.types.3.http.dump-all-headers=both",
    };
    fuzz_configure_once(app_layer_http_configure, sets, sizeof(sets) / sizeof(sets[0]));
    app_frames_enable();
}

/* The frames of one direction: each inside [0, fed], starting where the one before ended
 * or later, at most one open (the last). */
static void fuzz_http_check_frames(const FuzzHttp *fz, bool to_server)
{
    uint32_t n = 0;
    const AppLayerFrame *fr = app_frames_get(&fz->app, to_server, &n);
    uint64_t fed = fz->app.parsed[to_server ? 0 : 1], prev_end = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool open = fr[i].end == APP_FRAME_OPEN;
        if (fr[i].start < prev_end || fr[i].start > fed || (open && i + 1 != n) ||
            (!open && (fr[i].end < fr[i].start || fr[i].end > fed)))
            abort();
        prev_end = open ? fr[i].start : fr[i].end;
    }
}

static void fuzz_http_read_buffers(FuzzHttp *fz, void *tx)
{
    for (size_t i = 0; i < sizeof(fuzz_http_buffers) / sizeof(fuzz_http_buffers[0]); i++) {
        int id = applayer_buffer_id(fuzz_http_buffers[i]);
        const uint8_t *d;
        uint32_t n;
        for (int dir = 0; dir < 2; dir++)
            if (applayer_buffer_get(id, fz->state, tx, dir, &d, &n) && n)
                (void)d[n - 1];
    }
}

static void fuzz_http_log(FuzzHttp *fz, bool ending)
{
    const AppLayerParser *p = &app_layer_http_parser;
    AppLayerCtx ctx = {.thread = &fz->th, .flow = &fz->flow, .now_usec = 1};
    while (fz->logged < p->tx_count(fz->state)) {
        void *tx = p->tx_get(fz->state, fz->logged);
        if (tx) {
            if (!ending && !(p->tx_done(tx, true) && p->tx_done(tx, false)))
                break;
            fuzz_http_read_buffers(fz, tx);
            json_decref(p->tx_alert_json(fz->state, tx));
            p->log_tx(&ctx, fz->state, tx, fz->logged);
            p->tx_free(fz->state, fz->logged);
        }
        fz->logged++;
    }
}

static void fuzz_http_open(FuzzHttp *fz)
{
    fuzz_http_once();
    memset(fz, 0, sizeof(*fz));
    EveConfig cfg;
    eve_config_default(&cfg);
    cfg.enabled = true;
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    cfg.types[EVE_HTTP] = cfg.types[EVE_FILES] = cfg.types[EVE_ANOMALY] = true;
    cfg.anomaly_applayer = true;
    fz->log = eve_log_open(&cfg);
    eve_writer_init(&fz->w, fz->log);
    counter_set_init(&fz->counters);
    fz->th.counters = &fz->counters;
    fz->th.eve = &fz->w;
    fz->flow.key.proto = 6;
    fz->flow.key.src.family = fz->flow.key.dst.family = AF_INET;
    fz->app.proto = ALPROTO_HTTP;
    fz->flow.app = &fz->app;
    fz->state = app_layer_http_parser.state_new();
}

static void fuzz_http_feed(FuzzHttp *fz, bool to_server, const uint8_t *data, size_t len,
                           size_t step)
{
    AppLayerCtx ctx = {.thread = &fz->th, .flow = &fz->flow, .now_usec = 1};
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        app_layer_http_parser.parse(fz->state, &ctx, to_server, data + off, (uint32_t)n, 0);
        fz->app.parsed[to_server ? 0 : 1] += n;
        fuzz_http_check_frames(fz, to_server);
        fuzz_http_log(fz, false);
    }
}

static void fuzz_http_close(FuzzHttp *fz)
{
    AppLayerCtx ctx = {.thread = &fz->th, .flow = &fz->flow, .now_usec = 1};
    app_layer_http_parser.parse(fz->state, &ctx, true, NULL, 0, APP_FLAG_EOF);
    app_layer_http_parser.parse(fz->state, &ctx, false, NULL, 0, APP_FLAG_EOF);
    fuzz_http_log(fz, true);
    fuzz_http_check_frames(fz, true);
    fuzz_http_check_frames(fz, false);
    free(fz->app.frames);
    app_layer_http_parser.state_free(fz->state);
    eve_writer_destroy(&fz->w);
    eve_log_close(fz->log);
    counter_set_free(&fz->counters);
}

/* One input: byte 0 picks the delivery size, the rest is the fuzzed direction (to_server or
 * not); the other direction is the fixed stream other (other_len bytes, no NUL). */
static int fuzz_http_run(const uint8_t *data, size_t size, bool fuzz_to_server,
                         const char *other, size_t other_len)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    FuzzHttp fz;
    fuzz_http_open(&fz);
    if (fuzz_to_server) {
        fuzz_http_feed(&fz, true, data + 1, size - 1, step);
        fuzz_http_feed(&fz, false, (const uint8_t *)other, other_len, step);
    } else {
        fuzz_http_feed(&fz, true, (const uint8_t *)other, other_len, step);
        fuzz_http_feed(&fz, false, data + 1, size - 1, step);
    }
    fuzz_http_close(&fz);
    return 0;
}

#endif
