/*
 * fuzz-smb.c - libFuzzer target for the SMB parser (NBSS framing, SMB1 and SMB2 file
 * commands, the file tracking behind them).
 *
 * Input: records of [flags][2-byte big-endian length][bytes]. Flags bit 0 is the direction
 * (to the server when set); bit 1 makes the record a gap of that many bytes; bit 2 ends the
 * direction (EOF) after it. Records are stream chunks, cut anywhere. Each non-gap chunk also
 * goes through the probe; transactions are logged (fileinfo to /dev/null), their file.name
 * buffer read, and freed as the framework does. The table limits (pending requests, named
 * ids, transactions) are small enough for inputs to reach them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "applayer/app-layer-smb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzEnv {
    EveLog *log;
    EveWriter writer;
    CounterSet counters;
    int name_buffer;
} FuzzEnv;

static FuzzEnv *env_get(void)
{
    static FuzzEnv env;
    if (env.log)
        return &env;
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    env.log = eve_log_open(&cfg);
    eve_writer_init(&env.writer, env.log);
    counter_set_init(&env.counters);
    app_layer_smb_parser.configure(NULL);
    env.name_buffer = applayer_buffer_id("file.name");
    return &env;
}

static void log_done(FuzzEnv *e, AppLayerCtx *ctx, void *state, uint64_t *logged, bool ending)
{
    const AppLayerParser *p = &app_layer_smb_parser;
    while (*logged < p->tx_count(state)) {
        void *tx = p->tx_get(state, *logged);
        if (tx) {
            if (!ending && !p->tx_done(tx, true))
                return;
            const uint8_t *b;
            uint32_t n;
            applayer_buffer_get_nth_proto(e->name_buffer, ALPROTO_SMB, state, tx, true, 0, &b, &n);
            p->log_tx(ctx, state, tx, *logged);
            p->tx_free(state, *logged);
        }
        (*logged)++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzEnv *e = env_get();
    AppLayerThread thread = {.counters = &e->counters, .eve = &e->writer};
    Flow flow;
    memset(&flow, 0, sizeof(flow));
    flow.key.proto = IPPROTO_TCP;
    AppLayerFlow app = {.proto = ALPROTO_SMB};
    flow.app = &app;
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *p = &app_layer_smb_parser;
    void *state = p->state_new();
    uint64_t logged = 0;
    while (size >= 3) {
        uint8_t flags = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        bool gap = flags & 2, to_server = flags & 1;
        if (!gap && len > size)
            len = size;
        packet.ts_usec += 1000;
        AppLayerCtx ctx = {&thread, &flow, &packet, packet.ts_usec};
        if (!gap)
            p->probe(data, (uint32_t)len, to_server);
        uint32_t pflags = (gap ? APP_FLAG_GAP : 0) | ((flags & 4) ? APP_FLAG_EOF : 0);
        p->parse(state, &ctx, to_server, gap ? NULL : data, (uint32_t)len, pflags);
        log_done(e, &ctx, state, &logged, false);
        if (!gap) {
            data += len;
            size -= len;
        }
    }
    AppLayerCtx end = {&thread, &flow, NULL, packet.ts_usec};
    log_done(e, &end, state, &logged, true);
    p->state_free(state);
    eve_writer_flush(&e->writer);
    return 0;
}
