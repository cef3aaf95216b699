/*
 * fuzz-smtp.c - libFuzzer target for the SMTP parser.
 *
 * Input: records of [flags][2-byte big-endian length][bytes]. Flags bit 0 is the direction
 * (to the server when set); bit 1 makes the record a gap of that many bytes; bit 2 ends that
 * direction (EOF) after the record. Every record also goes through the probe. Transactions
 * are asked for their events and freed once done (all of them at the end), as the framework
 * does, so the transaction window and the command queue are exercised at their limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "applayer/app-layer-smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CounterSet counters;
static bool counters_ready;

static void release(const AppLayerParser *p, void *state, uint64_t *freed, bool ending)
{
    while (*freed < p->tx_count(state)) {
        void *tx = p->tx_get(state, *freed);
        if (tx) {
            if (!ending && !p->tx_done(tx, true))
                return;
            (void)p->tx_has_event(tx, "invalid_reply");
            p->tx_free(state, *freed);
        }
        (*freed)++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!counters_ready) {
        smtp_register_counters();
        counter_set_init(&counters);
        counters_ready = true;
    }
    AppLayerThread thread = {.counters = &counters};
    AppLayerFlow app = {.proto = ALPROTO_SMTP};
    Flow flow;
    memset(&flow, 0, sizeof(flow));
    flow.key.proto = IPPROTO_TCP;
    flow.app = &app;
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    AppLayerCtx ctx = {&thread, &flow, &packet, 0};
    const AppLayerParser *p = &app_layer_smtp_parser;
    void *state = p->state_new();
    if (!state)
        return 0;
    uint64_t freed = 0;
    while (size >= 3) {
        uint8_t flags = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        bool gap = flags & 2, to_server = flags & 1;
        if (!gap && len > size)
            len = size;
        uint32_t pflags = (gap ? APP_FLAG_GAP : 0) | ((flags & 4) ? APP_FLAG_EOF : 0);
        if (!gap)
            p->probe(data, (uint32_t)len, to_server);
        p->parse(state, &ctx, to_server, gap ? NULL : data, (uint32_t)len, pflags);
        release(p, state, &freed, false);
        if (!gap) {
            data += len;
            size -= len;
        }
    }
    release(p, state, &freed, true);
    p->state_free(state);
    return 0;
}
