/*
 * fuzz-dns.c - libFuzzer target for the DNS parser and logger, over UDP and TCP.
 *
 * Input: one mode byte, then records of [flags][2-byte big-endian length][bytes]. Mode bit 0
 * picks TCP (records are stream chunks, split anywhere) or UDP (records are datagrams); bit 1
 * switches the EVE output to version 3, bit 2 restricts it with dns options (types, formats),
 * which take the filtering paths. Record flags bit 0 is the direction (to the server when
 * set), bit 1 makes the record a gap of that many bytes (TCP). Each record goes through both
 * probes and the parser; finished transactions are logged (to /dev/null), their alert object
 * and detection buffer are built, and they are freed, as the framework does.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "applayer/app-layer-dns.h"
#include "config/config.h"

#include "fuzz-applayer-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char v3_yaml[] = "outputs:\n  - eve-log:\n      types:\n        - dns:\n"
                              "            version: 3\n";
static const char filter_yaml[] = "outputs:\n  - eve-log:\n      types:\n        - dns:\n"
                                  "            types: [a, txt, soa]\n"
                                  "            formats: [grouped]\n";

static FuzzAppEnv env;
static ConfNode *v3, *filtered;
static int query_buffer;

static ConfNode *load(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[256];
    conf_load_string(root, yaml, "fuzz", err, sizeof(err));
    return root;
}

static void read_query(void *state, void *tx)
{
    const uint8_t *buf;
    uint32_t len;
    applayer_buffer_get(query_buffer, state, tx, true, &buf, &len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!fuzz_app_env_ready(&env, NULL)) {
        v3 = load(v3_yaml);
        filtered = load(filter_yaml);
        app_layer_dns_parser.configure(NULL);
        query_buffer = applayer_buffer_id("dns.query");
    }
    uint8_t mode = data[0];
    bool tcp = mode & 1;
    dns_log_configure((mode & 2) ? v3 : (mode & 4) ? filtered : NULL);
    AppLayerThread thread = {.counters = &env.counters, .eve = &env.writer};
    Flow flow;
    fuzz_app_flow_init(&flow, NULL, tcp ? IPPROTO_TCP : IPPROTO_UDP, 1, 40000, 53);
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *p = &app_layer_dns_parser;
    void *state = p->state_new();
    uint64_t logged = 0;
    data++;
    size--;
    FuzzRecord r;
    bool stopped = false;
    while (!stopped && fuzz_app_next_record(&data, &size, tcp, &r)) {
        packet.to_server = r.to_server;
        packet.ts_usec += 1000;
        AppLayerCtx ctx = {&thread, &flow, &packet, packet.ts_usec};
        if (!r.gap) {
            p->probe(r.bytes, r.len, r.to_server);
            p->probe_tcp(r.bytes, r.len, r.to_server);
        }
        uint32_t pflags = r.gap ? APP_FLAG_GAP : tcp ? 0 : APP_FLAG_DATAGRAM;
        stopped = p->parse(state, &ctx, r.to_server, r.bytes, r.len, pflags) != 0;
        fuzz_app_log(&ctx, p, state, &logged, false, FUZZ_TX_ANY, read_query);
    }
    p->state_free(state);
    eve_writer_flush(&env.writer);
    return 0;
}
