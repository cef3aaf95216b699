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
#include "applayer/app-layer-smb.h"

#include "fuzz-applayer-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_buffer;

static void read_name(void *state, void *tx)
{
    const uint8_t *b;
    uint32_t n;
    applayer_buffer_get_nth_proto(name_buffer, ALPROTO_SMB, state, tx, true, 0, &b, &n);
}

static FuzzAppEnv *env_get(void)
{
    static FuzzAppEnv env;
    if (!fuzz_app_env_ready(&env, smb_register_counters)) {
        app_layer_smb_parser.configure(NULL);
        name_buffer = applayer_buffer_id("file.name");
    }
    return &env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzAppEnv *e = env_get();
    AppLayerThread thread = {.counters = &e->counters, .eve = &e->writer};
    Flow flow;
    AppLayerFlow app = {.proto = ALPROTO_SMB};
    fuzz_app_flow_init(&flow, &app, IPPROTO_TCP, 1, 40000, 445);
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *p = &app_layer_smb_parser;
    void *state = p->state_new();
    uint64_t logged = 0;
    FuzzRecord r;
    while (fuzz_app_next_record(&data, &size, true, &r)) {
        packet.ts_usec += 1000;
        AppLayerCtx ctx = {&thread, &flow, &packet, packet.ts_usec};
        if (!r.gap)
            p->probe(r.bytes, r.len, r.to_server);
        uint32_t pflags = (r.gap ? APP_FLAG_GAP : 0) | ((r.flags & 4) ? APP_FLAG_EOF : 0);
        p->parse(state, &ctx, r.to_server, r.bytes, r.len, pflags);
        fuzz_app_log(&ctx, p, state, &logged, false, FUZZ_TX_REQUEST, read_name);
    }
    AppLayerCtx end = {&thread, &flow, NULL, packet.ts_usec};
    fuzz_app_log(&end, p, state, &logged, true, FUZZ_TX_REQUEST, read_name);
    p->state_free(state);
    eve_writer_flush(&e->writer);
    return 0;
}
